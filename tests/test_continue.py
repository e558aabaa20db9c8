"""The continue loop's decisions on real targets, over Delve's JSON-RPC: the traps it runs on
(a cleared breakpoint's late traps, hits a hit condition does not allow) and the stops it makes
(a hit condition counted per goroutine, a halt that reaches the target with the continue).

Covered elsewhere, on real targets too: a hit stops and counts (test_server_rpc.py
test_continue_to_breakpoint), per goroutine (test_many_threads), a disabled breakpoint
(test_disabled_breakpoint_is_not_hit), hit conditions (test_breakpoint_options.py), false
conditions neither stop nor count (test_condition_fastpath.py), halt (test_server_session.py),
runtime.Breakpoint() (test_step.py test_runtime_breakpoint_*), the exit (test_continue_to_exit*,
test_lifecycle.py), creating and clearing (test_break_by_function_name,
test_list_get_clear_breakpoints).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import LOAD, cont, create_bp, proc_state, process_gone, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

# testdata/condhits: four goroutines call main.work(id, i) for i in [0, 4000) at once.
WORKERS = 4
SUMS = "sums [4000 8002000 16000000 23998000]"
SCAN = "scan 10006"


def value(c: RawClient, expr: str) -> int:
    v = c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": expr, "Cfg": LOAD})["Variable"]
    return int(v["value"])


def breakpoint_of(state: dict[str, Any]) -> dict[str, Any]:
    bp: dict[str, Any] = state["currentThread"]["breakPoint"]
    return bp


def test_hit_condition_per_goroutine(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """HitCondPerG: `== 2` holds once for each goroutine (its own second hit), not once for the
    breakpoint; the condition `i < 3` lets three hits of each goroutine count."""
    srv = launch_server(build_go("condhits", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    bp = create_bp(c, functionName="main.work", Cond="i < 3", HitCond="== 2", HitCondPerG=True)
    assert (bp["HitCond"], bp["HitCondPerG"]) == ("== 2", True)
    stops = []
    while not (state := cont(c, timeout=120))["exited"]:
        hit = breakpoint_of(state)
        g = state["currentThread"]["goroutineID"]
        assert (state["stopReason"], hit["id"]) == ("breakpoint", bp["id"]), state
        assert hit["hitCount"][str(g)] == 2, hit
        assert value(c, "i") == 1
        stops.append((value(c, "id"), g))
    assert sorted(w for w, _ in stops) == list(range(WORKERS)), stops  # one stop per worker
    assert len({g for _, g in stops}) == WORKERS
    assert state["exitStatus"] == 0
    final = next(b for b in c.call("ListBreakpoints", {})["Breakpoints"] if b["id"] == bp["id"])
    assert (final["totalHitCount"], final["hitCount"]) == (3 * WORKERS, {str(g): 3 for _, g in stops})
    assert SUMS in wait_output(srv, "scan")
    assert process_gone(pid)


def test_late_traps_of_a_cleared_breakpoint_run_on(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """Four threads trap on main.work at once; the breakpoint is cleared while some of them may
    still have a trap to report. Those traps are no stop: the next stop is the next breakpoint,
    and the program computes what it computes without a debugger."""
    srv = launch_server(build_go("condhits", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    work = create_bp(c, functionName="main.work")
    for n in range(1, 4):
        state = cont(c)
        assert (state["stopReason"], breakpoint_of(state)["id"]) == ("breakpoint", work["id"]), state
        assert breakpoint_of(state)["totalHitCount"] == n
    cleared = c.call("ClearBreakpoint", {"Id": work["id"]})["Breakpoint"]
    assert cleared["totalHitCount"] == 3
    line = marker_line("condhits", "BP-SCAN")
    scan = create_bp(c, file=str(TESTDATA / "condhits" / "main.go"), line=line)
    state = cont(c, timeout=60)
    thread = state["currentThread"]
    assert (state["stopReason"], breakpoint_of(state)["id"]) == ("breakpoint", scan["id"]), state
    assert (thread["function"]["name"], thread["line"], breakpoint_of(state)["totalHitCount"]) == ("main.scan", line, 1)
    assert SUMS in wait_output(srv, "sums")  # every worker's 4000 calls of work ran, right
    c.call("ClearBreakpoint", {"Id": scan["id"]})
    state = cont(c, timeout=60)
    assert (state["exited"], state["exitStatus"]) == (True, 0), state
    assert SCAN in wait_output(srv, "scan")
    assert process_gone(pid)


def test_halt_sent_with_the_continue(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """Continue and halt in one write: the halt may reach the target before it has resumed.
    Both are answered with the manual stop, and the session goes on."""
    srv = launch_server(build_go("sleeper", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    requests = [{"method": "RPCServer.Command", "params": [{"name": name}], "id": i}
                for i, name in ((101, "continue"), (102, "halt"))]
    c.send_raw(b"".join(json.dumps(r).encode() for r in requests))
    for req in (101, 102):
        reply = c.reply_for(req, timeout=10)
        assert reply["error"] is None, reply
        state = reply["result"]["State"]
        assert (state["Pid"], state["Running"], state["exited"], state["stopReason"]) == (pid, False, False, "manual")
        assert "breakPoint" not in state["currentThread"]
    assert proc_state(pid).startswith("t"), proc_state(pid)
    tick = create_bp(c, functionName="main.tick")
    state = cont(c)
    assert (state["stopReason"], breakpoint_of(state)["id"], breakpoint_of(state)["totalHitCount"]) == (
        "breakpoint", tick["id"], 1)
    assert state["currentThread"]["line"] == marker_line("sleeper", "BP-TICK") - 1


def test_continue_running_on_past_hits(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """Hits that a hit condition does not allow are counted and the target runs on; the client
    is told at once that it runs (the connection reads on, State says Running) and a halt ends
    the continue there, not at the breakpoint."""
    srv = launch_server(build_go("sleeper", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    tick = create_bp(c, functionName="main.tick", HitCond="> 1000")
    cont_id = c.send("Command", {"name": "continue"})
    wait_output(srv, "ready\n")
    for _ in range(10):  # main.tick runs every 100 ms: each hit a stop the continue runs on from
        time.sleep(0.1)
        running = c.call("State", {"NonBlocking": True})["State"]
        assert running["Running"] is True, running
    halt_id = c.send("Command", {"name": "halt"})
    for req in (cont_id, halt_id):
        reply = c.reply_for(req)
        assert reply["error"] is None, reply
        state = reply["result"]["State"]
        assert (state["Pid"], state["Running"], state["stopReason"]) == (pid, False, "manual"), reply
    final = c.call("GetBreakpoint", {"Id": tick["id"]})["Breakpoint"]
    assert final["totalHitCount"] >= 1 and final["hitCount"] == {"1": final["totalHitCount"]}, final
    assert "slept" not in srv.output()
