"""Constant folding against what Delve's Eval returned for constant expressions.

data/delve_const_eval.jsonl holds Delve 1.20.2's replies (Go 1.19 target; see
data/README.md): kind, flags, value, len and complex children, or the error text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydlv.debugger.eval import ConstantError, constant_variable, fold, parse_expr

CASES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "delve_const_eval.jsonl").read_text("utf-8").splitlines()
]


@pytest.mark.parametrize("case", CASES, ids=[c["expr"] for c in CASES])
def test_fold_like_delve(case: dict[str, Any]) -> None:
    expr = parse_expr(case["expr"])
    if "error" in case:
        with pytest.raises(ConstantError) as info:
            fold(expr)
        assert str(info.value) == case["error"]
        return
    c = fold(expr)
    assert c is not None
    v = constant_variable(c)
    assert (v.kind, v.flags, v.value, v.len) == (case["kind"], case["flags"], case["value"], case["len"])
    assert [list(ch) for ch in v.children] == case["children"]


def test_not_constant() -> None:
    assert fold(parse_expr("x + 1")) is None
    assert fold(parse_expr('len("ab")')) is None
