"""Runtime values of TQL expressions and the vectorised operations on them.

A value covers a set of rows at once:
  Dense   ndarray of shape (rows, *sample_shape)  -- numeric, one numpy op per operator
  Ragged  list of per-row ndarrays                 -- numeric with varying shapes, row by row
  Text    ndarray of str, one per row              -- numpy string comparisons
  Json    list of per-row Python objects           -- row by row
  Const   one value for every row (literal, ARRAY[...], DATA(t, i))
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from deeplake.query.errors import QueryExecutionError, QueryTypeError


@dataclass
class Dense:
    data: np.ndarray

    def __len__(self):
        return self.data.shape[0]

    def take(self, rows):
        return Dense(self.data[rows])

    def row(self, i):
        return self.data[i]


@dataclass
class Ragged:
    rows: list

    def __len__(self):
        return len(self.rows)

    def take(self, rows):
        return Ragged([self.rows[i] for i in rows])

    def row(self, i):
        return self.rows[i]


@dataclass
class Text:
    data: np.ndarray  # dtype str

    def __len__(self):
        return self.data.shape[0]

    def take(self, rows):
        return Text(self.data[rows])

    def row(self, i):
        return str(self.data[i])


class JsonColumn(list):
    """A whole decoded json column as a source caches it. ``memo`` keeps
    what queries derive from it (``col['key']`` and its typed array), so a
    repeated query skips the per-row pass; it lives exactly as long as the
    cached column."""

    def __init__(self, rows=()):
        super().__init__(rows)
        self.memo: dict = {}


_UNSET = object()


@dataclass
class Json:
    rows: list
    memo: Optional[dict] = None  # derived values, shared with the cached column when there is one
    _typed: Any = field(default=_UNSET, repr=False, compare=False)

    def __len__(self):
        return len(self.rows)

    def take(self, rows):
        return Json([self.rows[i] for i in rows])

    def row(self, i):
        return self.rows[i]

    def typed(self) -> Optional[np.ndarray]:
        """The rows as one str or number array when every row is a str, or
        every row an int/float (no bools, no None); else None. Computed once."""
        if self._typed is _UNSET:
            self._typed = _typed_rows(self.rows)
        return self._typed


def _typed_rows(rows: list) -> Optional[np.ndarray]:
    if not rows:
        return None
    kinds = set(map(type, rows))
    if kinds == {str}:
        arr = np.array(rows, dtype=str)
    elif kinds <= {int, float}:
        try:
            arr = np.array(rows)
        except OverflowError:
            return None
        if arr.dtype.kind not in "if":
            return None  # ints beyond int64
    else:
        return None
    arr.setflags(write=False)
    return arr


@dataclass
class Const:
    value: Any  # np.ndarray for numbers, str, or a json object


Value = Dense | Ragged | Text | Json | Const


def column_value(data: Any, kind: str) -> Value:
    """Wrap a column as read from a ColumnSource, given its static kind."""
    from deeplake.query import vtypes

    if kind == vtypes.TEXT:
        if isinstance(data, np.ndarray) and data.dtype.kind in "US":
            return Text(data.reshape(len(data)) if data.ndim > 1 else data)
        return Text(np.array([_as_str(r) for r in data], dtype=str) if len(data) else np.array([], dtype=str))
    if kind == vtypes.JSON:
        if isinstance(data, JsonColumn):
            return Json(data, data.memo)
        return Json(data if isinstance(data, list) else list(data))
    if isinstance(data, np.ndarray) and data.dtype != object:
        return Dense(data if data.ndim > 1 else data.reshape(-1, 1))
    rows = [np.asarray(r) for r in data]
    if rows and rows[0].dtype.kind in "biuf" and all(r.shape == rows[0].shape for r in rows):
        return Dense(np.stack(rows))
    if not rows:
        return Dense(np.empty((0, 1)))
    return Ragged(rows)


def _as_str(row) -> str:
    if isinstance(row, str):
        return row
    arr = np.asarray(row).reshape(-1)
    return str(arr[0]) if arr.size else ""


# ---- elementwise operators ----------------------------------------------------------

_UFUNCS = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide, "%": np.mod,
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal, "AND": np.logical_and, "OR": np.logical_or,
}
_PY_OPS = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}
COMPARISONS = frozenset(_PY_OPS)


def _align(a: np.ndarray, b: np.ndarray, a_rows: bool, b_rows: bool):
    """Make per-row shapes broadcast like numpy's, keeping the row axis apart."""
    ra = a.ndim - a_rows
    rb = b.ndim - b_rows
    if a_rows and ra < rb:
        a = a.reshape(a.shape[:1] + (1,) * (rb - ra) + a.shape[1:])
    if b_rows and rb < ra:
        b = b.reshape(b.shape[:1] + (1,) * (ra - rb) + b.shape[1:])
    return a, b


