"""Function-name anatomy (binary/funcnames.py): split_name is Delve's Function.parse, found with
string methods; checked here against a transcription of Delve's character loop."""

from __future__ import annotations

import random

import pytest
from pydlv.binary.funcnames import base_name, name_without_type_params, split_name


def _delve_loop(name: str) -> tuple[str, str, str]:
    """Delve's Function.parse as a loop over every character (the definition)."""
    if name.startswith(("go:", "type:")):
        return "", "", name
    dot1 = dot2 = -1
    depth = 0
    for i, c in enumerate(name):
        if depth == 0:
            if c == "[":
                depth += 1
            elif c == "/":
                dot1 = dot2 = -1
            elif c == ".":
                if dot1 < 0:
                    dot1 = i
                elif dot2 < 0:
                    dot2 = i
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
    if dot1 < 0:
        return "", "", name
    if dot2 < 0:
        return name[:dot1], "", name[dot1 + 1:]
    return name[:dot1], name[dot1 + 1:dot2], name[dot2 + 1:]


@pytest.mark.parametrize("name", [
    "main.main", "os.(*File).Read", "net/http.(*http2ClientConn).State", "p.T.M.func1", "x", "", ".",
    "a/b", "a/b.", "a..b", "go:buildid", "type:.eq.[2]string",
    "slices.Sort[go.shape.[]string,go.shape.string]", "pkg.(*T[go.shape.struct { a/b.c int }]).M",
    "example.com/m.F[go.shape.int].func1", "a.b]c.d", "a[b.c", "a[b]c/d.e.f", "x/y.Map[a/b.K,c.V].Get",
])
def test_split_name_as_delve(name: str) -> None:
    assert split_name(name) == _delve_loop(name)
    assert base_name(name) == _delve_loop(name)[2]


def test_split_name_random() -> None:
    rng = random.Random(14)
    for _ in range(20000):
        name = "".join(rng.choice("ab./[]") for _ in range(rng.randint(0, 14)))
        assert split_name(name) == _delve_loop(name), name


def test_name_without_type_params() -> None:
    assert name_without_type_params("slices.Sort[go.shape.[]string,go.shape.string]") == "slices.Sort"
    assert name_without_type_params("x/y.(*Map[a/b.K,c.V]).Get") == "x/y.(*Map).Get"
    assert name_without_type_params("main.main") == "main.main"
