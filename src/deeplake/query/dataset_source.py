"""ColumnSource over a Dataset or a view of one: rows are the view's rows.

Columns are read whole, in the form the executor wants:
  fixed-shape numeric   one ndarray (rows first), gathered chunk by chunk
  ragged numeric        a list of per-row arrays
  text                  an ndarray of str
  json / list / tag     a list of Python objects

Decoded columns are cached in two places: per source (one query reads a
column once), and process-wide per tensor engine for columns read whole, so
repeated queries on an unchanged tensor skip decoding. The process-wide entry
is valid while the engine has seen no write: every TensorEngine write drops
its ``_fast`` read tables, so the identity of those tables (with the length
and commit) is the version token. Derived values (json keys, row norms) hang
off the cached column objects, so they share its lifetime.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any, Optional

import numpy as np

from deeplake.query.source import JSON_HTYPES, TEXT_HTYPES, ColumnInfo
from deeplake.query.values import JsonColumn

# A view covering at least this share of a tensor reads (and caches) the whole
# tensor: one sequential pass is cheaper than a gather, and reusable.
_WHOLE_TENSOR_SHARE = 0.25
_CACHE_BUDGET_BYTES = 1 << 30
_SMALL_SAMPLE_ITEMS = 4096  # ragged numeric columns cached whole only below this sample size


class _ColumnCache:
    """Process-wide LRU of whole decoded tensors, keyed by engine."""

    def __init__(self, budget: int):
        self.budget = budget
        self._entries: "OrderedDict[int, tuple]" = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0

    def get(self, engine, token):
        with self._lock:
            entry = self._entries.get(id(engine))
            if entry is None:
                return None
            ref, stored_token, value, _ = entry
            if ref() is not engine or not _same_version(stored_token, token):
                self._drop(id(engine))
                return None
            self._entries.move_to_end(id(engine))
            return value

    def put(self, engine, token, value) -> None:
        size = _approx_bytes(value)
        if size > self.budget:
            return
        with self._lock:
            self._drop(id(engine))
            key = id(engine)
            ref = weakref.ref(engine, lambda _r, k=key: self._forget(k))
            self._entries[key] = (ref, token, value, size)
            self._bytes += size
            while self._bytes > self.budget and self._entries:
                self._drop(next(iter(self._entries)))

    def _forget(self, key) -> None:
        with self._lock:
            self._drop(key)

    def _drop(self, key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[3]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_CACHE = _ColumnCache(_CACHE_BUDGET_BYTES)


def clear_column_cache() -> None:
    """Forget every cached decoded column (benchmarks use it for cold runs)."""
    _CACHE.clear()


def _approx_bytes(value) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    return 96 * len(value)  # rough per-object cost of a list of small objects


def _version_token(engine):
    # The read tables are rebuilt after any write to the engine. The token holds
    # the tables object itself: a cached entry keeps it alive, so a rebuilt one
    # can never reuse its id.
    tables = engine._fast_tables()
    return tables, engine.meta.length, engine.ctx.commit_id


def _same_version(a, b) -> bool:
    return a[0] is b[0] and a[1:] == b[1:]


class DatasetColumnSource:
    """The rows of ``ds`` (a dataset, group or view) as a ColumnSource."""

    def __init__(self, ds):
        self.ds = ds
        self._tensors = ds.tensors  # relative name -> Tensor (visible tensors)
        self._length = len(ds)
        self._indices: Optional[np.ndarray] = None
        self._columns: dict = {}
        self._shapes: dict = {}
        self._infos: dict = {}

    def __len__(self) -> int:
        return self._length

    # ------------------------------------------------------------ schema
    def column_names(self) -> list:
        return list(self._tensors)

    def column_info(self, name: str) -> ColumnInfo:
        info = self._infos.get(name)
        if info is None:
            info = self._infos[name] = _info_of(self._tensors[name])
        return info

    @property
    def sample_indices(self) -> np.ndarray:
        """Stored row of each row of the view (int64)."""
        if self._indices is None:
            idx = self.ds._index.values[0].numpy_indices(self.ds._parent_len())
            self._indices = np.ascontiguousarray(idx, dtype=np.int64)[: self._length]
        return self._indices

    # -------------------------------------------------------------- reads
    def read_column(self, name: str) -> Any:
        column = self._columns.get(name)
        if column is None:
            column = self._columns[name] = self._read(name)
        return column

    def read_shapes(self, name: str) -> np.ndarray:
        shapes = self._shapes.get(name)
        if shapes is None:
            tensor = self._tensors[name]
            if tensor.meta.is_sequence or tensor.is_link or self._padded(tensor):
                values = self.read_column(name)
                shapes = _shapes_of(values)
            else:
                shapes = tensor._engine.read_shapes(self.sample_indices)
            shapes = self._shapes[name] = np.asarray(shapes, dtype=np.int64)
        return shapes

    def _padded(self, tensor) -> bool:
        if not self.ds._pad or self._length == 0:
            return False
        return int(self.sample_indices.max()) >= tensor._stored_len()

    def _read(self, name: str):
        tensor = self._tensors[name]
        meta = tensor.meta
        if meta.is_sequence or tensor.is_link or self._padded(tensor):
            return self._read_through_tensor(tensor)
        engine = tensor._engine
        stored = engine.num_samples
        count = self._length
        if count and count >= _WHOLE_TENSOR_SHARE * stored and _cacheable(engine):
            token = _version_token(engine)
            whole = _CACHE.get(engine, token)
            if whole is None:
                whole = _decode(engine, np.arange(stored, dtype=np.int64))
                if isinstance(whole, np.ndarray):
                    whole.setflags(write=False)  # shared between queries; lets functions memoise on it
                _CACHE.put(engine, token, whole)
            if self._covers_all(stored):
                return whole
            return _take(whole, self.sample_indices)
        return _decode(engine, self.sample_indices)

    def _covers_all(self, stored: int) -> bool:
        """Whether the view's rows are exactly 0..stored-1 in order."""
        if self._length != stored:
            return False
        if self.ds._index.values[0].is_trivial():
            return True
        indices = self.sample_indices
        return stored == 0 or (indices[0] == 0 and indices[-1] == stored - 1 and bool(np.all(np.diff(indices) == 1)))

    def _read_through_tensor(self, tensor):
        """Sequences, links and padded views: the Tensor facade knows them."""
        view = tensor
        if self.ds._index.is_trivial() and tensor._parent_len() != self._length:
            view = tensor[: self._length]
        htype = tensor.meta.htype
        if htype == "text" and not tensor.meta.is_sequence:
            values = view._plain_values()
            return np.array(values, dtype=str) if values else np.array([], dtype=str)
        if htype in JSON_HTYPES and not tensor.meta.is_sequence:
            return list(view._plain_values())
        return view.numpy(aslist=True)


