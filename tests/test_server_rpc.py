"""A real `pydlv exec` server on real Go binaries, driven over Delve's JSON-RPC: start-up,
versions, breakpoints, continue to a breakpoint and to the exit, many threads, signal forwarding.

Expected shapes (key order included) come from what Delve 1.27.1 sent in the recorded transcripts
(tests/unit/data/delve127_transcript_lines.jsonl); locations from the testdata markers.
Protocol framing, concurrency and the end of a session: test_server_session.py.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import (
    call_error,
    cont,
    create_bp,
    proc_state,
    process_gone,
    transcript_result,
    wait_output,
)

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

BASIC_SRC = str(TESTDATA / "basic" / "main.go")
ADD_LINE = marker_line("basic", "BP-ADD")  # first statement of main.add
ADD_FUNC_LINE = ADD_LINE - 1  # a function breakpoint reports the `func` line, as Delve does
MAIN_LINE = marker_line("basic", "BP-MAIN")

# Delve 1.27.1's replies: CreateBreakpoint (file:line), continue -> breakpoint, continue -> exit.
DELVE_BP = transcript_result("latest-go1.27-basic.jsonl", 6)["Breakpoint"]
DELVE_STOP = transcript_result("latest-go1.27-basic.jsonl", 15)["State"]
DELVE_EXIT = transcript_result("latest-go1.27-basic.jsonl", 137)["State"]
DELVE_VERSION = transcript_result("latest-go1.27-basic.jsonl", 1)


def user_bps(client: RawClient) -> list[dict[str, Any]]:
    return [bp for bp in client.call("ListBreakpoints", {})["Breakpoints"] if bp["id"] > 0]


# --- start-up ----------------------------------------------------------------------------------


@pytest.mark.smoke
def test_start_stopped_at_entry(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    exe = build_go("basic", go)
    srv = launch_server(exe)
    host, _, port = srv.addr.rpartition(":")
    assert host == "127.0.0.1" and 0 < int(port) < 65536, srv.addr
    c = srv.client()
    state = c.call("State", {"NonBlocking": True})["State"]
    pid = c.call("ProcessPid")["Pid"]
    assert pid > 0 and state["Pid"] == pid
    assert state["TargetCommandLine"] == str(exe)
    assert (state["Running"], state["exited"], state["stopReason"]) == (False, False, "launched")
    thread = state["currentThread"]
    assert thread["function"]["name"] == "_rt0_amd64_linux"
    assert thread["file"].endswith("/runtime/rt0_linux_amd64.s")
    assert thread["pc"] == thread["function"]["value"]  # not one instruction executed yet
    assert (thread["id"], thread["goroutineID"]) == (pid, 0)
    assert [t["id"] for t in state["Threads"]] == [pid]
    # The target really is held: ptrace-stopped by a thread of the server process.
    assert proc_state(pid).startswith("t"), proc_state(pid)
    tracer = next(line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if line.startswith("TracerPid:"))
    assert Path(f"/proc/{srv.proc.pid}/task/{tracer}").exists(), f"traced by {tracer}, not by the server"


def test_listening_line_with_fixed_port(go: GoToolchain, build_go: Build, free_port: int) -> None:
    """Editors wait for exactly this first line; the port asked for is the one printed."""
    exe = build_go("basic", go)
    server = subprocess.Popen(
        [sys.executable, "-m", "pydlv", "exec", str(exe), "--headless", f"--listen=127.0.0.1:{free_port}",
         "--api-version=2"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.stdout is not None
        assert server.stdout.readline() == f"API server listening at: 127.0.0.1:{free_port}\n".encode()
        client = RawClient(f"127.0.0.1:{free_port}")
        assert client.call("IsMulticlient") == {"IsMulticlient": False}
        client.close()  # the only client leaves: a single-client server ends the session
        assert server.wait(20) == 0, server.stderr.read() if server.stderr else ""
    finally:
        if server.poll() is None:
            server.kill()
        server.communicate()


def test_get_version(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    version = c.call("GetVersion")
    assert list(version) == list(DELVE_VERSION)
    assert version["DelveVersion"].startswith("Version: ")
    assert (version["APIVersion"], version["Backend"]) == (2, "native")
    assert version["TargetGoVersion"] == f"Go cmd/compile {go.full}"

    def release(v: str) -> tuple[int, int]:
        major, minor, patch = v.split(".")
        assert patch.isdigit(), v
        return int(major), int(minor)

    assert release(version["MinSupportedVersionOfGo"]) <= go.key <= release(version["MaxSupportedVersionOfGo"])


def test_set_api_version(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    assert c.call("SetApiVersion", {"APIVersion": 2}) == {}
    assert call_error(c, "SetApiVersion", {"APIVersion": 1}) == "unknown API version"
    assert call_error(c, "SetApiVersion", {"APIVersion": 3}) == "unknown API version"
    # Still API v2 after the refusals.
    assert c.call("GetVersion")["APIVersion"] == 2
    assert c.call("State", {"NonBlocking": True})["State"]["stopReason"] == "launched"


@pytest.mark.parametrize("multiclient", [True, False], ids=["multiclient", "single-client"])
def test_is_multiclient(go: GoToolchain, build_go: Build, launch_server: Launch, multiclient: bool) -> None:
    c = launch_server(build_go("basic", go), multiclient=multiclient).client()
    assert c.call("IsMulticlient") == {"IsMulticlient": multiclient}


# --- breakpoints (one stopped server per Go release; each test removes what it created) --------


@pytest.fixture
def bpc(basic_server: ServerProcess) -> Iterator[RawClient]:
    """A client of the shared basic server; user breakpoints are cleared afterwards."""
    c = basic_server.client()
    yield c
    for bp in user_bps(c):
        c.call("ClearBreakpoint", {"Id": bp["id"]})
    c.close()


@pytest.mark.smoke
def test_break_by_function_name(go: GoToolchain, bpc: RawClient) -> None:
    pid = bpc.call("ProcessPid")["Pid"]
    bp = create_bp(bpc, functionName="main.add")
    assert list(bp) == list(DELVE_BP)  # Delve's keys in Delve's order
    assert bp["id"] > 0
    assert (bp["file"], bp["line"], bp["functionName"]) == (BASIC_SRC, ADD_FUNC_LINE, "main.add")
    assert bp["addr"] > 0 and bp["addrs"] == [bp["addr"]] and bp["addrpid"] == [pid]
    assert (bp["hitCount"], bp["totalHitCount"], bp["disabled"]) == ({}, 0, False)
    assert bpc.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"] == bp


def test_break_by_file_line(bpc: RawClient) -> None:
    by_path = create_bp(bpc, file=BASIC_SRC, line=ADD_LINE)
    assert (by_path["file"], by_path["line"], by_path["functionName"]) == (BASIC_SRC, ADD_LINE, "main.add")
    func = create_bp(bpc, functionName="main.add")
    assert func["addr"] < by_path["addr"]  # the func-line address comes first in main.add
    by_base = create_bp(bpc, file="main.go", line=MAIN_LINE)
    assert (by_base["file"], by_base["line"], by_base["functionName"]) == (BASIC_SRC, MAIN_LINE, "main.main")
    assert len({by_path["id"], func["id"], by_base["id"]}) == 3


def test_break_by_locexpr(bpc: RawClient) -> None:
    func = bpc.call("CreateBreakpoint", {"Breakpoint": {}, "LocExpr": "main.add"})["Breakpoint"]
    assert (func["file"], func["line"], func["functionName"]) == (BASIC_SRC, ADD_FUNC_LINE, "main.add")
    line = bpc.call("CreateBreakpoint", {"Breakpoint": {}, "LocExpr": f"main.go:{MAIN_LINE}"})["Breakpoint"]
    assert (line["file"], line["line"], line["functionName"]) == (BASIC_SRC, MAIN_LINE, "main.main")
    # Same places as the structured forms: creating those now collides with them.
    assert call_error(bpc, "CreateBreakpoint", {"Breakpoint": {"functionName": "main.add"}}).startswith(
        f"Breakpoint exists at {BASIC_SRC}:{ADD_FUNC_LINE} at ")


@pytest.mark.parametrize(("fields", "error"), [
    ({"functionName": "main.nosuch"}, "could not find function main.nosuch\n"),
    ({"file": "nosuch.go", "line": 1}, "could not find file nosuch.go"),
    ({"file": BASIC_SRC, "line": 1}, f"could not find statement at {BASIC_SRC}:1, please use a line with a statement"),
    ({"file": "main.go", "line": 100000},
     f"could not find statement at {BASIC_SRC}:100000, please use a line with a statement"),
], ids=["unknown-function", "unknown-file", "non-statement-line", "line-past-eof"])
def test_break_errors(bpc: RawClient, fields: dict[str, Any], error: str) -> None:
    assert call_error(bpc, "CreateBreakpoint", {"Breakpoint": fields}) == error
    assert user_bps(bpc) == []  # nothing half-created


def test_break_duplicate(bpc: RawClient) -> None:
    bp = create_bp(bpc, file=BASIC_SRC, line=ADD_LINE)
    expected = f"Breakpoint exists at {BASIC_SRC}:{ADD_LINE} at {bp['addr']:x}"
    assert call_error(bpc, "CreateBreakpoint", {"Breakpoint": {"file": BASIC_SRC, "line": ADD_LINE}}) == expected
    assert call_error(bpc, "CreateBreakpoint", {"Breakpoint": {"file": "main.go", "line": ADD_LINE}}) == expected
    assert [b["id"] for b in user_bps(bpc)] == [bp["id"]]


def test_list_get_clear_breakpoints(bpc: RawClient) -> None:
    first = create_bp(bpc, functionName="main.add")
    named = create_bp(bpc, name="mybp", file="main.go", line=MAIN_LINE)
    listed = bpc.call("ListBreakpoints", {})["Breakpoints"]
    assert [bp["id"] for bp in listed] == [-1, -2, first["id"], named["id"]]
    panic_bp, throw_bp = listed[0], listed[1]
    assert (panic_bp["name"], panic_bp["functionName"]) == ("unrecovered-panic", "runtime.fatalpanic")
    assert panic_bp["file"].endswith("/runtime/panic.go") and panic_bp["addr"] > 0
    assert throw_bp["name"] == "runtime-fatal-throw"
    assert throw_bp["addrs"] and len(throw_bp["addrpid"]) == len(throw_bp["addrs"])
    assert listed[2:] == [first, named]

    assert bpc.call("GetBreakpoint", {"Id": named["id"]})["Breakpoint"] == named
    assert bpc.call("GetBreakpoint", {"Name": "mybp"})["Breakpoint"] == named
    assert named["name"] == "mybp" and named["line"] == MAIN_LINE

    cleared = bpc.call("ClearBreakpoint", {"Id": first["id"]})["Breakpoint"]
    assert cleared == first
    assert call_error(bpc, "GetBreakpoint", {"Id": first["id"]}) == f"no breakpoint with id {first['id']}"
    assert [bp["id"] for bp in user_bps(bpc)] == [named["id"]]
    assert bpc.call("ClearBreakpoint", {"Name": "mybp"})["Breakpoint"]["id"] == named["id"]
    assert user_bps(bpc) == []


@pytest.mark.parametrize("method", ["GetBreakpoint", "ClearBreakpoint", "ToggleBreakpoint"])
def test_unknown_breakpoint(bpc: RawClient, method: str) -> None:
    assert call_error(bpc, method, {"Id": 999}) == "no breakpoint with id 999"
    assert call_error(bpc, method, {"Name": "nosuch"}) == "no breakpoint with name nosuch"


def test_toggle_breakpoint(bpc: RawClient) -> None:
    bp = create_bp(bpc, functionName="main.add")
    off = bpc.call("ToggleBreakpoint", {"Id": bp["id"]})["Breakpoint"]
    assert (off["id"], off["disabled"]) == (bp["id"], True)
    # A disabled breakpoint keeps its place but has no address (Delve: addr 0, addrs/addrpid null).
    disabled = bpc.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"]
    assert list(disabled) == list(DELVE_BP)
    assert (disabled["addr"], disabled["addrs"], disabled["addrpid"], disabled["disabled"]) == (0, None, None, True)
    assert (disabled["file"], disabled["line"], disabled["functionName"]) == (BASIC_SRC, ADD_FUNC_LINE, "main.add")
    assert user_bps(bpc) == [disabled]
    on = bpc.call("ToggleBreakpoint", {"Id": bp["id"]})["Breakpoint"]
    assert (on["id"], on["disabled"]) == (bp["id"], False)
    assert bpc.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"] == bp


# --- continue ------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_continue_to_breakpoint(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    pid = c.call("ProcessPid")["Pid"]
    bp = create_bp(c, functionName="main.add")
    state = cont(c)
    assert list(state) == list(DELVE_STOP)
    assert (state["Pid"], state["Running"], state["exited"], state["stopReason"]) == (pid, False, False, "breakpoint")
    thread = state["currentThread"]
    assert list(thread) == list(DELVE_STOP["currentThread"])
    assert thread["breakPoint"]["id"] == bp["id"]
    assert (thread["file"], thread["line"], thread["function"]["name"]) == (BASIC_SRC, ADD_FUNC_LINE, "main.add")
    assert thread["pc"] == bp["addr"] and thread["goroutineID"] == 1
    g = state["currentGoroutine"]
    assert list(g) == list(DELVE_STOP["currentGoroutine"])
    assert g["id"] == 1 and g["threadID"] == thread["id"]
    for loc in (g["currentLoc"], g["userCurrentLoc"]):
        assert (loc["file"], loc["line"], loc["function"]["name"]) == (BASIC_SRC, ADD_FUNC_LINE, "main.add")
    assert g["startLoc"]["function"]["name"] == "runtime.main"
    assert thread["id"] in [t["id"] for t in state["Threads"]]
    for t in state["Threads"]:  # Delve's keys: the stopped-at-breakpoint form or the plain one
        shape = DELVE_STOP["currentThread"] if "breakPoint" in t else DELVE_STOP["Threads"][0]
        assert list(t) == list(shape), t

    # main.loop calls add 10 times: every continue is one more hit of goroutine 1.
    assert (thread["breakPoint"]["hitCount"], thread["breakPoint"]["totalHitCount"]) == ({"1": 1}, 1)
    for n in (2, 3):
        state = cont(c)
        assert state["stopReason"] == "breakpoint"
        hit = state["currentThread"]["breakPoint"]
        assert (hit["id"], hit["hitCount"], hit["totalHitCount"]) == (bp["id"], {"1": n}, n)
    assert c.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"]["totalHitCount"] == 3


@pytest.mark.smoke
def test_continue_to_exit(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    state = cont(c)
    assert list(state) == list(DELVE_EXIT)
    assert (state["Pid"], state["exited"], state["exitStatus"], state["Running"]) == (pid, True, 0, False)
    assert call_error(c, "State", {}) == f"Process {pid} has exited with status 0"
    assert call_error(c, "State", {"NonBlocking": True}) == f"Process {pid} has exited with status 0"
    assert c.call("ProcessPid") == {"Pid": pid}
    out = wait_output(srv, "done\n")
    assert out.splitlines()[-1] == "done" and out.count("worker") == 4
    assert process_gone(pid), f"target {pid} still exists: {proc_state(pid)}"


def test_continue_to_exit_status(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("exitcode", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    bp = create_bp(c, functionName="main.finish")
    state = cont(c)
    assert (state["currentThread"]["breakPoint"]["id"], state["currentThread"]["function"]["name"]) == (bp["id"], "main.finish")
    state = cont(c)
    assert (state["exited"], state["exitStatus"]) == (True, 3)
    assert call_error(c, "State", {}) == f"Process {pid} has exited with status 3"
    assert wait_output(srv, "finishing with status 3\n").splitlines() == ["exitcode start", "finishing with status 3"]


def test_disabled_breakpoint_is_not_hit(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    add = create_bp(c, functionName="main.add")
    main = create_bp(c, file=BASIC_SRC, line=MAIN_LINE)
    c.call("ToggleBreakpoint", {"Id": add["id"]})
    state = cont(c)  # the 10 calls of add in main.loop pass
    thread = state["currentThread"]
    assert (thread["breakPoint"]["id"], thread["line"], thread["function"]["name"]) == (main["id"], MAIN_LINE, "main.main")
    assert c.call("GetBreakpoint", {"Id": add["id"]})["Breakpoint"]["totalHitCount"] == 0
    # Delve answers a toggle with the addresses as they were before it (transcripts: "ToggleBreakpoint
    # 2 (re-enable greet bp)" has addr 0); the breakpoint itself is armed again.
    toggled = c.call("ToggleBreakpoint", {"Id": add["id"]})["Breakpoint"]
    assert (toggled["disabled"], toggled["addr"]) == (False, 0)
    assert c.call("GetBreakpoint", {"Id": add["id"]})["Breakpoint"]["addr"] == add["addr"]
    state = cont(c)  # BP-MAIN's line calls add once more
    hit = state["currentThread"]["breakPoint"]
    assert (hit["id"], hit["totalHitCount"], state["currentThread"]["function"]["name"]) == (add["id"], 1, "main.add")


# --- many threads ----------------------------------------------------------------------------------


def test_many_threads(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("threads", go))
    c = srv.client()
    bp = create_bp(c, functionName="main.work")
    work_line = marker_line("threads", "BP-WORK") - 1
    goroutines = []
    for n in range(1, 9):
        state = cont(c)
        thread = state["currentThread"]
        assert state["stopReason"] == "breakpoint", state
        assert (thread["breakPoint"]["id"], thread["function"]["name"], thread["line"]) == (bp["id"], "main.work", work_line)
        assert thread["goroutineID"] > 0 and state["currentGoroutine"]["id"] == thread["goroutineID"]
        assert thread["breakPoint"]["totalHitCount"] == n
        thread_ids = [t["id"] for t in state["Threads"]]
        assert len(thread_ids) == len(set(thread_ids)) and thread["id"] in thread_ids
        assert len(thread_ids) >= 8, f"only {len(thread_ids)} threads while 8 locked workers exist"
        goroutines.append(thread["goroutineID"])
    assert len(set(goroutines)) == 8  # one hit per worker goroutine
    final = c.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"]
    assert final["hitCount"] == {str(g): 1 for g in goroutines}
    state = cont(c)
    assert (state["exited"], state["exitStatus"]) == (True, 0)
    assert wait_output(srv, "total").splitlines()[-1] == "total 4746689"


# --- signals -----------------------------------------------------------------------------------------

SIGNALS_OUT = ["got SIGUSR1 1", "got SIGUSR1 2", "got SIGUSR1 3", "preempted ok"]


def test_signals_forwarded(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """SIGUSR1 (handled by the program) and SIGURG (preemption) reach the target, never reported."""
    srv = launch_server(build_go("signals", go))
    c = srv.client()
    state = cont(c, timeout=60)  # hangs if SIGURG is swallowed
    assert (state["exited"], state["exitStatus"]) == (True, 0), state
    assert wait_output(srv, "preempted").splitlines() == SIGNALS_OUT


def test_signals_with_breakpoint(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("signals", go))
    c = srv.client()
    got_line = marker_line("signals", "BP-GOT")
    bp = create_bp(c, file="main.go", line=got_line)
    for n in (1, 2, 3):
        state = cont(c, timeout=60)
        thread = state["currentThread"]
        assert state["stopReason"] == "breakpoint", state
        assert (thread["breakPoint"]["id"], thread["line"], thread["function"]["name"]) == (bp["id"], got_line, "main.signals")
        assert thread["breakPoint"]["totalHitCount"] == n
    state = cont(c, timeout=60)
    assert (state["exited"], state["exitStatus"]) == (True, 0), state
    assert wait_output(srv, "preempted").splitlines() == SIGNALS_OUT
