"""TQL functions: name -> arity and implementation over whole-column values.

An eager implementation gets ``(ctx, values, n)``: evaluated arguments
covering n rows. A lazy one gets ``(ctx, nodes)`` and evaluates as it needs
(SHAPE reads shapes without decoding samples, DATA reads one row).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from deeplake.query import ast
from deeplake.query.errors import QueryExecutionError, QueryTypeError
from deeplake.query.values import Const, Dense, Json, Ragged, Text, plain_scalar, to_mask

_BLOCK_ROWS = 8192  # rows per block in distance kernels: bounds temporaries to a few MB


@dataclass(frozen=True)
class Function:
    min_args: int
    max_args: int
    impl: Callable
    lazy: bool = False


def _per_row(v, n):
    """Per-row numpy arrays of a value (for row-by-row fallbacks)."""
    if isinstance(v, Const):
        value = np.asarray(v.value)
        return [value] * n
    if isinstance(v, Dense):
        return v.data
    if isinstance(v, Ragged):
        return v.rows
    if isinstance(v, Json):
        return [np.asarray(plain_scalar(r)) for r in v.rows]
    return v.data


# ---- CONTAINS --------------------------------------------------------------------------


def _contains(ctx, values, n):
    haystack, needle = values
    target = needle.value
    if isinstance(haystack, Text):
        if not isinstance(target, str):
            raise QueryTypeError("CONTAINS on text looks for a string")
        return Dense(np.char.find(haystack.data, target) >= 0)
    if isinstance(haystack, Json):
        target = plain_scalar(np.asarray(target)) if not isinstance(target, str) else target
        return Dense(np.array([_json_contains(r, target) for r in haystack.rows], dtype=bool))
    if isinstance(target, str):
        raise QueryTypeError(f"Cannot look for the string {target!r} in numeric data")
    target = np.asarray(target)
    if isinstance(haystack, Dense):
        flat = haystack.data.reshape(n, -1)
        if target.ndim == 0:
            return Dense((flat == target).any(axis=1))
        return Dense(np.stack([(flat == t).any(axis=1) for t in target.reshape(-1)], 1).all(axis=1))
    if isinstance(haystack, Const):
        return Const(np.isin(target, np.asarray(haystack.value)).all())
    return Dense(np.array([np.isin(target, r).all() for r in haystack.rows], dtype=bool))


def _json_contains(row, target) -> bool:
    if isinstance(row, str):
        return isinstance(target, str) and target in row
    if isinstance(row, dict):
        return target in row or target in row.values()
    if isinstance(row, (list, tuple)):
        return any(plain_scalar(x) == target for x in row)
    return plain_scalar(row) == target


# ---- SHAPE, DATA, ROW_NUMBER, RANDOM ------------------------------------------------------


def _shape(ctx, nodes):
    (node,) = nodes
    n = ctx.row_count()
    if isinstance(node, ast.Column):
        shapes = ctx.column_shapes(node.name)
        if shapes is not None:
            return Dense(shapes)
    value = ctx.evaluate(node)
    if isinstance(value, Dense):
        shape = np.asarray(value.data.shape[1:], dtype=np.int64)
        return Dense(np.broadcast_to(shape, (n, len(shape))).copy())
    if isinstance(value, Const):
        return Const(np.asarray(np.shape(value.value), dtype=np.int64))
    if isinstance(value, (Text, Json)):
        return Dense(np.ones((n, 1), dtype=np.int64))
    shapes = [np.asarray(r.shape, dtype=np.int64) for r in value.rows]
    if len({s.shape for s in shapes}) <= 1 and shapes:
        return Dense(np.stack(shapes))
    return Ragged(shapes)


def _data(ctx, nodes):
    column, index = nodes
    return Const(ctx.column_row(column, index.value))


def _row_number(ctx, values, n):
    return Dense(ctx.row_numbers())


def _random(ctx, values, n):
    return Dense(ctx.rng.random(n))


# ---- reductions and element-wise logic ----------------------------------------------------


def _reducer(strict_empty: bool, reduce_any: bool):
    def impl(ctx, values, n):
        (v,) = values
        if isinstance(v, Const):
            arr = np.asarray(v.value).astype(bool)
            result = arr.any() if reduce_any else arr.all() and not (strict_empty and arr.size == 0)
            return Const(np.asarray(result))
        if isinstance(v, Dense):
            flat = v.data.reshape(n, -1).astype(bool, copy=False)
            if reduce_any:
                return Dense(flat.any(axis=1))
            out = flat.all(axis=1)
            if strict_empty and flat.shape[1] == 0:
                out = np.zeros(n, dtype=bool)
            return Dense(out)
        out = np.zeros(n, dtype=bool)
        for i, r in enumerate(_per_row(v, n)):
            r = np.asarray(r).astype(bool)
            out[i] = r.any() if reduce_any else (r.all() and not (strict_empty and r.size == 0))
        return Dense(out)

    return impl


def _logical(fn):
    def impl(ctx, values, n):
        a, b = values
        if isinstance(a, Dense) and isinstance(b, Dense):
            if a.data.shape == b.data.shape:
                return Dense(fn(a.data.astype(bool), b.data.astype(bool)))
            return Dense(np.zeros(n, dtype=bool))  # different sizes give False
        ra, rb = _per_row(a, n), _per_row(b, n)
        out = []
        for x, y in zip(ra, rb):
            x, y = np.asarray(x), np.asarray(y)
            out.append(fn(x.astype(bool), y.astype(bool)) if x.shape == y.shape else np.asarray(False))
        return Ragged(out)

    return impl


# ---- norms and distances -------------------------------------------------------------------


def _row_norm(metric: str, diff: np.ndarray) -> np.ndarray:
    """Norm of each row of a 2-D array."""
    if metric == "L2":
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    if metric == "L1":
        return np.abs(diff).sum(axis=1)
    return np.abs(diff).max(axis=1, initial=0)


def _norm_impl(metric):
    def impl(ctx, values, n):
        (v,) = values
        if isinstance(v, Const):
            flat = np.asarray(v.value, dtype=np.float64).reshape(1, -1)
            return Const(_row_norm(metric, flat)[0])
        if isinstance(v, Dense):
            return Dense(_row_norm(metric, _as_float(v.data.reshape(n, -1))))
        rows = [np.asarray(r, dtype=np.float64).reshape(1, -1) for r in _per_row(v, n)]
        return Dense(np.array([_row_norm(metric, r)[0] for r in rows]))

    return impl


def _as_float(a: np.ndarray) -> np.ndarray:
    return a if a.dtype.kind == "f" and a.dtype.itemsize >= 4 else a.astype(np.float32)


def _matrix(v, n):
    """A Dense value as an (n, d) float matrix, or None."""
    if isinstance(v, Dense):
        return v.data.reshape(n, -1)
    if isinstance(v, Ragged):
        shapes = {r.shape for r in v.rows}
        if len(shapes) == 1:
            return np.stack(v.rows).reshape(n, -1)
    return None


def distance(metric: str, a, b, n: int):
    """L1/L2/LINF norm of a - b, or the cosine similarity of a and b, per row."""
    if isinstance(a, Const) and isinstance(b, Const):
        x = np.asarray(a.value, dtype=np.float64).reshape(1, -1)
        y = np.asarray(b.value, dtype=np.float64).reshape(1, -1)
        return Const(_distance_block(metric, x, y)[0])
    if isinstance(a, Const):
        a, b = b, a  # every metric here is symmetric
    if n == 0:
        return Dense(np.zeros(0, dtype=np.float32))  # no rows: nothing to measure
    x = _matrix(a, n)
    y = np.asarray(b.value).reshape(1, -1) if isinstance(b, Const) else _matrix(b, n)
    if x is None or y is None:
        return Dense(np.array([
            _distance_block(metric, np.asarray(p, dtype=np.float64).reshape(1, -1),
                            np.asarray(q, dtype=np.float64).reshape(1, -1))[0]
            for p, q in zip(_per_row(a, n), _per_row(b, n) if not isinstance(b, Const) else [b.value] * n)
        ]))
    if x.shape[1] != y.shape[1]:
        raise QueryExecutionError(
            f"Vectors of different lengths: {x.shape[1]} and {y.shape[1]}"
        )
    owner = a.data if isinstance(a, Dense) else None
    x = _as_float(x)
    y = y.astype(x.dtype, copy=False)
    if metric == "COS" and y.shape[0] == 1:
        # One matrix-vector product; the row norms of a cached column are kept.
        q = y[0]
        dots = x @ q
        norms = _row_norms(x, owner if owner is not None else x) * np.sqrt(q @ q)
        with np.errstate(divide="ignore", invalid="ignore"):
            return Dense(np.where(norms > 0, dots / norms, 0.0))
    out = np.empty(n, dtype=np.result_type(x.dtype, np.float32))
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, n)
        yb = y if y.shape[0] == 1 else y[start:stop]
        out[start:stop] = _distance_block(metric, x[start:stop], yb)
    return Dense(out)


_NORMS_LOCK = threading.Lock()
_NORMS_MEMO: dict = {}  # id(array) -> (weakref to it, its float row norms)


def _row_norms(x: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """L2 norm of each row of ``x`` (an (n, d) view of ``owner``). Kept per
    ``owner`` while it lives when it is read-only: decoded columns cached by
    the dataset source are, so repeated top-k queries skip this pass."""
    if owner.flags.writeable or x.shape[0] < 1024:
        return np.sqrt(np.einsum("ij,ij->i", x, x))
    key = id(owner)
    with _NORMS_LOCK:
        hit = _NORMS_MEMO.get(key)
    if hit is not None and hit[0]() is owner and hit[1].shape[0] == x.shape[0] and hit[1].dtype == x.dtype:
        return hit[1]
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    norms.setflags(write=False)

    def forget(_ref, key=key):
        with _NORMS_LOCK:
            entry = _NORMS_MEMO.get(key)
            if entry is not None and entry[0]() is None:
                del _NORMS_MEMO[key]

    with _NORMS_LOCK:
        _NORMS_MEMO[key] = (weakref.ref(owner, forget), norms)
    return norms


def _distance_block(metric, x, y):
    if metric == "COS":
        dots = np.einsum("ij,ij->i", x, np.broadcast_to(y, x.shape))
        norms = np.sqrt(np.einsum("ij,ij->i", x, x)) * np.sqrt(np.einsum("ij,ij->i", y, y))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(norms > 0, dots / norms, 0.0)
    if x.shape[1] != y.shape[1]:
        raise QueryExecutionError(f"Vectors of different lengths: {x.shape[1]} and {y.shape[1]}")
    return _row_norm(metric, x - y)


def nearest_l2_keys(a, b, n: int, k: int) -> Optional[np.ndarray]:
    """Keys for ``ORDER BY L2_NORM(a - b) LIMIT k``: the exact distance of every
    row that can be among the k nearest and +inf for the others, or None when
    the shortcut does not apply (the caller then computes every distance).

    All rows are ranked by |x|^2 - 2 x.q + |q|^2 (one matrix-vector product on
    cached row norms); the best few are measured exactly, and so is any other
    row whose estimate, allowing for its rounding error, could still beat the
    k-th exact distance, so the chosen rows and their order are the exact ones.
    """
    if isinstance(a, Const):
        a, b = b, a
    if not isinstance(a, Dense) or not isinstance(b, Const) or k <= 0 or n <= 4 * k + 256:
        return None
    x = _matrix(a, n)
    if x is None:
        return None
    x = _as_float(x)
    q = np.asarray(b.value, dtype=x.dtype).reshape(-1)
    if q.shape[0] != x.shape[1]:
        return None  # the exact path reports the length mismatch
    sq = _row_norms(x, a.data) ** 2
    qq = float(q @ q)
    approx = sq - 2.0 * (x @ q) + qq
    if not np.isfinite(approx).all():
        return None
    m = 4 * k + 64
    cand = np.argpartition(approx, m - 1)[:m]
    exact = _row_norm("L2", x[cand] - q)
    kth = float(np.partition(exact, k - 1)[k - 1])
    # rounding error of the estimate: a few ulps of the magnitudes involved
    tol = 8 * np.finfo(x.dtype).eps * (sq + qq + 2 * np.sqrt(sq * qq))
    extra = np.flatnonzero(approx - tol <= kth * kth)
    extra = extra[~np.isin(extra, cand)]
    keys = np.full(n, np.inf, dtype=np.result_type(exact.dtype, np.float32))
    keys[cand] = exact
    if len(extra):
        keys[extra] = _row_norm("L2", x[extra] - q)
    return keys


def _cosine(ctx, values, n):
    return distance("COS", values[0], values[1], n)


# ---- element-wise math ---------------------------------------------------------------------


def _elementwise(fn):
    def impl(ctx, values, n):
        (v,) = values
        with np.errstate(invalid="ignore"):
            if isinstance(v, Const):
                return Const(fn(np.asarray(v.value)))
            if isinstance(v, Dense):
                return Dense(fn(v.data))
            return Ragged([fn(np.asarray(r)) for r in _per_row(v, n)])

    return impl


def sample_weights(mode: str, conditions: list, weights: list, n: int) -> np.ndarray:
    """Per-row weights of max_weight / sum_weight: rows matching no condition weigh 0."""
    result = np.zeros(n, dtype=np.float64)
    for cond, weight in zip(conditions, weights):
        mask = to_mask(cond, n, mode)
        w = np.broadcast_to(np.asarray(weight, dtype=np.float64), (n,))
        if mode == "MAX_WEIGHT":
            result = np.where(mask, np.maximum(result, w), result)
        else:
            result = result + np.where(mask, w, 0.0)
    return result


FUNCTIONS: dict[str, Function] = {
    "CONTAINS": Function(2, 2, _contains),
    "SHAPE": Function(1, 1, _shape, lazy=True),
    "DATA": Function(2, 2, _data, lazy=True),
    "ROW_NUMBER": Function(0, 0, _row_number),
    "RANDOM": Function(0, 0, _random),
    "ALL": Function(1, 1, _reducer(strict_empty=False, reduce_any=False)),
    "ALL_STRICT": Function(1, 1, _reducer(strict_empty=True, reduce_any=False)),
    "ANY": Function(1, 1, _reducer(strict_empty=False, reduce_any=True)),
    "LOGICAL_AND": Function(2, 2, _logical(np.logical_and)),
    "LOGICAL_OR": Function(2, 2, _logical(np.logical_or)),
    "L1_NORM": Function(1, 1, _norm_impl("L1")),
    "L2_NORM": Function(1, 1, _norm_impl("L2")),
    "LINF_NORM": Function(1, 1, _norm_impl("LINF")),
    "COSINE_SIMILARITY": Function(2, 2, _cosine),
    "ABS": Function(1, 1, _elementwise(np.abs)),
    "SQRT": Function(1, 1, _elementwise(np.sqrt)),
    # Only valid as the SAMPLE BY weights; evaluated by the executor.
    "MAX_WEIGHT": Function(1, 1 << 16, None),
    "SUM_WEIGHT": Function(1, 1 << 16, None),
}
