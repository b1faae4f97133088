"""Handing batches from worker processes to the training process through
shared memory.

A queue pickles what it carries: a batch of 64 224x224 RGB images (9.6 MB)
is copied into a pickle, through a pipe, and out again. Instead a worker
writes the batch's large arrays into one file in ``/dev/shm`` and sends only
their layout; the consumer maps the file and builds the arrays on the mapping
(no copy), then unlinks it at once, so the memory is freed when the last
array goes. Small arrays and other objects travel as before.

Files carry the consumer's pid and session in their names:
:func:`remove_session` deletes those a stopped epoch left unclaimed, and a
new session first sweeps those of consumers that were killed.
"""
from __future__ import annotations

import mmap
import os
import uuid
from typing import Any, List, Optional

import numpy as np

from deeplake.loader.collate import LoaderBatch

SHM_DIR = "/dev/shm"
# below this a pickle costs less than creating and mapping a file
MIN_SHARED_BYTES = 256 * 1024
_PREFIX = "deeplake-batch-"
_ALIGN = 64


def available() -> bool:
    return os.path.isdir(SHM_DIR) and os.access(SHM_DIR, os.W_OK)


def new_session() -> str:
    """A name prefix for one consumer's batch files (sweeping those of dead consumers first)."""
    sweep_dead()
    return f"{_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:10]}-"


def sweep_dead() -> int:
    """Delete batch files whose consumer process is gone (killed before it could clean up)."""
    n = 0
    try:
        names = [x for x in os.listdir(SHM_DIR) if x.startswith(_PREFIX)]
    except OSError:
        return 0
    for name in names:
        try:
            pid = int(name[len(_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if not _alive(pid):
            n += _unlink(os.path.join(SHM_DIR, name))
    return n


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


class _Ref:
    __slots__ = ("offset", "dtype", "shape")

    def __init__(self, offset: int, dtype: str, shape: tuple):
        self.offset, self.dtype, self.shape = offset, dtype, shape


class SharedBatch:
    """A batch whose large arrays wait in a shared-memory file."""

    __slots__ = ("path", "size", "skeleton")

    def __init__(self, path: str, size: int, skeleton: Any):
        self.path, self.size, self.skeleton = path, size, skeleton


def _shareable(x) -> bool:
    return (isinstance(x, np.ndarray) and x.dtype != object and x.dtype.kind not in "OUSV"
            and x.nbytes >= MIN_SHARED_BYTES)


def _walk(obj, fn):
    """``obj`` with every leaf replaced by ``fn(leaf)``, through plain dicts,
    lists and tuples (other containers are leaves: they travel pickled)."""
    kind = type(obj)
    if kind is dict:
        return {k: _walk(v, fn) for k, v in obj.items()}
    if kind is LoaderBatch:
        return LoaderBatch({k: _walk(v, fn) for k, v in obj.items()})
    if kind is list:
        return [_walk(v, fn) for v in obj]
    if kind is tuple:
        return tuple(_walk(v, fn) for v in obj)
    return fn(obj)


def pack(batch: Any, session: str) -> Any:
    """In a worker: ``batch`` with its large arrays moved to a shared-memory file."""
    arrays: List[np.ndarray] = []

    def collect(x):
        if _shareable(x):
            arrays.append(x)
        return x

    _walk(batch, collect)
    if not arrays:
        return batch
    offsets, size = {}, 0
    for a in arrays:
        offsets[id(a)] = size
        size += -(-a.nbytes // _ALIGN) * _ALIGN
    path = os.path.join(SHM_DIR, f"{session}{uuid.uuid4().hex[:12]}")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, size)
        with mmap.mmap(fd, size) as mm:
            for a in arrays:
                off = offsets[id(a)]
                np.frombuffer(mm, dtype=np.uint8, count=a.nbytes, offset=off)[:] = \
                    np.ascontiguousarray(a).reshape(-1).view(np.uint8)
    except BaseException:
        os.close(fd)
        _unlink(path)
        raise
    os.close(fd)

    def to_ref(x):
        if _shareable(x) and id(x) in offsets:
            return _Ref(offsets[id(x)], x.dtype.str, x.shape)
        return x

    return SharedBatch(path, size, _walk(batch, to_ref))


def unpack(item: Any) -> Any:
    """In the consumer: the batch, its arrays living on the mapped file."""
    if not isinstance(item, SharedBatch):
        return item
    fd = os.open(item.path, os.O_RDWR)
    try:
        mm = mmap.mmap(fd, item.size)
    finally:
        os.close(fd)
        _unlink(item.path)  # the mapping stays until the last array using it goes

    def from_ref(x):
        if isinstance(x, _Ref):
            dtype = np.dtype(x.dtype)
            count = int(np.prod(x.shape, dtype=np.int64))
            return np.frombuffer(mm, dtype=dtype, count=count, offset=x.offset).reshape(x.shape)
        return x

    return _walk(item.skeleton, from_ref)


def discard(item: Any) -> None:
    """Free an unclaimed batch's file."""
    if isinstance(item, SharedBatch):
        _unlink(item.path)


def remove_session(session: Optional[str]) -> int:
    """Delete batch files of ``session`` left behind by a stopped epoch; returns how many."""
    if not session:
        return 0
    n = 0
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return 0
    for name in names:
        if name.startswith(session):
            n += _unlink(os.path.join(SHM_DIR, name))
    return n


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except FileNotFoundError:
        return 0
