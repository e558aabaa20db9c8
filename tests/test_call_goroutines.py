"""`call` on a goroutine that is not running on a thread (queued until it returns into user code,
fncall/deferred.py), and the runtime's debug_test.go cases as a smoke set on every installed Go.

Delve refuses these calls with `selected goroutine not running`; pydlv follows the runtime's
recipe for _Grunnable goroutines (temporary breakpoint at the return into user code) for parked
ones too. The `call` command blocks like a continue until the call has run; a halt cancels it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import LOAD, call, call_error, call_fails, cont, create_bp, stop_at, values, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]


def stop_client(srv: ServerProcess, program: str, marker: str = "", function: str = "") -> RawClient:
    return stop_at(srv, program, marker, function)[0]


def goroutines(c: RawClient) -> list[dict[str, Any]]:
    gs: list[dict[str, Any]] = c.call("ListGoroutines", {"Start": 0, "Count": 0})["Goroutines"]
    return gs


def parked_in(c: RawClient, function: str) -> dict[str, Any]:
    """A goroutine not on a thread whose user frame is in `function`."""
    return next(g for g in goroutines(c)
                if g["threadID"] == 0 and g["userCurrentLoc"]["function"]["name"] == function)


def user_breakpoints(c: RawClient) -> list[tuple[int, int]]:
    bps = c.call("ListBreakpoints", {"All": True})["Breakpoints"]
    return [(bp["id"], bp["line"]) for bp in bps]


# --- queued calls -------------------------------------------------------------------------------


def test_call_on_worker_blocked_on_channel_runs_when_it_resumes(go: GoToolchain, build_go: Build,
                                                                launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go))
    c = stop_client(srv, "basic", "BP-MAIN")
    worker = parked_in(c, "main.worker")
    assert worker["status"] == 4  # waiting: chan receive
    bps_before = user_breakpoints(c)
    # Blocks like a continue: main goes on, prints, sends on ch; the worker wakes, returns from
    # chanrecv1 into main.worker and the call runs there.
    state = call(c, "add(2,3)", goroutineID=worker["id"])
    assert state["stopReason"] == "call returned"
    th = state["currentThread"]
    assert th["CallReturn"] is True and values(state) == [("~r0", "int", "5")]
    assert state["currentGoroutine"]["id"] == worker["id"]
    assert th["function"]["name"] == "main.worker"
    assert th["line"] == marker_line("basic", "BP-WORKER")  # the return from <-ch
    assert user_breakpoints(c) == bps_before  # the temporary breakpoint never showed
    # The program goes on as if nothing happened.
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    out = wait_output(srv, "done")
    assert sum(line.startswith("worker ") for line in out.splitlines()) == 4


def test_other_goroutines_at_the_return_address_go_on(go: GoToolchain, build_go: Build,
                                                      launch_server: Launch) -> None:
    """Four workers return from <-ch at the same pc: only the chosen one runs the call, whichever
    order they wake in."""
    srv = launch_server(build_go("basic", go))
    c = stop_client(srv, "basic", "BP-MAIN")
    workers = [g for g in goroutines(c) if g["userCurrentLoc"]["function"]["name"] == "main.worker"]
    last = max(workers, key=lambda g: g["id"])
    state = call(c, "add(40,2)", goroutineID=last["id"])
    assert state["currentGoroutine"]["id"] == last["id"] and values(state) == [("~r0", "int", "42")]
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True


def test_user_breakpoint_first_cancels_the_queued_call(go: GoToolchain, build_go: Build,
                                                     launch_server: Launch) -> None:
    """No call outlives its request: main reaches a user breakpoint before the worker returns,
    so the call is cancelled (its INT3 removed, nothing injected) and the request says why."""
    srv = launch_server(build_go("basic", go))
    c = stop_client(srv, "basic", "BP-MAIN")
    worker = parked_in(c, "main.worker")
    line = marker_line("basic", "BP-GREET")
    create_bp(c, file=str(TESTDATA / "basic" / "main.go"), line=line)
    bps_before = user_breakpoints(c)
    assert call_fails(c, "add(2,3)", goroutineID=worker["id"]) == (
        f"call cancelled by breakpoint 2 in main.greet at {TESTDATA / 'basic' / 'main.go'}:{line}: "
        f"goroutine {worker['id']} had not returned to main.worker")
    # The stop itself is an ordinary breakpoint stop.
    st = c.call("State", {})["State"]
    assert st["stopReason"] == "breakpoint" and st["currentThread"]["CallReturn"] is False
    assert st["currentThread"]["function"]["name"] == "main.greet"
    assert user_breakpoints(c) == bps_before
    # Nothing is left queued: another call runs at once, and no later continue runs the first.
    assert values(call(c, "add(1,1)")) == [("~r0", "int", "2")]
    for bp_id in (1, 2):
        c.call("ClearBreakpoint", {"Id": bp_id})
    assert cont(c)["exited"] is True
    out = wait_output(srv, "done")
    assert sum(line.startswith("worker ") for line in out.splitlines()) == 4


def test_exit_first_cancels_the_queued_call(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """The program ends with the goroutine still parked: the request answers that, not an
    exited state that would hide the call's fate."""
    srv = launch_server(build_go("blocked", go), "abandon")
    c = stop_client(srv, "blocked", "BP-READY")
    waiter = parked_in(c, "main.waiter")
    c.call("ClearBreakpoint", {"Id": 1})
    assert call_fails(c, "add(1,2)", goroutineID=waiter["id"]) == (
        f"call cancelled by the program's exit (status 0): goroutine {waiter['id']} had not returned to main.waiter")
    assert call_error(c, "State", {}).endswith("has exited with status 0")
    assert "abandoned true" in wait_output(srv, "abandoned")


