"""Ingesting a batch of local files stored as they are.

``tensor.extend([deeplake.read(p) for p in paths])`` is how folders of
images come in. When every item is an untouched local file whose format is
the tensor's sample_compression, each file is stored byte for byte, so the
files are read straight into one buffer (the arena) and full chunks are
written from slices of it: the bytes are copied by the kernel on the way in
and on the way out, never by Python. Shapes come from the file headers.

Anything unusual (a remote path, a Sample already read, ``verify=True``, a
file that cannot be opened) makes :func:`read_file_batch` return None and
the caller takes the general path, which raises the usual errors.
"""
from __future__ import annotations

import json
import os
from typing import List, Optional

import numpy as np

# Below this many files the general path is as fast and simpler.
MIN_FILES = 16

_REMOTE_MARK = "://"


class FileBatch:
    """Files read into one arena: ``arena[offsets[i]:offsets[i + 1]]`` is file i."""

    __slots__ = ("arena", "offsets", "shapes", "dtype", "paths", "compression", "_exif")

    def __init__(self, arena: np.ndarray, offsets: np.ndarray, shapes: List[tuple], dtype: np.dtype,
                 paths: List[str], compression: str, exif: List[Optional[bool]]):
        self.arena = arena
        self.offsets = offsets
        self.shapes = shapes
        self.dtype = dtype
        self.paths = paths
        self.compression = compression
        self._exif = exif

    def __len__(self) -> int:
        return len(self.paths)

    def views(self) -> List[memoryview]:
        mv = memoryview(self.arena)
        offs = self.offsets.tolist()
        return [mv[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]

    def sample_info_json(self) -> List[bytes]:
        """What ``sample_info`` holds for each file, JSON-encoded as the json tensor stores it."""
        from deeplake.htypes.text import encode_json

        out = []
        offs = self.offsets.tolist()
        for i, path in enumerate(self.paths):
            shape = self.shapes[i]
            if self._exif[i] is False and self.compression == "jpeg":
                # the general path's dict {"exif": {}, "shape", "format", "filename", "modified"}
                # in json.dumps' default layout, without building the dict
                out.append(
                    ('{"exif": {}, "shape": [%s], "format": "jpeg", "filename": %s, "modified": false}'
                     % (", ".join(map(str, shape)), json.dumps(path))).encode("utf-8")
                )
                continue
            sample = _sample_over(path, self.compression, bytes(self.arena[offs[i]:offs[i + 1]]))
            info = dict(sample.sample_info)
            out.append(encode_json(info))
        return out


def _sample_over(path: str, compression: str, buf: bytes):
    from deeplake.core.sample import Sample

    s = Sample(path, compression=compression)
    s._buffer = buf
    return s


def _eligible_paths(samples, compression: str) -> Optional[List[str]]:
    from deeplake.core.sample import Sample

    if len(samples) < MIN_FILES:
        return None
    paths = []
    for s in samples:
        if (type(s) is not Sample or s._array is not None or s._buffer is not None or s._verify
                or s._storage is not None or s._compression != compression or s._shape is not None):
            return None
        p = s.path
        if _REMOTE_MARK in p:
            return None
        paths.append(p)
    return paths


def _read_all(paths: List[str]):
    """(arena, offsets) of every file, or None if one cannot be read as expected."""
    n = len(paths)
    offsets = [0] * (n + 1)
    arena = None
    view = None
    pos = 0
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    for i, p in enumerate(paths):
        try:
            fd = os.open(os.path.expanduser(p), flags)
        except OSError:
            return None
        try:
            size = os.fstat(fd).st_size
            if arena is None or pos + size > len(arena):
                # first file's size times the count, with room; np.empty leaves
                # untouched pages unallocated, so a generous guess costs nothing
                want = max(pos + size, (size + 4096) * (n - i) + pos, 2 * len(arena) if arena is not None else 0)
                grown = np.empty(want, dtype=np.uint8)
                if pos:
                    grown[:pos] = arena[:pos]
                arena, view = grown, memoryview(grown)
            got = 0
            while got < size:
                k = os.readv(fd, [view[pos + got:pos + size]])
                if k == 0:
                    return None  # the file shrank under us: let the general path read it
                got += k
        except OSError:
            return None
        finally:
            os.close(fd)
        pos += size
        offsets[i + 1] = pos
    return arena[:pos], np.asarray(offsets, dtype=np.int64)


def read_file_batch(samples, compression: Optional[str]) -> Optional[FileBatch]:
    """Read ``samples`` (deeplake.read Samples of local ``compression`` files) into one arena."""
    if compression is None or not isinstance(samples, list):
        return None
    paths = _eligible_paths(samples, compression)
    if paths is None:
        return None
    got = _read_all(paths)
    if got is None:
        return None
    from deeplake.compression.image import jpeg_header  # Pillow loads with it: not at import

    arena, offsets = got
    mv = memoryview(arena)
    offs = offsets.tolist()
    shapes: List[tuple] = []
    exif: List[Optional[bool]] = []
    dtype = None
    for i, path in enumerate(paths):
        buf = mv[offs[i]:offs[i + 1]]
        fast = jpeg_header(buf) if compression == "jpeg" else None
        if fast is not None:
            shapes.append(fast[0])
            exif.append(fast[1])
            dtype = dtype or np.dtype(np.uint8)
            continue
        try:
            sample = _sample_over(path, compression, bytes(buf))
            shapes.append(tuple(int(x) for x in sample.shape))
            dtype = dtype or np.dtype(sample.dtype)
        except Exception:
            return None  # the general path reports this file's problem
        exif.append(None)
    return FileBatch(arena, offsets, shapes, dtype, paths, compression, exif)


# ------------------------------------------------------------------ appending
def can_append_arena(engine, fb: FileBatch) -> bool:
    """Plain sample-compressed chunks and no sample big enough to be tiled."""
    if engine.meta.chunk_compression is not None or not engine.codec.numeric:
        return False
    threshold = engine.tiling_threshold
    return threshold == -1 or int(np.diff(fb.offsets).max(initial=0)) <= threshold


def append_arena(engine, arena: np.ndarray, offsets: np.ndarray, shapes) -> None:
    """Append samples laid end to end in ``arena``.

    Chunks fill as the engine's per-sample append fills them, but a new
    chunk that fills up is written from its arena slice directly (no copy
    into a chunk buffer), several files at once.
    """
    offs = offsets.tolist()
    n = len(offs) - 1
    limit = engine.min_chunk_size
    cid, chunk = engine._last_chunk_for_append()
    size = chunk.num_data_bytes if chunk is not None else 0
    writes: List[tuple] = []
    i = 0
    while i < n:
        if chunk is None:
            cid, chunk = engine._new_chunk()
            size = 0
        j = i
        while j < n and (size == 0 or size + offs[j + 1] - offs[j] <= limit):
            size += offs[j + 1] - offs[j]
            j += 1
        filled = j < n
        if filled and chunk.num_samples == 0:
            writes.append(_filled_chunk_write(engine, cid, arena[offs[i]:offs[j]],
                                              np.diff(offsets[i:j + 1]), shapes[i:j]))
        else:
            mv = memoryview(arena)
            chunk.append_samples([mv[offs[k]:offs[k + 1]] for k in range(i, j)], shapes[i:j])
        engine.chunk_ids.register_samples(cid, j - i)
        i = j
        if filled:
            engine._retire(cid)
            chunk = None
    _write_all(engine._storage, writes)


def _filled_chunk_write(engine, cid: int, data: np.ndarray, sizes: np.ndarray, shapes) -> tuple:
    """(key, parts) of a filled new chunk whose data is an arena slice."""
    from deeplake.format import keys

    chunk = engine._chunks.pop(cid)
    engine._dirty_chunks.pop(cid, None)
    chunk.byte_positions.set_sizes(sizes)
    chunk.shapes.set_all_shapes(np.asarray(shapes, dtype=np.int64))
    name = keys.chunk_name_from_id(cid)
    return keys.chunk_key(engine.ctx.commit_id, engine.key, name), (chunk.header_bytes(), data)


def _write_all(storage, writes: List[tuple]) -> None:
    """Write (key, parts) pairs; several at once on two threads, as the
    kernel's page copies then run on both cores (all land before return)."""
    if len(writes) < 2:
        for key, parts in writes:
            storage.write_parts(key, parts)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        for f in [pool.submit(storage.write_parts, key, parts) for key, parts in writes]:
            f.result()