def _apply(op: str, a: np.ndarray, b: np.ndarray):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op in ("AND", "OR"):
            return _UFUNCS[op](a.astype(bool, copy=False), b.astype(bool, copy=False))
        return _UFUNCS[op](a, b)


def _shape_error(op, a, b, exc):
    return QueryExecutionError(
        f"Operator {op} cannot combine values of shapes {np.shape(a)} and {np.shape(b)}: {exc}"
    )


def binary(op: str, a: Value, b: Value) -> Value:
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(_const_op(op, a.value, b.value))
    if isinstance(a, (Text, Json)) or isinstance(b, (Text, Json)) or _is_str_const(a) or _is_str_const(b):
        return _binary_objects(op, a, b)
    if isinstance(a, Ragged) or isinstance(b, Ragged):
        return _binary_ragged(op, a, b)
    if op in COMPARISONS:
        fast = _compare_with_scalar(op, a, b)
        if fast is not None:
            return fast
    x = a.data if isinstance(a, Dense) else np.asarray(a.value)
    y = b.data if isinstance(b, Dense) else np.asarray(b.value)
    x, y = _align(x, y, isinstance(a, Dense), isinstance(b, Dense))
    if not isinstance(a, Dense):
        x = x[np.newaxis]
    if not isinstance(b, Dense):
        y = y[np.newaxis]
    try:
        return Dense(_apply(op, x, y))
    except ValueError as exc:
        raise _shape_error(op, x[0] if len(x) else x, y[0] if len(y) else y, exc) from None


def _compare_with_scalar(op: str, a: Value, b: Value):
    """``column OP number`` in the column's own dtype (a Python scalar is weakly
    typed in numpy 2, and comparisons with it are exact even out of the
    dtype's range); None when this shortcut does not apply."""
    if isinstance(a, Dense) and isinstance(b, Const):
        column, const, flipped = a.data, b.value, False
    elif isinstance(b, Dense) and isinstance(a, Const):
        column, const, flipped = b.data, a.value, True
    else:
        return None
    const = np.asarray(const)
    if const.ndim or const.dtype.kind not in "iuf" or column.dtype.kind not in "iuf":
        return None
    scalar = const.item()
    if column.dtype.kind != "f" and isinstance(scalar, float):
        return None  # int column vs float literal: let numpy promote
    if column.dtype.kind == "f" and column.dtype.itemsize < 8:
        with np.errstate(over="ignore"):
            if float(column.dtype.type(scalar)) != scalar:
                return None  # the literal is not exact in the column's dtype: compare in float64
    with np.errstate(invalid="ignore"):
        return Dense(_UFUNCS[op](scalar, column) if flipped else _UFUNCS[op](column, scalar))


def _const_op(op, x, y):
    if isinstance(x, str) or isinstance(y, str):
        if op in _PY_OPS:
            return np.asarray(_PY_OPS[op](x, y))
        raise QueryTypeError(f"Operator {op} does not apply to strings")
    try:
        return _apply(op, np.asarray(x), np.asarray(y))
    except ValueError as exc:
        raise _shape_error(op, x, y, exc) from None


def _is_str_const(v) -> bool:
    return isinstance(v, Const) and isinstance(v.value, (str, np.str_))


def _row_getter(v: Value):
    if isinstance(v, Const):
        return lambda i: v.value
    return v.row


