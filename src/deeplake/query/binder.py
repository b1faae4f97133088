"""Binder: resolves names against the columns, computes static types, rejects
mismatches before any data is read, and rewrites the tree for execution
(class names -> label ids, ARRAY literals -> numpy constants, distance calls ->
fused Distance nodes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from deeplake.query import ast
from deeplake.query.errors import QueryNameError, QuerySyntaxError, QueryTypeError
from deeplake.query.functions import FUNCTIONS
from deeplake.query.planner import fuse_distance
from deeplake.query.vtypes import ANY, ITEM, JSON, NUM, STR, TEXT, VType, type_of_column

_BOOLISH = (NUM, ANY, ITEM)


@dataclass
class BoundSample:
    mode: str  # 'MAX_WEIGHT', 'SUM_WEIGHT' or 'EXPR'
    pairs: list  # (condition, weight) for the weight functions
    expr: Any  # the weights expression for 'EXPR'
    replace: bool
    limit: Optional[int]


@dataclass
class BoundSelect:
    source: Any  # BoundSelect / BoundSetOp of a FROM subquery, or None
    projection: Optional[list]  # tensors kept by the select list; None keeps all
    virtuals: list  # (name, expr) computed columns
    where: Any = None
    group_by: list = field(default_factory=list)
    ungroup_by: list = field(default_factory=list)
    expand: Optional[tuple] = None
    order_by: list = field(default_factory=list)  # (expr, descending)
    sample: Optional[BoundSample] = None
    limit: Optional[int] = None
    offset: Optional[int] = None
    output: dict = field(default_factory=dict)  # name -> VType seen by an outer query
    columns: set = field(default_factory=set)  # source tensors the query reads


@dataclass
class BoundSetOp:
    op: str
    left: Any
    right: Any
    columns: set = field(default_factory=set)


class Scope:
    """Columns visible to a SELECT: a ColumnSource's tensors or a subquery's output."""

    def __init__(self, source=None, output: Optional[dict] = None):
        self._source = source
        self._output = output
        self._names = list(output) if output is not None else list(source.column_names())
        self._known = set(self._names)
        self._cache: dict = {}

    def names(self) -> list:
        return self._names

    def lookup(self, name: str) -> Optional[VType]:
        if name not in self._known:
            return None
        if name not in self._cache:
            if self._output is not None:
                self._cache[name] = self._output[name]
            else:
                self._cache[name] = type_of_column(name, self._source.column_info(name))
        return self._cache[name]


class Binder:
    def __init__(self, query: str, source):
        self.query = query
        self.source = source

    # ---- errors -------------------------------------------------------------

    def type_error(self, message: str, node) -> QueryTypeError:
        return QueryTypeError(message, self.query, getattr(node, "pos", None))

    # ---- statements -------------------------------------------------------

    def bind(self, tree):
        if isinstance(tree, ast.SetOp):
            left, right = self.bind(tree.left), self.bind(tree.right)
            return BoundSetOp(tree.op, left, right, left.columns | right.columns)
        return self.bind_select(tree)

    def bind_select(self, node: ast.Select) -> BoundSelect:
        inner = None
        if isinstance(node.source, (ast.Select, ast.SetOp)):
            inner = self.bind(node.source)
            if isinstance(inner, BoundSetOp):
                raise QuerySyntaxError(
                    "A UNION/INTERSECT/EXCEPT is not supported as a FROM subquery",
                    self.query, node.source.pos,
                )
            scope = Scope(output=inner.output)
        else:
            scope = Scope(source=self.source)  # FROM <name> names the queried dataset
        self.scope = scope
        self.columns: set = set()
        self.aliases: dict = {}
        bound = BoundSelect(source=inner, projection=None, virtuals=[])

        projection: list = []
        star = False
        output: dict = {}
        for item in node.items:
            if isinstance(item, ast.Star):
                star = True
                continue
            expr, vtype = self.expr(item.expr, prefer_alias=False)
            if isinstance(item.expr, ast.Column) and item.alias is None:
                projection.append(item.expr.name)
                output[item.expr.name] = vtype
            else:
                name = item.alias or item.text
                bound.virtuals.append((name, expr))
                output[name] = vtype.with_(tensor=name, const=False)
                self.aliases[name] = (expr, vtype)
        if star:
            full = {name: scope.lookup(name) for name in scope.names()}
            output = {**full, **output}
            bound.projection = None
        else:
            bound.projection = projection
        bound.output = output

        if node.where is not None:
            bound.where = self.condition(node.where, "WHERE")
        bound.group_by = [self.key(e, "GROUP BY") for e in node.group_by]
        for e in node.ungroup_by:
            if not isinstance(e, ast.Column):
                raise self.type_error("UNGROUP BY takes tensor names", e)
            bound.ungroup_by.append(self.expr(e, prefer_alias=False)[0])
        if node.expand_by is not None:
            before, after = (self.const_count(e, "EXPAND BY") if e is not None else None
                             for e in node.expand_by)
            bound.expand = (before, before if after is None else after)  # one count: both sides
        bound.order_by = [(self.key(k.expr, "ORDER BY"), k.descending) for k in node.order_by]
        if node.sample_by is not None:
            bound.sample = self.sample(node.sample_by)
        bound.limit, bound.offset = node.limit, node.offset
        if inner is None:
            bound.columns = self.columns
        else:
            # Outer names are the subquery's outputs: its virtual columns or source tensors.
            inner_virtuals = {name for name, _ in inner.virtuals}
            bound.columns = inner.columns | (self.columns - inner_virtuals)
        return bound

    def condition(self, node, what: str):
        expr, vtype = self.expr(node, prefer_alias=False)
        if vtype.kind not in _BOOLISH:
            raise self.type_error(
                f"{what} condition must be boolean or numeric; {vtype.describe()} is {vtype.kind}",
                node,
            )
        if not vtype.const and vtype.shape is not None and int(np.prod(vtype.shape)) > 1:
            raise self.type_error(
                f"{what} condition gives {int(np.prod(vtype.shape))} values per row "
                f"(shape {vtype.shape}); reduce it with ANY(...) or ALL(...)",
                node,
            )
        return expr

    def key(self, node, what: str):
        expr, vtype = self.expr(node, prefer_alias=True)
        if vtype.kind == NUM and not vtype.const and vtype.shape is not None and not vtype.scalar_per_row:
            raise self.type_error(
                f"{what} needs one value per row; {vtype.describe()} has shape {vtype.shape}", node
            )
        return expr

    def const_count(self, node, what: str):
        if node is None:
            return 0
        if isinstance(node, ast.Literal) and isinstance(node.value, int) and not isinstance(node.value, bool) \
                and node.value >= 0:
            return node.value
        raise self.type_error(f"{what} takes non-negative integer row counts", node)

    def sample(self, node: ast.SampleBy) -> BoundSample:
        weights = node.weights
        if isinstance(weights, ast.Call) and weights.name in ("MAX_WEIGHT", "SUM_WEIGHT"):
            if not weights.args:
                raise self.type_error(f"{weights.name} needs at least one 'condition: weight' pair", weights)
            pairs = []
            for arg in weights.args:
                if not isinstance(arg, ast.WeightedArg):
                    raise self.type_error(
                        f"{weights.name} arguments are 'condition: weight' pairs", arg
                    )
                cond = self.condition(arg.condition, weights.name)
                weight, wtype = self.expr(arg.weight, prefer_alias=True)
                self.require_number(wtype, arg.weight, f"a weight of {weights.name}")
                pairs.append((cond, weight))
            return BoundSample(weights.name, pairs, None, node.replace, node.limit)
        expr, wtype = self.expr(weights, prefer_alias=True)
        self.require_number(wtype, weights, "SAMPLE BY weights")
        return BoundSample("EXPR", [], expr, node.replace, node.limit)

    def require_number(self, vtype: VType, node, what: str):
        if vtype.kind not in _BOOLISH:
            raise self.type_error(f"{what} must be numeric; got {vtype.describe()}", node)

    # ---- expressions ----------------------------------------------------------------

    def expr(self, node, prefer_alias: bool):
        self.prefer_alias = prefer_alias
        return self._bind(node)

    def _bind(self, node):
        method = getattr(self, "_bind_" + type(node).__name__)
        return method(node)

    def _bind_Literal(self, node: ast.Literal):
        value = node.value
        if isinstance(value, str):
            return node, VType(STR, const=True, value=value)
        if isinstance(value, np.ndarray):
            kind = STR if value.dtype.kind in "US" else NUM
            return node, VType(kind, const=True, shape=value.shape, value=value)
        return node, VType(NUM, const=True, shape=(), value=value)

    def _bind_ArrayLit(self, node: ast.ArrayLit):
        values = []
        for item in node.items:
            bound, vtype = self._bind(item)
            if not vtype.const or not isinstance(bound, ast.Literal):
                raise self.type_error("ARRAY elements must be constants", item)
            values.append(bound.value)
        try:
            array = np.array(values)
        except ValueError:
            raise self.type_error("ARRAY rows must all have the same length", node) from None
        if array.dtype.kind not in "biufUS":
            raise self.type_error("ARRAY elements must all be numbers or all be strings", node)
        return self._bind_Literal(ast.Literal(array, pos=node.pos))

    def _bind_Column(self, node: ast.Column):
        name = node.name
        alias = self.aliases.get(name)
        vtype = self.scope.lookup(name)
        if alias is not None and (self.prefer_alias or vtype is None):
            return alias
        if vtype is None:
            available = self.scope.names()
            listed = ", ".join(available[:20]) + (", ..." if len(available) > 20 else "")
            raise QueryNameError(
                f"Tensor '{name}' does not exist. Available tensors: {listed or '(none)'}",
                self.query, node.pos,
            )
        self.columns.add(name)
        return ast.Column(name, info=vtype, pos=node.pos), vtype

    def _bind_Subscript(self, node: ast.Subscript):
        base, btype = self._bind(node.base)
        items = []
        for item in node.items:
            if isinstance(item, ast.SliceItem):
                parts = [None if p is None else self._const_int(p, "Slice bounds") for p in
                         (item.start, item.stop, item.step)]
                if parts[2] == 0:
                    raise self.type_error("Slice step cannot be zero", item)
                items.append(slice(*parts))
            else:
                bound, itype = self._bind(item)
                if not itype.const or not isinstance(bound, ast.Literal):
                    raise self.type_error("Indices must be constants", item)
                items.append(bound.value)
        if btype.kind in (JSON, ITEM):
            if len(items) != 1 or isinstance(items[0], slice):
                raise self.type_error("A json value is indexed by one key or position", node)
            return ast.Subscript(base, items, pos=node.pos), VType(ITEM, tensor=None, shape=None)
        if btype.kind in (TEXT, STR):
            raise self.type_error(f"Cannot index {btype.describe()}: text is not an array", node)
        for index in items:
            if not isinstance(index, slice) and not (
                isinstance(index, (int, np.integer)) and not isinstance(index, bool)
            ):
                raise self.type_error(
                    f"{btype.describe()} is numeric; index it with integers or slices, not {index!r}",
                    node,
                )
        shape = None
        if btype.shape is not None:
            try:
                shape = np.empty(btype.shape, dtype=np.bool_)[tuple(items)].shape
            except IndexError as exc:
                raise self.type_error(
                    f"Index out of bounds for {btype.describe()} with sample shape {btype.shape}: {exc}",
                    node,
                ) from None
        rtype = btype.with_(shape=shape, tensor=None, class_names=btype.class_names)
        return ast.Subscript(base, items, pos=node.pos), rtype

    def _const_int(self, node, what):
        bound, vtype = self._bind(node)
        if isinstance(bound, ast.Literal) and isinstance(bound.value, (int, np.integer)) \
                and not isinstance(bound.value, bool):
            return int(bound.value)
        raise self.type_error(f"{what} must be integer constants", node)

    def _bind_Unary(self, node: ast.Unary):
        operand, vtype = self._bind(node.operand)
        if vtype.kind not in _BOOLISH:
            raise self.type_error(f"Operator {node.op} does not apply to {vtype.describe()}", node)
        if node.op == "NOT":
            return ast.Unary("NOT", operand, pos=node.pos), vtype.with_(tensor=None, class_names=None)
        return ast.Unary(node.op, operand, pos=node.pos), vtype.with_(tensor=None)

    def _bind_Binary(self, node: ast.Binary):
        left, lt = self._bind(node.left)
        right, rt = self._bind(node.right)
        op = node.op
        if op in ("==", "!=", "<", "<=", ">", ">="):
            left, lt, right, rt = self._comparable(node, left, lt, right, rt)
            return ast.Binary(op, left, right, pos=node.pos), _result(lt, rt, NUM)
        for side, vtype in ((node.left, lt), (node.right, rt)):
            if vtype.kind not in _BOOLISH:
                what = "AND/OR needs boolean operands" if op in ("AND", "OR") else f"Operator {op} needs numbers"
                raise self.type_error(f"{what}; got {vtype.describe()}", side)
        return ast.Binary(op, left, right, pos=node.pos), _result(lt, rt, NUM)

    def _comparable(self, node, left, lt, right, rt):
        """Check that two sides can be compared; map class names to label ids."""
        if lt.kind == STR and rt.kind != STR:
            right, rt, left, lt = self._comparable(node, right, rt, left, lt)
            return left, lt, right, rt
        if ANY in (lt.kind, rt.kind) or ITEM in (lt.kind, rt.kind):
            return left, lt, right, rt
        if rt.kind == STR:
            if lt.kind in (TEXT, STR, JSON):
                return left, lt, right, rt
            if lt.class_names is not None:
                return left, lt, self._class_ids(right, lt), rt.with_(kind=NUM)
            raise self.type_error(f"Cannot compare {lt.describe()} with {rt.describe()}", node)
        if lt.kind == TEXT and rt.kind == TEXT:
            return left, lt, right, rt
        if lt.kind == NUM and rt.kind == NUM:
            return left, lt, right, rt
        hint = ""
        if JSON in (lt.kind, rt.kind):
            name = lt.tensor if lt.kind == JSON else rt.tensor
            hint = f"; index the json first, e.g. {name}['key']"
        raise self.type_error(f"Cannot compare {lt.describe()} with {rt.describe()}{hint}", node)

    def _class_ids(self, literal: ast.Literal, ctype: VType) -> ast.Literal:
        names = list(ctype.class_names or ())
        values = np.atleast_1d(np.asarray(literal.value))
        ids = []
        for value in values.reshape(-1):
            value = str(value)
            if value not in names:
                raise self.type_error(
                    f"'{value}' is not a class name of {ctype.describe()}; class names: "
                    f"{names[:20]}", literal,
                )
            ids.append(names.index(value))
        result = np.array(ids, dtype=np.int64).reshape(np.shape(literal.value))
        return ast.Literal(result if result.ndim else int(result), pos=literal.pos)

    def _bind_Between(self, node: ast.Between):
        expr, et = self._bind(node.expr)
        _, _, low, _ = self._comparable(node, expr, et, *self._bind(node.low))
        _, _, high, _ = self._comparable(node, expr, et, *self._bind(node.high))
        return ast.Between(expr, low, high, node.negated, pos=node.pos), _result(et, et, NUM)

    def _bind_InList(self, node: ast.InList):
        expr, et = self._bind(node.expr)
        values = []
        for item in node.items:
            bound, it = self._bind(item)
            if not it.const or not isinstance(bound, ast.Literal):
                raise self.type_error("IN list items must be constants", item)
            _, _, bound, _ = self._comparable(node, expr, et, bound, it)
            values.extend(np.atleast_1d(np.asarray(bound.value)).reshape(-1).tolist())
        return ast.InList(expr, values, node.negated, pos=node.pos), _result(et, et, NUM)

    def _bind_WeightedArg(self, node: ast.WeightedArg):
        raise self.type_error("'condition: weight' is only allowed in MAX_WEIGHT / SUM_WEIGHT", node)

    def _bind_Call(self, node: ast.Call):
        spec = FUNCTIONS.get(node.name)
        if spec is None or node.name in ("MAX_WEIGHT", "SUM_WEIGHT"):
            if node.name in ("MAX_WEIGHT", "SUM_WEIGHT"):
                raise self.type_error(f"{node.name} is only allowed in SAMPLE BY", node)
            raise QueryNameError(
                f"Unknown function {node.name}. Known functions: "
                + ", ".join(sorted(n for n in FUNCTIONS if not n.endswith("_WEIGHT"))),
                self.query, node.pos,
            )
        if not spec.min_args <= len(node.args) <= spec.max_args:
            count = spec.min_args if spec.min_args == spec.max_args else f"{spec.min_args} to {spec.max_args}"
            raise self.type_error(f"{node.name} takes {count} argument(s); got {len(node.args)}", node)
        bound = [self._bind(arg) for arg in node.args]
        args = [b for b, _ in bound]
        types = [t for _, t in bound]
        call = ast.Call(node.name, args, pos=node.pos)
        rtype = getattr(self, "_type_" + node.name.lower())(call, types)
        return fuse_distance(call) or call, rtype

    # ---- function result types --------------------------------------------------------

    def _arg_kind(self, call, types, i, kinds, what):
        if types[i].kind not in kinds + (ANY, ITEM):
            raise self.type_error(f"{call.name} needs {what}; got {types[i].describe()}", call.args[i])

    def _type_contains(self, call, types):
        haystack, needle = types
        if needle.kind == STR and haystack.class_names is not None:
            call.args[1] = self._class_ids(call.args[1], haystack)
        elif needle.kind == STR and haystack.kind == NUM:
            raise self.type_error(f"Cannot look for {needle.describe()} in {haystack.describe()}", call)
        elif needle.kind == NUM and haystack.kind == TEXT:
            raise self.type_error(f"Cannot look for {needle.describe()} in {haystack.describe()}", call)
        if not needle.const:
            raise self.type_error("CONTAINS looks for a constant value", call.args[1])
        return VType(NUM, shape=())

    def _type_shape(self, call, types):
        shape = (0,) if types[0].kind in (TEXT, JSON) else types[0].shape  # text/json rows: shape (1,)
        return VType(NUM, shape=None if shape is None else (len(shape),), dtype="int64")

    def _type_random(self, call, types):
        return VType(NUM, shape=(), dtype="float64")

    def _type_row_number(self, call, types):
        return VType(NUM, shape=(), dtype="int64")

    def _reduce(self, call, types):
        self._arg_kind(call, types, 0, (NUM,), "a numeric or boolean array")
        return VType(NUM, shape=(), dtype="bool")

    _type_all = _type_any = _type_all_strict = _reduce

    def _logical(self, call, types):
        for i in range(2):
            self._arg_kind(call, types, i, (NUM,), "boolean arrays")
        a, b = types
        shape = a.shape if a.shape == b.shape else None
        return VType(NUM, shape=shape, dtype="bool")

    _type_logical_and = _type_logical_or = _logical

    def _type_data(self, call, types):
        column, index = call.args
        if not isinstance(column, ast.Column):
            raise self.type_error("DATA takes a tensor name and a row number", column)
        if not (isinstance(index, ast.Literal) and isinstance(index.value, int)) or index.value < 0:
            raise self.type_error("DATA takes a non-negative constant row number", index)
        return types[0].with_(const=True, tensor=None)

    def _norm(self, call, types):
        self._arg_kind(call, types, 0, (NUM,), "a numeric array")
        return VType(NUM, shape=(), dtype="float64")

    _type_l1_norm = _type_l2_norm = _type_linf_norm = _norm

    def _type_cosine_similarity(self, call, types):
        for i in range(2):
            self._arg_kind(call, types, i, (NUM,), "numeric vectors")
        return VType(NUM, shape=(), dtype="float64")

    def _type_abs(self, call, types):
        self._arg_kind(call, types, 0, (NUM,), "numbers")
        return types[0].with_(tensor=None)

    _type_sqrt = _type_abs


def _result(a: VType, b: VType, kind: str) -> VType:
    """Type of an elementwise result: broadcast per-row shapes when both are known."""
    const = a.const and b.const
    if a.shape is None and not a.const or b.shape is None and not b.const:
        shape = None
    else:
        try:
            shape = np.broadcast_shapes(a.shape or (), b.shape or ())
        except ValueError:
            shape = None
    return VType(kind, const=const, shape=shape)


def bind(query: str, tree, source):
    return Binder(query, source).bind(tree)
