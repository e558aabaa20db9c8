"""A real `pydlv exec` server over raw TCP: Delve's framing (pipelined and split requests, odd ids,
errors that keep the connection, garbage that closes it), requests while a `continue` runs (State,
halt from another connection or the same one), and how a session ends (single-client close,
Detach, SIGTERM), each time checking that the launched target is gone.

Error texts and byte shapes are those of Delve 1.27.1 (recorded transcripts and
../shared/delve-rpc.md §1).
"""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gotoolchains import GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import cont, create_bp, proc_state, process_gone, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

# State{NonBlocking:true} while the target runs: Delve 1.27.1's reply, byte for byte [probed].
RUNNING_STATE = (b'"result":{"State":{"Pid":0,"TargetCommandLine":"","Running":true,"Recording":false,'
                 b'"CoreDumping":false,"Threads":null,"NextInProgress":false,"WatchOutOfScope":null,'
                 b'"exited":false,"exitStatus":0,"When":""}},"error":null}')


# --- protocol (one server per Go release, stopped at the entry point; nothing changes its state) --


@pytest.fixture
def conn(basic_server: ServerProcess) -> Iterator[RawClient]:
    c = basic_server.client()
    yield c
    c.close()


@pytest.fixture
def target_pid(basic_server: ServerProcess) -> int:
    c = basic_server.client()
    pid: int = c.call("ProcessPid")["Pid"]
    c.close()
    return pid


def test_pipelined_requests(conn: RawClient, target_pid: int) -> None:
    conn.send_raw(b'{"method":"RPCServer.GetVersion","params":[{}],"id":1}'
                  b'{"method":"RPCServer.IsMulticlient","params":[{}],"id":2}\n'
                  b' {"method":"RPCServer.ProcessPid","params":[{}],"id":3}')
    replies = {r["id"]: r for r in (conn.read_reply() for _ in range(3))}
    assert replies[1]["result"]["APIVersion"] == 2
    assert replies[2]["result"] == {"IsMulticlient": True}
    assert replies[3]["result"] == {"Pid": target_pid}
    assert all(r["error"] is None for r in replies.values())


def test_request_split_byte_by_byte(conn: RawClient, target_pid: int) -> None:
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    request = b'{"method":"RPCServer.ProcessPid","params":[{}],"id":42}'
    for byte in request[:-1]:
        conn.send_raw(bytes([byte]))
        time.sleep(0.001)
    readable, _, _ = select.select([conn.sock], [], [], 0.3)
    assert not readable, "answered before the request was complete"
    conn.send_raw(request[-1:])
    assert conn.read_line() == b'{"id":42,"result":{"Pid":%d},"error":null}' % target_pid


@pytest.mark.parametrize(("envelope", "echoed"), [
    (b'"id":"abc"', b'"abc"'),
    (b'"id":1.5', b'1.5'),
    (b'"id":{"a":1}', b'{"a":1}'),
    (b'"id":18446744073709551615', b'18446744073709551615'),
    (b'"extra":true', b'null'),  # no id at all
    (b'"ID":9', b'9'),  # envelope keys are matched case-insensitively
], ids=["string", "float", "object", "uint64", "missing", "uppercase-key"])
def test_odd_ids_echoed(conn: RawClient, target_pid: int, envelope: bytes, echoed: bytes) -> None:
    conn.send_raw(b'{"method":"RPCServer.ProcessPid","params":[{}],' + envelope + b"}")
    assert conn.read_line() == b'{"id":' + echoed + b',"result":{"Pid":%d},"error":null}' % target_pid


@pytest.mark.parametrize("method", ["RPCServer.NoSuchMethod", "NoSuchService.State", "State", "rpcserver.State"])
def test_unknown_method_keeps_connection(conn: RawClient, target_pid: int, method: str) -> None:
    conn.send_raw(b'{"method":"%s","params":[{}],"id":"u"}' % method.encode())
    assert conn.read_reply() == {"id": "u", "result": None, "error": f"unknown method: {method}"}
    assert conn.call("ProcessPid") == {"Pid": target_pid}


