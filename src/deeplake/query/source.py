"""What the query engine reads: a table of named columns, one row per sample.

The Dataset implements ColumnSource; DictColumnSource is an in-memory one for
tests and for querying plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Protocol, Sequence, runtime_checkable

import numpy as np

TEXT_HTYPES = frozenset({"text"})
JSON_HTYPES = frozenset({"json", "list", "tag"})


@dataclass(frozen=True)
class ColumnInfo:
    """Static description of a column, known without reading its data."""

    htype: str = "generic"
    dtype: Optional[np.dtype] = None
    is_fixed_shape: bool = True
    sample_shape: Optional[tuple] = None
    class_names: Optional[Sequence[str]] = None

    @property
    def base_htype(self) -> str:
        """'image' for 'link[image]' or 'sequence[image]'."""
        htype = self.htype or "generic"
        while "[" in htype and htype.endswith("]"):
            htype = htype[htype.index("[") + 1 : -1]
        return htype


@runtime_checkable
class ColumnSource(Protocol):
    """A table the engine can query. Only columns a query touches are read.

    read_column returns the whole column: a numpy array with rows first when
    every sample has the same shape (scalars as shape (n, 1)), else a list of
    per-row arrays; a list of str for text; a list of dict/list for json, list
    and tag. A source may also define ``read_shapes(name) -> ndarray (n, ndim)``
    so that SHAPE() does not decode samples.
    """

    def __len__(self) -> int: ...

    def column_names(self) -> list[str]: ...

    def column_info(self, name: str) -> ColumnInfo: ...

    def read_column(self, name: str) -> Any: ...


def infer_column_info(data: Any) -> ColumnInfo:
    """Guess a ColumnInfo from column data (used when a test gives none)."""
    if isinstance(data, np.ndarray):
        if data.dtype.kind in "US":
            return ColumnInfo("text", data.dtype, True, data.shape[1:])
        return ColumnInfo("generic", data.dtype, True, tuple(data.shape[1:]))
    rows = list(data)
    if rows and all(isinstance(r, str) for r in rows):
        return ColumnInfo("text", np.dtype("str"), False, None)
    if rows and all(isinstance(r, (dict, list, tuple)) or r is None for r in rows):
        return ColumnInfo("json", None, False, None)
    arrays = [np.asarray(r) for r in rows]
    dtype = np.result_type(*arrays) if arrays else None
    shapes = {a.shape for a in arrays}
    fixed = len(shapes) <= 1
    return ColumnInfo("generic", dtype, fixed, shapes.pop() if fixed and shapes else None)


class DictColumnSource:
    """ColumnSource over a dict of in-memory columns.

    ``reads`` counts read_column calls per name, so tests can check that a
    query reads only the columns it uses.
    """

    def __init__(self, columns: dict, infos: Optional[dict] = None):
        self._columns = dict(columns)
        infos = dict(infos or {})
        self._infos = {
            name: infos.get(name) or infer_column_info(data)
            for name, data in self._columns.items()
        }
        lengths = {len(data) for data in self._columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns have different lengths: {sorted(lengths)}")
        self._length = lengths.pop() if lengths else 0
        self.reads: dict[str, int] = {}

    def __len__(self) -> int:
        return self._length

    def column_names(self) -> list[str]:
        return list(self._columns)

    def column_info(self, name: str) -> ColumnInfo:
        return self._infos[name]

    def read_column(self, name: str) -> Any:
        self.reads[name] = self.reads.get(name, 0) + 1
        return self._columns[name]
