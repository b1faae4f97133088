"""Run-length index tables of the v3 format (FORMAT.md §2.4-§2.8, §3.2-§3.3).

Every table is a numpy array of rows whose last column is the *last index*
the row covers; row r covers indices ``last[r-1]+1 .. last[r]``. Looking up
index i is ``np.searchsorted(last, i)``: O(log rows). Appends grow a
capacity-doubling buffer so bulk writes stay amortised O(1) per row.
"""
from __future__ import annotations

import struct
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np

from deeplake.constants import FORMAT_VERSION
from deeplake.errors import ChunkIdEncoderError


def write_vstr(version: str = FORMAT_VERSION) -> bytes:
    raw = version.encode("ascii")
    return bytes([len(raw)]) + raw


def read_vstr(buf, offset: int = 0) -> Tuple[str, int]:
    n = buf[offset]
    return bytes(buf[offset + 1 : offset + 1 + n]).decode("ascii"), offset + 1 + n


def _version_tuple(version: str) -> tuple:
    parts = []
    for p in version.split("."):
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


class RowTable:
    """Rows of unsigned ints, the last column being a running last-index."""

    __slots__ = ("_buf", "_n", "ncols", "dtype")

    def __init__(self, ncols: int, dtype=np.uint32, rows: Optional[np.ndarray] = None):
        self.ncols = ncols
        self.dtype = np.dtype(dtype)
        if rows is None or len(rows) == 0:
            self._buf = np.zeros((4, ncols), dtype=self.dtype)
            self._n = 0
        else:
            rows = np.asarray(rows, dtype=self.dtype).reshape(-1, ncols)
            self._buf = rows.copy()
            self._n = len(rows)

    # --- views -------------------------------------------------------
    @property
    def rows(self) -> np.ndarray:
        return self._buf[: self._n]

    @property
    def last_indices(self) -> np.ndarray:
        return self._buf[: self._n, -1]

    def __len__(self) -> int:
        return self._n

    @property
    def num_entries(self) -> int:
        """Number of indices covered (last index of the final row + 1)."""
        if self._n == 0:
            return 0
        return int(self._buf[self._n - 1, -1]) + 1

    def first_index_of_row(self, r: int) -> int:
        return 0 if r == 0 else int(self._buf[r - 1, -1]) + 1

    def find_row(self, index: int) -> int:
        if index < 0 or index >= self.num_entries:
            raise IndexError(f"index {index} out of range for {self.num_entries} entries")
        return int(np.searchsorted(self.last_indices, index, side="left"))

    def find_rows(self, indices: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.last_indices, indices, side="left")

    # --- mutation ----------------------------------------------------
    def _grow(self, extra: int) -> None:
        need = self._n + extra
        if need > len(self._buf):
            cap = max(need, 2 * len(self._buf))
            new = np.zeros((cap, self.ncols), dtype=self.dtype)
            new[: self._n] = self._buf[: self._n]
            self._buf = new

    def append_row(self, values: Sequence[int], last_index: int) -> None:
        self._grow(1)
        row = self._buf[self._n]
        row[:-1] = values
        row[-1] = last_index
        self._n += 1

    def set_rows(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=self.dtype).reshape(-1, self.ncols)
        self._buf = rows.copy() if len(rows) else np.zeros((4, self.ncols), self.dtype)
        self._n = len(rows)

    def bump_last(self, count: int) -> None:
        self._buf[self._n - 1, -1] += count

    def copy(self) -> "RowTable":
        return RowTable(self.ncols, self.dtype, self.rows)

    # --- per-entry expansion --------------------------------------------
    def counts(self) -> np.ndarray:
        last = self.last_indices.astype(np.int64)
        return np.diff(np.concatenate(([-1], last)))

    def expand(self) -> np.ndarray:
        """Row values repeated once per covered index: shape (entries, ncols-1)."""
        return np.repeat(self.rows[:, :-1], self.counts(), axis=0)

    @staticmethod
    def compress_values(values: np.ndarray) -> np.ndarray:
        """Inverse of expand: run-length rows from per-entry values."""
        values = np.asarray(values)
        n = len(values)
        if n == 0:
            return np.zeros((0, values.shape[1] + 1 if values.ndim == 2 else 1), np.int64)
        values = values.reshape(n, -1)
        change = np.ones(n, dtype=bool)
        change[1:] = np.any(values[1:] != values[:-1], axis=1)
        starts = np.flatnonzero(change)
        lasts = np.append(starts[1:] - 1, n - 1)
        return np.column_stack([values[starts], lasts])


