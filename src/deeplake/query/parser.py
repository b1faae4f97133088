"""Recursive-descent TQL parser: text -> ast.

Grammar (keywords in any case):

    query      := set_expr | expr                    -- a bare expression is a WHERE filter
    set_expr   := set_term ((UNION | INTERSECT | EXCEPT) set_term)*
    set_term   := '(' set_expr ')' | select
    select     := SELECT items clause*               -- each clause at most once, any order
    clause     := FROM (name | '(' set_expr ')') [[AS] alias] | WHERE expr
                | GROUP BY exprs | UNGROUP BY exprs | EXPAND BY expr [',' expr]
                | ORDER BY expr [ASC|DESC] (',' ...)* | LIMIT int [OFFSET int] | OFFSET int
                | SAMPLE BY expr [REPLACE bool] [LIMIT int]
    expr       := or; or := and (OR and)*; and := not (AND not)*; not := NOT not | cmp
    cmp        := add [(== | = | != | <> | < | <= | > | >=) add
                      | [NOT] BETWEEN add AND add | [NOT] IN (ARRAY[...] | '(' exprs ')')]
    add        := mul (('+'|'-') mul)*;  mul := unary (('*'|'/'|'%') unary)*
    unary      := ('-'|'+') unary | postfix;  postfix := primary ('[' index (',' index)* ']')*
    primary    := number | 'string' | TRUE | FALSE | name | name '(' args ')'
                | ARRAY '[' exprs ']' | '[' exprs ']' | '(' expr ')'
    name       := identifier ('.' identifier)* | "quoted/name"
"""

from __future__ import annotations

from deeplake.query import ast
from deeplake.query.errors import QuerySyntaxError
from deeplake.query.lexer import EOF, IDENT, KEYWORD, NUMBER, OP, QIDENT, STRING, Token, tokenize

