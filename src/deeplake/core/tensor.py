"""The Tensor facade: the documented Tensor API over a TensorEngine.

A Tensor is a (dataset, tensor key, Index) triple; indexing returns another
Tensor with a composed Index, nothing is read until a value is asked for.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

import numpy as np

from deeplake.core.index import Index, IndexEntry
from deeplake.core.engine.tensor_engine import TensorEngine, stack_or_raise
from deeplake.errors import (
    DynamicTensorNumpyError,
    InvalidKeyTypeError,
    TensorDoesNotExistError,
)
from deeplake.util.shape_interval import ShapeInterval

_TEXT_LIKE = ("text", "json", "list", "tag")
_MEDIA_HTYPES = ("image", "image.rgb", "image.gray", "video", "audio", "dicom", "nifti", "point_cloud", "mesh")


class Tensor:
    """A tensor of a dataset, or a view of one."""

    def __init__(self, key: str, dataset, index: Optional[Index] = None):
        self.key = key
        self.dataset = dataset
        self.index = index if index is not None else Index()
        self._engine: TensorEngine = dataset._engine_for_key(key)
        self._pad_to: Optional[int] = None  # max_view: rows past the end read as empty

    # ------------------------------------------------------------ identity
    @property
    def meta(self):
        return self._engine.meta

    @property
    def name(self) -> str:
        return self.dataset._name_of_key(self.key)

    @property
    def htype(self) -> str:
        h = self.meta.htype
        if self.meta.is_link:
            h = f"link[{h}]"
        if self.meta.is_sequence:
            h = f"sequence[{h}]"
        return h

    @property
    def base_htype(self) -> str:
        return self.meta.htype

    @property
    def dtype(self) -> Optional[np.dtype]:
        dt = self.meta.dtype
        if dt is None:
            return None
        if dt in ("str", "Any", "List") or self.meta.htype in _TEXT_LIKE:
            return np.dtype(str)
        return np.dtype(dt)

    @property
    def is_sequence(self) -> bool:
        return self.meta.is_sequence

    @property
    def is_link(self) -> bool:
        return self.meta.is_link

    @property
    def verify(self) -> bool:
        return bool(self.meta.get("verify", False))

    @property
    def hidden(self) -> bool:
        return self.meta.hidden

    @property
    def sample_compression(self):
        return self.meta.sample_compression

    @property
    def chunk_compression(self):
        return self.meta.chunk_compression

    @property
    def info(self):
        from deeplake.core.info import TensorInfo

        return TensorInfo(self)

    @info.setter
    def info(self, value):
        self.info.replace_with(value)

    def __repr__(self) -> str:
        full = self.dataset._state.meta.name_of(self.key) or self.key
        return f"Tensor(key={full!r}{'' if self.index.is_trivial() else f', index={self.index}'})"

    # ------------------------------------------------------------- lengths
    def _stored_len(self) -> int:
        """Number of top-level samples stored (sequences count once)."""
        if self.meta.is_sequence:
            return self._engine.sequences.num_sequences
        return self._engine.num_samples

    def _parent_len(self) -> int:
        n = self._stored_len()
        return max(n, self._pad_to) if self._pad_to is not None else n

    def _sample_indices(self) -> np.ndarray:
        return self.index.values[0].numpy_indices(self._parent_len())

    @property
    def num_samples(self) -> int:
        """Samples stored in the tensor (documented to ignore indexing; use len() for a view)."""
        return self._stored_len()

    def __len__(self) -> int:
        if self.index.is_trivial():
            return self._parent_len()
        return self.index.length(self._parent_len())

    @property
    def sample_indices(self):
        return self._sample_indices()

    def _is_single(self) -> bool:
        return not self.index.values[0].subscriptable()

    # ------------------------------------------------------------- indexing
    def __getitem__(self, item) -> "Tensor":
        if type(item) is int and self._pad_to is None and len(self.index.values) == 1 and self.index.values[0].is_trivial():
            # hot path: tensor[i] on a whole tensor
            n = self._stored_len()
            if item < 0:
                item += n
            if not 0 <= item < n:
                raise IndexError(f"Index {item} is out of range for tensor '{self.name}' with {n} samples.")
            t = Tensor.__new__(Tensor)
            t.key, t.dataset, t._engine, t._pad_to = self.key, self.dataset, self._engine, None
            t.index = Index(item)
            return t
        if isinstance(item, str):
            raise InvalidKeyTypeError(f"Tensor '{self.name}' cannot be indexed by the string {item!r}.")
        if item is Ellipsis or (isinstance(item, tuple) and any(x is Ellipsis for x in item)):
            from deeplake.core.index import replace_ellipsis_with_slices

            item = replace_ellipsis_with_slices(item, self.ndim)
        try:
            index = self.index.compose(item, self._parent_len())
        except (TypeError, ValueError) as e:
            raise InvalidKeyTypeError(f"Invalid index {item!r} for tensor '{self.name}': {e}") from None
        index.values[0].validate(self._parent_len())
        t = Tensor(self.key, self.dataset, index)
        t._pad_to = self._pad_to
        return t

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __setitem__(self, item, value) -> None:
        self[item]._update(value)

    # ---------------------------------------------------------------- reads
    def _item_indices_of_sequences(self, seq_indices: np.ndarray):
        enc = self._engine.sequences
        return [enc.item_range(int(s)) for s in seq_indices]

    def _read_values(self, indices: np.ndarray) -> List[Any]:
        eng = self._engine
        stored = self._stored_len()
        if self._pad_to is not None and len(indices) and indices.max() >= stored:
            inside = indices < stored
            got = self._read_values(indices[inside]) if inside.any() else []
            it = iter(got)
            empty = self._engine.codec.decode(b"", self._engine.codec.empty_shape())
            return [next(it) if ok else empty for ok in inside]
        if self.meta.is_sequence:
            out = []
            for start, end in self._item_indices_of_sequences(indices):
                out.append(eng.read_many(np.arange(start, end, dtype=np.int64)))
            return out
        return eng.read_many(indices)

    def _wrap_text_like(self, v):
        htype = self.meta.htype
        if htype == "text":
            return np.array([v])
        if htype == "json":
            a = np.empty(1, dtype=object)
            a[0] = v
            return a
        if htype in ("list", "tag"):
            a = np.empty(len(v), dtype=object)
            a[:] = v
            return a
        return v

    def numpy(self, aslist: bool = False, fetch_chunks: bool = False) -> Union[np.ndarray, List]:
        """The selected samples as one array, or a list when ``aslist``."""
        eng = self._engine
        values0 = self.index.values
        if (len(values0) == 1 and type(values0[0].simple_value) is int and not aslist and not self.meta.is_sequence
                and self._pad_to is None):
            if eng._fast is not None or eng.can_read_fast():
                return eng.read_one_fixed(values0[0].value)
        v0 = values0[0].simple_value
        if (type(v0) is slice and not aslist and not self.meta.is_sequence and self._pad_to is None
                and eng.can_read_fast()):
            start, stop, step = v0.indices(self._parent_len())
            if step == 1:  # a plain range: no per-sample index array
                arr = eng.read_fixed_range(start, max(start, stop))
                return self._apply_sub(arr) if len(values0) > 1 else arr
        indices = self._sample_indices()
        sub = self.index.values[1:]
        padded = self._pad_to is not None and len(indices) and indices.max() >= self._stored_len()
        if not aslist and not self.meta.is_sequence and eng.can_read_fast() and not padded:
            arr = eng.read_fixed(indices)
            if sub:
                arr = self._apply_sub(arr)
            return arr[0] if self._is_single() else arr
        if sub and not aslist and self._frame_range(indices):
            from deeplake.core.video_ops import read_frames

            values = [read_frames(self, int(i)) for i in indices]
            return values[0] if self._is_single() else stack_or_raise(values, self.name, self.index)
        if sub and self._tiled_only(indices):
            inner = tuple(e.value for e in sub)  # read only the tiles the region touches
            values = [eng.read_tiled_region(int(i), inner) for i in indices]
            if self._is_single():
                return values[0]
            return values if aslist else stack_or_raise(values, self.name, self.index)
        if not (aslist or sub or padded or self.is_link or self.meta.is_sequence or self._is_single()):
            arr = eng.read_jpeg_batch(indices)
            if arr is not None:
                return arr
        if self.is_link:
            values = self._read_links(indices)
        else:
            values = self._read_values(indices)
        if self.meta.htype in _TEXT_LIKE:
            if self.meta.is_sequence:
                values = [[self._wrap_text_like(v) for v in seq] for seq in values]
            else:
                values = [self._wrap_text_like(v) for v in values]
        if self.meta.is_sequence and not aslist:
            values = [self._stack_sequence(seq) for seq in values]
        if self.meta.htype == "polygon" and not self._is_single():
            aslist = True  # polygons are ragged lists by nature
        if sub:
            values = self.index.apply(values) if not self.meta.is_sequence else [
                self.index.apply([v])[0] for v in values
            ]
        if self._is_single():
            return values[0]
        if aslist:
            return values
        return stack_or_raise(values, self.name, self.index) if values else self._empty_array()

    def _frame_range(self, indices) -> bool:
        from deeplake.core.video_ops import is_frame_range_read

        return self._pad_to is None and len(indices) > 0 and is_frame_range_read(self)

    def _tiled_only(self, indices) -> bool:
        tiles = self._engine.tiles.entries
        return (bool(tiles) and not self.meta.is_sequence and not self.is_link and self._pad_to is None
                and all(int(i) in tiles for i in indices))

    def _stack_sequence(self, seq):
        if not seq:
            item_ndim = len(self.meta.max_shape) or 1
            dtype = self._engine.np_dtype or (str if self.meta.htype == "text" else object)
            return np.zeros((0,) + (0,) * item_ndim, dtype=dtype)
        shapes = {getattr(v, "shape", None) for v in seq}
        return np.stack(seq) if len(shapes) == 1 else seq

    def _empty_array(self):
        if self._engine.num_samples == 0:
            return np.array([])  # as the reference: an empty float64 array for an empty tensor
        shape = self.meta.max_shape or []
        dtype = self._engine.np_dtype
        if self.meta.htype in _TEXT_LIKE:
            return np.zeros((0, 1), dtype=str if self.meta.htype == "text" else object)
        return np.zeros((0, *shape), dtype=dtype)

    def _apply_sub(self, arr: np.ndarray) -> np.ndarray:
        inner = self.index.values[1:]
        if any(isinstance(e.value, tuple) for e in inner):
            return np.stack(self.index.apply(list(arr))) if len(arr) else arr
        return arr[(slice(None),) + tuple(e.value for e in inner)]

    def _read_links(self, indices):
        from deeplake.core.linked import read_linked_samples

        if self.meta.is_sequence:  # sequence[link[...]]: one list of items per sequence
            return [read_linked_samples(self, np.arange(a, b, dtype=np.int64))
                    for a, b in self._item_indices_of_sequences(indices)]
        return read_linked_samples(self, indices)

    def data(self, aslist: bool = False, fetch_chunks: bool = False) -> dict:
        """Values in the shape the htype suggests: {'value': ..., 'text': ...}."""
        htype = self.meta.htype
        if htype in _TEXT_LIKE:
            vals = self._plain_values()
            return {"value": vals}
        value = self.numpy(aslist=aslist, fetch_chunks=fetch_chunks)
        if htype == "video" and self._is_single() and not self.meta.is_sequence:
            return {"frames": value, "timestamps": self.timestamps, "sample_info": self.sample_info}
        out = {"value": value}
        if htype in _MEDIA_HTYPES:
            out["sample_info"] = self.sample_info
        if htype == "class_label":
            names = self.info.get("class_names") or []
            if names:
                out["text"] = self._labels_to_text(value, names)
        return out

    def _labels_to_text(self, value, names):
        def conv(v):
            v = np.asarray(v).reshape(-1)
            return [names[int(x)] if 0 <= int(x) < len(names) else None for x in v]

        def sample(v):
            if self.meta.is_sequence:  # one list of names per item
                return [conv(item) for item in v]
            return conv(v)

        if self._is_single():
            return sample(value)
        return [sample(v) for v in value]

    def _plain_values(self):
        indices = self._sample_indices()
        values = self._read_values(indices)
        return values[0] if self._is_single() else values

    def text(self, fetch_chunks: bool = False):
        if self.meta.htype != "text":
            raise ValueError(f"text() is only for text tensors; '{self.name}' has htype '{self.htype}'.")
        return self._plain_values()

    def dict(self, fetch_chunks: bool = False):
        if self.meta.htype != "json":
            raise ValueError(f"dict() is only for json tensors; '{self.name}' has htype '{self.htype}'.")
        return self._plain_values()

    def list(self, fetch_chunks: bool = False):
        if self.meta.htype not in ("list", "tag"):
            raise ValueError(f"list() is only for list/tag tensors; '{self.name}' has htype '{self.htype}'.")
        return self._plain_values()

    def tobytes(self) -> bytes:
        """Stored bytes of a single sample (the compressed file for compressed tensors)."""
        if not self._is_single():
            raise ValueError("tobytes() needs a single sample, e.g. tensor[0].tobytes().")
        if self.meta.chunk_compression is not None:
            raise ValueError(
                f"tobytes() is not available for tensor '{self.name}': its samples are compressed "
                f"together per chunk ({self.meta.chunk_compression}), not one by one."
            )
        idx = int(self._sample_indices()[0])
        if self.is_link:
            from deeplake.core.linked import link_bytes

            return link_bytes(self, idx)
        return self._engine.read_bytes(idx)

    def path(self):
        """Paths stored in a link tensor (a list, as the reference returns)."""
        if not self.is_link:
            raise ValueError(f"Tensor '{self.name}' is not a link tensor; only link tensors have paths.")
        from deeplake.core.linked import link_paths

        return link_paths(self)

    def creds_key(self):
        from deeplake.core.linked import creds_key

        return creds_key(self)

    def _linked_sample(self):
        from deeplake.core.linked import linked_sample

        return linked_sample(self)

    # --------------------------------------------------------------- shapes
    def _sample_shapes(self) -> np.ndarray:
        eng = self._engine
        indices = self._sample_indices()
        if self.meta.is_sequence:
            raise NotImplementedError
        if self.is_link:
            from deeplake.core.linked import link_shapes

            return link_shapes(self, indices)
        return eng.read_shapes(indices)

    @property
    def shape(self) -> tuple:
        n = None if False else len(self)
        if self.meta.is_sequence:
            return self._sequence_shape()
        ndim_sample = len(self.meta.max_shape) if self.meta.max_shape else (1 if self.meta.htype in _TEXT_LIKE else 0)
        if self.meta.htype in ("text", "json") and not self.meta.max_shape:
            ndim_sample = 1
        if self.index.is_trivial() and not self.meta.is_link:
            lo, hi = self.meta.min_shape, self.meta.max_shape
            dims = tuple(a if a == b else None for a, b in zip(lo, hi))
        else:
            shapes = self._sample_shapes() if n else np.zeros((0, ndim_sample), np.int64)
            if len(shapes):
                lo, hi = shapes.min(axis=0), shapes.max(axis=0)
                dims = tuple(int(a) if a == b else None for a, b in zip(lo, hi))
            else:  # an empty view: the tensor's own dims
                lo, hi = self.meta.min_shape, self.meta.max_shape
                dims = tuple(a if a == b else None for a, b in zip(lo, hi)) if lo else (None,) * ndim_sample
            dims = self._apply_sub_to_dims(dims)
        if self._is_single():
            return dims
        return (n,) + dims

    def _apply_sub_to_dims(self, dims: tuple) -> tuple:
        inner = self.index.values[1:]
        out = []
        for k, d in enumerate(dims):
            if k < len(inner):
                e = inner[k]
                if not e.subscriptable():
                    continue
                out.append(e.length(d) if d is not None else None)
            else:
                out.append(d)
        return tuple(out)

    def _sequence_shape(self):
        enc = self._engine.sequences
        idx = self._sample_indices()
        lengths = enc.lengths()[idx] if len(idx) else np.zeros(0, np.int64)
        lo, hi = self.meta.min_shape, self.meta.max_shape
        item_dims = tuple(a if a == b else None for a, b in zip(lo, hi))
        seq_len = int(lengths[0]) if len(lengths) and np.all(lengths == lengths[0]) else None
        dims = (seq_len,) + item_dims
        return dims if self._is_single() else (len(idx),) + dims

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def shape_interval(self) -> ShapeInterval:
        n = len(self)
        if self.index.is_trivial():
            lo, hi = self.meta.min_shape, self.meta.max_shape
        else:
            shapes = self._sample_shapes()
            lo, hi = (shapes.min(axis=0).tolist(), shapes.max(axis=0).tolist()) if len(shapes) else ([], [])
        if self._is_single():
            return ShapeInterval(list(lo), list(hi))
        return ShapeInterval([n] + list(lo), [n] + list(hi))

    @property
    def is_dynamic(self) -> bool:
        return self.meta.min_shape != self.meta.max_shape

    def shapes(self):
        """Per-sample shapes as an (n, ndim) array (a single shape for one sample)."""
        s = self._sample_shapes()
        if self._is_single():
            return tuple(int(x) for x in s[0])
        return s

    # ---------------------------------------------------------------- writes
    def _ds_write(self):
        return self.dataset._write_context(f"modify tensor '{self.name}'")

    def append(self, sample) -> None:
        self.extend([sample])

    def extend(self, samples, progressbar: bool = False, ignore_errors: bool = False) -> None:
        """Append samples to the end of this tensor (and its hidden companions)."""
        if not self.index.is_trivial():
            raise ValueError("Cannot extend a view of a tensor; extend the tensor itself.")
        with self._ds_write():
            self.dataset._writer.extend_tensor(self, samples, ignore_errors=ignore_errors)

    def _update(self, value) -> None:
        with self._ds_write():
            self.dataset._writer.update_tensor(self, value)

    def pop(self, index: Optional[Union[int, Sequence[int]]] = None) -> None:
        """Remove samples (the last one by default)."""
        if not self.index.is_trivial():
            raise ValueError("pop() works on whole tensors, not on views.")
        n = self._stored_len()
        if index is None:
            index = n - 1
        idx_list = [index] if isinstance(index, (int, np.integer)) else list(index)
        norm = []
        for i in idx_list:
            i = int(i)
            if i < 0:
                i += n
            if not 0 <= i < n:
                raise IndexError(f"Index {i} is out of range for tensor '{self.name}' with {n} samples.")
            norm.append(i)
        with self._ds_write():
            self.dataset._writer.pop_tensor(self, norm)

    def clear(self) -> None:
        """Delete every sample of the tensor (meta and info are kept)."""
        with self._ds_write():
            self.dataset._writer.clear_tensor(self)

    # ------------------------------------------------------------ reporting
    @property
    def sample_info(self):
        from deeplake.core.linked import sample_info

        return sample_info(self)

    @property
    def timestamps(self) -> np.ndarray:
        """Frame times in seconds of one video sample (``ds.videos[0, 5:10].timestamps``)."""
        from deeplake.core.video_ops import timestamps

        return timestamps(self)

    def play(self):
        """Show a video sample in a notebook; returns the local file path that plays it."""
        from deeplake.core.video_ops import play

        return play(self)

    def summary(self) -> None:
        print(self._summary_text())

    def _summary_text(self) -> str:
        return (
            f"Tensor '{self.name}': htype={self.htype}, dtype={self.meta.dtype}, "
            f"shape={self.shape}, compression={self.meta.sample_compression or self.meta.chunk_compression}"
        )

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def modified_samples(self, target_id: Optional[str] = None, return_indexes: Optional[bool] = False):
        """A view of the samples changed since ``target_id`` (default: the previous commit)."""
        from deeplake.version_control.diff import modified_samples

        return modified_samples(self, target_id, return_indexes)
