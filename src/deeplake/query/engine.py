"""Entry points: compile a query once, run it on any ColumnSource."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Optional

import numpy as np

from deeplake.errors import DeepLakeError
from deeplake.query import ast
from deeplake.query.binder import Binder, BoundSelect
from deeplake.query.errors import QueryExecutionError
from deeplake.query.executor import Context, Executor, Frame, QueryResult
from deeplake.query.functions import sample_weights
from deeplake.query.parser import parse, parse_expression
from deeplake.query.values import to_keys


class CompiledQuery:
    """A parsed query. Binding is per source schema and cached."""

    def __init__(self, text: str):
        self.text = text
        self.tree = parse(text)
        self._binding = None  # (schema key, bound tree), replaced as one tuple

    def bind(self, source):
        key = _schema_key(source)
        binding = self._binding
        if binding is None or binding[0] != key:
            binding = self._binding = (key, _guarded(lambda: Binder(self.text, source).bind(self.tree)))
        return binding[1]

    def columns(self, source) -> set:
        """Names of the source tensors the query reads."""
        return set(self.bind(source).columns)

    def run(self, source, *, rng: Optional[np.random.Generator] = None) -> QueryResult:
        bound = self.bind(source)
        if rng is None:
            from deeplake.query.random_state import get_rng

            rng = get_rng()
        return _guarded(lambda: Executor(self.text, source, rng).run(bound))


def _schema_key(source):
    """What a binding depends on: the column names and their static infos."""
    names = tuple(source.column_names())
    return names, tuple(source.column_info(n) for n in names)


def _guarded(fn):
    """Turn stray numpy/Python errors from the data into query errors."""
    try:
        return fn()
    except DeepLakeError:
        raise
    except RecursionError:
        raise QueryExecutionError("Query is too deeply nested to evaluate") from None
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError) as exc:
        raise QueryExecutionError(f"Query failed on the data: {type(exc).__name__}: {exc}") from exc


_COMPILED_MAX = 128
_compiled: "OrderedDict[str, CompiledQuery]" = OrderedDict()
_compiled_lock = threading.Lock()


def compile_query(query: str, source=None) -> CompiledQuery:
    """Parse ``query`` (recently parsed texts are reused, with their bindings);
    with ``source`` also bind it now, raising name/type errors early."""
    with _compiled_lock:
        compiled = _compiled.get(query)
        if compiled is not None:
            _compiled.move_to_end(query)
    if compiled is None:
        compiled = CompiledQuery(query)  # a syntax error is raised here and never cached
        with _compiled_lock:
            _compiled[query] = compiled
            while len(_compiled) > _COMPILED_MAX:
                _compiled.popitem(last=False)
    if source is not None:
        compiled.bind(source)
    return compiled


def run_query(source, query: str, *, rng: Optional[np.random.Generator] = None) -> QueryResult:
    """Run TQL text (a SELECT, set operation, or bare filter expression) on source."""
    return compile_query(query).run(source, rng=rng)


def evaluate_weights(source, expression: str, *, rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """Per-row weights of a Dataset.sample_by string: ``max_weight(c1: w1, ...)``,
    ``sum_weight(...)`` or any numeric expression such as ``labels``."""
    node = parse_expression(expression)
    select = ast.Select(items=[ast.Star()], sample_by=ast.SampleBy(node))
    binder = Binder(expression, source)
    bound: BoundSelect = binder.bind_select(select)
    sample = bound.sample
    if rng is None:
        from deeplake.query.random_state import get_rng

        rng = get_rng()

    def compute():
        ctx = Context(Frame(source), None, rng, expression)
        n = len(source)
        if sample.mode == "EXPR":
            return to_keys(ctx.evaluate(sample.expr), n, "sample_by weights").astype(np.float64)
        conditions = [ctx.evaluate(c) for c, _ in sample.pairs]
        weights = [to_keys(ctx.evaluate(w), n, sample.mode) for _, w in sample.pairs]
        return sample_weights(sample.mode, conditions, weights, n)

    return _guarded(compute)
