"""Function and file lookups of location specs (binary/gobinary.py, debugger/locspec.py) answer the
same whatever a session has built: a first lookup finds partial names by scanning the names and
rules files out by a search of the line tables' strings; later ones use the indexes the warm-up
builds (base names, generic functions, sources); a second session reads them from the on-disk
index. What a user sees (locations, error texts) must not depend on which path answered."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import gotoolchains
import pytest
from conftest import TOOLCHAINS
from pydlv.binary.gobinary import GoBinary
from pydlv.debugger.locspec import LocationResolver, parse_locspec
from pydlv.errors import UserError

# Ambiguous and exact names, receivers, packages (partial, absolute), generic functions, files
# (plain, partial path, not there), a name that is also a file's last element, and nothing at all.
SPECS = [
    "main", "main.main", "String", "(*SomeType).String", "main.(*SomeType).String", "SomeType.String",
    "afunction", "structfunc", "Println", "fmt.Println", "Sprintf", "fmt.Sprintf", "Printf:2",
    "generic", "main.generic", "Error", "MyErr.Error", "main.go", "main.go:10", "go:10",
    "fmt/print.go:10", "print.go:300", "runtime/proc.go:100", "proc.go:100", "nothere", "nothere.go:1",
    "/main.main", "internal", "Index", "strings.Index", "Read", "os.(*File).Read", "init", "Lock",
]


def _answer(r: LocationResolver, spec: str) -> object:
    try:
        res = r.find(spec, parse_locspec(spec), None)
    except UserError as e:
        return str(e)
    return [(loc.pc, loc.file, loc.line, loc.function.name if loc.function else None, loc.pcs) for loc in res.locations]


def _answers(binary: GoBinary) -> list[object]:
    r = LocationResolver(binary)
    return [_answer(r, spec) for spec in SPECS]


def _first_answers(program: Path) -> list[object]:
    """Each spec asked first, in a binary that has built nothing yet."""
    out = []
    for spec in SPECS:
        b = GoBinary.open(str(program))
        try:
            out.append(_answer(LocationResolver(b), spec))
            assert "_by_base_name" not in b.__dict__, spec  # found by a scan of the names
        finally:
            b.close()
    return out


@pytest.fixture(scope="module", params=[(label, prog) for label, _ in TOOLCHAINS for prog in ("locations", "kinds")],
                ids=lambda p: f"{p[1]}-{p[0]}")
def program(request: pytest.FixtureRequest) -> Path:
    label, prog = request.param
    tc = gotoolchains.find(label.removeprefix("go"))
    if tc is None:
        pytest.skip(f"{label} not installed")
    return gotoolchains.build(prog, tc)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PYDLV_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PYDLV_NO_CACHE", raising=False)
    yield tmp_path


def test_first_lookups_answer_as_the_indexes(program: Path, cache_dir: Path) -> None:
    cold = _first_answers(program)
    first = GoBinary.open(str(program))
    try:
        assert _answers(first) == cold  # asked in turn: answers found with the scans remembered
        for _ in itertools.chain(first.warm_up_layouts(), first.warm_up_names()):
            pass
        first.sources()
        assert "_by_base_name" in first.__dict__
        assert _answers(first) == cold
        first.save_index()
    finally:
        first.close()
    second = GoBinary.open(str(program))
    try:
        for entry in ("base_names", "generics", "sources"):
            assert second._cache.get(entry) is not None, entry
        assert _answers(second) == cold
    finally:
        second.close()


def test_a_first_lookup_sees_every_file(program: Path, cache_dir: Path) -> None:
    """Before the sources are listed, a file spec still finds its files (the line tables' strings
    are searched for its last element) and a function name that no file ends with skips them."""
    b = GoBinary.open(str(program))
    try:
        assert b.sources_matching("main.go") == [s for s in b.sources() if s.endswith("/main.go")]
    finally:
        b.close()
    for units_first in (False, True):  # the line tables' bytes from the unit index, or read for this
        b = GoBinary.open(str(program))
        try:
            if units_first:
                assert b.dwarf_units is not None
            assert b.sources_matching("Println") == []
            assert "_own_sources" not in b.__dict__
            assert ("_line_section" in b.__dict__) is not units_first
            print_go = b.sources_matching("fmt/print.go")
            assert len(print_go) == 1 and print_go[0].endswith("/src/fmt/print.go")
        finally:
            b.close()