class ShapeEncoder(RowTable):
    """Per-chunk sample shapes: rows ``(dim_0 .. dim_k, last_local_index)``."""

    def __init__(self, rows: Optional[np.ndarray] = None, ndim: Optional[int] = None):
        ncols = rows.shape[1] if rows is not None and len(rows) else (ndim + 1 if ndim is not None else 0)
        super().__init__(max(ncols, 1), np.uint32, rows if ncols else None)
        self._ndim_known = bool(ncols)

    @property
    def ndim(self) -> Optional[int]:
        return self.ncols - 1 if self._ndim_known else None

    def register(self, shape: Sequence[int], count: int = 1) -> None:
        if not self._ndim_known:
            self.ncols = len(shape) + 1
            self._buf = np.zeros((4, self.ncols), np.uint32)
            self._n = 0
            self._ndim_known = True
        n = self._n
        if n and tuple(self._buf[n - 1, :-1]) == tuple(shape):
            self._buf[n - 1, -1] += count
        else:
            self.append_row(shape, self.num_entries + count - 1)

    def shape_of(self, local_index: int) -> Tuple[int, ...]:
        return tuple(int(x) for x in self._buf[self.find_row(local_index), :-1])

    def all_shapes(self) -> np.ndarray:
        if not self._ndim_known:
            return np.zeros((0, 0), np.int64)
        return self.expand().astype(np.int64)

    def set_all_shapes(self, shapes: np.ndarray) -> None:
        shapes = np.asarray(shapes, dtype=np.int64)
        if len(shapes) == 0:
            self._n = 0
            return
        shapes = shapes.reshape(len(shapes), -1)
        if not self._ndim_known:  # a fresh encoder learns the dimensionality here
            self.ncols = shapes.shape[1] + 1
            self._ndim_known = True
        self.set_rows(self.compress_values(shapes))