def _binary_ragged(op, a, b) -> Value:
    n = len(a) if not isinstance(a, Const) else len(b)
    ga, gb = _row_getter(a), _row_getter(b)
    out = []
    for i in range(n):
        x, y = np.asarray(ga(i)), np.asarray(gb(i))
        try:
            out.append(_apply(op, x, y))
        except ValueError as exc:
            raise _shape_error(op, x, y, exc) from None
    return Ragged(out)


def _binary_objects(op: str, a: Value, b: Value) -> Value:
    if op not in _PY_OPS:
        raise QueryTypeError(f"Operator {op} does not apply to text or json values")
    if isinstance(a, Text) and (isinstance(b, Text) or _is_str_const(b)):
        y = b.data if isinstance(b, Text) else str(b.value)
        return Dense(_UFUNCS[op](a.data, y))
    if isinstance(b, Text) and _is_str_const(a):
        return Dense(_UFUNCS[op](str(a.value), b.data))
    fast = _compare_typed_json(op, a, b)
    if fast is not None:
        return fast
    n = len(a) if not isinstance(a, Const) else len(b)
    ga, gb = _row_getter(a), _row_getter(b)
    fn = _PY_OPS[op]
    out = np.zeros(n, dtype=bool)
    for i in range(n):
        out[i] = _py_compare(fn, ga(i), gb(i))
    return Dense(out)


def _compare_typed_json(op: str, a: Value, b: Value) -> Optional[Dense]:
    """A json value whose rows are all str (or all numbers) against a constant
    of the same kind, as one numpy comparison; None when that does not apply
    (the row-by-row Python comparison then decides)."""
    if isinstance(a, Json) and isinstance(b, Const):
        typed, const, flipped = a.typed(), b.value, False
    elif isinstance(b, Json) and isinstance(a, Const):
        typed, const, flipped = b.typed(), a.value, True
    else:
        return None
    if typed is None:
        return None
    if typed.dtype.kind == "U":
        if not isinstance(const, (str, np.str_)):
            return None
        scalar = str(const)
    else:
        const = np.asarray(const)
        if const.ndim or const.dtype.kind not in "iuf":
            return None
        scalar = const.item()
    with np.errstate(invalid="ignore"):
        return Dense(_UFUNCS[op](scalar, typed) if flipped else _UFUNCS[op](typed, scalar))


def _py_compare(fn, x, y) -> bool:
    x, y = plain_scalar(x), plain_scalar(y)
    try:
        result = fn(x, y)
    except TypeError:
        return False  # e.g. a json value of another type: the row does not match
    if isinstance(result, np.ndarray):
        return bool(result.size == 1 and result.reshape(-1)[0])
    return bool(result)


