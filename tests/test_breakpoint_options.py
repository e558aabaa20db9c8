"""Breakpoint options as Delve 1.27 has them, over raw RPC on a real server: `Line: -1`, hit
conditions (every operator, Delve's form and errors, breakpoints that can no longer stop),
breakPointInfo (goroutine, stack, expressions, arguments, locals), tracepoints with their return
values, FunctionReturnLocations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import LOAD, call_error, cont, create_bp

Launch = Callable[..., ServerProcess]
BuildGo = Callable[[str, GoToolchain], Path]
MAIN = str(TESTDATA / "basic" / "main.go")
ADD_FUNC_LINE = marker_line("basic", "BP-ADD") - 1


def _client(go: GoToolchain, build_go: BuildGo, launch_server: Launch) -> RawClient:
    return launch_server(build_go("basic", go)).client()


def _here(state: dict[str, Any]) -> tuple[str, int]:
    th = state["currentThread"]
    return th["function"]["name"], th["line"]


def _eval(c: RawClient, expr: str) -> str:
    value: str = c.call("Eval", {"Scope": {"GoroutineID": -1}, "Expr": expr})["Variable"]["value"]
    return value


def test_function_breakpoint_line_minus_one(go: GoToolchain, build_go: BuildGo, launch_server: Launch) -> None:
    """Delve's own tests create function breakpoints with Line -1: the function after its prologue."""
    c = _client(go, build_go, launch_server)
    by_name = create_bp(c, functionName="main.greet", line=-1)
    assert (by_name["functionName"], by_name["line"]) == ("main.greet", marker_line("basic", "BP-GREET") - 1)
    assert _here(cont(c)) == ("main.greet", by_name["line"])
    assert _eval(c, "name") == "gopher"


@pytest.mark.parametrize(("given", "shown", "stops"), [
    ("3", "== 3", [3]), ("== 2", "== 2", [2]), (">3", "> 3", [4, 5]), (">= 9", ">= 9", [9, 10]),
    ("<= 1", "<= 1", [1]), ("< 2", "< 2", [1]), ("!= 1", "!= 1", [2, 3]), ("% 4", "% 4", [4, 8]),
])
def test_hit_conditions(go: GoToolchain, build_go: BuildGo, launch_server: Launch, given: str, shown: str,
                        stops: list[int]) -> None:
    """main.add is called 11 times (10 in loop, once from main): the breakpoint stops on the hits
    its condition allows, the condition is shown in Delve's form (`> 3`)."""
    c = _client(go, build_go, launch_server)
    bp = create_bp(c, functionName="main.add", HitCond=given)
    assert bp["HitCond"] == shown
    seen = []
    for _ in stops:
        st = cont(c)
        assert st["currentThread"]["breakPoint"]["id"] == bp["id"]
        seen.append(st["currentThread"]["breakPoint"]["totalHitCount"])
    assert seen == stops


def test_unsatisfiable_hit_condition_drops_the_breakpoint(go: GoToolchain, build_go: BuildGo,
                                                          launch_server: Launch) -> None:
    """Delve 1.27: once `< 3` can never hold again (two hits) the breakpoint keeps its place but
    loses its addresses, and the program runs past it (TestClientServer_disableHitCondLSSBreakpoint)."""
    c = _client(go, build_go, launch_server)
    bp = create_bp(c, functionName="main.add", HitCond="< 3")
    main_line = marker_line("basic", "BP-MAIN")
    create_bp(c, file=MAIN, line=main_line)
    assert [cont(c)["currentThread"]["breakPoint"]["totalHitCount"] for _ in range(2)] == [1, 2]
    assert _here(cont(c)) == ("main.main", main_line)
    got = c.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"]
    assert (got["addrs"], got["disabled"], got["totalHitCount"], got["HitCond"]) == (None, False, 2, "< 3")