def _decode(engine, indices: np.ndarray):
    """Samples ``indices`` of one engine in executor form."""
    htype = engine.meta.htype
    if engine.can_read_fast():
        return engine.read_fixed(indices)
    if _chunkwise_ok(engine):
        values = _read_chunkwise(engine, indices)
    else:
        values = engine.read_many(indices)
    if htype in TEXT_HTYPES:
        return np.array(values, dtype=str) if values else np.array([], dtype=str)
    if htype in JSON_HTYPES:
        return JsonColumn(values)
    if engine.is_fixed_shape() and values and not engine.tiles.entries:
        return np.stack(values)
    return values


def _cacheable(engine) -> bool:
    """Columns worth decoding whole and keeping: not media or large samples."""
    if engine.can_read_fast():
        return True
    htype = engine.meta.htype
    if htype in TEXT_HTYPES or htype in JSON_HTYPES:
        return _chunkwise_ok(engine)
    max_shape = engine.meta.max_shape or [0]
    return _chunkwise_ok(engine) and int(np.prod(max_shape)) <= _SMALL_SAMPLE_ITEMS


def _chunkwise_ok(engine) -> bool:
    meta = engine.meta
    text_like = meta.htype in TEXT_HTYPES or meta.htype in JSON_HTYPES
    numeric = engine.codec.numeric and engine.np_dtype is not None
    return ((text_like or numeric) and meta.sample_compression is None and not engine.tiles.entries
            and not meta.is_link and not meta.is_sequence)


