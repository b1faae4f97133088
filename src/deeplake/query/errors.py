"""TQL errors. All derive from deeplake.errors.InvalidQueryError (a ValueError)."""

from __future__ import annotations

from deeplake.errors import InvalidQueryError


def describe_position(query: str, pos: int) -> tuple[int, int, str]:
    """Return (line, column), both 1-based, and the query line with a caret under pos."""
    pos = max(0, min(pos, len(query)))
    line_start = query.rfind("\n", 0, pos) + 1
    line_end = query.find("\n", pos)
    if line_end == -1:
        line_end = len(query)
    line = query.count("\n", 0, pos) + 1
    column = pos - line_start + 1
    text = query[line_start:line_end]
    # Keep tabs in the caret prefix so the caret lines up in a terminal.
    prefix = "".join("\t" if ch == "\t" else " " for ch in text[: column - 1])
    return line, column, f"    {text}\n    {prefix}^"


class QueryError(InvalidQueryError):
    """An error tied to a position in the query text."""

    def __init__(self, message: str, query: str | None = None, pos: int | None = None):
        self.query = query
        self.pos = pos
        self.line = self.column = None
        full = message
        if query is not None and pos is not None:
            self.line, self.column, snippet = describe_position(query, pos)
            full = f"{message} (line {self.line}, column {self.column})\n{snippet}"
        self.message = message
        super().__init__(full)


class QuerySyntaxError(QueryError):
    """The query text does not follow the TQL grammar."""


class QueryNameError(QueryError):
    """The query names a tensor, alias or function that does not exist."""


class QueryTypeError(QueryError):
    """An operation is applied to values of types it does not accept."""


class QueryExecutionError(QueryError):
    """Evaluation failed on the data (e.g. an index out of bounds)."""
