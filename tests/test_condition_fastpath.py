"""Conditional breakpoints evaluated with only the trapping thread stopped (issue 14).

A false condition lets its thread go on at once, the instruction under the INT3 executed in
place (native/emulate.py) while the other threads keep running; a true one stops the world as
any breakpoint does. testdata/condhits runs four goroutines through main.work at once: every
hit whose condition holds must stop (none is missed while another thread is being evaluated), no
other hit may, and the program's own results (each worker's sum, a scan whose lines start with
loads, stores and compares) prove the emulated instructions did what the CPU would have done.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import LOAD, cont, create_bp, process_gone, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]
N = 4000
SUMS = "sums [4000 8002000 16000000 23998000]"


def value(c: RawClient, expr: str) -> int:
    v = c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": expr, "Cfg": LOAD})["Variable"]
    return int(v["value"])


def test_every_true_hit_stops_and_no_other(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("condhits", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    bp = create_bp(c, functionName="main.work", Cond="i % 1000 == 999")
    seen = []
    while True:
        state = cont(c, timeout=120)
        if state.get("exited"):
            break
        assert state["currentThread"]["breakPoint"]["id"] == bp["id"], state
        seen.append((value(c, "id"), value(c, "i")))
    assert sorted(seen) == [(w, k * 1000 + 999) for w in range(4) for k in range(N // 1000)]
    assert state["exitStatus"] == 0
    out = wait_output(srv, "scan")
    assert SUMS in out, out
    listed = c.call("ListBreakpoints", {})["Breakpoints"]
    assert next(b for b in listed if b["id"] == bp["id"])["totalHitCount"] == len(seen)
    assert process_gone(pid)


def test_line_breakpoint_condition(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    xs = [(i * 7919) % 10007 for i in range(N)]
    srv = launch_server(build_go("condhits", go))
    c = srv.client()
    line = marker_line("condhits", "BP-SCAN")
    bp = create_bp(c, file=str(TESTDATA / "condhits" / "main.go"), line=line, Cond="i == 3000")
    state = cont(c, timeout=120)
    assert state["currentThread"]["line"] == line and state["currentThread"]["breakPoint"]["id"] == bp["id"]
    assert value(c, "i") == 3000 and value(c, "best") == max(xs[:3000])
    state = cont(c, timeout=120)
    assert state["exited"] is True and state["exitStatus"] == 0, state
    out = wait_output(srv, "scan ")
    assert SUMS in out and f"scan {max(xs)}" in out, out


def test_condition_error_still_stops(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """A condition that cannot be evaluated stops (Delve), also on the fast path."""
    srv = launch_server(build_go("condhits", go))
    c = srv.client()
    create_bp(c, functionName="main.work", Cond="nosuch == 1")
    state = cont(c)
    assert state["currentThread"]["function"]["name"] == "main.work"
    c.call("Detach", {"Kill": True})
