"""The expression AST: go/ast's expression nodes, as dataclasses.

Field names follow go/ast so code written against Delve's evaluator reads the same.
`pos` is the offset (in code points of the expression string) of the node's first
character; `Source.position` in scanner.py turns it into go/token's line:column.
"""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum

from ...records import record
from .tokens import Tok


class Expr:
    """Base of every expression node."""

    pos: int


@record(slots=True)
class BadExpr(Expr):
    """go/ast.BadExpr."""

    pos: int
    end: int


@record(slots=True)
class Ident(Expr):
    """go/ast.Ident."""

    pos: int
    name: str


@record(slots=True)
class BasicLit(Expr):
    """A literal; `value` is the source text (quotes, prefixes and underscores kept)."""

    pos: int
    kind: Tok  # INT, FLOAT, IMAG, CHAR or STRING
    value: str


@record(slots=True)
class Ellipsis(Expr):
    """go/ast.Ellipsis."""

    pos: int
    elt: Expr | None


@record(slots=True)
class Field:
    """A parameter, result, struct field or interface element."""

    names: list[Ident]
    type: Expr
    tag: BasicLit | None = None


@record(slots=True)
class FuncType(Expr):
    """go/ast.FuncType."""

    pos: int
    params: list[Field]
    results: list[Field] | None  # None: no result list at all


@record(slots=True)
class FuncLit(Expr):
    """A function literal; Delve cannot evaluate these, so only its type is kept."""

    pos: int
    type: FuncType
    body_len: int  # statements in the body


@record(slots=True)
class CompositeLit(Expr):
    """go/ast.CompositeLit."""

    pos: int
    type: Expr | None
    elts: list[Expr]


@record(slots=True)
class ParenExpr(Expr):
    """go/ast.ParenExpr."""

    pos: int
    x: Expr


@record(slots=True)
class SelectorExpr(Expr):
    """go/ast.SelectorExpr."""

    pos: int
    x: Expr
    sel: Ident


@record(slots=True)
class IndexExpr(Expr):
    """go/ast.IndexExpr."""

    pos: int
    x: Expr
    index: Expr


@record(slots=True)
class IndexListExpr(Expr):
    """A generic instantiation with more than one type argument: `f[int, string]`."""

    pos: int
    x: Expr
    indices: list[Expr]


@record(slots=True)
class SliceExpr(Expr):
    """go/ast.SliceExpr."""

    pos: int
    x: Expr
    low: Expr | None
    high: Expr | None
    max: Expr | None
    slice3: bool


@record(slots=True)
class TypeAssertExpr(Expr):
    """go/ast.TypeAssertExpr."""

    pos: int
    x: Expr
    type: Expr | None  # None for `x.(type)`


@record(slots=True)
class CallExpr(Expr):
    """go/ast.CallExpr."""

    pos: int
    fun: Expr
    args: list[Expr]
    ellipsis: bool  # `f(xs...)`


@record(slots=True)
class StarExpr(Expr):
    """`*x`: a dereference or a pointer type (the parser cannot tell them apart)."""

    pos: int
    x: Expr


@record(slots=True)
class UnaryExpr(Expr):
    """go/ast.UnaryExpr."""

    pos: int
    op: Tok
    x: Expr


@record(slots=True)
class BinaryExpr(Expr):
    """go/ast.BinaryExpr."""

    pos: int  # of the left operand, as go/ast's Pos()
    op: Tok
    x: Expr
    y: Expr
    op_pos: int = 0


@record(slots=True)
class KeyValueExpr(Expr):
    """go/ast.KeyValueExpr."""

    pos: int
    key: Expr
    value: Expr


@record(slots=True)
class ArrayType(Expr):
    """`[N]T`, `[...]T` (len is an Ellipsis) or the slice type `[]T` (len None)."""

    pos: int
    len: Expr | None
    elt: Expr


@record(slots=True)
class StructType(Expr):
    """go/ast.StructType."""

    pos: int
    fields: list[Field] = field(default_factory=list)


@record(slots=True)
class InterfaceType(Expr):
    """go/ast.InterfaceType."""

    pos: int
    methods: list[Field] = field(default_factory=list)


@record(slots=True)
class MapType(Expr):
    """go/ast.MapType."""

    pos: int
    key: Expr
    value: Expr


class ChanDir(IntEnum):
    SEND = 1
    RECV = 2
    BOTH = 3


@record(slots=True)
class ChanType(Expr):
    """go/ast.ChanType."""

    pos: int
    dir: ChanDir
    value: Expr
    arrow: int = -1  # offset of `<-`, or -1


def unparen(x: Expr) -> Expr:
    """ast.Unparen: strips any number of parentheses."""
    while isinstance(x, ParenExpr):
        x = x.x
    return x
