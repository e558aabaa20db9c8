"""pydlv's expression parser against go/parser.ParseExpr itself.

Each case of data/go_parse_cases.jsonl was produced by Go 1.27's go/parser (see
data/README.md): either the exact error text Delve would return, or an S-expression of
the AST, which our AST must print identically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydlv.debugger.eval import ParseError, parse_expr
from pydlv.debugger.eval import nodes as n
from pydlv.debugger.eval.tokens import TOKEN_STRING

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "go_parse_cases.jsonl").read_text("utf-8").splitlines()
]


def _fields(fields: list[n.Field] | None) -> str:
    if fields is None:
        return "nil"
    return "(" + " ".join("[" + ",".join(i.name for i in f.names) + "]" + sx(f.type) for f in fields) + ")"


def _list(xs: list[Any]) -> str:
    return " ".join(sx(x) for x in xs)


def sx(x: n.Expr | None) -> str:
    """The probe's S-expression (go_parse_probe/main.go) for our AST."""
    match x:
        case None:
            return "nil"
        case n.Ident():
            return x.name
        case n.BasicLit():
            return f"{x.kind.name}:{x.value}"
        case n.ParenExpr():
            return f"(paren {sx(x.x)})"
        case n.SelectorExpr():
            return f"(sel {sx(x.x)} {x.sel.name})"
        case n.IndexExpr():
            return f"(index {sx(x.x)} {sx(x.index)})"
        case n.IndexListExpr():
            return f"(indexlist {sx(x.x)} {_list(x.indices)})"
        case n.SliceExpr():
            return f"(slice {sx(x.x)} {sx(x.low)} {sx(x.high)} {sx(x.max)} {str(x.slice3).lower()})"
        case n.TypeAssertExpr():
            return f"(assert {sx(x.x)} {sx(x.type)})"
        case n.CallExpr():
            return f"(call {sx(x.fun)} [{_list(x.args)}] {str(x.ellipsis).lower()})"
        case n.StarExpr():
            return f"(star {sx(x.x)})"
        case n.UnaryExpr():
            return f"(unary {TOKEN_STRING[x.op]} {sx(x.x)})"
        case n.BinaryExpr():
            return f"(binary {TOKEN_STRING[x.op]} {sx(x.x)} {sx(x.y)})"
        case n.KeyValueExpr():
            return f"(kv {sx(x.key)} {sx(x.value)})"
        case n.CompositeLit():
            return f"(composite {sx(x.type)} [{_list(x.elts)}])"
        case n.ArrayType():
            return f"(array {sx(x.len)} {sx(x.elt)})"
        case n.Ellipsis():
            return f"(ellipsis {sx(x.elt)})"
        case n.MapType():
            return f"(map {sx(x.key)} {sx(x.value)})"
        case n.ChanType():
            return f"(chan {int(x.dir)} {sx(x.value)})"
        case n.FuncType():
            return f"(functype {_fields(x.params)} {_fields(x.results)})"
        case n.FuncLit():
            return f"(funclit {sx(x.type)} {x.body_len})"
        case n.StructType():
            return f"(struct {_fields(x.fields)})"
        case n.InterfaceType():
            return f"(interface {_fields(x.methods)})"
        case n.BadExpr():
            return "bad"
    raise AssertionError(f"unknown node {x!r}")


def test_fixture_is_large() -> None:
    assert len(CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[repr(c["input"])[:40] for c in CASES])
def test_parse_like_go(case: dict[str, Any]) -> None:
    if case["ok"]:
        assert sx(parse_expr(case["input"])) == case["ast"]
    else:
        with pytest.raises(ParseError) as info:
            parse_expr(case["input"])
        assert str(info.value) == case["error"]


def test_positions() -> None:
    x = parse_expr("a.b + c[1]")
    assert isinstance(x, n.BinaryExpr)
    assert (x.pos, x.op_pos, x.y.pos) == (0, 4, 6)
    err = pytest.raises(ParseError, parse_expr, "日本 +").value
    assert err.errors == [(1, 9, "expected operand, found 'EOF'")]