@pytest.mark.parametrize(("method", "params", "error"), [
    ("CreateBreakpoint", b'[{"Breakpoint":"x"}]',
     "json: cannot unmarshal string into Go struct field .0.Breakpoint of type api.Breakpoint"),
    ("State", b"[5]", "json: cannot unmarshal number into .0 of type rpc2.StateIn"),
    ("State", b'"notalist"', "json: cannot unmarshal string into Go value of type [1]interface {}"),
    ("ProcessPid", b"{}", "json: cannot unmarshal object into Go value of type [1]interface {}"),
    ("State", b"null", "jsonrpc: request body missing params"),
], ids=["wrong-field-type", "not-an-object", "params-string", "params-object", "params-null"])
def test_malformed_params_keep_connection(conn: RawClient, target_pid: int, method: str, params: bytes,
                                          error: str) -> None:
    conn.send_raw(b'{"method":"RPCServer.%s","params":%s,"id":7}' % (method.encode(), params))
    reply = conn.reply_for(7)
    assert (reply["result"], reply["error"]) == (None, f"malformed request body: {error}")
    assert conn.call("ProcessPid") == {"Pid": target_pid}
    assert [bp["id"] for bp in conn.call("ListBreakpoints", {})["Breakpoints"]] == [-1, -2]


def test_missing_params(conn: RawClient) -> None:
    conn.send_raw(b'{"method":"RPCServer.ProcessPid","id":3}')
    assert conn.read_reply() == {"id": 3, "result": None,
                                 "error": "malformed request body: jsonrpc: request body missing params"}


@pytest.mark.parametrize("params", [b"[]", b"[null]", b"[{},{}]", b'[{"NoSuchField":1}]', b'[{"nonblocking":true}]'])
def test_lenient_params(conn: RawClient, target_pid: int, params: bytes) -> None:
    """Empty, extra, unknown or differently-cased params decode as Go's encoding/json does."""
    conn.send_raw(b'{"method":"RPCServer.State","params":%s,"id":5}' % params)
    reply = conn.read_reply()
    assert reply["error"] is None, reply
    state = reply["result"]["State"]
    assert (state["Pid"], state["stopReason"], state["Running"]) == (target_pid, "launched", False)


@pytest.mark.parametrize("garbage", [b'{"method": nope}\n', b'[{"method":"RPCServer.State","params":[{}],"id":1}]'],
                         ids=["not-json", "batch"])
def test_garbage_closes_only_that_connection(basic_server: ServerProcess, target_pid: int, garbage: bytes) -> None:
    bad = basic_server.client()
    bystander = basic_server.client()
    bad.send_raw(garbage)
    with pytest.raises(ConnectionError):
        bad.read_line(timeout=10)  # closed without a reply
    assert bystander.call("ProcessPid") == {"Pid": target_pid}
    fresh = basic_server.client()
    assert fresh.call("State", {"NonBlocking": True})["State"]["stopReason"] == "launched"


# --- requests while the target runs ------------------------------------------------------------


def start_running(srv: ServerProcess) -> tuple[RawClient, int, int]:
    """Connect, send Command{continue} and wait until the sleeper runs: (client, request id, pid)."""
    c = srv.client()
    pid: int = c.call("ProcessPid")["Pid"]
    req = c.send("Command", {"name": "continue"})
    wait_output(srv, "ready\n")
    return c, req, pid


def test_state_and_halt_from_another_connection(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("sleeper", go))
    runner, cont_id, pid = start_running(srv)
    other = srv.client()
    other.send("State", {"NonBlocking": True}, req_id=1)
    assert other.read_line() == b'{"id":1,' + RUNNING_STATE
    version = other.call("GetVersion")  # answered while running, without the target's version
    assert (version["APIVersion"], version["TargetGoVersion"]) == (2, "")
    waiter = srv.client()
    blocking_id = waiter.send("State", {})  # a blocking State waits for the stop
    readable, _, _ = select.select([waiter.sock], [], [], 0.3)
    assert not readable, "State{NonBlocking:false} answered while the target runs"

    halted = other.call("Command", {"name": "halt"})["State"]
    assert (halted["Pid"], halted["Running"], halted["exited"], halted["stopReason"]) == (pid, False, False, "manual")
    continued = runner.reply_for(cont_id)
    assert continued["error"] is None, continued
    state = continued["result"]["State"]
    assert (state["Pid"], state["Running"], state["stopReason"]) == (pid, False, "manual")
    waited = waiter.reply_for(blocking_id)["result"]["State"]
    assert (waited["Pid"], waited["Running"]) == (pid, False)
    assert proc_state(pid).startswith("t"), proc_state(pid)

    # Still fully usable: a breakpoint on the ticking function is hit next.
    bp = create_bp(runner, functionName="main.tick")
    state = cont(runner)
    thread = state["currentThread"]
    assert state["stopReason"] == "breakpoint"
    assert (thread["breakPoint"]["id"], thread["function"]["name"], thread["line"]) == (
        bp["id"], "main.tick", marker_line("sleeper", "BP-TICK") - 1)
    assert "slept" not in srv.output()