class BytePositionsEncoder(RowTable):
    """Per-chunk byte ranges: rows ``(num_bytes, start_byte, last_local_index)``."""

    def __init__(self, rows: Optional[np.ndarray] = None):
        super().__init__(3, np.uint32, rows)

    @property
    def total_bytes(self) -> int:
        if self._n == 0:
            return 0
        r = self._buf[self._n - 1]
        count = self.num_entries - self.first_index_of_row(self._n - 1)
        return int(r[1]) + count * int(r[0])

    def register(self, num_bytes: int, count: int = 1) -> None:
        n = self._n
        if n and int(self._buf[n - 1, 0]) == num_bytes:
            self._buf[n - 1, 2] += count
        else:
            self.append_row((num_bytes, self.total_bytes), self.num_entries + count - 1)

    def position(self, local_index: int) -> Tuple[int, int]:
        r = self.find_row(local_index)
        nb, start, _ = (int(x) for x in self._buf[r])
        s = start + (local_index - self.first_index_of_row(r)) * nb
        return s, s + nb

    def positions(self, local_indices: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        local_indices = np.asarray(local_indices, dtype=np.int64)
        rows = self.find_rows(local_indices)
        table = self.rows.astype(np.int64)
        firsts = np.concatenate(([0], table[:-1, 2] + 1))
        nb = table[rows, 0]
        starts = table[rows, 1] + (local_indices - firsts[rows]) * nb
        return starts, starts + nb

    def sizes(self) -> np.ndarray:
        return self.expand()[:, 0].astype(np.int64) if self._n else np.zeros(0, np.int64)

    def set_sizes(self, sizes: np.ndarray) -> None:
        sizes = np.asarray(sizes, dtype=np.int64)
        if len(sizes) == 0:
            self._n = 0
            return
        rows = self.compress_values(sizes.reshape(-1, 1))
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        first_of_row = np.concatenate(([0], rows[:-1, 1] + 1))
        self.set_rows(np.column_stack([rows[:, 0], starts[first_of_row], rows[:, 1]]))


class ChunkIdEncoder(RowTable):
    """Tensor-level map sample index -> chunk id (FORMAT.md §2.4)."""

    def __init__(self, rows: Optional[np.ndarray] = None):
        super().__init__(2, np.uint64, rows)

    @staticmethod
    def generate_id() -> int:
        import uuid

        return uuid.uuid4().int >> 64

    @classmethod
    def frombuffer(cls, buf) -> "ChunkIdEncoder":
        buf = memoryview(buf)
        version, off = read_vstr(buf)
        if _version_tuple(version) < (2, 7, 6):
            itemsize = 4
        else:
            itemsize = buf[off]
            off += 1
        if itemsize not in (4, 8):
            raise ChunkIdEncoderError(f"chunk id encoder has invalid itemsize {itemsize}")
        dtype = np.dtype(f"<u{itemsize}")
        rows = np.frombuffer(buf[off:], dtype=dtype).reshape(-1, 2).astype(np.uint64)
        return cls(rows)

    def tobytes(self) -> bytes:
        return write_vstr() + b"\x08" + self.rows.astype("<u8").tobytes()

    @property
    def num_samples(self) -> int:
        return self.num_entries

    def register_samples(self, chunk_id: int, count: int) -> None:
        """Record ``count`` new samples stored in chunk ``chunk_id`` (appended at the end)."""
        n = self._n
        if n and int(self._buf[n - 1, 0]) == chunk_id:
            self._buf[n - 1, 1] += count
        else:
            if count <= 0:
                raise ChunkIdEncoderError("a new chunk must hold at least one sample")
            self.append_row((chunk_id,), self.num_entries + count - 1)

    def register_tiles(self, chunk_ids: Sequence[int]) -> None:
        """One tiled sample stored as several chunks: equal last-index rows."""
        last = self.num_entries
        for cid in chunk_ids:
            self.append_row((cid,), last)

    def chunk_ids_for_sample(self, index: int) -> list:
        """Ids of the chunks holding sample ``index``: one, or several tiles."""
        r = self.find_row(index)
        ids = [int(self._buf[r, 0])]
        last = self.last_indices
        r += 1
        while r < self._n and int(last[r]) == index and (r == 0 or int(last[r - 1]) == index):
            ids.append(int(self._buf[r, 0]))
            r += 1
        return ids

    def row_range_of_sample(self, index: int) -> Tuple[int, int]:
        r = self.find_row(index)
        end = r + 1
        last = self.last_indices
        while end < self._n and int(last[end]) == index:
            end += 1
        return r, end

    def local_index(self, index: int, row: int) -> int:
        """Position of ``index`` inside the chunk of ``row``."""
        return index - self._first_of(row)

    def _first_of(self, row: int) -> int:
        # tiles repeat a last-index; the chunk of a row starts after the
        # nearest earlier row with a smaller last index.
        if row == 0:
            return 0
        last = self.last_indices
        target = int(last[row])
        r = row - 1
        while r >= 0 and int(last[r]) == target:
            r -= 1
        return 0 if r < 0 else int(last[r]) + 1

    def first_indices(self) -> np.ndarray:
        last = self.last_indices.astype(np.int64)
        prev = np.concatenate(([-1], last[:-1]))
        # for tile rows equal to their predecessor the first index is the sample itself
        return np.where(prev == last, last, prev + 1)

    def chunk_rows_for_indices(self, indices: np.ndarray) -> np.ndarray:
        return self.find_rows(np.asarray(indices, dtype=np.uint64))


class TileEncoder:
    """Sample index -> (sample_shape, tile_shape) for tiled samples (§2.5)."""

    def __init__(self, entries: Optional[dict] = None):
        self.entries: dict = dict(entries or {})

    @classmethod
    def frombuffer(cls, buf) -> "TileEncoder":
        buf = memoryview(buf)
        try:
            _, off = read_vstr(buf)
            (count,) = struct.unpack_from("<Q", buf, off)
            off += 8
            entries = {}
            if count:
                (ndim,) = struct.unpack_from("<Q", buf, off)
                off += 8
                arr = np.frombuffer(buf[off:], dtype="<u8")[: count * (1 + 2 * ndim)]
                arr = arr.reshape(count, 1 + 2 * ndim)
                for row in arr:
                    entries[int(row[0])] = (
                        tuple(int(x) for x in row[1 : 1 + ndim]),
                        tuple(int(x) for x in row[1 + ndim :]),
                    )
            return cls(entries)
        except (struct.error, ValueError, IndexError):
            return cls._frombuffer_legacy(buf)

    @classmethod
    def _frombuffer_legacy(cls, buf) -> "TileEncoder":
        # very old datasets: same structure, no version string, big endian
        (count,) = struct.unpack_from(">Q", buf, 0)
        entries = {}
        if count:
            (ndim,) = struct.unpack_from(">Q", buf, 8)
            arr = np.frombuffer(buf[16:], dtype=">u8").reshape(count, 1 + 2 * ndim)
            for row in arr:
                entries[int(row[0])] = (tuple(int(x) for x in row[1 : 1 + ndim]), tuple(int(x) for x in row[1 + ndim :]))
        return cls(entries)

    def tobytes(self) -> bytes:
        out = [write_vstr(), struct.pack("<Q", len(self.entries))]
        if self.entries:
            ndim = len(next(iter(self.entries.values()))[0])
            out.append(struct.pack("<Q", ndim))
            rows = [
                (idx, *shape, *tile) for idx, (shape, tile) in sorted(self.entries.items())
            ]
            out.append(np.asarray(rows, dtype="<u8").tobytes())
        return b"".join(out)

    def __contains__(self, index: int) -> bool:
        return index in self.entries

    def get(self, index: int):
        return self.entries.get(index)

    def register(self, index: int, sample_shape, tile_shape) -> None:
        self.entries[int(index)] = (tuple(int(x) for x in sample_shape), tuple(int(x) for x in tile_shape))

    def on_pop(self, index: int) -> None:
        """Drop ``index`` and shift later sample indices down by one."""
        self.entries = {
            (k - 1 if k > index else k): v for k, v in self.entries.items() if k != index
        }


class _U32RowFile(RowTable):
    """A VSTR followed by u32 rows (sequence / creds encoders)."""

    NCOLS = 2

    def __init__(self, rows: Optional[np.ndarray] = None):
        super().__init__(self.NCOLS, np.uint32, rows)

    @classmethod
    def frombuffer(cls, buf):
        buf = memoryview(buf)
        _, off = read_vstr(buf)
        rows = np.frombuffer(buf[off:], dtype="<u4").reshape(-1, cls.NCOLS)
        return cls(rows)

    def tobytes(self) -> bytes:
        return write_vstr() + self.rows.astype("<u4").tobytes()


class SequenceEncoder(_U32RowFile):
    """Sequence index -> item range; rows ``(count, start, last_seq)`` (§2.6)."""

    NCOLS = 3

    @property
    def num_sequences(self) -> int:
        return self.num_entries

    @property
    def num_items(self) -> int:
        if self._n == 0:
            return 0
        count, start, last = (int(x) for x in self._buf[self._n - 1])
        first = self.first_index_of_row(self._n - 1)
        return start + (last - first + 1) * count

    def register(self, length: int) -> None:
        n = self._n
        if n and int(self._buf[n - 1, 0]) == length:
            self._buf[n - 1, 2] += 1
        else:
            self.append_row((length, self.num_items), self.num_entries)

    def item_range(self, seq_index: int) -> Tuple[int, int]:
        r = self.find_row(seq_index)
        count, start, _ = (int(x) for x in self._buf[r])
        s = start + (seq_index - self.first_index_of_row(r)) * count
        return s, s + count

    def lengths(self) -> np.ndarray:
        return self.expand()[:, 0].astype(np.int64) if self._n else np.zeros(0, np.int64)

    def set_lengths(self, lengths: np.ndarray) -> None:
        lengths = np.asarray(lengths, dtype=np.int64)
        if len(lengths) == 0:
            self._n = 0
            return
        rows = self.compress_values(lengths.reshape(-1, 1))
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        first_of_row = np.concatenate(([0], rows[:-1, 1] + 1))
        self.set_rows(np.column_stack([rows[:, 0], starts[first_of_row], rows[:, 1]]))


class CredsEncoder(_U32RowFile):
    """Link tensors: sample -> creds key encoding; rows ``(encoding, last)`` (§2.8)."""

    NCOLS = 2

    def register(self, encoding: int, count: int = 1) -> None:
        n = self._n
        if n and int(self._buf[n - 1, 0]) == encoding:
            self._buf[n - 1, 1] += count
        else:
            self.append_row((encoding,), self.num_entries + count - 1)

    def encoding_of(self, index: int) -> int:
        return int(self._buf[self.find_row(index), 0])

    def encodings(self) -> np.ndarray:
        return self.expand()[:, 0].astype(np.int64) if self._n else np.zeros(0, np.int64)

    def set_encodings(self, enc: np.ndarray) -> None:
        enc = np.asarray(enc, dtype=np.int64)
        self.set_rows(self.compress_values(enc.reshape(-1, 1)) if len(enc) else np.zeros((0, 2)))


class PadEncoder:
    """Half-open intervals of padded sample indices (§2.7)."""

    def __init__(self, intervals: Optional[Iterable[Tuple[int, int]]] = None):
        self.intervals = [tuple(x) for x in (intervals or [])]

    @classmethod
    def frombuffer(cls, buf) -> "PadEncoder":
        buf = memoryview(buf)
        _, off = read_vstr(buf)
        arr = np.frombuffer(buf[off:], dtype="<u4").reshape(-1, 2)
        return cls([(int(a), int(b)) for a, b in arr])

    def tobytes(self) -> bytes:
        return write_vstr() + np.asarray(self.intervals, dtype="<u4").reshape(-1, 2).tobytes()

    def is_padded(self, index: int) -> bool:
        return any(a <= index < b for a, b in self.intervals)

    def add_padding(self, start: int, end: int) -> None:
        if end > start:
            self.intervals.append((start, end))
            self.intervals.sort()
