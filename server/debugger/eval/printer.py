"""go/printer for expressions: Delve quotes sub-expressions in its errors with exprToString.

Only the spacing rules of go/printer's binaryExpr matter in practice (`sum + i*2`); the
rest prints the node with Go's punctuation and no layout choices.
"""

from __future__ import annotations

from . import nodes as n
from .tokens import PRECEDENCE, TOKEN_STRING, Tok

_LOWEST, _UNARY, _HIGHEST = 0, 6, 7


def expr_string(x: n.Expr) -> str:
    """exprToString: printer.Fprint of one expression."""
    return _expr(x, _LOWEST, 1)


def _prec(op: Tok) -> int:
    return PRECEDENCE.get(op, 0)


def _walk_binary(e: n.BinaryExpr) -> tuple[bool, bool, int]:
    p = _prec(e.op)
    has4, has5, max_problem = p == 4, p == 5, 0
    left = e.x
    if isinstance(left, n.BinaryExpr) and _prec(left.op) >= p:
        h4, h5, mp = _walk_binary(left)
        has4, has5, max_problem = has4 or h4, has5 or h5, max(max_problem, mp)
    right = e.y
    if isinstance(right, n.BinaryExpr):
        if _prec(right.op) > p:
            h4, h5, mp = _walk_binary(right)
            has4, has5, max_problem = has4 or h4, has5 or h5, max(max_problem, mp)
    elif isinstance(right, n.StarExpr):
        if e.op is Tok.QUO:  # `/*` would open a comment
            max_problem = 5
    elif isinstance(right, n.UnaryExpr):
        pair = TOKEN_STRING[e.op] + TOKEN_STRING[right.op]
        if pair in ("/*", "&&", "&^"):
            max_problem = 5
        elif pair in ("++", "--"):
            max_problem = max(max_problem, 4)
    return has4, has5, max_problem


def _cutoff(e: n.BinaryExpr, depth: int) -> int:
    has4, has5, max_problem = _walk_binary(e)
    if max_problem > 0:
        return max_problem + 1
    if has4 and has5:
        return 5 if depth == 1 else 4
    return 6 if depth == 1 else 4


def _diff_prec(x: n.Expr, prec: int) -> int:
    return 0 if isinstance(x, n.BinaryExpr) and _prec(x.op) == prec else 1


def _binary(e: n.BinaryExpr, cutoff: int, depth: int) -> str:
    prec = _prec(e.op)
    blank = " " if prec < cutoff else ""
    left = _expr(e.x, prec, depth + _diff_prec(e.x, prec))
    right = _expr(e.y, prec + 1, depth + 1)
    return f"{left}{blank}{TOKEN_STRING[e.op]}{blank}{right}"


def _list(xs: list[n.Expr], depth: int) -> str:
    return ", ".join(_expr(x, _LOWEST, depth) for x in xs)


def _fields(fs: list[n.Field], sep: str) -> str:
    parts = []
    for f in fs:
        names = ", ".join(i.name for i in f.names)
        parts.append(f"{names} {_expr(f.type, _LOWEST, 1)}" if names else _expr(f.type, _LOWEST, 1))
    return sep.join(parts)


def _expr(x: n.Expr, prec1: int, depth: int) -> str:  # noqa: C901 - one case per node type
    if isinstance(x, n.Ident):
        return x.name
    if isinstance(x, n.BasicLit):
        return x.value
    if isinstance(x, n.BinaryExpr):
        return _binary(x, _cutoff(x, max(depth, 1)), max(depth, 1))
    if isinstance(x, n.ParenExpr):
        if isinstance(x.x, n.ParenExpr):  # go/printer: no parentheses around a parenthesized expression
            return _expr(x.x, prec1, depth)
        return "(" + _expr(x.x, _LOWEST, max(depth - 1, 1)) + ")"
    if isinstance(x, n.UnaryExpr):
        return TOKEN_STRING[x.op] + _expr(x.x, _UNARY, depth)
    if isinstance(x, n.StarExpr):
        return "*" + _expr(x.x, _UNARY, depth)
    if isinstance(x, n.SelectorExpr):
        return _expr(x.x, _HIGHEST, depth) + "." + x.sel.name
    if isinstance(x, n.IndexExpr):
        return _expr(x.x, _HIGHEST, 1) + "[" + _expr(x.index, _LOWEST, depth + 1) + "]"
    if isinstance(x, n.IndexListExpr):
        return _expr(x.x, _HIGHEST, 1) + "[" + _list(x.indices, depth + 1) + "]"
    if isinstance(x, n.SliceExpr):
        parts = [x.low, x.high] + ([x.max] if x.slice3 else [])
        inner = ":".join("" if p is None else _expr(p, _LOWEST, depth + 1) for p in parts)
        return _expr(x.x, _HIGHEST, 1) + "[" + inner + "]"
    if isinstance(x, n.TypeAssertExpr):
        return _expr(x.x, _HIGHEST, depth) + ".(" + ("type" if x.type is None else _expr(x.type, _LOWEST, 1)) + ")"
    if isinstance(x, n.CallExpr):
        d = depth + 1 if len(x.args) > 1 else depth
        return _expr(x.fun, _HIGHEST, depth) + "(" + _list(x.args, d) + ("..." if x.ellipsis else "") + ")"
    if isinstance(x, n.KeyValueExpr):
        return _expr(x.key, _LOWEST, depth) + ": " + _expr(x.value, _LOWEST, depth)
    if isinstance(x, n.CompositeLit):
        return ("" if x.type is None else _expr(x.type, _HIGHEST, depth)) + "{" + _list(x.elts, depth) + "}"
    if isinstance(x, n.Ellipsis):
        return "..." + ("" if x.elt is None else _expr(x.elt, _LOWEST, depth))
    if isinstance(x, n.ArrayType):
        size = "" if x.len is None else _expr(x.len, _LOWEST, 1)
        return f"[{size}]" + _expr(x.elt, _LOWEST, 1)
    if isinstance(x, n.MapType):
        return "map[" + _expr(x.key, _LOWEST, 1) + "]" + _expr(x.value, _LOWEST, 1)
    if isinstance(x, n.ChanType):
        prefix = {n.ChanDir.SEND: "chan<- ", n.ChanDir.RECV: "<-chan ", n.ChanDir.BOTH: "chan "}[x.dir]
        return prefix + _expr(x.value, _LOWEST, 1)
    if isinstance(x, n.FuncType):
        res = ""
        if x.results:
            r = _fields(x.results, ", ")
            res = " " + (r if len(x.results) == 1 and not x.results[0].names else f"({r})")
        return "func(" + _fields(x.params, ", ") + ")" + res
    if isinstance(x, n.FuncLit):
        return _expr(x.type, _LOWEST, 1) + " {…}"
    if isinstance(x, n.StructType):
        return "struct{" + _fields(x.fields, "; ") + "}"
    if isinstance(x, n.InterfaceType):
        return "interface{" + _fields(x.methods, "; ") + "}"
    return "BadExpr"
