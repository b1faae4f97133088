"""Chunk files (FORMAT.md §3): a small header of encoders, then sample bytes.

In memory a chunk always exposes its *logical* data: the concatenated
uncompressed bytes for uncompressed and chunk-compressed chunks, the
concatenated compressed samples for sample-compressed chunks. Chunk-level
compression is applied in ``tobytes`` and undone in ``frombuffer``, so the
engine reads and writes every chunk kind through one set of byte ranges.
"""
from __future__ import annotations

import struct
from typing import Optional

import numpy as np

from deeplake.constants import FORMAT_VERSION
from deeplake.errors import CorruptedSampleError
from deeplake.format.encoders import (
    BytePositionsEncoder,
    ShapeEncoder,
    read_vstr,
    write_vstr,
)

BYTE_CODECS = ("lz4",)


def _is_byte_codec(compression: Optional[str]) -> bool:
    return compression in BYTE_CODECS


def header_length(prefix) -> Optional[int]:
    """Length of a chunk's header from the first bytes of the file, or None
    when ``prefix`` is too short to tell."""
    buf = memoryview(prefix)
    try:
        n = buf[0]
        off = 1 + n
        s_rows, s_cols = struct.unpack_from("<ii", buf, off)
        off += 8 + 4 * s_rows * s_cols
        (b_rows,) = struct.unpack_from("<I", buf, off)
    except (struct.error, IndexError):
        return None
    return off + 4 + 12 * b_rows