def _read_chunkwise(engine, indices: np.ndarray) -> list:
    """Uncompressed samples decoded a chunk at a time with vectorised byte
    positions (the engine's read_many locates every sample on its own)."""
    n = len(indices)
    out: list = [None] * n
    if n == 0:
        return out
    enc = engine.chunk_ids
    rows = np.asarray(enc.find_rows(indices), dtype=np.int64)
    local = indices - enc.first_indices()[rows].astype(np.int64)
    if n > 1 and np.any(np.diff(rows) < 0):
        order = np.argsort(rows, kind="stable")
    else:
        order = None
    sorted_rows = rows if order is None else rows[order]
    cuts = np.flatnonzero(np.diff(sorted_rows)) + 1
    starts_of_groups = np.concatenate([[0], cuts])
    ends_of_groups = np.concatenate([cuts, [n]])
    htype = engine.meta.htype
    for g0, g1 in zip(starts_of_groups.tolist(), ends_of_groups.tolist()):
        sel = np.arange(g0, g1) if order is None else order[g0:g1]
        chunk = engine.get_chunk(int(enc.rows[int(sorted_rows[g0]), 0]))
        values = _decode_chunk(engine, htype, chunk, local[sel])
        for j, v in zip(sel.tolist(), values):
            out[j] = v
    return out


def _decode_chunk(engine, htype: str, chunk, local: np.ndarray) -> list:
    starts, ends = chunk.byte_positions.positions(local)
    data = bytes(chunk.data)
    spans = zip(starts.tolist(), ends.tolist())
    if htype in TEXT_HTYPES:
        return [data[a:b].decode("utf-8") for a, b in spans]
    if htype in JSON_HTYPES:
        from deeplake.htypes.text import json_loads

        empty = b"{}" if htype == "json" else b"[]"
        # one parse per chunk: the samples joined into a JSON array
        return json_loads(b"[" + b",".join([data[a:b] or empty for a, b in spans]) + b"]")
    dtype = engine.np_dtype
    shapes = chunk.shapes.all_shapes()[local]
    out = []
    for (a, b), shape in zip(spans, shapes.tolist()):
        out.append(np.frombuffer(data, dtype=dtype, count=(b - a) // dtype.itemsize, offset=a).reshape(shape))
    return out


def _take(whole, indices: np.ndarray):
    if isinstance(whole, np.ndarray):
        return whole[indices]
    return [whole[i] for i in indices.tolist()]


def _shapes_of(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        if values.dtype.kind in "US":
            return np.ones((len(values), 1), dtype=np.int64)
        return np.tile(np.asarray(values.shape[1:], np.int64), (len(values), 1))
    shapes = [np.shape(v) for v in values]
    ndim = max((len(s) for s in shapes), default=0)
    return np.array([tuple(s) + (0,) * (ndim - len(s)) for s in shapes], dtype=np.int64).reshape(len(shapes), ndim)


def _info_of(tensor) -> ColumnInfo:
    meta = tensor.meta
    engine = tensor._engine
    htype = tensor.htype
    base = meta.htype
    class_names = None
    if base == "class_label":
        names = engine.info.get("class_names") if isinstance(engine.info, dict) else None
        class_names = tuple(names) if names else None
    if base in TEXT_HTYPES:
        return ColumnInfo(htype, np.dtype(str), True, (), None)
    if base in JSON_HTYPES:
        return ColumnInfo(htype, None, False, None, None)
    dtype = engine.np_dtype
    fixed = engine.is_fixed_shape() and not meta.is_sequence and not engine.tiles.entries
    shape = tuple(meta.min_shape) if fixed else None
    return ColumnInfo(htype, dtype, fixed, shape, class_names)
