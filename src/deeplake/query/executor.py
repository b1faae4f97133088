"""Executor: runs a bound query over a ColumnSource with whole-column numpy ops.

Per SELECT: WHERE -> EXPAND BY -> GROUP BY -> ORDER BY -> SAMPLE BY ->
UNGROUP BY -> OFFSET/LIMIT -> virtual columns (computed for output rows only).
Columns are read on first use, once per query.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

import numpy as np

from deeplake.query import ast
from deeplake.query.binder import BoundSelect, BoundSetOp
from deeplake.query.errors import QueryError, QueryExecutionError
from deeplake.query.functions import FUNCTIONS, distance, nearest_l2_keys, sample_weights
from deeplake.query.planner import order_rows, sortable
from deeplake.query.sampling import weighted_sample
from deeplake.query.values import (
    Const, Dense, Json, Ragged, Text, binary, column_value, plain_scalar, take, to_keys, to_mask,
    to_output, unary,
)


@dataclass
class QueryResult:
    """What a query selects, as row indices of the queried source.

    indices: int64 rows in output order (after ORDER BY / SAMPLE BY / LIMIT);
        with GROUP BY, the rows of every group one after another.
    virtual_columns: name -> values for each output row (an ndarray with rows
        first, or a list), or None when the query computes none.
    tensors: source tensors kept by the select list, None for all ('*').
    groups: with GROUP BY, one int64 array of rows per output group.
    item_indices: with UNGROUP BY, the position inside each row's sequence.
    """

    indices: np.ndarray
    virtual_columns: Optional[dict] = None
    tensors: Optional[list] = None
    groups: Optional[list] = None
    item_indices: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.groups) if self.groups is not None else len(self.indices)


class Frame:
    """The rows one SELECT runs over: the source, or a subquery's output rows."""

    def __init__(self, source, rows: Optional[np.ndarray] = None, virtuals: Optional[dict] = None,
                 cache: Optional[dict] = None):
        self.source = source
        self.rows = rows  # positions in the source; None = every row
        self.virtuals = virtuals or {}
        self.cache = cache if cache is not None else {}  # whole source columns, shared
        self.n = len(source) if rows is None else len(rows)

    def source_column(self, name: str, kind: str):
        if name not in self.cache:
            self.cache[name] = column_value(self.source.read_column(name), kind)
        return self.cache[name]

    def column(self, name: str, kind: str):
        if name in self.virtuals:
            return self.virtuals[name]
        return take(self.source_column(name, kind), self.rows)

    def shapes(self, name: str) -> Optional[np.ndarray]:
        if name in self.virtuals or not hasattr(self.source, "read_shapes"):
            return None
        shapes = np.asarray(self.source.read_shapes(name), dtype=np.int64)
        return shapes if self.rows is None else shapes[self.rows]