_COMPARISONS = {"==": "==", "=": "==", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_SET_OPS = ("UNION", "INTERSECT", "EXCEPT")
_CLAUSE_STARTS = ("FROM", "WHERE", "GROUP", "UNGROUP", "EXPAND", "ORDER", "SAMPLE", "LIMIT", "OFFSET")
_MAX_DEPTH = 64  # nesting guard: a clear error instead of RecursionError


class Parser:
    def __init__(self, query: str):
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0
        self.depth = 0

    # ---- token helpers ----------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != EOF:
            self.i += 1
        return tok

    def is_kw(self, *words: str) -> bool:
        return self.tok.kind == KEYWORD and self.tok.value in words

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == OP and self.tok.value in ops

    def is_word(self, word: str) -> bool:
        """A contextual keyword such as ARRAY or REPLACE (still usable as a name)."""
        return self.tok.kind == IDENT and self.tok.value.upper() == word

    def error(self, expected: str, tok: Token | None = None) -> QuerySyntaxError:
        tok = tok or self.tok
        return QuerySyntaxError(f"Expected {expected} but found {tok.describe()}", self.query, tok.pos)

    def expect_kw(self, word: str) -> Token:
        if not self.is_kw(word):
            raise self.error(word)
        return self.advance()

    def expect_op(self, op: str, what: str | None = None) -> Token:
        if not self.is_op(op):
            raise self.error(what or f"'{op}'")
        return self.advance()

    def enter(self):
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise QuerySyntaxError("Query is nested too deeply", self.query, self.tok.pos)

    # ---- statements -------------------------------------------------------

    def parse(self):
        if self.tokens[0].kind == EOF:
            raise self.error("SELECT or an expression")
        if self._starts_with_select():
            tree = self.set_expr()
            expected = "a clause (FROM, WHERE, ORDER BY, LIMIT, ...), UNION/INTERSECT/EXCEPT or end of query"
        else:
            tree = ast.Select(items=[ast.Star(pos=0)], where=self.expr(), pos=0)
            expected = "an operator or end of query"
        if self.tok.kind != EOF:
            raise self.error(expected)
        return tree

    def _starts_with_select(self) -> bool:
        j = 0
        while self.tokens[j].kind == OP and self.tokens[j].value == "(":
            j += 1
        return self.tokens[j].kind == KEYWORD and self.tokens[j].value == "SELECT"

    def set_expr(self):
        self.enter()
        left = self.set_term()
        while self.is_kw(*_SET_OPS):
            op_tok = self.advance()
            right = self.set_term()
            left = ast.SetOp(op_tok.value, left, right, pos=op_tok.pos)
        self.depth -= 1
        return left

    def set_term(self):
        if self.is_op("("):
            self.advance()
            inner = self.set_expr()
            self.expect_op(")", "')' closing the parenthesised SELECT")
            return inner
        if self.is_kw("SELECT"):
            return self.select()
        raise self.error("SELECT or '('")

    def select(self) -> ast.Select:
        start = self.expect_kw("SELECT")
        node = ast.Select(pos=start.pos)
        node.items = self.select_items()
        seen: set[str] = set()
        while self.is_kw(*_CLAUSE_STARTS):
            tok = self.tok
            word = tok.value
            if word == "OFFSET" and "LIMIT" in seen:
                word = "LIMIT OFFSET"
            if word in seen or (word == "OFFSET" and "LIMIT OFFSET" in seen):
                raise QuerySyntaxError(f"Duplicate {tok.value} clause", self.query, tok.pos)
            seen.add(word)
            getattr(self, "clause_" + tok.value.lower())(node)
        return node

    def select_items(self) -> list:
        items = []
        while True:
            if self.is_op("*"):
                items.append(ast.Star(pos=self.advance().pos))
            else:
                start = self.tok.pos
                expr = self.expr()
                text = self.query[start : self.tokens[self.i - 1].end]
                alias = None
                if self.is_kw("AS"):
                    self.advance()
                    alias = self.name_token("a name after AS")
                items.append(ast.SelectItem(expr, alias, text, pos=start))
            if not self.is_op(","):
                return items
            self.advance()

    def name_token(self, what: str) -> str:
        if self.tok.kind in (IDENT, QIDENT):
            return self.advance().value
        raise self.error(what)

    def clause_from(self, node: ast.Select):
        self.advance()
        if self.is_op("("):
            self.advance()
            node.source = self.set_expr()
            self.expect_op(")", "')' closing the FROM subquery")
        elif self.tok.kind in (IDENT, QIDENT, STRING):
            node.source = self.dotted_name() if self.tok.kind == IDENT else self.advance().value
        else:
            raise self.error("a dataset name or '(' SELECT ... ')' after FROM")
        if self.is_kw("AS"):
            self.advance()
            node.source_alias = self.name_token("an alias after AS")
        elif self.tok.kind in (IDENT, QIDENT):
            node.source_alias = self.advance().value

    def clause_where(self, node: ast.Select):
        self.advance()
        node.where = self.expr()

    def _by(self):
        self.advance()
        self.expect_kw("BY")

    def clause_group(self, node: ast.Select):
        self._by()
        node.group_by = self.expr_list()

    def clause_ungroup(self, node: ast.Select):
        self._by()
        node.ungroup_by = self.expr_list()

    def clause_expand(self, node: ast.Select):
        self._by()
        before = self.expr()
        after = None
        if self.is_op(","):
            self.advance()
            after = self.expr()
        node.expand_by = (before, after)

    def clause_order(self, node: ast.Select):
        self._by()
        while True:
            start = self.tok.pos
            expr = self.expr()
            descending = False
            if self.is_kw("ASC", "DESC"):
                descending = self.advance().value == "DESC"
            node.order_by.append(ast.OrderKey(expr, descending, pos=start))
            if not self.is_op(","):
                return
            self.advance()

    def clause_limit(self, node: ast.Select):
        self.advance()
        node.limit = self.count("LIMIT")
        if self.is_kw("OFFSET"):
            self.advance()
            node.offset = self.count("OFFSET")

    def clause_offset(self, node: ast.Select):
        self.advance()
        node.offset = self.count("OFFSET")

    def clause_sample(self, node: ast.Select):
        start = self._by_pos()
        weights = self.expr()
        sample = ast.SampleBy(weights, pos=start)
        if self.is_word("REPLACE"):
            self.advance()
            sample.replace = self.boolean("TRUE or FALSE after REPLACE")
        if self.is_kw("LIMIT"):
            self.advance()
            sample.limit = self.count("LIMIT")
        node.sample_by = sample

    def _by_pos(self) -> int:
        pos = self.tok.pos
        self._by()
        return pos

    def count(self, clause: str) -> int:
        if self.tok.kind == NUMBER and isinstance(self.tok.value, int):
            return self.advance().value
        raise self.error(f"a non-negative integer after {clause}")

    def boolean(self, what: str) -> bool:
        if self.is_kw("TRUE", "FALSE"):
            return self.advance().value == "TRUE"
        if self.tok.kind == NUMBER and self.tok.value in (0, 1):
            return bool(self.advance().value)
        raise self.error(what)

    def expr_list(self) -> list:
        items = [self.expr()]
        while self.is_op(","):
            self.advance()
            items.append(self.expr())
        return items

    # ---- expressions ------------------------------------------------------

    def expr(self):
        self.enter()
        node = self.or_expr()
        self.depth -= 1
        return node

    def or_expr(self):
        left = self.and_expr()
        while self.is_kw("OR"):
            tok = self.advance()
            left = ast.Binary("OR", left, self.and_expr(), pos=tok.pos)
        return left

    def and_expr(self):
        left = self.not_expr()
        while self.is_kw("AND"):
            tok = self.advance()
            left = ast.Binary("AND", left, self.not_expr(), pos=tok.pos)
        return left

    def not_expr(self):
        if self.is_kw("NOT"):
            tok = self.advance()
            self.enter()
            operand = self.not_expr()
            self.depth -= 1
            return ast.Unary("NOT", operand, pos=tok.pos)
        return self.comparison()

    def comparison(self):
        left = self.additive()
        tok = self.tok
        if tok.kind == OP and tok.value in _COMPARISONS:
            self.advance()
            return ast.Binary(_COMPARISONS[tok.value], left, self.additive(), pos=tok.pos)
        negated = False
        if self.is_kw("NOT") and self.peek().kind == KEYWORD and self.peek().value in ("BETWEEN", "IN"):
            self.advance()
            negated = True
        if self.is_kw("BETWEEN"):
            self.advance()
            low = self.additive()
            self.expect_kw("AND")
            high = self.additive()
            return ast.Between(left, low, high, negated, pos=tok.pos)
        if self.is_kw("IN"):
            self.advance()
            return ast.InList(left, self.in_items(), negated, pos=tok.pos)
        return left

    def in_items(self) -> list:
        if self.is_word("ARRAY") and self.peek().kind == OP and self.peek().value == "[":
            return self.array_literal().items
        if self.is_op("["):
            return self.array_literal().items
        if self.is_op("("):
            self.advance()
            items = [] if self.is_op(")") else self.expr_list()
            self.expect_op(")", "',' or ')' in the IN list")
            return items
        raise self.error("'(' or ARRAY[ after IN")

    def additive(self):
        left = self.multiplicative()
        while self.is_op("+", "-"):
            tok = self.advance()
            left = ast.Binary(tok.value, left, self.multiplicative(), pos=tok.pos)
        return left

    def multiplicative(self):
        left = self.unary()
        while self.is_op("*", "/", "%"):
            tok = self.advance()
            left = ast.Binary(tok.value, left, self.unary(), pos=tok.pos)
        return left

    def unary(self):
        if self.is_op("-", "+"):
            tok = self.advance()
            self.enter()
            operand = self.unary()
            self.depth -= 1
            if isinstance(operand, ast.Literal) and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                # Fold signs of numbers: long ARRAY[...] literals stay plain constants.
                value = -operand.value if tok.value == "-" else operand.value
                return ast.Literal(value, pos=tok.pos)
            return ast.Unary(tok.value, operand, pos=tok.pos)
        return self.postfix(self.primary())

    def postfix(self, node):
        while self.is_op("["):
            tok = self.advance()
            items = [self.index_item()]
            while self.is_op(","):
                self.advance()
                items.append(self.index_item())
            self.expect_op("]", "',' or ']' in the subscript")
            node = ast.Subscript(node, items, pos=tok.pos)
        return node

    def index_item(self):
        pos = self.tok.pos
        parts: list = [None]
        colons = 0
        while True:
            if self.is_op(":"):
                self.advance()
                colons += 1
                if colons > 2:
                    raise QuerySyntaxError("Too many ':' in a slice", self.query, self.tokens[self.i - 1].pos)
                parts.append(None)
            elif self.is_op(",", "]"):
                break
            elif parts[-1] is None:
                parts[-1] = self.expr()
            else:
                raise self.error("':', ',' or ']' in the subscript")
        if colons == 0:
            if parts[0] is None:
                raise self.error("an index or a slice")
            return parts[0]
        parts += [None] * (3 - len(parts))
        return ast.SliceItem(parts[0], parts[1], parts[2], pos=pos)

    def primary(self):
        tok = self.tok
        if tok.kind == NUMBER:
            self.advance()
            return ast.Literal(tok.value, pos=tok.pos)
        if tok.kind == STRING:
            self.advance()
            return ast.Literal(tok.value, pos=tok.pos)
        if self.is_kw("TRUE", "FALSE"):
            self.advance()
            return ast.Literal(tok.value == "TRUE", pos=tok.pos)
        if tok.kind == QIDENT:
            self.advance()
            return ast.Column(tok.value, pos=tok.pos)
        if tok.kind == IDENT:
            nxt = self.peek()
            if tok.value.upper() == "ARRAY" and nxt.kind == OP and nxt.value == "[":
                return self.array_literal()
            if nxt.kind == OP and nxt.value == "(":
                return self.call()
            return ast.Column(self.dotted_name(), pos=tok.pos)
        if self.is_op("["):
            return self.array_literal()
        if self.is_op("("):
            self.advance()
            if self.is_kw("SELECT"):
                raise QuerySyntaxError(
                    "A SELECT is not allowed inside an expression", self.query, self.tok.pos
                )
            inner = self.expr()
            self.expect_op(")", "')'")
            return inner
        raise self.error("an expression (a tensor name, number, 'string', function or '(')")

    def dotted_name(self) -> str:
        parts = [self.advance().value]
        while self.is_op(".") and self.peek().kind in (IDENT, QIDENT):
            self.advance()
            parts.append(self.advance().value)
        return "/".join(parts)

    def array_literal(self) -> ast.ArrayLit:
        pos = self.tok.pos
        if self.is_word("ARRAY"):
            self.advance()
        self.expect_op("[", "'['")
        items = []
        if not self.is_op("]"):
            items = self.expr_list()
        self.expect_op("]", "',' or ']' in the array")
        return ast.ArrayLit(items, pos=pos)

    def call(self) -> ast.Call:
        name_tok = self.advance()
        self.advance()  # '('
        args = []
        if not self.is_op(")"):
            while True:
                start = self.tok.pos
                arg = self.expr()
                if self.is_op(":"):
                    self.advance()
                    arg = ast.WeightedArg(arg, self.expr(), pos=start)
                args.append(arg)
                if not self.is_op(","):
                    break
                self.advance()
        self.expect_op(")", f"',' or ')' in the arguments of {name_tok.value}")
        return ast.Call(name_tok.value.upper(), args, pos=name_tok.pos)


def parse(query: str):
    """Parse TQL text into an ast.Select or ast.SetOp."""
    try:
        return Parser(query).parse()
    except RecursionError:
        raise QuerySyntaxError("Query is nested too deeply") from None


def parse_expression(query: str):
    """Parse a lone expression (e.g. the weights of Dataset.sample_by)."""
    parser = Parser(query)
    if parser.tok.kind == EOF:
        raise parser.error("an expression")
    node = parser.expr()
    if parser.tok.kind != EOF:
        raise parser.error("an operator or end of expression")
    return node
