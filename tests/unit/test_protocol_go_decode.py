"""Params decoding against what Go 1.27's encoding/json does with Delve's own structs.

Each case of data/go_decode_cases.jsonl was produced by real Go (see data/README.md):
either Go's error text, or Go's re-marshalling of the decoded In struct, which must equal
ours byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydlv.protocol import methods, wire

DATA = Path(__file__).resolve().parent / "data"

with open(DATA / "go_decode_cases.jsonl", encoding="utf-8") as _f:
    # parse_float keeps number spellings (1e2, 100.0) that Go's errors quote
    CASES = [json.loads(line, parse_float=wire.JsonFloat) for line in _f]


def _go_bytes(value: Any) -> bytes:
    # Go's own marshalling of its decoded value, as stored in the fixture.
    return wire.html_escape(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['method'].split('.')[1]}" for i, c in enumerate(CASES)])
def test_decode_like_go(case: dict[str, Any]) -> None:
    spec = methods.METHODS[case["method"]]
    if "go_error" in case:
        with pytest.raises(wire.DecodeError) as e:
            methods.decode_params(spec, case["params"])
        assert str(e.value) == case["go_error"]
    else:
        got = methods.decode_params(spec, case["params"])
        assert isinstance(got, spec.in_type)
        assert wire.encode(got) == _go_bytes(case["go_result"])


def test_cases_cover_the_rules() -> None:
    errors = [c["go_error"] for c in CASES if "go_error" in c]
    assert any("number 1e2" in e for e in errors)  # number text kept verbatim
    assert any(".0.breakpoint.LINE" in e for e in errors)  # path = keys as the client wrote them
    assert any("into .0.Breakpoint.addrs.1 of" in e for e in errors)  # index last: no "Go struct field"
    assert any("of type api.LoadConfig" in e for e in errors)  # pointer fields name the pointee
