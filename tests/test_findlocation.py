"""FindLocation, every form of the recorded Delve sessions (shared transcripts: `basic` seq 77-85,
stopped at BP-MAIN; `errors` seq 48-53, stopped at main.add's entry), on Go 1.19 (Delve 1.20.2)
and the newest Go (Delve 1.27.1). Paths are the transcripts' `/src/progs/basic/main.go`, here
testdata/basic/main.go (the same file). Breakpoint pcs are compared as offsets from the function's
entry when the Go release is the one the transcript was recorded with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess, start_server
from serverhelpers import call_error, cont, create_bp

BASIC = str(TESTDATA / "basic" / "main.go")
SCOPE = {"GoroutineID": -1, "Frame": 0}
# transcript's Go -> (function, line, pc - entry, SubstituteLocExpr line or 0) per location spec
RECORDED = {"go1.19.8": "debian-go1.19", "go1.27.3": "latest-go1.27"}
AT_MAIN: dict[str, tuple[str, int, dict[str, int], int]] = {
    "main.add": ("main.add", 38, {"go1.19.8": 0, "go1.27.3": 4}, 0),
    "main.(*Point).Scale": ("main.(*Point).Scale", 23, {"go1.19.8": 0, "go1.27.3": 4}, 0),
    "Point.Scale": ("main.(*Point).Scale", 23, {"go1.19.8": 0, "go1.27.3": 4}, 0),
    "main.go:68": ("main.loop", 68, {"go1.19.8": 73, "go1.27.3": 62}, 0),
    f"{BASIC}:39": ("main.add", 39, {"go1.19.8": 32, "go1.27.3": 26}, 0),
    "+1": ("main.main", 91, {"go1.19.8": 1203, "go1.27.3": 1043}, 91),
    r"/^main\.g/": ("main.greet", 44, {"go1.19.8": 6, "go1.27.3": 10}, 0),
}
AT_ADD: dict[str, tuple[str, int, dict[str, int], int]] = {
    "+1": ("main.add", 39, {"go1.19.8": 32, "go1.27.3": 26}, 39),
    "greet": ("main.greet", 44, {"go1.19.8": 6, "go1.27.3": 10}, 0),
}


class Session:
    def __init__(self, srv: ServerProcess, go: GoToolchain) -> None:
        self.srv, self.c, self.go = srv, srv.client(), go

    def find(self, loc: str, non_exec: bool = False) -> dict[str, Any]:
        return self.c.call("FindLocation", {"Scope": SCOPE, "Loc": loc, "IncludeNonExecutableLines": non_exec})

    def error(self, loc: str, non_exec: bool = False) -> str:
        return call_error(self.c, "FindLocation", {"Scope": SCOPE, "Loc": loc, "IncludeNonExecutableLines": non_exec})

    def check(self, loc: str, want: tuple[str, int, dict[str, int], int]) -> None:
        fn, line, offsets, subst_line = want
        out = self.find(loc)
        [got] = out["Locations"]
        assert (got["function"]["name"], got["file"], got["line"]) == (fn, BASIC, line), loc
        assert got["pcs"] == [got["pc"]] and len(got["pcpids"]) == 1, loc
        if self.go.full in offsets:
            assert got["pc"] - got["function"]["value"] == offsets[self.go.full], loc
        assert out["SubstituteLocExpr"] == (f"{BASIC}:{subst_line}" if subst_line else ""), loc


@pytest.fixture(scope="module")
def session(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    srv = start_server(build_go("basic", go), tmp=tmp_path_factory.mktemp("findloc"))
    try:
        yield Session(srv, go)
    finally:
        srv.stop()


def _stop(c: RawClient, **where: Any) -> None:
    bp = create_bp(c, **where)
    cont(c)
    c.call("ClearBreakpoint", {"Id": bp["id"]})


def test_errors_session_at_add(session: Session) -> None:
    """errors seq 48-53: stopped at main.add's entry."""
    s = session
    _stop(s.c, functionName="main.add")
    assert s.error("") == 'Malformed breakpoint location "" at 0: empty string'
    for loc, want in AT_ADD.items():
        s.check(loc, want)
    # Delve lists at most 5 candidates (Go map order, so which ones varies) and always ends with '…'
    err = s.error("add")
    m = re.fullmatch(r'Location "add" ambiguous: (.*)…', err)
    assert m is not None, err
    names = m.group(1).split(", ")
    assert len(names) == 5 and all(n.endswith("add") for n in names) and "main.add" in names, err
    assert s.error("main.go:1") == f"could not find statement at {BASIC}:1, please use a line with a statement"
    assert s.find("main.go:1", non_exec=True) == {"Locations": [{"pc": 0, "file": BASIC, "line": 1}],
                                                  "SubstituteLocExpr": ""}
    # the same for a relative line without code (main.add's line 37 is its comment)
    assert s.find("-1", non_exec=True) == {"Locations": [{"pc": 0, "file": BASIC, "line": 37}],
                                           "SubstituteLocExpr": f"{BASIC}:37"}
    # FUNC:N is N lines after the function's first line (Delve's FindFunctionLocation)
    [loc] = s.find("main.add:1")["Locations"]
    assert (loc["function"]["name"], loc["line"]) == ("main.add", 39)


@pytest.mark.smoke
def test_basic_session_at_main(session: Session) -> None:
    """basic seq 77-85: stopped at BP-MAIN (line 90)."""
    s = session
    _stop(s.c, file=BASIC, line=marker_line("basic", "BP-MAIN"))
    for loc, want in AT_MAIN.items():
        s.check(loc, want)
    assert s.error("nosuch.go:1") == 'location "nosuch.go:1" not found'
    assert s.error("main.nosuchfn") == 'location "main.nosuchfn" not found'


def test_generic_function_locations(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                    launch_server: Callable[..., ServerProcess]) -> None:
    """A generic function is one candidate with a pc per instantiation, as Delve 1.20.2 answered
    on the Go 1.19 build (main.generic and kinds/main.go:65: two pcs each)."""
    c = launch_server(build_go("kinds", go)).client()
    line = marker_line("kinds", "BP-GENERIC")
    for loc, want_line in (("main.generic", line - 1), ("generic", line - 1), (f"main.go:{line}", line),
                           ("main.generic:1", line)):
        [got] = c.call("FindLocation", {"Scope": SCOPE, "Loc": loc})["Locations"]
        assert (got["line"], len(got["pcs"])) == (want_line, 2), loc
        assert got["pc"] == min(got["pcs"]) and got["function"]["name"].startswith("main.generic["), loc