def plain_scalar(x):
    """numpy scalars and 1-element arrays as Python scalars, for row-by-row compares."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "US" and x.size == 1:
            return str(x.reshape(-1)[0])
        if x.size == 1:
            return x.reshape(-1)[0].item()
        return x
    if isinstance(x, np.generic):
        return x.item()
    return x


def unary(op: str, v: Value) -> Value:
    if op == "+":
        return v
    if op == "NOT":
        fn = lambda x: np.logical_not(np.asarray(x).astype(bool))  # noqa: E731
    else:
        fn = np.negative
    if isinstance(v, Const):
        return Const(fn(np.asarray(v.value)))
    if isinstance(v, Dense):
        return Dense(fn(v.data))
    if isinstance(v, Ragged):
        return Ragged([fn(r) for r in v.rows])
    if isinstance(v, Json):
        rows = [plain_scalar(r) for r in v.rows]
        if op == "NOT":
            return Dense(np.array([not _truthy(r) for r in rows], dtype=bool))
        try:
            return Ragged([np.negative(np.asarray(r)) for r in rows])
        except TypeError:
            raise QueryTypeError("Unary minus needs numbers; a json value is not a number") from None
    raise QueryTypeError(f"Operator {op} does not apply to text")


def _truthy(x) -> bool:
    if x is None:
        return False
    if isinstance(x, (bool, int, float, np.generic)):
        return bool(x)
    if isinstance(x, np.ndarray) and x.size == 1:
        return bool(x.reshape(-1)[0])
    raise QueryTypeError(f"Cannot use the json value {x!r} as a condition")


# ---- per-row reductions ------------------------------------------------------------------


def to_mask(v: Value, n: int, what: str = "WHERE") -> np.ndarray:
    """One bool per row; numbers are true when non-zero, an empty sample is false."""
    if isinstance(v, Const):
        value = np.asarray(v.value)
        if value.size != 1:
            raise QueryTypeError(f"{what} condition must give one value per row; got an array")
        return np.full(n, bool(value.reshape(-1)[0]))
    if isinstance(v, Dense):
        per_row = int(np.prod(v.data.shape[1:]))
        if per_row == 1:
            return v.data.reshape(n).astype(bool, copy=False)
        if per_row == 0:
            return np.zeros(n, dtype=bool)
        raise QueryTypeError(
            f"{what} condition gives {per_row} values per row (shape {v.data.shape[1:]}); "
            "reduce it with ANY(...) or ALL(...)"
        )
    if isinstance(v, Ragged):
        out = np.zeros(n, dtype=bool)
        for i, r in enumerate(v.rows):
            if r.size == 1:
                out[i] = bool(r.reshape(-1)[0])
            elif r.size > 1:
                raise QueryTypeError(
                    f"{what} condition gives {r.size} values at row {i} (shape {r.shape}); "
                    "reduce it with ANY(...) or ALL(...)"
                )
        return out
    if isinstance(v, Json):
        return np.array([_truthy(plain_scalar(r)) for r in v.rows], dtype=bool)
    raise QueryTypeError(f"{what} condition must be boolean or numeric; got text")


def to_keys(v: Value, n: int, what: str) -> np.ndarray:
    """One sortable / hashable scalar per row, as a 1-D numpy array."""
    if isinstance(v, Const):
        value = v.value
        if isinstance(value, str):
            return np.full(n, value)
        value = np.asarray(value)
        if value.size != 1:
            raise QueryTypeError(f"{what} needs one value per row; got an array")
        return np.full(n, value.reshape(-1)[0])
    if isinstance(v, Text):
        return v.data
    if isinstance(v, Dense):
        per_row = int(np.prod(v.data.shape[1:]))
        if per_row != 1:
            raise QueryTypeError(
                f"{what} needs one value per row; got shape {v.data.shape[1:]}"
            )
        return v.data.reshape(n)
    if isinstance(v, Ragged):
        out = []
        for i, r in enumerate(v.rows):
            if r.size != 1:
                raise QueryTypeError(f"{what} needs one value per row; row {i} has shape {r.shape}")
            out.append(r.reshape(-1)[0])
        return np.array(out)
    rows = [plain_scalar(r) for r in v.rows]
    if all(isinstance(r, (int, float, bool)) for r in rows):
        return np.array(rows, dtype=np.float64)
    if all(isinstance(r, str) for r in rows):
        return np.array(rows, dtype=str)
    # Mixed json values: rank them by (type, value), numbers first.
    import json

    def rank_key(r):
        if isinstance(r, (int, float, bool)):
            return (0, float(r), "")
        if isinstance(r, str):
            return (1, 0.0, r)
        return (2, 0.0, json.dumps(r, sort_keys=True, default=str))

    keys = [rank_key(r) for r in rows]
    order = sorted(range(n), key=keys.__getitem__)
    ranks = np.empty(n, dtype=np.int64)
    prev, rank = None, -1
    for i in order:
        if keys[i] != prev:
            rank += 1
            prev = keys[i]
        ranks[i] = rank
    return ranks


def to_output(v: Value, n: int):
    """A virtual column's values as handed back in QueryResult."""
    if isinstance(v, Const):
        value = v.value
        if isinstance(value, np.ndarray) or np.isscalar(value) and not isinstance(value, str):
            arr = np.asarray(value)
            return np.broadcast_to(arr, (n,) + arr.shape).copy()
        return [value] * n
    if isinstance(v, Dense):
        return v.data
    if isinstance(v, Text):
        return [str(s) for s in v.data]
    return list(v.rows)


def take(v: Value, rows) -> Value:
    return v if isinstance(v, Const) or rows is None else v.take(rows)
