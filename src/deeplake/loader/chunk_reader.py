"""Whole-chunk reads for the loader, with a byte-bounded chunk cache.

The loader fetches every chunk it needs once per epoch straight from the
storage chain, without filling the dataset's LRU cache (an epoch over a big
dataset would otherwise evict everything the user cached) and without the
engine's unbounded per-engine chunk dictionary.

The epoch's order is known before it starts, so the cache is told how many
more times each chunk will be used (``expect``) and drops a chunk as soon
as its last batch has read it (``release``). A chunk with half or fewer of
its samples still to come is compacted to just those samples' bytes, so
memory follows the samples the shuffle buffer holds, not the dataset's
size. The byte budget stays as a hard cap on top.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Dict, Optional

import numpy as np

from deeplake.errors import SampleReadError
from deeplake.format import keys
from deeplake.format.chunk import Chunk


def read_key(storage, key: str):
    """Bytes at ``key``: from a cache layer when already there, else from the base provider."""
    from deeplake.storage.lru_cache import LRUCache

    s = storage
    while isinstance(s, LRUCache):
        value = s._cached_locked(key)
        if value is not None:
            return value
        if s.next_storage is None:
            raise KeyError(key)
        s = s.next_storage
    return s[key]


class _Entry:
    """One cached chunk: the parsed chunk, or (once compacted) just the samples still to be read.

    ``table`` is (byte starts, byte ends, shapes, buffer) per local sample,
    built on first byte-range read; ``pos`` maps local sample -> row of
    ``data`` for fixed-shape reads (None: identity).
    """

    __slots__ = ("chunk", "data", "table", "pos", "size", "kept")

    def __init__(self, chunk, data, size: int, kept: int):
        self.chunk = chunk
        self.data = data
        self.table = None
        self.pos = None
        self.size = size
        self.kept = kept


# bytes held before half-read chunks are shrunk to what is still to be read
COMPACT_ABOVE_BYTES = 64 * 10**6


class ChunkCache:
    """Chunks of one tensor, evicted when the epoch no longer needs them or past ``budget`` bytes."""

    def __init__(self, engine, budget: int, disk=None):
        self.engine = engine
        self.budget = max(int(budget), 1)
        self.disk = disk  # a LocalChunkCache, or None
        self._entries: "OrderedDict[int, _Entry]" = OrderedDict()
        self._index: Optional["ChunkIndex"] = None
        self._left = None  # uses left this epoch per global sample (None: plain LRU)
        self._chunk_left: Dict[int, int] = {}
        self._lock = threading.Lock()
        self.used = 0
        self.peak = 0  # most bytes held at once (for tests and benchmarks)
        self.loads = 0

    @property
    def index(self) -> "ChunkIndex":
        if self._index is None:
            self._index = ChunkIndex(self.engine)
        return self._index

    # ------------------------------------------------------ epoch planning
    def expect(self, indices) -> None:
        """Announce the global sample indices this cache will serve this epoch (None: forget)."""

        with self._lock:
            if indices is None or self.index.empty:
                self._left, self._chunk_left = None, {}
                return
            indices = np.asarray(indices, dtype=np.int64)
            left = np.zeros(int(self.index.lasts[-1]) + 1, dtype=np.int32)
            np.add.at(left, indices, 1)
            cids = self.index.locate(indices)[0]
            ids, counts = np.unique(cids, return_counts=True)
            self._left = left
            self._chunk_left = dict(zip(ids.tolist(), counts.tolist()))
            for cid in [c for c in self._entries if c not in self._chunk_left]:
                self._drop(cid)

    def release(self, indices) -> None:
        """These samples were read: drop chunks the epoch is done with, shrink those nearly done."""

        if self._left is None or not len(indices):
            return
        indices = np.asarray(indices, dtype=np.int64)
        cids = self.index.locate(indices)[0]
        ids, counts = np.unique(cids, return_counts=True)
        with self._lock:
            if self._left is None:
                return
            np.subtract.at(self._left, indices, 1)
            for cid, k in zip(ids.tolist(), counts.tolist()):
                remaining = self._chunk_left.get(cid, 0) - k
                entry = self._entries.get(cid)
                if remaining <= 0:
                    self._chunk_left.pop(cid, None)
                    if entry is not None:
                        self._drop(cid)
                    continue
                self._chunk_left[cid] = remaining
                # shrinking copies bytes: worth it once more than a few chunks are
                # held (a shuffled epoch), not for the one or two a sequential epoch holds
                if (entry is not None and remaining * 2 <= entry.kept and entry.kept >= 8
                        and self.used > min(self.budget // 2, COMPACT_ABOVE_BYTES)):
                    self._compact(cid, entry)

    def _compact(self, cid: int, entry: _Entry) -> None:
        """Keep only the bytes of samples still to be read (the shuffle buffer's leftovers)."""

        span = self.index.span(cid)
        if span is None:
            return
        first, last = span
        locals_ = np.flatnonzero(self._left[first : last + 1] > 0)
        if entry.table is not None:
            starts, ends, shapes, buf = entry.table
            parts, new_starts, new_ends, pos = [], list(starts), list(ends), 0
            for j in locals_.tolist():
                piece = buf[starts[j] : ends[j]]
                parts.append(piece)
                new_starts[j], new_ends[j] = pos, pos + len(piece)
                pos += len(piece)
            data = b"".join(parts)
            entry.table = (new_starts, new_ends, shapes, memoryview(data))
        elif isinstance(entry.data, np.ndarray):
            return self._compact_rows(cid, entry, locals_)
        else:
            return  # not read yet in either form: nothing to shrink from
        entry.chunk, entry.data = None, data
        self._resize(entry, len(data) + 64 + 16 * len(locals_), len(locals_))

    def _compact_rows(self, cid: int, entry: _Entry, locals_) -> None:
        rows = entry.data
        src = locals_ if entry.pos is None else entry.pos[locals_]
        kept = np.ascontiguousarray(rows[src])
        pos = np.full(len(entry.pos) if entry.pos is not None else len(rows), -1, dtype=np.int64)
        pos[locals_] = np.arange(len(locals_))
        entry.chunk, entry.data, entry.pos = None, kept, pos
        self._resize(entry, kept.nbytes + pos.nbytes + 64, len(locals_))

    def _resize(self, entry: _Entry, size: int, kept: int) -> None:
        self.used += size - entry.size
        entry.size, entry.kept = size, kept

    def _drop(self, cid: int) -> None:
        entry = self._entries.pop(cid, None)
        if entry is not None:
            self.used -= entry.size

    # ---------------------------------------------------------------- reads
    def tables(self, chunk_id: int) -> tuple:
        """(byte starts, byte ends, shapes, buffer) of the chunk's samples."""

        entry = self._entry(chunk_id)
        t = entry.table
        if t is None:
            chunk = entry.chunk
            n = chunk.num_samples
            starts, ends = chunk.byte_positions.positions(np.arange(n, dtype=np.int64))
            shapes = [tuple(r) for r in chunk.shapes.all_shapes().tolist()]
            t = (starts.tolist(), ends.tolist(), shapes, memoryview(chunk.data))
            with self._lock:
                if entry.table is None:
                    entry.table = t
        return entry.table

    def rows(self, chunk_id: int, shape, dtype) -> tuple:
        """(2-d array of stored rows, local -> row map or None) for a fixed-shape chunk."""
        entry = self._entry(chunk_id)
        with self._lock:
            if entry.chunk is not None and entry.pos is None and not isinstance(entry.data, np.ndarray):
                entry.data = np.frombuffer(entry.chunk.data, dtype=dtype).reshape((-1,) + tuple(shape))
            return entry.data, entry.pos

    def get(self, chunk_id: int) -> Chunk:
        """The parsed chunk (loaded again if only a compacted part is cached)."""
        entry = self._entry(chunk_id)
        if entry.chunk is not None:
            return entry.chunk
        return self._fetch(chunk_id)

    def _entry(self, chunk_id: int) -> _Entry:
        with self._lock:
            entry = self._entries.get(chunk_id)
            if entry is not None:
                self._entries.move_to_end(chunk_id)
                return entry
        chunk = self._fetch(chunk_id)  # outside the lock: other threads keep decoding
        entry = _Entry(chunk, chunk.data, chunk.num_data_bytes + 64, chunk.num_samples)
        with self._lock:
            if chunk_id in self._entries:
                return self._entries[chunk_id]
            self._entries[chunk_id] = entry
            self.used += entry.size
            while self.used > self.budget and len(self._entries) > 1:
                old = next(iter(self._entries))
                if old == chunk_id:  # never evict the chunk being handed out
                    self._entries.move_to_end(old)
                    old = next(iter(self._entries))
                self._drop(old)
            self.peak = max(self.peak, self.used)
        return entry

    def _fetch(self, chunk_id: int) -> Chunk:
        chunk = self.engine._chunks.get(chunk_id)  # unflushed or already parsed by the engine
        return chunk if chunk is not None else self._load(chunk_id)

    def _load(self, chunk_id: int) -> Chunk:
        eng = self.engine
        name = keys.chunk_name_from_id(chunk_id)
        skey = eng.ctx.chunk_storage_key(eng.key, name)
        self.loads += 1
        buf = self.disk.get(skey) if self.disk is not None else None
        if buf is None:
            try:
                buf = read_key(eng._storage, skey)
            except KeyError:
                raise SampleReadError(
                    f"Chunk '{name}' of tensor '{eng.key}' is missing from storage (key '{skey}')."
                ) from None
            if self.disk is not None:
                self.disk.put(skey, buf)
        return Chunk.frombuffer(buf, eng.meta.chunk_compression, eng.np_dtype)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._left, self._chunk_left = None, {}
            self.used = 0


class ChunkIndex:
    """The chunk-id encoder's tables, copied once (the loader reads a tensor that does not change)."""

    def __init__(self, engine):
        enc = engine.chunk_ids
        self.empty = len(enc) == 0
        self.lasts = np.asarray(enc.last_indices).copy()
        self.firsts = enc.first_indices().astype(np.int64) if len(enc) else np.zeros(0, np.int64)
        self.ids = enc.rows[:, 0].copy()  # uint64 chunk ids: keep the type (int64 would turn them negative)
        self._spans: Optional[Dict[int, tuple]] = None

    def span(self, chunk_id: int) -> Optional[tuple]:
        """(first, last) global sample indices stored in the chunk."""
        if self._spans is None:
            spans: Dict[int, tuple] = {}
            for cid, first, last in zip(self.ids.tolist(), self.firsts.tolist(), self.lasts.tolist()):
                lo = spans.get(cid, (first, last))[0]
                spans[cid] = (min(lo, first), last)
            self._spans = spans
        return self._spans.get(int(chunk_id))

    def locate(self, indices) -> Optional[tuple]:
        """(chunk ids, local indices) of each global sample index, or None for an empty tensor."""

        if self.empty:
            return None
        indices = np.asarray(indices, dtype=np.int64)
        rows = np.searchsorted(self.lasts, indices, side="left")
        return self.ids[rows], indices - self.firsts[rows]


class LocalChunkCache:
    """Chunk files of a non-local dataset kept on local disk (``use_local_cache=True``).

    One folder per dataset under ``$LOCAL_CACHE_PREFIX`` (default
    ``~/activeloop/cache``). Chunks of committed versions never change, so
    they are kept there for every later loader; a file's name carries the
    chunk's row range as well. Chunks of a branch head (``mutable``) can be
    rewritten in place by an update that keeps their name, rows and size, so
    they are kept only for this loader's epochs, in a folder of its own that
    goes when the loader does.
    """

    def __init__(self, folder: str, ranges: Optional[Dict[str, tuple]] = None, mutable: Optional[set] = None):
        import os
        import uuid
        import weakref

        self.folder = folder
        self.ranges = ranges or {}
        self.mutable = mutable or set()
        self.session_folder = os.path.join(folder, f".session-{os.getpid()}-{uuid.uuid4().hex[:12]}")
        self.hits = 0
        weakref.finalize(self, _remove_session, self.session_folder, os.getpid())

    def _file(self, skey: str) -> str:
        import os

        folder = self.session_folder if skey in self.mutable else self.folder
        suffix = self.ranges.get(skey)
        name = skey if suffix is None else f"{skey}.{suffix[0]}-{suffix[1]}"
        path = os.path.normpath(os.path.join(folder, name))
        if not path.startswith(os.path.normpath(folder) + os.sep):
            raise ValueError(f"chunk key {skey!r} leaves the local cache folder")
        return path

    def get(self, skey: str):
        try:
            with open(self._file(skey), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None
        self.hits += 1
        return data

    def put(self, skey: str, data) -> None:
        import os
        import tempfile

        path = self._file(skey)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(bytes(data))
            os.replace(tmp, path)  # whole files only: a concurrent reader never sees a partial chunk
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise


def _remove_session(folder: str, owner_pid: int) -> None:
    import os
    import shutil

    if os.getpid() == owner_pid:  # never from a forked worker that inherited the cache
        shutil.rmtree(folder, ignore_errors=True)


def local_cache_root() -> str:
    import os

    prefix = os.environ.get("LOCAL_CACHE_PREFIX")
    return os.path.expanduser(prefix) if prefix else os.path.join(os.path.expanduser("~"), "activeloop", "cache")


def base_provider(storage):
    s = storage
    while getattr(s, "next_storage", None) is not None:
        s = s.next_storage
    return s


def local_chunk_cache_for(engine, dataset_path: str, commit_id: Optional[str]) -> Optional[LocalChunkCache]:
    """A disk cache for ``engine``'s chunks, or None when the dataset already lives on local disk."""
    import hashlib
    import os
    import re

    from deeplake.storage.local import LocalProvider

    if isinstance(base_provider(engine._storage), LocalProvider):
        return None
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", str(dataset_path)).strip("_")[-60:] or "dataset"
    digest = hashlib.sha1(f"{dataset_path}\0{commit_id}".encode()).hexdigest()[:16]
    folder = os.path.join(local_cache_root(), f"{readable}-{digest}")
    index = ChunkIndex(engine)
    ranges: Dict[str, tuple] = {}
    mutable = set()
    ctx = engine.ctx
    for cid, first, last in zip(index.ids.tolist(), index.firsts.tolist(), index.lasts.tolist()):
        name = keys.chunk_name_from_id(cid)
        commit, tkey = ctx.locate_chunk(engine.key, name)
        skey = keys.chunk_key(commit, tkey, name)
        ranges[skey] = (int(first), int(last))
        if ctx.is_head(commit):
            mutable.add(skey)
    return LocalChunkCache(folder, ranges, mutable)


def chunk_rows(engine, indices) -> Optional[tuple]:
    return ChunkIndex(engine).locate(indices)