class Context:
    """Evaluates expressions over a subset of a frame's rows (None = all rows)."""

    def __init__(self, frame: Frame, rows: Optional[np.ndarray], rng: np.random.Generator, query: str):
        self.frame = frame
        self.rows = rows
        self.rng = rng
        self.query = query

    def row_count(self) -> int:
        return self.frame.n if self.rows is None else len(self.rows)

    def row_numbers(self) -> np.ndarray:
        return np.arange(self.frame.n, dtype=np.int64) if self.rows is None else self.rows.astype(np.int64)

    def column_shapes(self, name: str):
        shapes = self.frame.shapes(name)
        return shapes if shapes is None or self.rows is None else shapes[self.rows]

    def column_row(self, column: ast.Column, index: int):
        values = self.frame.column(column.name, column.info.kind)
        if index >= len(values):
            raise QueryExecutionError(
                f"DATA({column.name}, {index}): row {index} is out of range for {len(values)} rows",
                self.query, column.pos,
            )
        return values.row(index)

    def evaluate(self, node):
        return getattr(self, "_eval_" + type(node).__name__)(node)

    def _eval_Literal(self, node):
        value = node.value
        return Const(value if isinstance(value, (str, np.ndarray)) else np.asarray(value))

    def _eval_Column(self, node):
        return take(self.frame.column(node.name, node.info.kind), self.rows)

    def _eval_Subscript(self, node):
        base = self.evaluate(node.base)
        items = tuple(node.items)
        try:
            if isinstance(base, Json):
                return _json_subscript(base, items[0])
            if isinstance(base, Const):
                if isinstance(base.value, (dict, list)):
                    return Const(_json_get(base.value, items[0]))
                return Const(np.asarray(base.value)[items])
            if isinstance(base, Dense):
                return Dense(base.data[(slice(None),) + items])
            return Ragged([_ragged_get(r, items) for r in base.rows])
        except IndexError as exc:
            raise QueryExecutionError(f"Index out of bounds: {exc}", self.query, node.pos) from None

    def _eval_Unary(self, node):
        return unary(node.op, self.evaluate(node.operand))

    def _eval_Binary(self, node):
        try:
            return binary(node.op, self.evaluate(node.left), self.evaluate(node.right))
        except QueryExecutionError as exc:
            raise QueryExecutionError(exc.message, self.query, node.pos) from None

    def _eval_Between(self, node):
        value = self.evaluate(node.expr)
        low = binary(">=", value, self.evaluate(node.low))
        high = binary("<=", value, self.evaluate(node.high))
        result = binary("AND", low, high)
        return unary("NOT", result) if node.negated else result

    def _eval_InList(self, node):
        value = self.evaluate(node.expr)
        items = node.items
        if isinstance(value, Dense):
            result = Dense(np.isin(value.data, np.asarray(items)))
        elif isinstance(value, Text):
            result = Dense(np.isin(value.data, np.asarray([str(i) for i in items])))
        elif isinstance(value, Const):
            result = Const(np.isin(np.asarray(value.value), np.asarray(items)))
        elif isinstance(value, Ragged):
            result = Ragged([np.isin(r, np.asarray(items)) for r in value.rows])
        elif isinstance(value, Json) and _typed_in(value, items) is not None:
            result = Dense(_typed_in(value, items))
        else:
            result = Dense(np.array([_hashable_in(plain_scalar(r), items) for r in value.rows], dtype=bool))
        return unary("NOT", result) if node.negated else result

    def _eval_Call(self, node):
        spec = FUNCTIONS[node.name]
        if spec.lazy:
            return spec.impl(self, node.args)
        values = [self.evaluate(arg) for arg in node.args]
        return spec.impl(self, values, self.row_count())

    def nearest_l2(self, node, k: int):
        """Exact keys of the k nearest rows by L2 distance, +inf for the rest (or None)."""
        if not isinstance(node, ast.Distance) or node.metric != "L2":
            return None
        return nearest_l2_keys(self.evaluate(node.left), self.evaluate(node.right), self.row_count(), k)

    def _eval_Distance(self, node):
        try:
            return distance(node.metric, self.evaluate(node.left), self.evaluate(node.right), self.row_count())
        except QueryExecutionError as exc:
            raise QueryExecutionError(exc.message, self.query, node.pos) from None


def _json_subscript(base: Json, key) -> Json:
    """``base[key]`` per row; memoised on a cached column (keys are constants)."""
    memo = base.memo
    memo_key = (type(key).__name__, key)
    if memo is not None:
        hit = memo.get(memo_key)
        if hit is not None:
            return hit
    if isinstance(key, str):  # the common case inlined: one dict lookup per row
        values = [r.get(key) if type(r) is dict else _json_get(r, key) for r in base.rows]
    else:
        values = [_json_get(r, key) for r in base.rows]
    result = Json(values, {} if memo is not None else None)
    if memo is not None:
        memo[memo_key] = result
    return result


def _json_get(row, key):
    try:
        if isinstance(row, dict):
            return row.get(key) if isinstance(key, str) else None
        if isinstance(row, (list, tuple)) and isinstance(key, (int, np.integer)):
            return row[key] if -len(row) <= key < len(row) else None
    except TypeError:
        return None
    return None


def _ragged_get(row: np.ndarray, items: tuple) -> np.ndarray:
    try:
        return np.asarray(row[items])
    except IndexError:
        return np.empty(0, dtype=row.dtype)  # a missing element matches nothing


