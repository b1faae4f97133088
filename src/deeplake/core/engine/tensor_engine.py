"""One tensor's chunks: where each sample lives, and moving bytes in and out.

The engine owns a tensor's meta, its chunk-id / tile / sequence encoders and
a cache of parsed chunks; reads are in :mod:`.reads`. Writes go to the node
being written: chunks of ancestor commits are copied on write (FORMAT.md
§3.11, §4.4).
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from deeplake.constants import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_TILING_THRESHOLD
from deeplake.core.engine.codec import EncodedBatch, OwnChunk, make_codec
from deeplake.core.engine.file_batch import append_arena, can_append_arena
from deeplake.core.engine.fast_reads import ChunkHeaders
from deeplake.core.engine.reads import EngineReads
from deeplake.core.engine import tiling
from deeplake.core.partial_sample import PartialSample
from deeplake.errors import DynamicTensorNumpyError, SampleReadError
from deeplake.format import keys
from deeplake.format.chunk import Chunk
from deeplake.format.diff import CommitDiff
from deeplake.format.encoders import ChunkIdEncoder, CredsEncoder, SequenceEncoder, ShapeEncoder, TileEncoder
from deeplake.format.meta import TensorMeta, dumps_pretty


class TensorEngine(EngineReads):
    """Chunk-level reads and writes of a single tensor key."""

    def __init__(self, ctx, key: str, meta: Optional[TensorMeta] = None):
        self.ctx = ctx
        self.key = key
        self.meta = meta if meta is not None else self._load_meta()
        self._chunk_ids: Optional[ChunkIdEncoder] = None
        self._tiles: Optional[TileEncoder] = None
        self._sequences: Optional[SequenceEncoder] = None
        self._creds: Optional[CredsEncoder] = None
        self._info: Optional[dict] = None
        self._diff: Optional[CommitDiff] = None
        self._chunks: Dict[int, Chunk] = {}
        self._dirty_chunks: Dict[int, Chunk] = {}
        # chunks created since the last flush that storage has never seen
        self._fresh_chunks: set = set()
        self._headers = ChunkHeaders(self)
        self._encoders_dirty = False
        self._info_dirty = False
        self.coerce = None  # htype hook installed by the tensor facade
        self._tiles_written: Optional[bytes] = None  # last tile encoder bytes this engine wrote
        self._header_lengths: Dict[int, int] = {}  # chunk id -> header size, for ranged sample reads
        self._range_reads: Dict[int, int] = {}  # chunk id -> ranged reads made into it so far
        self._fast = None  # cached (row lasts list, row firsts, chunk ids, shape, dtype) for fast reads
        self.codec = make_codec(self.meta)
        ctx.engines[key] = self

    # ------------------------------------------------------------------ load
    @property
    def _storage(self):
        return self.ctx.storage

    def _load_meta(self) -> TensorMeta:
        return TensorMeta.frombuffer(self._storage[keys.tensor_meta_key(self.ctx.commit_id, self.key)])

    def _load_optional(self, key_fn, parse, default):
        try:
            return parse(self._storage[key_fn(self.ctx.commit_id, self.key)])
        except KeyError:
            return default()

    @property
    def chunk_ids(self) -> ChunkIdEncoder:
        if self._chunk_ids is None:
            self._chunk_ids = self._load_optional(keys.chunk_id_encoder_key, ChunkIdEncoder.frombuffer, ChunkIdEncoder)
        return self._chunk_ids

    @property
    def tiles(self) -> TileEncoder:
        if self._tiles is None:
            self._tiles = self._load_optional(keys.tile_encoder_key, TileEncoder.frombuffer, TileEncoder)
        return self._tiles

    @property
    def sequences(self) -> Optional[SequenceEncoder]:
        if not self.meta.is_sequence:
            return None
        if self._sequences is None:
            self._sequences = self._load_optional(keys.sequence_encoder_key, SequenceEncoder.frombuffer, SequenceEncoder)
        return self._sequences

    @property
    def creds(self) -> Optional[CredsEncoder]:
        if not self.meta.is_link:
            return None
        if self._creds is None:
            self._creds = self._load_optional(keys.creds_encoder_key, CredsEncoder.frombuffer, CredsEncoder)
        return self._creds

    @property
    def info(self) -> dict:
        if self._info is None:
            self._info = self._load_optional(keys.tensor_info_key, lambda b: json.loads(bytes(b)), dict)
        return self._info

    def set_info(self, info: dict) -> None:
        self._info = info
        self._info_dirty = True
        self.diff.modify_info()

    @property
    def diff(self) -> CommitDiff:
        if self._diff is None:
            self._diff = self._load_optional(
                keys.commit_diff_key, CommitDiff.frombuffer, lambda: CommitDiff(self.num_samples)
            )
        return self._diff

    def reload(self) -> None:
        """Forget everything cached (after checkout, reset or another writer)."""
        self._fast = None
        self.meta = self._load_meta()
        self._chunk_ids = self._tiles = self._sequences = self._creds = None
        self._info = self._diff = None
        self._chunks.clear()
        self._dirty_chunks.clear()
        self._fresh_chunks.clear()
        self._headers.forget()
        self._encoders_dirty = self._info_dirty = False
        self._tiles_written = None
        self.codec = make_codec(self.meta, self.coerce)

    # --------------------------------------------------------------- sizing
    @property
    def num_samples(self) -> int:
        """Stored items (for sequences: flattened items)."""
        return self.meta.length

    @property
    def max_chunk_size(self) -> int:
        return self.meta.get("max_chunk_size") or DEFAULT_MAX_CHUNK_SIZE

    @property
    def min_chunk_size(self) -> int:
        return self.max_chunk_size // 2

    @property
    def tiling_threshold(self) -> int:
        t = self.meta.get("tiling_threshold")
        return DEFAULT_TILING_THRESHOLD if t is None else t

    @property
    def np_dtype(self) -> Optional[np.dtype]:
        dt = self.meta.dtype
        return None if dt in (None, "str", "Any", "List") else np.dtype(dt)

    def is_fixed_shape(self) -> bool:
        return bool(self.meta.min_shape) and self.meta.min_shape == self.meta.max_shape

    # --------------------------------------------------------------- chunks
    def get_chunk(self, chunk_id: int) -> Chunk:
        chunk = self._chunks.get(chunk_id)
        if chunk is None:
            name = keys.chunk_name_from_id(chunk_id)
            skey = self.ctx.chunk_storage_key(self.key, name)
            try:
                buf = self._storage[skey]
            except KeyError:
                raise SampleReadError(
                    f"Chunk '{name}' of tensor '{self.key}' is missing from storage (key '{skey}')."
                ) from None
            chunk = Chunk.frombuffer(buf, self.meta.chunk_compression, self.np_dtype)
            self._chunks[chunk_id] = chunk
        return chunk

    def _writable_chunk(self, chunk_id: int) -> Chunk:
        """A chunk that may be modified in the current node (copy on write)."""
        self._headers.forget(chunk_id)
        chunk = self.get_chunk(chunk_id)
        name = keys.chunk_name_from_id(chunk_id)
        if not self.ctx.chunk_is_local(self.key, name):
            self.ctx.claim_chunk(self.key, name)
        self._dirty_chunks[chunk_id] = chunk
        chunk.is_dirty = True
        return chunk

    def _new_chunk(self) -> tuple:
        cid = ChunkIdEncoder.generate_id()
        chunk = Chunk(self.meta.chunk_compression, self.np_dtype)
        self._chunks[cid] = chunk
        self._dirty_chunks[cid] = chunk
        self._fresh_chunks.add(cid)
        chunk.is_dirty = True
        self.ctx.claim_chunk(self.key, keys.chunk_name_from_id(cid))
        return cid, chunk

    def _retire(self, cid: Optional[int]) -> None:
        """Write a new chunk that appends have moved past, and let it go.

        Appends never return to it, so it is complete: writing it now keeps
        the unflushed data of a long ``with ds:`` ingest at about one chunk
        per tensor instead of the whole ingest. Only chunks storage has never
        seen are written early; an interrupted run leaves them as unreferenced
        files, never as a half-replaced existing one.
        """
        if cid is None or cid not in self._fresh_chunks:
            return
        self._fresh_chunks.discard(cid)
        chunk = self._dirty_chunks.pop(cid, None)
        self._chunks.pop(cid, None)
        if chunk is None:
            return
        name = keys.chunk_name_from_id(cid)
        self._storage.write_parts(keys.chunk_key(self.ctx.commit_id, self.key, name),
                                  (chunk.header_bytes(), chunk._encoded_data()))
        chunk.is_dirty = False

    def _last_chunk_for_append(self):
        enc = self.chunk_ids
        if len(enc) == 0:
            return None, None
        last_index = enc.num_entries - 1
        if last_index in self.tiles:
            return None, None
        cid = int(enc.rows[-1, 0])
        name = keys.chunk_name_from_id(cid)
        if not self.ctx.chunk_is_local(self.key, name):
            return None, None  # never grow an ancestor's chunk; start a new one
        return cid, self._writable_chunk(cid)

    def invalidate_cache(self, budget_bytes: int) -> None:
        """Drop clean parsed chunks when the cache holds more than ``budget_bytes``."""
        total = sum(c.nbytes for c in self._chunks.values())
        if total <= budget_bytes:
            return
        for cid in list(self._chunks):
            if cid not in self._dirty_chunks:
                del self._chunks[cid]

    # --------------------------------------------------------------- writes
    def encode(self, samples) -> EncodedBatch:
        """Validate and serialise samples without touching the tensor."""
        self.codec.coerce = self.coerce if self.codec.numeric else None
        return self.codec.encode(samples)

    def append_encoded(self, batch: EncodedBatch) -> None:
        """Append an already-validated batch (see :meth:`encode`)."""
        self._fast = None
        n = batch.count
        if n == 0:
            return
        self.ctx.check_writable()
        dtype = batch.extra.get("dtype")
        if self.meta.dtype is None and dtype is not None:
            self.meta["dtype"] = dtype.name
            self.meta["typestr"] = dtype.str
            for c in self._chunks.values():
                c.dtype = dtype
        first = self.meta.length
        diff = self.diff  # load/create before the length moves: data_added starts at `first`
        rank = len(batch.uniform[2]) if batch.uniform is not None else (
            max((len(s) for s in batch.shapes if any(s)), default=None))
        if rank is not None:
            self._adopt_rank(rank)
        if batch.uniform is not None:
            self._append_uniform(*batch.uniform, n)
            shapes_lo = shapes_hi = batch.uniform[2]
        else:
            fb = batch.extra.get("file_batch")
            if fb is not None and can_append_arena(self, fb):
                append_arena(self, fb.arena, fb.offsets, batch.shapes)
            else:
                self._append_each(batch.buffers, batch.extra.get("chunk_shapes", batch.shapes), first)
            arr = np.asarray(batch.shapes, dtype=np.int64).reshape(n, -1)
            shapes_lo, shapes_hi = arr.min(axis=0), arr.max(axis=0)
        self.meta["length"] = first + n
        if not batch.extra.get("skip_shape_stats"):
            self.meta.update_shape_stats(shapes_lo, shapes_hi)
        self._register_link_extras(batch, first)
        diff.add_data(n)
        self._encoders_dirty = True

    def _adopt_rank(self, rank: int) -> None:
        """Empty samples stored before the first real one take its rank (as the
        reference reads them back: zeros of the tensor's dimensionality)."""
        ms = self.meta.max_shape
        if (not ms or len(ms) == rank or any(ms) or self.tiles.entries or self.meta.is_sequence
                or self.meta.is_link or not self.codec.numeric):
            return
        for cid in dict.fromkeys(int(c) for c in self.chunk_ids.rows[:, 0]):
            chunk = self._writable_chunk(cid)
            n = chunk.num_samples
            chunk.shapes = ShapeEncoder(ndim=rank)
            if n:
                chunk.shapes.register((0,) * rank, n)
        self.meta["min_shape"] = [0] * rank
        self.meta["max_shape"] = [0] * rank

    def _register_link_extras(self, batch: EncodedBatch, first: int, indices=None) -> None:
        """Link tensors: creds encodings and link_tiled entries of a batch."""
        encodings = batch.extra.get("creds_encodings")
        if encodings is None:
            return
        if indices is None:
            for e in encodings:
                self.creds.register(int(e), 1)
        else:
            enc = self.creds.encodings()
            if len(enc) < self.num_samples:
                enc = np.concatenate([enc, np.zeros(self.num_samples - len(enc), np.int64)])
            enc[np.asarray(indices, dtype=np.int64)] = encodings
            self.creds.set_encodings(enc)
        for j, (shape, tile_shape) in batch.extra.get("tiles", {}).items():
            idx = first + j if indices is None else int(indices[j])
            self.tiles.register(idx, tuple(shape), tuple(tile_shape))
        if indices is not None:
            for j, idx in enumerate(indices):
                if j not in batch.extra.get("tiles", {}):
                    self.tiles.entries.pop(int(idx), None)  # a plain link replaced a link_tiled one
        self._encoders_dirty = True

    def _append_uniform(self, buf: memoryview, per: int, shape: tuple, n: int) -> None:
        done = 0
        cid, chunk = self._last_chunk_for_append()
        limit = self.min_chunk_size
        while done < n:
            if chunk is None:
                cid, chunk = self._new_chunk()
            room = limit - chunk.num_data_bytes
            k = n - done if per == 0 else room // per
            if k <= 0:
                if chunk.num_samples == 0:
                    k = 1
                else:
                    self._retire(cid)
                    chunk = None
                    continue
            k = min(k, n - done)
            if chunk.num_samples == 0 and done + k < n and self.meta.chunk_compression is None:
                # a chunk filled entirely from the caller's buffer goes straight
                # to storage: no copy into a chunk buffer, no join at flush
                self._write_through(cid, buf[done * per : (done + k) * per], k, shape, per)
            else:
                chunk.append_uniform(buf[done * per : (done + k) * per], k, shape)
            self.chunk_ids.register_samples(cid, k)
            done += k
            if done < n:
                self._retire(cid)
                chunk = None

    def _write_through(self, cid: int, data, k: int, shape, per: int) -> None:
        chunk = self._chunks.pop(cid)
        self._dirty_chunks.pop(cid, None)
        chunk.shapes.register(shape, k)
        chunk.byte_positions.register(per, k)
        name = keys.chunk_name_from_id(cid)
        self._storage.write_parts(keys.chunk_key(self.ctx.commit_id, self.key, name), (chunk.header_bytes(), data))

    def _append_each(self, buffers, shapes, first_index: int) -> None:
        cid, chunk = self._last_chunk_for_append()
        limit = self.min_chunk_size
        threshold = self.tiling_threshold
        pending_bufs: List = []
        pending_shapes: List = []

        def commit_pending():
            if pending_bufs:
                chunk.append_samples(pending_bufs, pending_shapes)
                self.chunk_ids.register_samples(cid, len(pending_bufs))
                pending_bufs.clear()
                pending_shapes.clear()

        size = chunk.num_data_bytes if chunk is not None else 0
        for i, (buf, shape) in enumerate(zip(buffers, shapes)):
            if isinstance(buf, PartialSample):
                commit_pending()
                self._append_partial(buf, first_index + i)
                cid, chunk, size = None, None, 0
                continue
            if isinstance(buf, OwnChunk):
                commit_pending()
                cid, chunk = self._new_chunk()
                chunk.append_samples([buf], [shape])
                self.chunk_ids.register_samples(cid, 1)
                cid, chunk, size = None, None, 0
                continue
            b = len(buf)
            if threshold != -1 and b > threshold and self.codec.numeric:
                commit_pending()
                self._append_tiled(buf, shape, first_index + i)
                cid, chunk, size = None, None, 0
                continue
            if chunk is None or (size > 0 and size + b > limit):
                commit_pending()
                if chunk is not None:
                    self._retire(cid)
                cid, chunk = self._new_chunk()
                size = 0
            pending_bufs.append(buf)
            pending_shapes.append(shape)
            size += b
        commit_pending()

    def _append_tiled(self, buf, shape, index: int) -> None:
        sample = self.codec.decode(buf, shape)
        compressed = self.meta.sample_compression is not None
        tile_shape = tiling.choose_tile_shape(shape, sample.dtype.itemsize, self.tiling_threshold, compressed, len(buf))
        ids = []
        for tile in tiling.split_into_tiles(sample, tile_shape):
            cid, chunk = self._new_chunk()
            chunk.append_samples([self._encode_tile(tile)], [tile.shape])
            chunk.is_tile = True
            ids.append(cid)
        self.chunk_ids.register_tiles(ids)
        self.tiles.register(index, shape, tile_shape)

    def _encode_tile(self, tile: np.ndarray) -> bytes:
        if tile.size == 0:
            return b""
        tb = self.codec.encode(np.ascontiguousarray(tile)[None])
        return tb.buffers[0] if tb.uniform is None else bytes(tb.uniform[0])

    def _append_partial(self, ps: PartialSample, index: int) -> None:
        tiling.append_partial(self, ps, index)

    def _tile_chunk_id(self, index: int, linear: int) -> int:
        start, _ = self.chunk_ids.row_range_of_sample(index)
        return int(self.chunk_ids.rows[start + linear, 0])

    def _decode_tile(self, cid: int) -> np.ndarray:
        chunk = self.get_chunk(cid)
        return self.codec.decode(chunk.sample_bytes(0), chunk.sample_shape(0))

    def read_tiled_region(self, index: int, inner: Sequence) -> np.ndarray:
        """Part of a tiled sample, decoding only the tiles it touches."""
        return tiling.read_region(self, index, inner)

    def write_tiled_region(self, index: int, inner: Sequence, value) -> None:
        """Overwrite part of a tiled sample; only the touched tiles are rewritten."""
        tiling.write_region(self, index, inner, value)

    def update_encoded(self, indices: Sequence[int], batch: EncodedBatch) -> None:
        """Replace samples at ``indices`` with an encoded batch of equal length."""
        self._fast = None
        self.ctx.check_writable()
        if batch.uniform is not None:
            buf, per, shape = batch.uniform
            bufs = [buf[i * per : (i + 1) * per] for i in range(batch.count)]
            shapes = [shape] * batch.count
        else:
            bufs, shapes = batch.buffers, batch.shapes
        chunk_shapes = batch.extra.get("chunk_shapes", shapes)
        dtype = batch.extra.get("dtype")
        if self.meta.dtype is None and dtype is not None:
            self.meta["dtype"] = dtype.name
            self.meta["typestr"] = dtype.str
        by_chunk: Dict[int, tuple] = {}
        for idx, b, s in zip(indices, bufs, chunk_shapes):
            idx = int(idx)
            if idx in self.tiles and not self.meta.is_link:
                self._rewrite_tiled(idx, b, s)
                continue
            row = self.chunk_ids.find_row(idx)
            cid = int(self.chunk_ids.rows[row, 0])
            local = self.chunk_ids.local_index(idx, row)
            entry = by_chunk.setdefault(cid, ({}, {}))
            entry[0][local] = b
            entry[1][local] = tuple(s)
            self.diff.update_data(idx)
        for cid, (new_bufs, new_shapes) in by_chunk.items():
            self._writable_chunk(cid).replace_samples(new_bufs, new_shapes)
        if len(shapes) and not batch.extra.get("skip_shape_stats"):
            arr = np.asarray(shapes, dtype=np.int64).reshape(len(shapes), -1)
            self.meta.update_shape_stats(arr.min(axis=0), arr.max(axis=0))
        self._register_link_extras(batch, 0, indices)
        self._encoders_dirty = True

    def _rewrite_tiled(self, idx: int, buf, shape) -> None:
        """Replace a tiled sample: new tiles in new chunks, encoder rows swapped."""
        start, end = self.chunk_ids.row_range_of_sample(idx)
        sample = self.codec.decode(buf, shape)
        compressed = self.meta.sample_compression is not None
        tile_shape = tiling.choose_tile_shape(shape, sample.dtype.itemsize, self.tiling_threshold, compressed, len(buf))
        new_rows = []
        for tile in tiling.split_into_tiles(sample, tile_shape):
            cid, chunk = self._new_chunk()
            tb = self.codec.encode(np.ascontiguousarray(tile)[None])
            tile_buf = tb.buffers[0] if tb.uniform is None else bytes(tb.uniform[0])
            chunk.append_samples([tile_buf], [tile.shape])
            chunk.is_tile = True
            new_rows.append((cid, idx))
        rows = self.chunk_ids.rows
        self.chunk_ids.set_rows(np.concatenate([rows[:start], np.asarray(new_rows, np.uint64), rows[end:]]))
        self.tiles.register(idx, shape, tile_shape)
        self.diff.update_data(idx)

    def pop(self, indices: Sequence[int], sample_ids: Optional[Sequence[int]] = None) -> None:
        """Remove samples (any order); later samples shift down."""
        self._fast = None
        self.ctx.check_writable()
        order = sorted(set(int(i) for i in indices), reverse=True)
        ids_by_index = dict(zip((int(i) for i in indices), sample_ids or []))
        if self.meta.is_link and self.creds.num_entries:
            enc = self.creds.encodings()
            self.creds.set_encodings(np.delete(enc, [i for i in order if i < len(enc)]))
        for idx in order:
            self._pop_one(idx)
            self.diff.pop(idx, ids_by_index.get(idx))
        self.meta["length"] = self.meta.length - len(order)
        if self.meta.length == 0:
            self.meta["min_shape"] = []
            self.meta["max_shape"] = []
        self._encoders_dirty = True

    def _pop_one(self, idx: int) -> None:
        enc = self.chunk_ids
        start, end = enc.row_range_of_sample(idx)
        rows = enc.rows.copy()
        if idx in self.tiles:
            keep = np.ones(len(rows), dtype=bool)
            keep[start:end] = False
            rows[end:, 1] -= 1
            enc.set_rows(rows[keep])
            self.tiles.on_pop(idx)
            return
        cid = int(rows[start, 0])
        local = enc.local_index(idx, start)
        chunk = self._writable_chunk(cid)
        chunk.pop_samples([local])
        rows[start:, 1] -= 1
        if chunk.num_samples == 0:
            # an emptied chunk leaves the encoder (its file may stay behind)
            rows = np.delete(rows, start, axis=0)
            self._dirty_chunks.pop(cid, None)
            self._chunks.pop(cid, None)
        enc.set_rows(rows)
        self.tiles.on_pop(idx)

    def clear(self) -> None:
        self._fast = None
        self.ctx.check_writable()
        self._chunk_ids = ChunkIdEncoder()
        self._tiles = TileEncoder()
        if self.meta.is_sequence:
            self._sequences = SequenceEncoder()
        if self.meta.is_link:
            self._creds = CredsEncoder()
        self._chunks.clear()
        self._dirty_chunks.clear()
        self._fresh_chunks.clear()
        self._headers.forget()
        self.meta["length"] = 0
        self.meta["min_shape"] = []
        self.meta["max_shape"] = []
        self.diff.clear()
        self._encoders_dirty = True

    # ---------------------------------------------------------------- flush
    @property
    def is_dirty(self) -> bool:
        return bool(self._dirty_chunks) or self._encoders_dirty or self.meta.is_dirty or self._info_dirty or (
            self._diff is not None and self._diff.is_dirty
        )

    def flush(self) -> None:
        """Write data first, then encoders, then meta (a crash never leaves
        meta pointing at chunks that were not written)."""
        storage = self._storage
        cid_ = self.ctx.commit_id
        for cid, chunk in list(self._dirty_chunks.items()):
            name = keys.chunk_name_from_id(cid)
            storage[keys.chunk_key(cid_, self.key, name)] = chunk.tobytes()
            chunk.is_dirty = False
        self._dirty_chunks.clear()
        self._fresh_chunks.clear()
        if self._encoders_dirty or self.meta.is_dirty:
            if len(self.chunk_ids) or self.meta.length == 0 and self._chunk_ids is not None:
                storage[keys.chunk_id_encoder_key(cid_, self.key)] = self.chunk_ids.tobytes()
            tiles = self.tiles.tobytes()
            if tiles != self._tiles_written:  # usually unchanged: skip the rewrite
                storage[keys.tile_encoder_key(cid_, self.key)] = tiles
                self._tiles_written = tiles
            if self.meta.is_sequence:
                storage[keys.sequence_encoder_key(cid_, self.key)] = self.sequences.tobytes()
            if self.meta.is_link:
                storage[keys.creds_encoder_key(cid_, self.key)] = self.creds.tobytes()
            self._encoders_dirty = False
        if self._diff is not None and self._diff.is_dirty:
            storage[keys.commit_diff_key(cid_, self.key)] = self._diff.tobytes()
            self._diff.is_dirty = False
        if self._info_dirty:
            storage[keys.tensor_info_key(cid_, self.key)] = dumps_pretty(self._info)
            self._info_dirty = False
        storage[keys.tensor_meta_key(cid_, self.key)] = self.meta.tobytes()
        self.meta.is_dirty = False

    def mark_created(self) -> None:
        self._diff = CommitDiff(0, created=True)
        self._diff.is_dirty = True
        self._encoders_dirty = True
        self._chunk_ids = self._chunk_ids or ChunkIdEncoder()
        self.meta.is_dirty = True


def stack_or_raise(values: List[Any], key: str, index_desc) -> np.ndarray:
    shapes = {getattr(v, "shape", None) for v in values}
    if len(shapes) > 1:
        raise DynamicTensorNumpyError(
            f"Tensor '{key}' has samples of different shapes at {index_desc}; "
            f"use .numpy(aslist=True) to get a list of arrays."
        )
    return np.stack(values) if values else np.zeros((0,))
