"""TQL tokens: keywords in any case, 'string' literals, "quoted" identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from deeplake.query.errors import QuerySyntaxError

KEYWORDS = frozenset(
    """SELECT FROM WHERE ORDER GROUP UNGROUP EXPAND SAMPLE BY ASC DESC LIMIT OFFSET
    UNION INTERSECT EXCEPT AND OR NOT BETWEEN IN AS TRUE FALSE""".split()
)

# Token kinds
NUMBER, STRING, IDENT, QIDENT, KEYWORD, OP, EOF = (
    "number", "string", "identifier", "quoted identifier", "keyword", "operator", "end of query",
)

_OPERATORS = ("==", "!=", "<>", "<=", ">=", "<", ">", "=", "+", "-", "*", "/", "%",
              "(", ")", "[", "]", ",", ":", ".")

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<>|<=|>=|[<>=+\-*/%()\[\],:.])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    value: object  # keyword upper-cased; number as int/float; strings unescaped
    pos: int
    end: int
    text: str

    def describe(self) -> str:
        if self.kind == EOF:
            return "end of query"
        return f"{self.kind} {self.text!r}" if self.kind != KEYWORD else f"keyword {self.value}"


def _read_quoted(query: str, start: int, quote: str, kind: str) -> tuple[str, int]:
    """Read a quoted token from start (at the quote); '' or \\' escape a quote."""
    out = []
    i = start + 1
    while i < len(query):
        ch = query[i]
        if ch == "\\" and i + 1 < len(query):
            out.append({"n": "\n", "t": "\t"}.get(query[i + 1], query[i + 1]))
            i += 2
            continue
        if ch == quote:
            if query.startswith(quote * 2, i):
                out.append(quote)
                i += 2
                continue
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise QuerySyntaxError(f"Unterminated {kind}: missing closing {quote}", query, start)


def tokenize(query: str) -> list[Token]:
    if not isinstance(query, str):
        raise QuerySyntaxError(f"A query must be a string; got {type(query).__name__}")
    tokens: list[Token] = []
    pos = 0
    n = len(query)
    while pos < n:
        ch = query[pos]
        if ch in "'\"":
            kind = STRING if ch == "'" else QIDENT
            value, end = _read_quoted(query, pos, ch, "string" if ch == "'" else "quoted name")
            tokens.append(Token(kind, value, pos, end, query[pos:end]))
            pos = end
            continue
        m = _TOKEN_RE.match(query, pos)
        if m is None:
            raise QuerySyntaxError(f"Unexpected character {ch!r}", query, pos)
        end = m.end()
        group = m.lastgroup
        text = m.group()
        if group == "number":
            if end < n and (query[end].isalpha() or query[end] == "_"):
                raise QuerySyntaxError(f"Invalid number {query[pos:end + 1]!r}", query, pos)
            is_float = any(c in text for c in ".eE")
            tokens.append(Token(NUMBER, float(text) if is_float else int(text), pos, end, text))
        elif group == "ident":
            upper = text.upper()
            if upper in KEYWORDS:
                tokens.append(Token(KEYWORD, upper, pos, end, text))
            else:
                tokens.append(Token(IDENT, text, pos, end, text))
        elif group == "op":
            tokens.append(Token(OP, text, pos, end, text))
        pos = end
    tokens.append(Token(EOF, None, n, n, ""))
    return tokens