def test_halt_cancels_a_queued_call(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("blocked", go))
    c = stop_client(srv, "blocked", "BP-READY")
    waiter = parked_in(c, "main.waiter")
    bps_before = user_breakpoints(c)
    result: dict[str, str] = {}

    def run_call() -> None:
        result["error"] = call_fails(c, "add(1,2)", goroutineID=waiter["id"])

    caller = threading.Thread(target=run_call)
    caller.start()
    time.sleep(0.5)  # the waiter stays parked for ~3 s: the call is still queued
    other = srv.client()
    other.call("Command", {"name": "halt"}, timeout=10)
    caller.join(10)
    assert not caller.is_alive()
    assert result["error"] == f"call cancelled by halt: goroutine {waiter['id']} had not returned to main.waiter"
    st = c.call("State", {})["State"]
    assert st["stopReason"] == "manual" and st["currentThread"]["CallReturn"] is False
    assert user_breakpoints(c) == bps_before
    # Still running correctly: main ticks, then releases the waiter, which runs no injected call
    # (the continue ends at exit, not with "call returned").
    create_bp(c, functionName="main.tick")
    assert cont(c)["currentThread"]["function"]["name"] == "main.tick"
    c.call("ClearBreakpoint", {"Id": 2})
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "waiter got 41 42" in wait_output(srv, "released true")


def test_queued_call_refusals(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go))
    c = stop_client(srv, "basic", "BP-MAIN")
    gs = goroutines(c)
    system = next(g for g in gs if g["threadID"] == 0 and g["startLoc"]["function"]["name"].startswith("runtime.")
                  and g["startLoc"]["function"]["name"] != "runtime.main")
    assert call_fails(c, "add(1,1)", goroutineID=system["id"]) == \
        f"cannot call function on goroutine {system['id']}: it is a Go runtime system goroutine"
    assert call_fails(c, "add(1,1)", goroutineID=99999) == "unknown goroutine 99999"
    # Nothing was queued: a call on the running goroutine still works.
    main_g = c.call("State", {})["State"]["currentGoroutine"]["id"]
    assert values(call(c, "add(1,1)", goroutineID=main_g)) == [("~r0", "int", "2")]


