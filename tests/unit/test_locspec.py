"""Location-spec parsing and substitute-path rules (debugger/locspec.py), as Delve's locspec.Parse
and SubstitutePath answer (error texts as Delve 1.27.1 returned them)."""

from __future__ import annotations

import pytest
from pydlv.binary.funcnames import FuncSpec
from pydlv.debugger.locspec import (
    AddrSpec,
    LineSpec,
    LocationError,
    NormalSpec,
    OffsetSpec,
    RegexSpec,
    parse_locspec,
    substitute_path,
)


@pytest.mark.parametrize(("text", "spec"), [
    ("+1", OffsetSpec(1)),
    ("-12", OffsetSpec(-12)),
    ("42", LineSpec(42)),
    ("0x10", LineSpec(16)),  # strconv.ParseInt with base 0
    ("010", LineSpec(8)),
    ("0b11", LineSpec(3)),
    ("1_000", LineSpec(1000)),
    ("*0x4b7164", AddrSpec("0x4b7164")),
    ('*amap["k"]', AddrSpec('amap["k"]')),
    ("/^main.*String$/", RegexSpec("^main.*String$")),
    (r"/a\/b/", RegexSpec("a/b")),  # an escaped slash is the slash
    (r"/a\.b/", RegexSpec(r"a\.b")),
    ("main.go:10", NormalSpec("main.go", FuncSpec.parse("main.go"), 10)),
    ("main.add", NormalSpec("main.add", FuncSpec.parse("main.add"), -1)),
    ("main.add:0", NormalSpec("main.add", FuncSpec.parse("main.add"), 0)),
    ("C:\\a\\b.go:3", NormalSpec("C:\\a\\b.go", FuncSpec.parse("C:\\a\\b.go"), 3)),
    ("/abs/path.go", NormalSpec("/abs/path.go", FuncSpec.parse("/abs/path.go"), -1)),  # no closing '/'
    ('amap["k"]', NormalSpec('amap["k"]', FuncSpec.parse('amap["k"]'), -1)),
])
def test_parse(text: str, spec: object) -> None:
    assert parse_locspec(text) == spec


@pytest.mark.parametrize(("text", "error"), [
    ("", 'Malformed breakpoint location "" at 0: empty string'),
    ("+x", 'Malformed breakpoint location "+x" at 0: strconv.Atoi: parsing "+x": invalid syntax'),
    ("+", 'Malformed breakpoint location "+" at 0: strconv.Atoi: parsing "+": invalid syntax'),
    ("-99999999999999999999", 'Malformed breakpoint location "-99999999999999999999" at 0: '
                               'strconv.Atoi: parsing "-99999999999999999999": value out of range'),
    ("main.go:-1", 'Malformed breakpoint location "main.go:-1" at 8: line offset negative or not a number'),
    ("main.go:x", 'Malformed breakpoint location "main.go:x" at 8: line offset negative or not a number'),
    ("/a/b/", 'Malformed breakpoint location "/a/b/" at 0: no line offset can be specified for regular expression locations'),
    ('"q":x', 'Malformed breakpoint location "\\"q\\":x" at 4: line offset negative or not a number'),
])
def test_parse_errors(text: str, error: str) -> None:
    with pytest.raises(LocationError) as info:
        parse_locspec(text)
    assert str(info.value) == error


@pytest.mark.parametrize(("path", "rules", "want"), [
    ("/src/a/main.go", [("/src/", "/dst/")], "/dst/a/main.go"),
    ("/src/a/main.go", [("/src", "/dst")], "/dst/a/main.go"),
    ("/srcx/main.go", [("/src", "/dst")], "/srcx/main.go"),  # not at a path boundary
    ("/src/main.go", [("/src/main.go", "/x.go")], "/x.go"),  # an exact match
    ("/src/a.go", [("/src", "")], "a.go"),  # to "": relative
    ("rel/a.go", [("", "/base")], "/base/rel/a.go"),  # from "": any relative path
    ("/abs/a.go", [("", "/base")], "/abs/a.go"),
    ("C:\\Src\\a.go", [("c:\\src", "/dst")], "/dst/a.go"),  # Windows: case-insensitive, separators follow `to`
    ("/src/a.go", [("/other", "/x"), ("/src", "/dst")], "/dst/a.go"),  # the first rule that matches
])
def test_substitute_path(path: str, rules: list[tuple[str, str]], want: str) -> None:
    assert substitute_path(path, rules) == want
