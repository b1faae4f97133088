"""The read half of :class:`~deeplake.core.engine.tensor_engine.TensorEngine`.

Reads group the requested indices by chunk so every chunk is fetched once;
fixed-shape numeric tensors are read straight out of the chunk buffers with
numpy; a few samples of a chunk not in memory are read by byte range
(:mod:`.fast_reads`). Methods rely on the engine's encoders, chunk cache and
codec, so this class is only meant to be mixed into the engine.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Any, List, Optional

import numpy as np

from deeplake.core.engine import tiling
from deeplake.core.engine.fast_reads import (
    RANGED_READS_PER_CHUNK,
    ranged_read_budget,
    ranged_reads_apply,
    read_jpeg_batch,
)
from deeplake.errors import SampleReadError
from deeplake.format import keys


class EngineReads:
    """Sample reads of one tensor (mixed into TensorEngine)."""

    def _locate(self, indices: np.ndarray):
        """Chunk rows and local indices of each (non-tiled) sample index."""
        enc = self.chunk_ids
        rows = enc.find_rows(indices)
        firsts = enc.first_indices()
        return rows, indices - firsts[rows].astype(np.int64)

    def check_indices(self, indices: np.ndarray) -> None:
        n = self.num_samples
        if len(indices) and (indices.min() < 0 or indices.max() >= n):
            bad = int(indices.max() if indices.max() >= n else indices.min())
            raise IndexError(f"Index {bad} is out of range for tensor '{self.key}' with {n} samples.")

    def read_bytes(self, index: int) -> bytes:
        """Stored bytes of one sample (compressed bytes for compressed tensors)."""
        self.check_indices(np.asarray([index]))
        if index in self.tiles:
            return self.codec_encode_full(self.read_sample(index))
        rows, local = self._locate(np.asarray([index], dtype=np.int64))
        cid = int(self.chunk_ids.rows[rows[0], 0])
        if cid not in self._chunks and ranged_reads_apply(self):
            got = self._headers.sample(cid, int(local[0]))
            if got is not None:
                return bytes(got[0])
        return bytes(self.get_chunk(cid).sample_bytes(int(local[0])))

    def codec_encode_full(self, arr) -> bytes:
        b = self.codec.encode(np.asarray(arr)[None])
        return b.buffers[0] if b.uniform is None else bytes(b.uniform[0])

    def read_shape(self, index: int) -> tuple:
        if index in self.tiles:
            return self.tiles.get(index)[0]
        if self.is_fixed_shape() and self.codec.numeric:
            return tuple(self.meta.min_shape)
        rows, local = self._locate(np.asarray([index], dtype=np.int64))
        return self.get_chunk(int(self.chunk_ids.rows[rows[0], 0])).sample_shape(int(local[0]))

    def read_shapes(self, indices: np.ndarray) -> np.ndarray:
        indices = np.asarray(indices, dtype=np.int64)
        self.check_indices(indices)
        ndim = len(self.meta.max_shape) if self.meta.max_shape else len(self.codec.empty_shape())
        if self.is_fixed_shape() and self.codec.numeric and not self.tiles.entries:
            return np.tile(np.asarray(self.meta.min_shape, np.int64), (len(indices), 1))
        out = np.zeros((len(indices), ndim), dtype=np.int64)
        for j, idx in enumerate(indices):
            out[j] = self.read_shape(int(idx))
        return out

    def read_sample(self, index: int):
        if index in self.tiles:
            return self._read_tiled(index)
        rows, local = self._locate(np.asarray([index], dtype=np.int64))
        chunk = self.get_chunk(int(self.chunk_ids.rows[rows[0], 0]))
        li = int(local[0])
        return self.codec.decode(chunk.sample_bytes(li), chunk.sample_shape(li))

    def _read_tiled(self, index: int):
        sample_shape, tile_shape = self.tiles.get(index)
        start, end = self.chunk_ids.row_range_of_sample(index)
        tiles = []
        for r in range(start, end):
            chunk = self.get_chunk(int(self.chunk_ids.rows[r, 0]))
            tiles.append(self.codec.decode(chunk.sample_bytes(0), chunk.sample_shape(0)))
        return tiling.join_tiles(tiles, sample_shape, tile_shape, self.np_dtype)

    def invalidate_read_cache(self) -> None:
        self._fast = None

    def _fast_tables(self):
        """Python-list copies of the chunk index, for O(log n) scalar lookups
        without numpy call overhead; rebuilt after any write."""
        f = self._fast
        if f is None:
            self._header_lengths.clear()  # chunks may have been rewritten since
            self._range_reads.clear()
            enc = self.chunk_ids
            lasts = enc.last_indices.tolist()
            firsts = enc.first_indices().tolist()
            ids = [int(x) for x in enc.rows[:, 0]] if len(enc) else []
            f = self._fast = (lasts, firsts, ids, tuple(self.meta.min_shape), self.np_dtype, {})
        return f

    def read_one_fixed(self, index: int) -> np.ndarray:
        """One sample of a fixed-shape numeric tensor (the random-access hot path)."""
        lasts, firsts, ids, shape, dtype, arrays = self._fast_tables()
        r = bisect_left(lasts, index)
        cid = ids[r]
        arr = arrays.get(cid)
        if arr is None:
            per = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
            if cid not in self._chunks and self.meta.chunk_compression is None and per >= 1024:
                # large samples: fetch just this sample's bytes, not the whole chunk,
                # until the chunk has been read often enough to be worth fetching whole
                done = self._range_reads.get(cid, 0)
                if done < ranged_read_budget(self):
                    self._range_reads[cid] = done + 1
                    return self._read_sample_range(cid, index - firsts[r], per, shape, dtype)
            chunk = self.get_chunk(cid)
            arr = arrays[cid] = np.frombuffer(chunk.data, dtype=dtype).reshape((-1,) + shape)
        return arr[index - firsts[r]].copy()

    def _read_sample_range(self, cid: int, local: int, per: int, shape, dtype) -> np.ndarray:
        from deeplake.format.chunk import header_length

        hlens = self._header_lengths
        name = keys.chunk_name_from_id(cid)
        skey = self.ctx.chunk_storage_key(self.key, name)
        hlen = hlens.get(cid)
        if hlen is None:
            prefix = self._storage.get_bytes(skey, 0, 4096)
            hlen = header_length(prefix)
            if hlen is None or hlen > len(prefix):
                hlen = header_length(self._storage[skey])
            hlens[cid] = hlen
        out = np.empty(shape, dtype=dtype)
        got = self._storage.read_into(skey, out.reshape(-1).view(np.uint8), hlen + local * per)
        if got != per:
            raise SampleReadError(f"Chunk '{name}' of tensor '{self.key}' is shorter than its index says.")
        return out

    def can_read_fast(self) -> bool:
        return (
            self.codec.numeric
            and self.meta.sample_compression is None
            and self.meta.chunk_compression in (None, "lz4")
            and self.is_fixed_shape()
            and not self.tiles.entries
            and not self.meta.is_link
        )

    def read_fixed(self, indices: np.ndarray) -> np.ndarray:
        """Fixed-shape numeric samples, gathered chunk by chunk with numpy."""
        shape = tuple(self.meta.min_shape)
        dtype = self.np_dtype
        n = len(indices)
        out = np.empty((n,) + shape, dtype=dtype)
        if n == 0:
            return out
        enc = self.chunk_ids
        if n > 1 and int(indices[-1]) - int(indices[0]) == n - 1 and np.all(np.diff(indices) == 1):
            return self._read_contiguous(int(indices[0]), n, out, shape, dtype)
        rows, local = self._locate(indices)
        if n == 1:
            chunk = self.get_chunk(int(enc.rows[rows[0], 0]))
            arr = np.frombuffer(chunk.data, dtype=dtype).reshape((-1,) + shape)
            out[0] = arr[local[0]]
            return out
        for r in np.unique(rows):
            chunk = self.get_chunk(int(enc.rows[r, 0]))
            arr = np.frombuffer(chunk.data, dtype=dtype).reshape((-1,) + shape)
            sel = rows == r
            out[sel] = arr[local[sel]]
        return out

    def read_fixed_range(self, start: int, stop: int) -> np.ndarray:
        """Samples start..stop-1 of a fixed-shape numeric tensor."""
        shape = tuple(self.meta.min_shape)
        out = np.empty((stop - start,) + shape, dtype=self.np_dtype)
        if stop > start:
            self.check_indices(np.asarray([start, stop - 1]))
            self._read_contiguous(start, stop - start, out, shape, self.np_dtype)
        return out

    def _read_contiguous(self, first: int, n: int, out: np.ndarray, shape: tuple, dtype) -> np.ndarray:
        """Samples first..first+n-1: one byte range per chunk, no per-sample index arrays."""
        enc = self.chunk_ids
        lasts = enc.last_indices
        firsts = enc.first_indices()
        per = out.itemsize * int(np.prod(shape, dtype=np.int64))
        flat = out.reshape(-1).view(np.uint8) if out.size else None
        r = int(np.searchsorted(lasts, first))
        pos, idx, end = 0, first, first + n
        direct = []  # chunks read from storage straight into ``out``
        while idx < end:
            cid = int(enc.rows[r, 0])
            lo = idx - int(firsts[r])
            hi = min(int(lasts[r]), end - 1) - int(firsts[r]) + 1
            k = hi - lo
            if cid not in self._chunks and self.meta.chunk_compression is None and per:
                direct.append((cid, lo, hi, per, flat[pos * per : (pos + k) * per]))
            else:
                chunk = self.get_chunk(cid)
                arr = np.frombuffer(chunk.data, dtype=dtype).reshape((-1,) + shape)
                out[pos : pos + k] = arr[lo:hi]
            pos += k
            idx += k
            r += 1
        if len(direct) > 2:
            # a cold disk serves several outstanding reads faster than one (preadv drops the GIL)
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda a: self._read_range_into(*a), direct))
        else:
            for a in direct:
                self._read_range_into(*a)
        return out

    def _read_range_into(self, cid: int, lo: int, hi: int, per: int, dest) -> None:
        from deeplake.format.chunk import header_length

        name = keys.chunk_name_from_id(cid)
        skey = self.ctx.chunk_storage_key(self.key, name)
        storage = self._storage
        try:
            prefix = storage.get_bytes(skey, 0, 4096)
        except KeyError:
            raise SampleReadError(f"Chunk '{name}' of tensor '{self.key}' is missing from storage.") from None
        hlen = header_length(prefix)
        if hlen is None or hlen > len(prefix):
            prefix = storage[skey]
            hlen = header_length(prefix)
        got = storage.read_into(skey, dest, hlen + lo * per)
        if got != (hi - lo) * per:
            raise SampleReadError(f"Chunk '{name}' of tensor '{self.key}' is shorter than its index says.")

    def read_jpeg_batch(self, indices: np.ndarray) -> Optional[np.ndarray]:
        return read_jpeg_batch(self, indices)

    def read_many(self, indices: np.ndarray) -> List[Any]:
        """Decoded samples in order, every chunk fetched once."""
        indices = np.asarray(indices, dtype=np.int64)
        out: List[Any] = [None] * len(indices)
        if len(indices) == 0:
            return out
        tiled = self.tiles.entries
        plain = [j for j, i in enumerate(indices) if int(i) not in tiled] if tiled else range(len(indices))
        plain = np.asarray(plain, dtype=np.int64)
        if len(plain):
            rows, local = self._locate(indices[plain])
            enc_rows = self.chunk_ids.rows
            decode = self.codec.decode
            ranged = ranged_reads_apply(self)
            for r in np.unique(rows):
                cid = int(enc_rows[r, 0])
                sel = np.flatnonzero(rows == r).tolist()
                if ranged and cid not in self._chunks and len(sel) <= RANGED_READS_PER_CHUNK // 4:
                    sel = self._read_ranged(cid, sel, local, plain, out)
                if sel:
                    chunk = self.get_chunk(cid)
                    for j in sel:
                        li = int(local[j])
                        out[int(plain[j])] = decode(chunk.sample_bytes(li), chunk.sample_shape(li))
        if tiled:
            for j, i in enumerate(indices):
                if int(i) in tiled:
                    out[j] = self._read_tiled(int(i))
        return out

    def _read_ranged(self, cid: int, sel: list, local, plain, out) -> list:
        """Decode what ranged reads can fetch; returns the positions left to read whole."""
        decode = self.codec.decode
        for k, j in enumerate(sel):
            got = self._headers.sample(cid, int(local[j]))
            if got is None:
                return sel[k:]
            out[int(plain[j])] = decode(*got)
        return []

