"""Tensor Query Language: lexer -> parser -> binder -> planner -> executor.

    run_query(source, "select * where labels == 0 order by score desc limit 10")

``source`` is any ColumnSource (see source.py); the result is a QueryResult of
row indices plus computed virtual columns.
"""

from deeplake.query.engine import CompiledQuery, compile_query, evaluate_weights, run_query
from deeplake.query.errors import (
    QueryError, QueryExecutionError, QueryNameError, QuerySyntaxError, QueryTypeError,
)
from deeplake.query.executor import QueryResult
from deeplake.query.sampling import random_split_indices, random_split_lengths, weighted_sample
from deeplake.query.source import ColumnInfo, ColumnSource, DictColumnSource

__all__ = [
    "run_query", "compile_query", "CompiledQuery", "evaluate_weights", "QueryResult",
    "ColumnSource", "ColumnInfo", "DictColumnSource",
    "weighted_sample", "random_split_lengths", "random_split_indices",
    "QueryError", "QuerySyntaxError", "QueryNameError", "QueryTypeError", "QueryExecutionError",
]
