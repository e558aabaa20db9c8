"""pydlv.debugger.goregexp against Go 1.27.3's regexp.Compile (data/go_regexp_cases.jsonl):
the same patterns accepted, the same error texts, Go's unanchored MatchString."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydlv.debugger import goregexp

CASES = [json.loads(line) for line in
         (Path(__file__).parent / "data" / "go_regexp_cases.jsonl").read_text("utf-8").splitlines()]


@pytest.mark.parametrize("case", CASES, ids=[repr(c["pattern"]) for c in CASES])
def test_compile_like_go(case: dict[str, Any]) -> None:
    if not case["error"]:
        goregexp.compile(case["pattern"])
        return
    with pytest.raises(goregexp.RegexpError) as info:
        goregexp.compile(case["pattern"])
    assert str(info.value) == case["error"]


def test_match_string() -> None:
    rx = goregexp.compile(r"^main.*Type.*String$")
    assert rx.search("main.(*SomeType).String") and not rx.search("xmain.SomeType.String")
    assert goregexp.compile("").search("anything")
    assert goregexp.compile(r"\pL+é").search("ab é héé")  # UTF-8 text, Unicode classes
    assert goregexp.compile(r"(?i)MAIN\.a").search("main.astruct")
    assert not goregexp.compile(r"a.b").search("a\nb")  # `.` excludes newline, as in Go


def test_escape_before_unsupported() -> None:
    # Go reports the first error from the left: `**` comes before `\C`, `\C` before the missing `)`.
    assert str(_err(r"a**\C")) == "error parsing regexp: invalid nested repetition operator: `**`"
    assert str(_err(r"(\C")) == "error parsing regexp: invalid escape sequence: `\\C`"
    goregexp.compile(r"\Q\C\E")  # quoted: a literal


def _err(pattern: str) -> goregexp.RegexpError:
    with pytest.raises(goregexp.RegexpError) as info:
        goregexp.compile(pattern)
    return info.value