def test_halt_on_the_same_connection(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """vim-go sends halt on the connection whose continue is pending; both are answered."""
    srv = launch_server(build_go("sleeper", go))
    c, cont_id, pid = start_running(srv)
    for round_ in range(2):
        if round_:
            cont_id = c.send("Command", {"name": "continue"})
            time.sleep(0.2)
        halt_id = c.send("Command", {"name": "halt"})
        for req in (cont_id, halt_id):
            reply = c.reply_for(req)
            assert reply["error"] is None, reply
            state = reply["result"]["State"]
            assert (state["Pid"], state["Running"], state["stopReason"]) == (pid, False, "manual"), (round_, req)
    assert c.call("State", {"NonBlocking": True})["State"]["Running"] is False


# --- end of the session ------------------------------------------------------------------------


def test_single_client_refuses_second_and_ends_on_close(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go), multiclient=False)
    first = srv.client()
    pid = first.call("ProcessPid")["Pid"]
    with pytest.raises(ConnectionRefusedError):
        RawClient(srv.addr, timeout=5)
    assert first.call("IsMulticlient") == {"IsMulticlient": False}  # the first one is unaffected
    first.close()
    assert srv.wait(20) == 0, srv.stderr()
    assert process_gone(pid), f"target {pid} left behind: {proc_state(pid)}"


def test_single_client_close_while_running(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("sleeper", go), multiclient=False)
    c, _, pid = start_running(srv)
    c.close()  # mid-continue: the server halts and kills its target, then exits
    assert srv.wait(20) == 0, srv.stderr()
    assert process_gone(pid), f"target {pid} left behind: {proc_state(pid)}"
    assert "slept" not in srv.output()


@pytest.mark.parametrize("kill", [True, False], ids=["kill", "no-kill"])
def test_detach_ends_server_and_target(go: GoToolchain, build_go: Build, launch_server: Launch, kill: bool) -> None:
    """Detach ends the server; a launched target is killed whatever Kill says (as Delve does)."""
    srv = launch_server(build_go("basic", go))
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    create_bp(c, functionName="main.add")
    assert cont(c)["stopReason"] == "breakpoint"  # breakpoints inserted, threads running around
    c.send("Detach", {"Kill": kill}, req_id=9)
    assert c.read_line() == b'{"id":9,"result":{},"error":null}'
    assert srv.wait(20) == 0, srv.stderr()
    assert process_gone(pid), f"target {pid} left behind: {proc_state(pid)}"
    assert "done" not in srv.output()


def test_sigterm_while_running(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("sleeper", go))
    _, _, pid = start_running(srv)
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.wait(20) == 0, srv.stderr()
    assert process_gone(pid), f"target {pid} left behind: {proc_state(pid)}"


def test_single_client_leaving_during_start_up(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """A client that sends a request and leaves at once (while the target may still be loading)
    still ends a single-client session: the server exits 0 instead of waiting forever. (One that
    leaves without a request is no client: see test_admission.py.)"""
    exe = build_go("basic", go)
    for attempt in range(5):
        srv = launch_server(exe, multiclient=False)
        c = RawClient(srv.addr)
        c.send("IsMulticlient")
        c.close()
        try:
            status = srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.proc.kill()  # it ignores SIGTERM in that state: don't let the teardown wait for it
            pytest.fail(f"attempt {attempt}: the server still runs 10 s after its only client left")
        assert status == 0, srv.stderr()