class Chunk:
    """One chunk: shape encoder, byte positions, logical data."""

    __slots__ = (
        "shapes",
        "byte_positions",
        "_data",
        "is_dirty",
        "is_tile",
        "compression",
        "dtype",
        "version",
        "grown_only",
    )

    def __init__(
        self,
        compression: Optional[str] = None,
        dtype=None,
        *,
        shapes: Optional[ShapeEncoder] = None,
        byte_positions: Optional[BytePositionsEncoder] = None,
        data=b"",
        version: str = FORMAT_VERSION,
    ):
        self.compression = compression  # chunk-level compression only
        self.dtype = np.dtype(dtype) if dtype is not None and dtype not in ("str", "Any", "List") else None
        self.shapes = shapes if shapes is not None else ShapeEncoder()
        self.byte_positions = byte_positions if byte_positions is not None else BytePositionsEncoder()
        self._data = data
        self.is_dirty = False
        self.is_tile = False
        self.version = version
        # True while the stored copy is a prefix of this one (see storage.journal)
        self.grown_only = False

    # --- data access -------------------------------------------------
    @property
    def data(self):
        return self._data

    @property
    def num_samples(self) -> int:
        return self.byte_positions.num_entries

    @property
    def num_data_bytes(self) -> int:
        return len(self._data)

    @property
    def nbytes(self) -> int:
        return len(self._data) + 12 * len(self.byte_positions) + 4 * len(self.shapes) * self.shapes.ncols

    def sample_bytes(self, local_index: int) -> memoryview:
        start, end = self.byte_positions.position(local_index)
        return memoryview(self._data)[start:end]

    def sample_shape(self, local_index: int) -> tuple:
        return self.shapes.shape_of(local_index)

    # --- writes -------------------------------------------------------
    def _writable(self) -> bytearray:
        if not isinstance(self._data, bytearray):
            self._data = bytearray(self._data)
        return self._data

    def append_samples(self, buffers, shapes) -> None:
        """Append samples given as byte buffers with their shapes."""
        data = self._writable()
        for buf, shape in zip(buffers, shapes):
            data += buf
            self.byte_positions.register(len(buf))
            self.shapes.register(shape)
        self.is_dirty = True

    def append_uniform(self, buf, count: int, shape) -> None:
        """Append ``count`` equally sized samples of one shape from one buffer."""
        if count <= 0:
            return
        self._writable().extend(buf)
        self.byte_positions.register(len(buf) // count, count)
        self.shapes.register(shape, count)
        self.is_dirty = True

    def replace_samples(self, new_buffers: dict, new_shapes: dict) -> None:
        """Splice new bytes for some local indices (``left + new + right``)."""
        if self._overwrite_same_size(new_buffers, new_shapes):
            return
        sizes = self.byte_positions.sizes()
        shapes = self.shapes.all_shapes()
        old = memoryview(self._data)
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if len(sizes) else sizes
        pieces = []
        cursor = 0
        for i in sorted(new_buffers):
            pieces.append(old[cursor : int(starts[i])])
            pieces.append(new_buffers[i])
            cursor = int(starts[i] + sizes[i])
            sizes[i] = len(new_buffers[i])
            shape = new_shapes[i]
            if shapes.shape[1] != len(shape):
                raise ValueError("sample dimensionality cannot change within a tensor")
            shapes[i] = shape
        pieces.append(old[cursor:])
        self._data = bytearray(b"".join(pieces))
        self.byte_positions.set_sizes(sizes)
        self.shapes.set_all_shapes(shapes)
        self.is_dirty = True
        self.grown_only = False

    def _overwrite_same_size(self, new_buffers: dict, new_shapes: dict) -> bool:
        """A few updates keeping each sample's size and shape overwrite bytes in
        place, leaving the encoders as they are (no whole-chunk table rebuild)."""
        if len(new_buffers) > 64:
            return False
        spots = []
        for i, buf in new_buffers.items():
            start, end = self.byte_positions.position(int(i))
            if end - start != len(buf) or tuple(self.shapes.shape_of(int(i))) != tuple(new_shapes[i]):
                return False
            spots.append((start, end, buf))
        data = self._data = bytearray(self._data)  # a fresh buffer: arrays already read keep old values
        for start, end, buf in spots:
            data[start:end] = buf
        self.is_dirty = True
        self.grown_only = False
        return True

    def pop_samples(self, local_indices) -> None:
        local_indices = sorted(set(int(i) for i in local_indices))
        sizes = self.byte_positions.sizes()
        shapes = self.shapes.all_shapes()
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1])) if len(sizes) else sizes
        old = memoryview(self._data)
        keep = np.ones(len(sizes), dtype=bool)
        keep[local_indices] = False
        pieces = [old[int(starts[i]) : int(starts[i] + sizes[i])] for i in np.flatnonzero(keep)]
        self._data = bytearray(b"".join(pieces))
        self.byte_positions.set_sizes(sizes[keep])
        self.shapes.set_all_shapes(shapes[keep])
        self.is_dirty = True
        self.grown_only = False

    # --- (de)serialisation ---------------------------------------------
    def tobytes(self) -> bytes:
        return b"".join([self.header_bytes(), self._encoded_data()])

    def header_bytes(self) -> bytes:
        """The header (version, shape info, byte positions) alone (FORMAT.md §3.1)."""
        shape_rows = self.shapes.rows if self.shapes.ndim is not None else np.zeros((0, 0))
        s_rows, s_cols = (shape_rows.shape if len(shape_rows) else (0, 0))
        omit_positions = self.is_tile or (
            self.compression is not None and not _is_byte_codec(self.compression)
        )
        bp_rows = np.zeros((0, 3)) if omit_positions else self.byte_positions.rows
        header = [
            write_vstr(self.version),
            struct.pack("<ii", s_rows, s_cols),
            np.ascontiguousarray(shape_rows, dtype="<u4").tobytes() if s_rows else b"",
            struct.pack("<I", len(bp_rows)),
            np.ascontiguousarray(bp_rows, dtype="<u4").tobytes(),
        ]
        return b"".join(header)

    def _encoded_data(self) -> bytes:
        if self.compression is None:
            return memoryview(self._data)  # joined by tobytes without an extra copy
        if len(self._data) == 0 and self.num_samples == 0:
            return b""
        from deeplake import compression as codecs

        if _is_byte_codec(self.compression):
            return codecs.compress_bytes(bytes(self._data), self.compression)
        arrays = [self._logical_array(i) for i in range(self.num_samples)]
        return codecs.encode_canvas(arrays, self.compression)

    def _logical_array(self, local_index: int) -> np.ndarray:
        buf = self.sample_bytes(local_index)
        return np.frombuffer(buf, dtype=self.dtype).reshape(self.sample_shape(local_index))

    @classmethod
    def frombuffer(cls, buf, compression: Optional[str] = None, dtype=None) -> "Chunk":
        buf = memoryview(buf)
        try:
            version, off = read_vstr(buf)
            s_rows, s_cols = struct.unpack_from("<ii", buf, off)
            off += 8
            shape_rows = np.frombuffer(buf, dtype="<u4", count=s_rows * s_cols, offset=off).reshape(s_rows, s_cols)
            off += 4 * s_rows * s_cols
            (b_rows,) = struct.unpack_from("<I", buf, off)
            off += 4
            bp_rows = np.frombuffer(buf, dtype="<u4", count=b_rows * 3, offset=off).reshape(b_rows, 3)
            off += 12 * b_rows
        except (struct.error, ValueError, IndexError) as e:
            raise CorruptedSampleError(f"chunk header is corrupt: {e}") from e
        data = buf[off:]
        chunk = cls(
            compression,
            dtype,
            shapes=ShapeEncoder(shape_rows.astype(np.uint32) if s_rows else None),
            byte_positions=BytePositionsEncoder(bp_rows.astype(np.uint32) if b_rows else None),
            version=version,
        )
        if compression is not None and len(data):
            from deeplake import compression as codecs

            if _is_byte_codec(compression):
                chunk._data = codecs.decompress_bytes(bytes(data), compression)
            else:
                shapes = chunk.shapes.all_shapes()
                arrays = codecs.decode_canvas(bytes(data), compression, [tuple(s) for s in shapes])
                raw = [np.ascontiguousarray(a, dtype=chunk.dtype).tobytes() for a in arrays]
                chunk._data = b"".join(raw)
                chunk.byte_positions.set_sizes(np.array([len(r) for r in raw], dtype=np.int64))
        else:
            chunk._data = data
        if b_rows == 0 and s_rows and len(chunk.byte_positions) == 0:
            # tile chunks carry no byte positions: one sample spanning the data
            n = chunk.shapes.num_entries
            if n == 1:
                chunk.byte_positions.register(len(chunk._data))
                chunk.is_tile = True
        chunk.grown_only = True
        return chunk
