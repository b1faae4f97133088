"""Read paths that skip work the general one does.

* Ranged reads: a few samples from a chunk that is not in memory come from
  two small reads (the chunk's header, once, then each sample's byte range)
  instead of fetching the whole chunk (8-16 MB for a handful of 13 KB
  images). A chunk read often enough is then fetched whole, as sequential
  readers want.
* Equally shaped JPEG batches decode straight into one output array.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np

from deeplake.format import keys
from deeplake.format.chunk import Chunk, header_length

# ranged reads into one chunk before it is fetched whole: past this, one
# large read costs less than the small ones still to come. On local disk a
# ranged read is a pread (microseconds); on an object store each is a request
# costing about what fetching an 8 MB chunk does, so there the chunk comes whole soon.
RANGED_READS_PER_CHUNK = 32
REMOTE_RANGED_READS_PER_CHUNK = 2


def ranged_read_budget(engine) -> int:
    """How many ranged reads into one chunk before fetching it whole."""
    return RANGED_READS_PER_CHUNK if engine._storage.is_local else REMOTE_RANGED_READS_PER_CHUNK
# a first guess at a chunk header's size (a few hundred samples' byte positions)
HEADER_PROBE = 16 * 1024


class _Header:
    __slots__ = ("chunk", "data_offset", "reads")

    def __init__(self, chunk: Chunk, data_offset: int):
        self.chunk = chunk  # encoders only, no data
        self.data_offset = data_offset
        self.reads = 0


class ChunkHeaders:
    """Parsed headers of chunks not held in memory, for ranged sample reads.

    Entries are dropped whenever the engine may change a chunk (see
    :meth:`forget`), so a stale header never points into rewritten bytes.
    """

    def __init__(self, engine):
        self.engine = engine
        self._headers: Dict[int, Optional[_Header]] = {}

    def forget(self, chunk_id: Optional[int] = None) -> None:
        if chunk_id is None:
            self._headers.clear()
        else:
            self._headers.pop(chunk_id, None)

    def _header(self, chunk_id: int) -> Optional[_Header]:
        if chunk_id in self._headers:
            return self._headers[chunk_id]
        eng = self.engine
        key = eng.ctx.chunk_storage_key(eng.key, keys.chunk_name_from_id(chunk_id))
        storage = eng._storage
        try:
            prefix = storage.get_bytes(key, 0, HEADER_PROBE)
            n = header_length(prefix)
            if n is not None and n > len(prefix):
                prefix = storage.get_bytes(key, 0, n)
        except KeyError:
            return None  # the general path reports the missing chunk
        header = None
        if n is not None and n <= len(prefix):
            chunk = Chunk.frombuffer(memoryview(prefix)[:n], None, eng.np_dtype)
            if len(chunk.byte_positions) and not chunk.is_tile:
                header = _Header(chunk, n)
        self._headers[chunk_id] = header
        return header

    def sample(self, chunk_id: int, local_index: int) -> Optional[Tuple[bytes, tuple]]:
        """(stored bytes, shape) of one sample by ranged reads, or None to
        fetch the chunk whole instead."""
        header = self._header(chunk_id)
        if header is None or header.reads >= ranged_read_budget(self.engine):
            self._headers.pop(chunk_id, None)
            return None
        header.reads += 1
        start, end = header.chunk.byte_positions.position(local_index)
        eng = self.engine
        key = eng.ctx.chunk_storage_key(eng.key, keys.chunk_name_from_id(chunk_id))
        off = header.data_offset
        try:
            data = eng._storage.get_bytes(key, off + start, off + end)
        except KeyError:
            return None
        if len(data) != end - start:
            return None  # shorter than its header says: the general path reports it
        return data, header.chunk.sample_shape(local_index)


def ranged_reads_apply(engine) -> bool:
    """Chunks whose samples can be read by byte range: no chunk-wide compression."""
    return engine.meta.chunk_compression is None


def read_jpeg_batch(engine, indices: np.ndarray) -> Optional[np.ndarray]:
    """Equally shaped JPEG samples decoded straight into one array (no
    per-sample arrays to stack), or None when the tensor is not like that."""
    meta = engine.meta
    if meta.sample_compression != "jpeg" or engine.tiles.entries or engine.np_dtype != np.uint8:
        return None
    lo, hi = meta.min_shape, meta.max_shape
    if not lo or list(lo) != list(hi) or len(hi) != 3 or 0 in hi:
        return None  # min == max over every sample ever stored: all share the shape
    from deeplake.compression.image import decode_jpeg_into

    indices = np.asarray(indices, dtype=np.int64)
    shape = tuple(int(x) for x in hi)
    out = np.empty((len(indices),) + shape, dtype=np.uint8)
    if not len(indices):
        return out
    rows, local = engine._locate(indices)
    enc_rows = engine.chunk_ids.rows
    decode = engine.codec.decode
    local_list = local.tolist()
    for r in np.unique(rows):
        chunk = engine.get_chunk(int(enc_rows[r, 0]))
        for j in np.flatnonzero(rows == r).tolist():
            buf = chunk.sample_bytes(local_list[j])
            if not decode_jpeg_into(buf, out[j]):
                arr = decode(buf, chunk.sample_shape(local_list[j]))
                if arr.shape != shape:
                    return None  # shape stats out of step: let the general path stack
                out[j] = arr
    return out