@pytest.mark.parametrize(("cond", "error"), [
    ("bad", 'unable to parse breakpoint hit condition: "bad"\n'
            'hit conditions should be of the form "number" or "OP number"'),
    ("=> 3", 'unable to parse breakpoint hit condition: "=> 3"\ninvalid operator: "=>"'),
    ("1_0", 'unable to parse breakpoint hit condition: "1_0"\ninvalid number: "1_0"'),
])
def test_hit_condition_errors(go: GoToolchain, build_go: BuildGo, launch_server: Launch, cond: str, error: str) -> None:
    c = _client(go, build_go, launch_server)
    assert call_error(c, "CreateBreakpoint", {"Breakpoint": {"functionName": "main.add", "HitCond": cond}}) == error
    # As Delve: the id was taken and the logical breakpoint stays behind, disabled, with no address.
    left = max(c.call("ListBreakpoints", {})["Breakpoints"], key=lambda b: b["id"])
    assert (left["id"], left["disabled"], left["addrs"], left["HitCond"]) == (1, True, None, "")


def test_breakpoint_info(go: GoToolchain, build_go: BuildGo, launch_server: Launch) -> None:
    """Every stop at a breakpoint that asks for them carries its goroutine, stack, expressions,
    arguments and locals (editors ask for arguments on every breakpoint)."""
    c = _client(go, build_go, launch_server)
    line = marker_line("basic", "BP-ADD") + 1  # `return c`: c is visible
    create_bp(c, file=MAIN, line=line, goroutine=True, stacktrace=2, variables=["a + b", "nosuch"],
              LoadArgs=LOAD, LoadLocals=LOAD)
    cont(c)
    st = cont(c)  # the second call: add(0, 1)
    info = st["currentThread"]["breakPointInfo"]
    assert info["goroutine"]["id"] == 1
    assert [fr["function"]["name"] for fr in info["stacktrace"]] == [
        "main.add", "main.loop", "main.main"]
    assert [(v["name"], v["value"], v["unreadable"]) for v in info["variables"]] == [
        ("a + b", "1", ""), ("nosuch", "", "eval error: could not find symbol value for nosuch")]
    assert [(v["name"], v["value"]) for v in info["arguments"]] == [("a", "0"), ("b", "1"), ("~r0", "0")]
    assert [(v["name"], v["value"]) for v in info["locals"]] == [("c", "1")]
    # State (not a Command reply) carries no breakPointInfo, as in Delve.
    assert "breakPointInfo" not in c.call("State", {})["State"]["currentThread"]


def test_tracepoint_and_trace_return(go: GoToolchain, build_go: BuildGo, launch_server: Launch) -> None:
    """What `dlv trace` builds: a tracepoint at the function, trace-return breakpoints at each of
    its RET instructions (FunctionReturnLocations); the return stop reports the results."""
    c = _client(go, build_go, launch_server)
    create_bp(c, functionName="main.split", LoadArgs=LOAD, **{"continue": True})  # Tracepoint's JSON name
    rets = c.call("FunctionReturnLocations", {"FnName": "main.split"})["Addrs"]
    assert rets and all(isinstance(a, int) for a in rets)
    for addr in rets:
        create_bp(c, addr=addr, traceReturn=True, LoadArgs=LOAD)
    st = cont(c)
    th = st["currentThread"]
    assert th["breakPoint"]["continue"] is True  # Tracepoint's JSON name
    assert [(v["name"], v["value"]) for v in th["breakPointInfo"]["arguments"]][0] == ("f", "2.75")
    st = cont(c)
    th = st["currentThread"]
    assert th["breakPoint"]["traceReturn"] is True and th["pc"] in rets
    assert [(v["name"], v["value"]) for v in th["ReturnValues"]] == [("~r0", "2"), ("~r1", "0.75")]
    assert call_error(c, "FunctionReturnLocations", {"FnName": "main.nosuch"}) == "could not find function main.nosuch\n"
    # Delve's CreateBreakpoint takes a trace-return breakpoint's Addr before anything else it
    # names: a function alone puts it at address 0 (dlv 1.27.1: input/output error).
    assert call_error(c, "CreateBreakpoint", {"Breakpoint": {"functionName": "main.add", "traceReturn": True}}) == \
        "input/output error"
    taken = {"addr": rets[0], "functionName": "main.add", "traceReturn": True}  # the Addr, not main.add
    assert call_error(c, "CreateBreakpoint", {"Breakpoint": taken}).startswith("Breakpoint exists at ")
