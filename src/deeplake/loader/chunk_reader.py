"""Whole-chunk reads for the loader, with a byte-bounded chunk cache.

The loader fetches every chunk it needs once per epoch straight from the
storage chain, without filling the dataset's LRU cache (an epoch over a big
dataset would otherwise evict everything the user cached) and without the
engine's unbounded per-engine chunk dictionary.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, Optional

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


class ChunkCache:
    """Parsed chunks of one tensor, least recently used evicted past ``budget`` bytes."""

    def __init__(self, engine, budget: int):
        self.engine = engine
        self.budget = max(int(budget), 1)
        self._chunks: "OrderedDict[int, Chunk]" = OrderedDict()
        self._sizes: Dict[int, int] = {}
        self._tables: Dict[int, tuple] = {}
        self.used = 0

    def tables(self, chunk_id: int) -> tuple:
        """(chunk, byte starts, byte ends, shapes) of every sample in the chunk."""
        import numpy as np

        chunk = self.get(chunk_id)
        t = self._tables.get(chunk_id)
        if t is None or t[0] is not chunk:
            n = chunk.num_samples
            starts, ends = chunk.byte_positions.positions(np.arange(n, dtype=np.int64))
            shapes = [tuple(r) for r in chunk.shapes.all_shapes().tolist()]
            t = self._tables[chunk_id] = (chunk, starts.tolist(), ends.tolist(), shapes, memoryview(chunk.data))
        return t

    def get(self, chunk_id: int) -> Chunk:
        chunk = self._chunks.get(chunk_id)
        if chunk is not None:
            self._chunks.move_to_end(chunk_id)
            return chunk
        eng = self.engine
        chunk = eng._chunks.get(chunk_id)  # unflushed or already parsed by the engine
        if chunk is None:
            chunk = self._load(chunk_id)
        size = chunk.num_data_bytes + 64
        self._chunks[chunk_id] = chunk
        self._sizes[chunk_id] = size
        self.used += size
        while self.used > self.budget and len(self._chunks) > 1:
            old, _ = self._chunks.popitem(last=False)
            self.used -= self._sizes.pop(old)
            self._tables.pop(old, None)
        return chunk

    def _load(self, chunk_id: int) -> Chunk:
        eng = self.engine
        name = keys.chunk_name_from_id(chunk_id)
        skey = eng.ctx.chunk_storage_key(eng.key, name)
        try:
            buf = read_key(eng._storage, skey)
        except KeyError:
            raise SampleReadError(
                f"Chunk '{name}' of tensor '{eng.key}' is missing from storage (key '{skey}')."
            ) from None
        return Chunk.frombuffer(buf, eng.meta.chunk_compression, eng.np_dtype)

    def clear(self) -> None:
        self._chunks.clear()
        self._sizes.clear()
        self._tables.clear()
        self.used = 0


class ChunkIndex:
    """The chunk-id encoder's tables, copied once (the loader reads a tensor that does not change)."""

    def __init__(self, engine):
        import numpy as np

        enc = engine.chunk_ids
        self.empty = len(enc) == 0
        self.lasts = np.asarray(enc.last_indices).copy()
        self.firsts = enc.first_indices().astype(np.int64) if len(enc) else np.zeros(0, np.int64)
        self.ids = enc.rows[:, 0].copy()  # uint64 chunk ids: keep the type (int64 would turn them negative)

    def locate(self, indices) -> Optional[tuple]:
        """(chunk ids, local indices) of each global sample index, or None for an empty tensor."""
        import numpy as np

        if self.empty:
            return None
        indices = np.asarray(indices, dtype=np.int64)
        rows = np.searchsorted(self.lasts, indices, side="left")
        return self.ids[rows], indices - self.firsts[rows]


def chunk_rows(engine, indices) -> Optional[tuple]:
    return ChunkIndex(engine).locate(indices)
