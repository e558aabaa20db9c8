"""Inlined calls as Delve 1.27.1 shows them (TestClearLogicalBreakpoint and the answers recorded on
testdata/inlined's Go 1.27 build): functions that exist only inlined, one logical breakpoint with
an address per inlined call, lines of inlined bodies, frames and variables of inlined calls.
testdata/inlined is built as Delve's EnableInlining fixtures (-gcflags=-N, inlining on)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, RPCError, ServerProcess
from serverhelpers import cont, create_bp

MAIN_GO = str(TESTDATA / "inlined" / "main.go")
SCOPE = {"GoroutineID": -1}
CFG = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
       "MaxStructFields": -1}
Launch = Callable[..., ServerProcess]


def _client(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path], launch_server: Launch) -> RawClient:
    return launch_server(build_go("inlined", go)).client()


def _find(c: RawClient, loc: str) -> dict[str, Any]:
    [got] = c.call("FindLocation", {"Scope": SCOPE, "Loc": loc})["Locations"]
    return dict(got)


def _frames(c: RawClient, depth: int) -> list[tuple[str, int, int]]:
    locs = c.call("Stacktrace", {"Id": -1, "Depth": depth})["Locations"]
    return [(f["function"]["name"], f["line"], f["pc"]) for f in locs]


def _values(c: RawClient, method: str, frame: int) -> dict[str, str]:
    key = "Args" if method == "ListFunctionArgs" else "Variables"
    out = c.call(method, {"Scope": {"GoroutineID": -1, "Frame": frame}, "Cfg": CFG})[key]
    return {v["name"]: v["value"] for v in out}


def test_inlined_function_locations(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                    launch_server: Launch) -> None:
    c = _client(go, build_go, launch_server)
    # functions that exist only inlined are functions all the same (Delve: entry 0)
    assert c.call("ListFunctions", {"Filter": r"^main\."})["Funcs"] == [
        "main.f", "main.initialize", "main.inlineThis", "main.main", "main.outer"]
    body = marker_line("inlined", "INL-BODY")
    fn = _find(c, "main.inlineThis")
    # one location: a pc per inlined call (two in main, one inside outer inlined into main), the
    # first as the location's pc, in the function it was inlined into, at the body's first line
    assert (fn["function"]["name"], fn["file"], fn["line"], len(fn["pcs"])) == ("main.main", MAIN_GO, body, 3)
    assert fn["pc"] == fn["pcs"][0] == min(fn["pcs"]) and fn["function"]["optimized"] is True
    assert _find(c, "inlineThis") == fn  # partial names find them too
    assert _find(c, f"{MAIN_GO}:{body}") == fn  # a line of the inlined body: one pc per inlined call
    outer = _find(c, "main.outer")
    assert (outer["line"], len(outer["pcs"])) == (marker_line("inlined", "INL-OUTER"), 1)
    # a logical breakpoint with all of them; cleared at once (TestClearLogicalBreakpoint)
    bp = create_bp(c, functionName="main.inlineThis")
    assert (bp["addrs"], bp["file"], bp["line"], bp["functionName"]) == (fn["pcs"], MAIN_GO, body, "main.main")
    cleared = c.call("ClearBreakpoint", {"Id": bp["id"]})["Breakpoint"]
    assert cleared["addrs"] == fn["pcs"]
    assert [b["id"] for b in c.call("ListBreakpoints", {})["Breakpoints"] if b["id"] > 0] == []
    assert cont(c)["exited"] is True  # nothing of it left in the target


def test_inlined_frames(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                        launch_server: Launch) -> None:
    c = _client(go, build_go, launch_server)
    body = marker_line("inlined", "INL-BODY")
    create_bp(c, functionName="main.inlineThis")
    main_entry = _find(c, "main.main")["function"]["value"]
    for call, arg in (("INL-CALL1", "3"), ("INL-CALL2", "4")):
        state = cont(c)
        th = state["currentThread"]
        # the thread is in the concrete function, at the inlined body's line
        assert (th["function"]["name"], th["line"]) == ("main.main", body)
        frames = _frames(c, 5)
        pc = th["pc"]
        assert frames[:2] == [("main.inlineThis", body, pc), ("main.main", marker_line("inlined", call), pc)]
        assert _values(c, "ListFunctionArgs", 0) == {"a": arg}
        assert _values(c, "ListFunctionArgs", 1) == {}  # main's, without the inlined call's
        assert "z" not in _values(c, "ListLocalVars", 1)
    cont(c)
    pc = c.call("State", {})["State"]["currentThread"]["pc"]
    # nested: inlineThis inlined into outer, inlined into main; Depth 0 still gives all three
    # frames of the one physical frame (Delve stops only after a concrete frame)
    assert _frames(c, 0) == [("main.inlineThis", body, pc), ("main.outer", marker_line("inlined", "INL-OUTER"), pc),
                             ("main.main", marker_line("inlined", "INL-CALL3"), pc)]
    locs = c.call("Stacktrace", {"Id": -1, "Depth": 10})["Locations"]
    assert {f["function"]["value"] for f in locs[:3]} == {main_entry}
    assert len({(f["FrameOffset"], f["FramePointerOffset"]) for f in locs[:3]}) == 1 and locs[-1]["Bottom"] is True
    assert _values(c, "ListFunctionArgs", 0) == {"a": "12"}
    assert _values(c, "ListFunctionArgs", 1) == {"x": "12"}
    v = c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": "a*10", "Cfg": CFG})["Variable"]
    assert v["value"] == "120"
    v = c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 2}, "Expr": "b", "Cfg": CFG})["Variable"]
    assert v["value"] == "20"


def _steps(c: RawClient, *commands: str) -> list[tuple[str, int]]:
    out = []
    for name in commands:
        state = c.call("Command", {"name": name, "ReturnInfoLoadConfig": CFG})["State"]
        assert state["stopReason"] == "next finished", state
        out.append((state["currentThread"]["function"]["name"], state["currentThread"]["line"]))
    return out


def test_stepping_through_inlined_calls(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                        launch_server: Launch) -> None:
    """As Delve's next/stepOut with inlined frames (dlv 1.27.1 run on the same builds, Go 1.19 and
    1.27): inside an inlined call, `next` keeps that call's lines and those of the function around
    it, not the lines of other inlined calls (an inlined call's line is stepped over); stepOut of an
    inlined call is a `next` that keeps the caller's lines; `step` goes into inlined bodies."""
    line = {m: marker_line("inlined", m) for m in ("INL-BODY", "INL-RETURN", "INL-CALL1", "INL-CALL2",
                                                     "INL-CALL3", "INL-OUTER")}
    c = _client(go, build_go, launch_server)
    bp = create_bp(c, file=MAIN_GO, line=line["INL-BODY"])
    cont(c)
    c.call("ClearBreakpoint", {"Id": bp["id"]})
    assert _steps(c, "next", "next", "next") == [("main.main", line["INL-RETURN"]), ("main.main", line["INL-CALL1"]),
                                                 ("main.main", line["INL-CALL2"])]
    assert _steps(c, "step", "step", "stepOut") == [("main.main", line["INL-BODY"]), ("main.main", line["INL-RETURN"]),
                                                    ("main.main", line["INL-CALL2"])]
    c = _client(go, build_go, launch_server)
    create_bp(c, file=MAIN_GO, line=line["INL-OUTER"])
    cont(c)
    # outer's line holds inlineThis inlined in turn: next stays out of it, back in main
    assert _steps(c, "next", "next") == [("main.main", line["INL-CALL3"]), ("main.main", line["INL-CALL3"] + 1)]


def test_breakpoint_on_addresses_partly_taken(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                              launch_server: Launch) -> None:
    """Delve's enableBreakpointOnTarget skips the addresses another breakpoint has and answers with
    the last address's error: a function breakpoint whose last address is taken is refused naming
    it; one whose other addresses are taken gets the free ones (dlv 1.27.1 run on the same build)."""
    c = _client(go, build_go, launch_server)
    pcs = sorted(_find(c, "main.inlineThis")["pcs"])
    assert len(pcs) == 3  # one per inlined call
    last = create_bp(c, addr=pcs[-1])
    body = marker_line("inlined", "INL-BODY")
    with pytest.raises(RPCError) as e:
        c.call("CreateBreakpoint", {"Breakpoint": {"functionName": "main.inlineThis"}})
    assert str(e.value.args[0]) == f"Breakpoint exists at {MAIN_GO}:{body} at {pcs[-1]:x}"
    c.call("ClearBreakpoint", {"Id": last["id"]})
    create_bp(c, addr=pcs[0])
    fn = create_bp(c, functionName="main.inlineThis")
    assert sorted(fn["addrs"]) == pcs[1:]


def test_a_function_that_exists_only_inlined(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                             launch_server: Launch) -> None:
    """inlineThis has no code of its own: Delve lists it among the functions with entry 0, so
    `print inlineThis` is its unreadable func value and `call inlineThis(2)` says why (Delve
    1.20.2's answers on the Go 1.19 build, word for word)."""
    c = _client(go, build_go, launch_server)
    create_bp(c, file=str(TESTDATA / "inlined" / "main.go"), line=marker_line("inlined", "INL-CALL1"))
    cont(c)
    for expr in ("inlineThis", "main.inlineThis"):
        v = c.call("Eval", {"Scope": {"GoroutineID": -1}, "Expr": expr, "Cfg": CFG})["Variable"]
        assert (v["name"], v["type"], v["value"], v["addr"], v["base"], v["unreadable"]) == (
            expr, "func()", "main.inlineThis", 0, 0, "function main.inlineThis is inlined")
        with pytest.raises(RPCError, match="^function main.inlineThis is inlined$"):
            c.call("Command", {"name": "call", "expr": f"{expr}(2)", "ReturnInfoLoadConfig": CFG})
    assert cont(c)["exited"] is True  # the target runs on