def _typed_in(value: Json, items) -> Optional[np.ndarray]:
    """IN over a json value whose rows are all str or all numbers, vectorised."""
    typed = value.typed()
    if typed is None:
        return None
    if typed.dtype.kind == "U":
        wanted = [i for i in items if isinstance(i, str)]
    else:
        wanted = [i for i in items if isinstance(i, (int, float, np.integer, np.floating))]
    if not wanted:
        return np.zeros(len(typed), dtype=bool)
    return np.isin(typed, np.asarray(wanted))


def _hashable_in(value, items) -> bool:
    try:
        return value in items
    except TypeError:
        return False


class Executor:
    def __init__(self, query: str, source, rng: np.random.Generator):
        self.query = query
        self.source = source
        self.rng = rng
        self.cache: dict = {}

    def run(self, bound) -> QueryResult:
        if isinstance(bound, BoundSetOp):
            left, right = self.run(bound.left), self.run(bound.right)
            combine = {"UNION": np.union1d, "INTERSECT": np.intersect1d, "EXCEPT": np.setdiff1d}[bound.op]
            indices = combine(left.indices, right.indices).astype(np.int64)
            tensors = left.tensors if left.tensors == right.tensors else None
            return QueryResult(indices, None, tensors)
        return self.run_select(bound)

    def _frame(self, bound: BoundSelect):
        if bound.source is None:
            return Frame(self.source, cache=self.cache), None
        inner = self.run_select(bound.source)
        if inner.groups is not None or inner.item_indices is not None:
            raise QueryExecutionError("A GROUP BY / UNGROUP BY subquery cannot be queried further")
        virtuals = {}
        for name, values in (inner.virtual_columns or {}).items():
            virtuals[name] = _as_value(values)
        return Frame(self.source, rows=inner.indices, virtuals=virtuals, cache=self.cache), inner

    def context(self, frame, rows):
        return Context(frame, rows, self.rng, self.query)

    def run_select(self, bound: BoundSelect) -> QueryResult:
        frame, inner = self._frame(bound)
        n = frame.n
        if bound.where is not None:
            with _located(self.query, bound.where):
                mask = to_mask(self.context(frame, None).evaluate(bound.where), n)
            rows = np.flatnonzero(mask).astype(np.int64, copy=False)
        else:
            rows = np.arange(n, dtype=np.int64)
        all_rows = bound.where is None  # lets ORDER BY read columns without a gather copy
        if bound.expand is not None:
            all_rows = False
            rows = _expand(rows, bound.expand, n)

        groups = None
        if bound.group_by:
            groups = _group(rows, [to_keys(self.context(frame, rows).evaluate(e), len(rows), "GROUP BY")
                                   for e in bound.group_by])
            rows = np.array([g[0] for g in groups], dtype=np.int64)
            all_rows = False

        order = None
        stop = None if bound.limit is None else (bound.offset or 0) + bound.limit
        if bound.order_by:
            ctx = self.context(frame, None if all_rows else rows)
            keys = []
            nearest = (stop is not None and len(bound.order_by) == 1 and bound.sample is None
                       and not bound.ungroup_by)
            for e, desc in bound.order_by:
                with _located(self.query, e):
                    values = ctx.nearest_l2(e, stop) if nearest and not desc else None
                    if values is None:
                        values = to_keys(ctx.evaluate(e), len(rows), "ORDER BY")
                    keys.append(sortable(values, desc))
            order = order_rows(keys, None if bound.sample is not None or bound.ungroup_by else stop)
        if order is not None:
            rows = rows[order]
            groups = None if groups is None else [groups[i] for i in order]

        if bound.sample is not None:
            picked = self._sample(bound.sample, frame, rows)
            rows = rows[picked]
            groups = None if groups is None else [groups[i] for i in picked]

        items = None
        if bound.ungroup_by:
            rows, items = self._ungroup(bound.ungroup_by, frame, rows)

        start = bound.offset or 0
        sl = slice(start, None if bound.limit is None else start + bound.limit)
        rows = rows[sl]
        items = None if items is None else items[sl]
        groups = None if groups is None else groups[sl]

        out_rows = rows if groups is None else (
            np.concatenate(groups).astype(np.int64) if groups else np.empty(0, dtype=np.int64)
        )
        virtual_columns = self._virtuals(bound, frame, out_rows, inner)
        indices = out_rows if frame.rows is None else frame.rows[out_rows]
        if groups is not None and frame.rows is not None:
            groups = [frame.rows[g] for g in groups]
        projection = bound.projection
        if projection is not None and inner is not None:
            projection = [p for p in projection if p not in frame.virtuals]
        elif projection is None and inner is not None:
            projection = inner.tensors
        return QueryResult(indices.astype(np.int64, copy=False), virtual_columns, projection, groups, items)

    def _virtuals(self, bound, frame, rows, inner):
        out: dict = {}
        if inner is not None:
            kept = frame.virtuals if bound.projection is None else {
                name: v for name, v in frame.virtuals.items() if name in bound.projection
            }
            for name, value in kept.items():
                out[name] = to_output(take(value, rows), len(rows))
        if bound.virtuals:
            ctx = self.context(frame, rows)
            for name, expr in bound.virtuals:
                out[name] = to_output(ctx.evaluate(expr), len(rows))
        return out or None

    def _sample(self, sample, frame, rows) -> np.ndarray:
        ctx = self.context(frame, rows)
        n = len(rows)
        if sample.mode == "EXPR":
            weights = to_keys(ctx.evaluate(sample.expr), n, "SAMPLE BY").astype(np.float64)
        else:
            conditions = [ctx.evaluate(c) for c, _ in sample.pairs]
            weights_values = [to_keys(ctx.evaluate(w), n, sample.mode) for _, w in sample.pairs]
            weights = sample_weights(sample.mode, conditions, weights_values, n)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        size = n if sample.limit is None else sample.limit
        try:
            return weighted_sample(weights, sample.replace, size, self.rng)
        except ValueError as exc:
            raise QueryExecutionError(f"SAMPLE BY: {exc}") from None

    def _ungroup(self, columns, frame, rows):
        ctx = self.context(frame, rows)
        value = ctx.evaluate(columns[0])
        if isinstance(value, Dense):
            lengths = np.full(len(rows), value.data.shape[1] if value.data.ndim > 1 else 1)
        elif isinstance(value, Ragged):
            lengths = np.array([r.shape[0] if r.ndim else 1 for r in value.rows], dtype=np.int64)
        elif isinstance(value, Json):
            lengths = np.array([len(r) if isinstance(r, (list, tuple)) else 1 for r in value.rows])
        else:
            lengths = np.ones(len(rows), dtype=np.int64)
        lengths = lengths.astype(np.int64)
        out_rows = np.repeat(rows, lengths)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        items = np.arange(len(out_rows), dtype=np.int64) - starts
        return out_rows, items


