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


# --- testdata/locations: locations named through values, Delve 1.27.1's answers ------------------

LOCATIONS = TESTDATA / "locations"


@pytest.fixture(scope="module")
def at_break(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:
    """testdata/locations stopped at its runtime.Breakpoint() (LOC-BREAK) in main.main."""
    srv = start_server(build_go("locations", go), tmp=tmp_path_factory.mktemp("locations"))
    try:
        c = srv.client()
        state = cont(c)
        # in main.main, on the Breakpoint() line or (Go 1.19: the return address) the next one
        assert state["currentThread"]["line"] - marker_line("locations", "LOC-BREAK") in (0, 1)
        yield c
    finally:
        srv.stop()


def _find(c: RawClient, loc: str, **scope: int) -> dict[str, Any]:
    out: dict[str, Any] = c.call("FindLocation", {"Scope": {"GoroutineID": -1, **scope}, "Loc": loc})
    return out


def _one(c: RawClient, loc: str) -> dict[str, Any]:
    [got] = _find(c, loc)["Locations"]
    return got


def test_expression_locations(at_break: RawClient, go: GoToolchain) -> None:
    """`*EXPR` and expressions without the '*' (TestClientServer_FindLocationsAddr, TestSkipPrologue):
    a func value's function after its prologue, PC only (no pcs), SubstituteLocExpr the value's name."""
    c = at_break
    main_go = str(LOCATIONS / "main.go")
    afunction = _one(c, "main.afunction")
    assert afunction["pc"] > afunction["function"]["value"]  # after the prologue
    func1 = _one(c, "main.main.func1")
    for loc, want, subst in (("*fn1", afunction, "fn1"), ("*fn3", func1, "fn3"), ("fn3", func1, "fn3"),
                             ("*afunction", afunction, "afunction"),
                             ("*main.afunction", afunction, "main.afunction")):
        out = _find(c, loc)
        assert out == {"Locations": [{k: want[k] for k in ("pc", "file", "line", "function")}],
                       "SubstituteLocExpr": subst}, loc
    amap_k = _find(c, 'amap["k"]')
    [got] = amap_k["Locations"]
    assert (got["file"], got["line"], got["function"]["name"], "pcs" in got) == (
        main_go, marker_line("locations", "LOC-AMAP-K") - 1, "main.init.0.func1", False)
    assert amap_k["SubstituteLocExpr"] == 'amap["k"]'
    assert _find(c, '*amap["k"]') == amap_k
    # a method value: its -fm wrapper, which since Go 1.2x has no prologue to skip (Delve: pc == entry)
    [fm] = _find(c, "*fn2")["Locations"]
    assert fm["function"]["name"] == "main.(*someStruct).structfunc-fm"
    assert fm["pc"] == fm["function"]["value"] if go.key >= (1, 27) else fm["pc"] > fm["function"]["value"]
    # integers are addresses; outside any function a location has only its pc
    entry = afunction["function"]["value"]
    assert _find(c, f"*{entry:#x}") == {"Locations": [{"pc": entry, "file": main_go, "line": marker_line("locations", "LOC-AFUNCTION") - 1,
                                                       "function": afunction["function"]}],
                                        "SubstituteLocExpr": ""}
    assert _find(c, "i") == {"Locations": [{"pc": 10, "file": "", "line": 0}], "SubstituteLocExpr": ""}
    assert _find(c, "*-1")["Locations"] == [{"pc": (1 << 64) - 1, "file": "", "line": 0}]


def test_location_errors(at_break: RawClient) -> None:
    """Delve 1.27.1's errors, word for word (recorded from its FindLocation on the same kinds of spec)."""
    c = at_break

    def error(loc: str, **scope: int) -> str:
        return call_error(c, "FindLocation", {"Scope": {"GoroutineID": -1, **scope}, "Loc": loc})

    assert error("*o") == "wrong expression kind: struct"
    assert error("*&i") == "wrong expression kind: ptr"
    assert error("*1.5") == "wrong expression kind: float64"
    assert error('*"abc"') == "wrong expression kind: string"
    assert error("*true") == "wrong expression kind: bool"
    assert error("*nil") == "wrong expression kind: ptr"
    assert error("*nosuch") == "could not find symbol value for nosuch"
    assert error("*(1+") == "1:4: expected operand, found 'EOF'"
    assert error("nosuch") == 'location "nosuch" not found'
    assert error("main.go") == "Malformed breakpoint location, no line offset specified"
    assert error("+x") == 'Malformed breakpoint location "+x" at 0: strconv.Atoi: parsing "+x": invalid syntax'
    assert error("main.go:-1") == 'Malformed breakpoint location "main.go:-1" at 8: line offset negative or not a number'
    assert error("/a/b/") == ('Malformed breakpoint location "/a/b/" at 0: '
                              "no line offset can be specified for regular expression locations")
    assert error("/[/") == "invalid filter argument: error parsing regexp: missing closing ]: `[`"
    # no such frame or goroutine: Delve has no scope, so relative specs and expressions fail
    for loc in ("+1", "*fn1", "3"):
        assert error(loc, Frame=50) == "could not determine current location (scope is nil)", loc
        assert error(loc, GoroutineID=7777) == "could not determine current location (scope is nil)", loc
    # "0x2" is line 2 (strconv.ParseInt with base 0), a comment
    assert error("0x2") == f"could not find statement at {LOCATIONS / 'main.go'}:2, please use a line with a statement"


def test_regex_package_and_substitute_path(at_break: RawClient) -> None:
    c = at_break
    main_go = str(LOCATIONS / "main.go")
    # Go's regexp syntax; a match per function, in address order
    locs = _find(c, "/^main.*Type.*String$/")["Locations"]
    assert [(loc["function"]["name"], loc["line"]) for loc in locs] == [
        ("main.(*SomeType).String", marker_line("locations", "LOC-SOME-STRING") - 1),
        ("main.(*OtherType).String", marker_line("locations", "LOC-OTHER-STRING") - 1)]
    # a package named after DW_AT_go_package_name (its directory is dir.io)
    dirio = _one(c, "dirio.SomeFunction:0")
    assert dirio["function"]["name"] == "locations/internal/dir%2eio.SomeFunction"
    assert _one(c, "locations/internal/dir%2eio.SomeFunction:0") == dirio
    # substitute-path rules: the client's path is rewritten to the binary's (TestClientServer_FindLocations)
    line = marker_line("locations", "LOC-AFUNCTION")
    plain = _one(c, f"locations/main.go:{line}")
    rules = [[str(LOCATIONS.parent) + "/", str(LOCATIONS.parent.parent / "nonexistent")]]
    out = c.call("FindLocation", {"Scope": {"GoroutineID": -1}, "Loc": f"nonexistent/locations/main.go:{line}",
                                  "SubstitutePathRules": rules})
    assert out["Locations"] == [plain] and plain["file"] == main_go
    assert call_error(c, "FindLocation", {"Scope": {"GoroutineID": -1},
                                          "Loc": f"nonexistent/locations/main.go:{line}"}) == \
        f'location "nonexistent/locations/main.go:{line}" not found'


def test_loc_expr_breakpoints(at_break: RawClient) -> None:
    """CreateBreakpoint{LocExpr} finds its location without a scope, as Delve: relative specs and
    expressions leave a breakpoint without addresses (ExprString kept), a function gets its pc."""
    c = at_break
    made = []
    for expr in ("+2", "*0x4b68cd", "fn1", "*fn1"):
        bp = c.call("CreateBreakpoint", {"Breakpoint": {}, "LocExpr": expr})["Breakpoint"]
        made.append(bp["id"])
        assert (bp["addrs"], bp["file"], bp["line"], bp["ExprString"], "functionName" in bp) == (
            None, "", 0, expr, False), expr
    bp = c.call("CreateBreakpoint", {"Breakpoint": {}, "LocExpr": "main.afunction"})["Breakpoint"]
    made.append(bp["id"])
    assert (bp["addrs"], bp["functionName"], bp["ExprString"]) == ([_one(c, "main.afunction")["pc"]],
                                                                  "main.afunction", "")
    for bp_id in made:
        c.call("ClearBreakpoint", {"Id": bp_id})