# --- the runtime's debug_test.go on every installed Go (testdata/calls) -------------------------


@pytest.mark.smoke
def test_smoke_debug_call_gc_growstack(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("calls", go))
    c = stop_client(srv, "calls", "BP-MAIN")
    assert values(call(c, "callGC()")) == [("~r0", "int", "1")]
    assert values(call(c, "growStack(300)")) == [("~r0", "int", "301")]
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    # The program checks its own stack pointers (p := &x) survived the calls.
    assert "total 8 counter 2 sink 0 ok" in wait_output(srv, "ok")


@pytest.mark.smoke
def test_smoke_debug_call_panic(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("calls", go))
    c = stop_client(srv, "calls", "BP-MAIN")
    (pv,) = call(c, "boomInt(1)")["currentThread"]["ReturnValues"]
    assert pv["name"] == "~panic" and pv["children"][0]["value"] == "test"
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "ok" in wait_output(srv, "ok")


@pytest.mark.smoke
def test_smoke_debug_call_unsafe_point(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("calls", go))
    c = stop_client(srv, "calls", "BP-UNSAFE")
    assert call_fails(c, "add(1,2)") == "call not at safe point"
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "total 8 counter 2 sink 0 ok" in wait_output(srv, "ok")


def test_parked_caller_of_an_unfinished_call_refused(go: GoToolchain, build_go: Build,
                                                     launch_server: Launch) -> None:
    """Delve's answer is kept where queueing makes no sense: the goroutine parked by its own
    unfinished call (stopped at a breakpoint inside the callee)."""
    srv = launch_server(build_go("calls", go))
    c = stop_client(srv, "calls", "BP-MAIN")
    main_g = c.call("State", {})["State"]["currentGoroutine"]["id"]
    create_bp(c, file=str(TESTDATA / "calls" / "main.go"), line=marker_line("calls", "BP-CALLEE"))
    assert call(c, "double(21)")["stopReason"] == "breakpoint"
    assert call_fails(c, "add(1,1)", goroutineID=main_g) == "selected goroutine not running"
    done = c.call("Command", {"name": "continue", "ReturnInfoLoadConfig": LOAD}, timeout=30)["State"]
    assert values(done) == [("~r0", "int", "42")]


def test_halted_inside_nosplit_loop(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """Halted while main spins in a //go:nosplit loop (no safe point): the runtime refuses the
    call, the thread reports CallReturn as in Delve 1.27, and the program is unharmed."""
    srv = launch_server(build_go("nosplit", go))
    c, other = srv.client(), srv.client()
    wait_for_spinning = True
    for _ in range(10):
        # The halt may land while the spinning thread handles a signal (the runtime's preemption
        # attempts, runtime.sigtramp): then let it run on and halt again.
        replies: dict[str, Any] = {}
        runner = threading.Thread(
            target=lambda r=replies: r.update(cont=c.call("Command", {"name": "continue"}, timeout=30)))
        runner.start()
        if wait_for_spinning:
            wait_output(srv, "spinning")
            wait_for_spinning = False
        time.sleep(0.2)
        other.call("Command", {"name": "halt"}, timeout=10)
        runner.join(10)
        st = replies["cont"]["State"]
        assert st["stopReason"] == "manual"
        main_g = next(g for g in goroutines(c) if g["id"] == 1)
        if main_g["currentLoc"]["function"]["name"] == "main.spin":
            break
    assert main_g["threadID"] != 0 and main_g["currentLoc"]["function"]["name"] == "main.spin"
    assert call_fails(c, "add(1,2)", goroutineID=1) == "call not at safe point"
    th = c.call("State", {})["State"]["currentThread"]
    assert (th["CallReturn"], th["ReturnValues"], th["function"]["name"], th["goroutineID"]) == \
        (True, None, "main.spin", 1)
    assert cont(c)["exited"] is True
    assert "spun true 3" in wait_output(srv, "spun")