def _as_value(values):
    """A subquery's virtual column (as in QueryResult) back as a value."""
    if isinstance(values, np.ndarray):
        return Dense(values)
    if values and all(isinstance(v, str) for v in values):
        return Text(np.array(values, dtype=str))
    if values and all(isinstance(v, np.ndarray) for v in values):
        return Ragged(values)
    return Json(list(values))


@contextmanager
def _located(query: str, node):
    """Give a runtime error without a position the position of the clause's expression."""
    try:
        yield
    except QueryError as exc:
        if exc.pos is not None:
            raise
        raise type(exc)(exc.message, query, node.pos) from None


def _expand(rows: np.ndarray, expand: tuple, n: int) -> np.ndarray:
    before, after = expand
    if not len(rows) or (before == 0 and after == 0):
        return rows
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, np.maximum(rows - before, 0), 1)
    np.add.at(marks, np.minimum(rows + after + 1, n), -1)
    return np.flatnonzero(np.cumsum(marks)[:n] > 0).astype(np.int64)


def _group(rows: np.ndarray, keys: list) -> list:
    """Groups of rows with equal keys, in order of first appearance."""
    if not len(rows):
        return []
    codes = []
    for key in keys:
        if key.dtype == object:
            key = np.array([repr(k) for k in key])
        _, inverse = np.unique(key, return_inverse=True)
        codes.append(inverse.reshape(-1))
    combined = np.stack(codes, axis=1)
    _, first, inverse = np.unique(combined, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse))[:-1]
    groups = np.split(rows[order], bounds)
    return [groups[g] for g in np.argsort(first, kind="stable")]
