"""A query result view with computed columns (``SELECT expr AS name``).

Dataset views select stored rows only, so a query computing values returns a
QueryView: a Dataset view (``is_view`` True, every Dataset read works) whose
``tensors`` also hold read-only VirtualTensors with the computed values, one
per row of the view. Indexing a QueryView keeps the computed columns aligned.
Writes, save_view and copies see only the stored tensors.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from deeplake.core.dataset import Dataset
from deeplake.errors import InvalidKeyTypeError, TensorDoesNotExistError


class VirtualTensor:
    """Read-only values computed by a query, one per row of its view."""

    def __init__(self, name: str, values, single: bool = False):
        self.name = self.key = name
        self._values = values  # ndarray with rows first, or list
        self._single = single

    @property
    def htype(self) -> str:
        v = self._values
        if isinstance(v, np.ndarray):
            return "text" if v.dtype.kind in "US" else "generic"
        if v and all(isinstance(x, str) for x in v):
            return "text"
        if v and all(isinstance(x, np.ndarray) for x in v):
            return "generic"
        return "json" if v else "generic"

    base_htype = htype
    is_virtual = True
    is_sequence = False
    is_link = False
    hidden = False

    @property
    def dtype(self) -> Optional[np.dtype]:
        v = self._values
        if isinstance(v, np.ndarray):
            return v.dtype
        if v and isinstance(v[0], np.ndarray):
            return v[0].dtype
        return np.dtype(str) if self.htype == "text" else None

    def __len__(self) -> int:
        return 1 if self._single else len(self._values)

    @property
    def num_samples(self) -> int:
        return len(self)

    def __repr__(self) -> str:
        return f"VirtualTensor(key={self.name!r}, rows={len(self)})"

    def __getitem__(self, item) -> "VirtualTensor":
        if self._single:
            raise InvalidKeyTypeError(f"Virtual tensor '{self.name}' of a single row cannot be indexed.")
        positions = _positions(len(self._values), item)
        return VirtualTensor(self.name, _take(self._values, positions), single=np.ndim(positions) == 0)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def numpy(self, aslist: bool = False, fetch_chunks: bool = False):
        v = self._values
        if self._single:
            return v[0]
        if aslist:
            return list(v)
        if isinstance(v, np.ndarray):
            return v
        arrays = [np.asarray(x) for x in v]
        if arrays and len({a.shape for a in arrays}) == 1:
            return np.stack(arrays)
        from deeplake.errors import DynamicTensorNumpyError

        raise DynamicTensorNumpyError(
            f"Virtual tensor '{self.name}' has rows of different shapes; use .numpy(aslist=True)."
        )

    def _plain(self):
        v = self._values
        out = [x.item() if isinstance(x, np.generic) else x for x in (v.tolist() if isinstance(v, np.ndarray) else v)]
        return out[0] if self._single else out

    def text(self, fetch_chunks: bool = False):
        return self._plain()

    def dict(self, fetch_chunks: bool = False):
        return self._plain()

    def list(self, fetch_chunks: bool = False):
        return self._plain()

    def data(self, aslist: bool = False, fetch_chunks: bool = False) -> dict:
        if self.htype in ("text", "json"):
            return {"value": self._plain()}
        return {"value": self.numpy(aslist=aslist)}

    @property
    def shape(self) -> tuple:
        v = self._values
        if isinstance(v, np.ndarray):
            return tuple(v.shape[1:]) if self._single else tuple(v.shape)
        shapes = {np.shape(x) for x in v}
        row = shapes.pop() if len(shapes) == 1 else None
        if self._single:
            return tuple(np.shape(v[0]))
        if row is None:
            ndim = max((len(np.shape(x)) for x in v), default=0)
            return (len(v),) + (None,) * ndim
        return (len(v),) + tuple(row)

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _positions(n: int, item):
    """Row positions ``item`` selects from n rows (an int for a single row)."""
    if isinstance(item, (int, np.integer)):
        i = int(item)
        if not -n <= i < n:
            raise IndexError(f"Index {i} is out of range for {n} rows.")
        return i % n
    if isinstance(item, slice):
        return np.arange(n, dtype=np.int64)[item]
    if isinstance(item, range):
        return np.arange(n, dtype=np.int64)[np.asarray(item, dtype=np.int64)]
    arr = np.asarray(item)
    if arr.dtype == np.bool_:
        return np.flatnonzero(arr)
    if arr.ndim == 1 and (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
        arr = arr.astype(np.int64)
        if arr.size and ((arr >= n) | (arr < -n)).any():
            raise IndexError(f"Index {item!r} is out of range for {n} rows.")
        return np.where(arr < 0, arr + n, arr)
    raise InvalidKeyTypeError(f"Invalid index {item!r} for a query result view.")


def _take(values, positions):
    if np.ndim(positions) == 0:
        return values[positions : positions + 1] if isinstance(values, np.ndarray) else [values[positions]]
    if isinstance(values, np.ndarray):
        return values[positions]
    return [values[i] for i in positions.tolist()]


class QueryView(Dataset):
    """A Dataset view plus the columns its query computed (see module doc)."""

    def __init__(self, base: Dataset, virtual: Dict[str, Any], kept: Optional[List[str]] = None,
                 single: bool = False):
        Dataset.__init__(self, base._state, base._group, base._index)
        object.__setattr__(self, "_only", base._only)
        object.__setattr__(self, "_pad", base._pad)
        object.__setattr__(self, "_virtual", dict(virtual))
        object.__setattr__(self, "_kept", None if kept is None else list(kept))
        object.__setattr__(self, "_single_row", single)

    @property
    def virtual_tensors(self) -> Dict[str, VirtualTensor]:
        return {name: VirtualTensor(name, v, self._single_row) for name, v in self._virtual.items()}

    @property
    def tensors(self) -> Dict[str, Any]:
        stored = Dataset.tensors.fget(self)
        if self._kept is not None:
            stored = {k: t for k, t in stored.items() if k in self._kept}
        out: Dict[str, Any] = dict(stored)
        out.update(self.virtual_tensors)
        return out

    def __contains__(self, name: str) -> bool:
        return name in self._virtual or Dataset.__contains__(self, name)

    def __getitem__(self, item):
        if isinstance(item, str):
            if item in self._virtual:
                return VirtualTensor(item, self._virtual[item], self._single_row)
            if self._kept is not None and item not in self._kept and item in Dataset.tensors.fget(self):
                raise TensorDoesNotExistError(f"Tensor '{item}' is not selected by this query.")
            return Dataset.__getitem__(self, item)
        if isinstance(item, (list, tuple)) and item and all(isinstance(x, str) for x in item):
            stored = [x for x in item if x not in self._virtual]
            base = Dataset.__getitem__(self, stored) if stored else Dataset(self._state, self._group, self._index)
            virtual = {x: self._virtual[x] for x in item if x in self._virtual}
            return QueryView(base, virtual, stored, self._single_row)
        if self._single_row:
            raise InvalidKeyTypeError("A single-row view cannot be indexed further.")
        positions = _positions(len(self), item)
        base = Dataset.__getitem__(self, item)
        virtual = {k: _take(v, positions) for k, v in self._virtual.items()}
        return QueryView(base, virtual, self._kept, single=np.ndim(positions) == 0)

    def __repr__(self) -> str:
        return Dataset.__repr__(self).replace("Dataset(", "QueryView(", 1)

    __str__ = __repr__
