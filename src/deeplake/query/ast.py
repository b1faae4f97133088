"""TQL syntax tree. Every node keeps ``pos``, its offset in the query, for errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Union


@dataclass
class Node:
    pos: int = field(default=0, kw_only=True)


# ---- expressions -------------------------------------------------------------


@dataclass
class Literal(Node):
    value: Any  # int, float, bool or str


@dataclass
class ArrayLit(Node):
    items: list  # of expressions


@dataclass
class Column(Node):
    name: str  # tensor path, groups joined by '/'
    info: Any = None  # set by the binder: ColumnInfo or a virtual column's type


@dataclass
class SliceItem(Node):
    start: Optional["Expr"] = None
    stop: Optional["Expr"] = None
    step: Optional["Expr"] = None


@dataclass
class Subscript(Node):
    base: "Expr"
    items: list  # of Expr or SliceItem


@dataclass
class Unary(Node):
    op: str  # '-', '+', 'NOT'
    operand: "Expr"


@dataclass
class Binary(Node):
    op: str  # arithmetic, comparison ('==' for '='), 'AND', 'OR'
    left: "Expr"
    right: "Expr"


@dataclass
class Between(Node):
    expr: "Expr"
    low: "Expr"
    high: "Expr"
    negated: bool = False


@dataclass
class InList(Node):
    expr: "Expr"
    items: list  # of expressions (each a constant)
    negated: bool = False


@dataclass
class WeightedArg(Node):
    """``condition: weight`` inside max_weight(...) / sum_weight(...)."""

    condition: "Expr"
    weight: "Expr"


@dataclass
class Call(Node):
    name: str  # upper-cased
    args: list


@dataclass
class Distance(Node):
    """Planner's fused form of L1/L2/LINF_NORM(a - b) and COSINE_SIMILARITY(a, b)."""

    metric: str  # 'L1', 'L2', 'LINF', 'COS'
    left: "Expr"
    right: "Expr"


Expr = Union[Literal, ArrayLit, Column, Subscript, Unary, Binary, Between, InList, Call, Distance]


# ---- statements --------------------------------------------------------------


@dataclass
class Star(Node):
    pass


@dataclass
class SelectItem(Node):
    expr: Expr
    alias: Optional[str] = None  # explicit AS name
    text: str = ""  # source text, the default name of a virtual column


@dataclass
class OrderKey(Node):
    expr: Expr
    descending: bool = False


@dataclass
class SampleBy(Node):
    weights: Expr  # max_weight(...)/sum_weight(...) call, or any numeric expression
    replace: bool = True
    limit: Optional[int] = None


@dataclass
class Select(Node):
    items: list = field(default_factory=list)  # Star and SelectItem
    source: Any = None  # None, a name (str) or a nested query
    source_alias: Optional[str] = None
    where: Optional[Expr] = None
    group_by: list = field(default_factory=list)
    ungroup_by: list = field(default_factory=list)
    expand_by: Optional[tuple] = None  # (rows_before, rows_after)
    order_by: list = field(default_factory=list)
    sample_by: Optional[SampleBy] = None
    limit: Optional[int] = None
    offset: Optional[int] = None


@dataclass
class SetOp(Node):
    op: str  # 'UNION', 'INTERSECT', 'EXCEPT'
    left: Any
    right: Any


Query = Union[Select, SetOp]
