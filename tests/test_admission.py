"""Who gets in (the issue's items 1, 3 and 4): the token on every way in, the single-client slot,
what is neither Delve's protocol nor HTTP, the connection cap and the first-request timeout.

Real servers and targets; the clients are raw sockets sending exactly what the named client
(dlv, curl, a TLS hello, a port scan) would.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import GoToolchain
from rpcclient import ServerProcess
from serverhelpers import process_gone
from test_http import AUTH, JSON, TOKEN, curl, curl_raw, rpc2

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

# The first bytes of a browser's TLS hello (fetch("https://127.0.0.1:PORT/")): a handshake record.
TLS_HELLO = bytes.fromhex("16030106f4010006f00303") + os.urandom(32) + b"\x20" + os.urandom(32)


def connect(addr: str) -> socket.socket:
    host, _, port = addr.rpartition(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    return s


def closed_by_server(s: socket.socket, timeout: float = 5) -> bool:
    """True when the server closes s (EOF or reset) within timeout, with nothing sent."""
    s.settimeout(timeout)
    try:
        return s.recv(4096) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def request(method: str, params: Any = None, req_id: int = 1) -> bytes:
    return json.dumps({"method": f"RPCServer.{method}", "params": [params or {}], "id": req_id}).encode()


def read_reply(s: socket.socket, timeout: float = 10) -> dict[str, Any]:
    s.settimeout(timeout)
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {buf!r}")
        buf += chunk
    reply: dict[str, Any] = json.loads(buf.partition(b"\n")[0])
    return reply


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- item 1: a token guards every way in ------------------------------------------------------


@pytest.mark.parametrize("how", ["flag", "env"])
def test_token_refuses_the_stream(go: GoToolchain, build_go: Build, launch_server: Launch, how: str) -> None:
    """With a token, a plain TCP client gets Delve's protocol answered with why, and nothing runs."""
    extra = (f"--auth-token={TOKEN}",) if how == "flag" else ()
    env = {"PYDLV_AUTH_TOKEN": TOKEN} if how == "env" else None
    srv = launch_server(build_go("basic", go), multiclient=False, extra=extra, env=env)
    for _ in range(2):  # neither takes the single-client slot nor ends the session
        with connect(srv.addr) as s:
            s.sendall(request("Command", {"name": "call", "expr": "add(1, 2)", "ReturnInfoLoadConfig": {}}))
            reply = read_reply(s)
            assert reply["result"] is None and "--allow-unauthenticated-stream" in reply["error"], reply
            assert closed_by_server(s)
    assert curl_raw(srv.addr, json.dumps(rpc2("State")), JSON).status == 401
    state = curl(srv.addr, rpc2("State", {"NonBlocking": True}), AUTH)["result"]["State"]
    assert state["Running"] is False and state["currentThread"]["function"]["name"] == "_rt0_amd64_linux", state
    assert srv.proc.poll() is None


def test_token_with_unauthenticated_stream_flag(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go), extra=(f"--auth-token={TOKEN}", "--allow-unauthenticated-stream"))
    assert srv.client().call("IsMulticlient") == {"IsMulticlient": True}
    assert curl_raw(srv.addr, json.dumps(rpc2("State")), JSON).status == 401  # HTTP still needs it


def test_token_startup_rules(tmp_path: Path) -> None:
    def start(*flags: str, command: tuple[str, ...] = ("exec", "/bin/true")) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "pydlv", *command, "--headless", *flags]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30)

    # --http=false leaves only the stream, which cannot carry the token: nothing would be served.
    out = start("--listen=127.0.0.1:0", "--http=false", f"--auth-token={TOKEN}")
    assert out.returncode == 1 and "--allow-unauthenticated-stream" in out.stderr, out
    out = start(command=("help",))
    assert "--allow-unauthenticated-stream" in out.stdout and "ssh -L" in out.stdout, out
    for bad in ("--max-connections=0", "--first-request-timeout=-1", "--max-connections=x"):
        out = start(bad)
        assert out.returncode == 1 and "Error:" in out.stderr, (bad, out)


# --- item 3: the single-client slot ---------------------------------------------------------


def test_first_client_keeps_the_slot(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """A first client that has sent nothing yet keeps the slot: a second one is refused with why."""
    srv = launch_server(build_go("basic", go), multiclient=False)
    first = connect(srv.addr)
    time.sleep(0.3)  # the server has accepted it
    second = connect(srv.addr)
    second.sendall(request("ProcessPid", req_id=7))
    time.sleep(0.3)
    first.sendall(request("ProcessPid", req_id=1))
    pid = read_reply(first)["result"]["Pid"]
    refused = read_reply(second)
    assert refused["id"] == 7 and "another client is connected" in refused["error"], refused
    assert closed_by_server(second)
    first.sendall(request("IsMulticlient", req_id=2))
    assert read_reply(first)["result"] == {"IsMulticlient": False}
    first.close()
    assert srv.wait(20) == 0, srv.stderr()
    assert process_gone(pid)


def test_slot_passes_on_when_the_first_is_no_client(go: GoToolchain, build_go: Build,
                                                   launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go), multiclient=False)
    first = connect(srv.addr)
    time.sleep(0.2)
    second = connect(srv.addr)
    second.sendall(request("ProcessPid", req_id=7))
    time.sleep(0.2)
    first.sendall(TLS_HELLO)  # not a client: closed, and the waiting one gets the slot
    assert closed_by_server(first)
    assert read_reply(second)["result"]["Pid"] > 0
    second.close()
    assert srv.wait(20) == 0, srv.stderr()


@pytest.mark.parametrize("opening", [
    TLS_HELLO,  # fetch("https://127.0.0.1:PORT/") from any web page
    b"",  # a port scan: connect, close
    b"\x00\x01garbage\xff",
    b"\r\n\r\n",
    b"[{\"method\":\"RPCServer.Detach\",\"params\":[{}],\"id\":1}]",  # a batch is not Delve's protocol
    b"{\"method\":\"RPCServer.Detach\"",  # a first request never finished
    b"SSH-2.0-OpenSSH_9.2p1\r\n",
], ids=["tls-hello", "port-scan", "garbage", "blank-lines", "batch", "half-object", "ssh"])
def test_no_client_ends_nothing(go: GoToolchain, build_go: Build, launch_server: Launch, opening: bytes) -> None:
    srv = launch_server(build_go("basic", go), multiclient=False, extra=("--first-request-timeout=2",))
    with connect(srv.addr) as s:
        if opening:
            s.sendall(opening)
        if opening.startswith(b"{"):
            s.shutdown(socket.SHUT_WR)  # the rest never comes
        else:
            assert closed_by_server(s), "not closed"
    time.sleep(0.3)
    assert srv.proc.poll() is None, srv.stderr()
    c = srv.client()  # the slot is still free
    assert c.call("IsMulticlient") == {"IsMulticlient": False}


@pytest.mark.parametrize("line", [b"patch / HTTP/1.1", b"FOO / HTTP/1.1", b"get /methods HTTP/1.1",
                                  b"M-SEARCH * HTTP/1.1"])
@pytest.mark.go("1.27")
def test_any_request_line_is_http(go: GoToolchain, build_go: Build, launch_server: Launch, line: bytes) -> None:
    """Any `TOKEN SP` opening goes to the HTTP side, which answers it, never to the stream codec."""
    srv = launch_server(build_go("basic", go), multiclient=False)
    with connect(srv.addr) as s:
        s.sendall(line + b"\r\nHost: " + srv.addr.encode() + b"\r\nConnection: close\r\n\r\n")
        s.settimeout(10)
        head = s.recv(4096)
    assert head.startswith((b"HTTP/1.1 4", b"HTTP/1.0 4")), head
    assert srv.proc.poll() is None
    assert srv.client().call("IsMulticlient") == {"IsMulticlient": False}


# --- item 4: no client exhausts the server's file descriptors -------------------------------------


def test_connection_cap_and_first_request_timeout(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go), extra=("--max-connections=20", "--first-request-timeout=1.5"))
    keeper = srv.client()  # a real client, connected before the flood
    assert keeper.call("IsMulticlient") == {"IsMulticlient": True}
    base = fd_count(srv.proc.pid)
    silent = [connect(srv.addr) for _ in range(300)]  # never send a byte
    try:
        time.sleep(0.5)
        assert fd_count(srv.proc.pid) <= base + 20, "more connections than --max-connections held open"
        assert keeper.call("IsMulticlient") == {"IsMulticlient": True}  # the connected client is served
        assert "--max-connections" in srv.stderr()
        deadline = time.monotonic() + 10
        for s in silent:  # every one is closed: the ones over the cap at once, the others after 1.5 s
            assert closed_by_server(s, max(0.1, deadline - time.monotonic())), "a silent connection stayed open"
    finally:
        for s in silent:
            s.close()
    assert fd_count(srv.proc.pid) <= base + 1
    late = srv.client()  # once they are gone, new clients get in
    assert late.call("IsMulticlient") == {"IsMulticlient": True}
    assert keeper.call("ProcessPid")["Pid"] > 0


def test_slow_first_request_within_the_timeout(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """A first request sent in pieces is served if it completes in time; a connected client may
    then stay idle for as long as it likes."""
    srv = launch_server(build_go("basic", go), extra=("--first-request-timeout=2",))
    with connect(srv.addr) as s:
        data = request("IsMulticlient")
        for i in range(0, len(data), 8):
            s.sendall(data[i:i + 8])
            time.sleep(0.02)
        assert read_reply(s)["result"] == {"IsMulticlient": True}
        time.sleep(2.5)  # idle past the first-request timeout: still connected
        s.sendall(request("IsMulticlient", req_id=2))
        assert read_reply(s)["id"] == 2


# --- kept from before, better than Delve's defaults -------------------------------------------------


CLIENT_AS_NOBODY = """
import encodings.idna, os, socket, sys  # idna: imported while the files are still readable
os.setgid(65534); os.setuid(65534)
s = socket.socket()  # created as nobody: the kernel records its owner
s.settimeout(10)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b'{"method":"RPCServer.ProcessPid","params":[{}],"id":1}')
try:
    print(repr(s.recv(4096)))
except ConnectionResetError:
    print("reset")
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a client as another user")
def test_other_users_are_refused(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """--only-same-user (default): a loopback client of another Unix user is closed at once, on
    the stream and HTTP alike, and takes no slot."""
    srv = launch_server(build_go("basic", go), multiclient=False)
    port = srv.addr.rpartition(":")[2]
    out = subprocess.run([sys.executable, "-c", CLIENT_AS_NOBODY, port], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() in ("b''", "reset"), out
    assert "different user" in srv.stderr()
    assert srv.client().call("IsMulticlient") == {"IsMulticlient": False}


def test_killed_server_takes_its_target(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """PTRACE_O_EXITKILL: even a SIGKILLed server leaves no target behind (Delve's launch does not
    set it: its target survives, stopped)."""
    srv = launch_server(build_go("basic", go))
    pid = srv.client().call("ProcessPid")["Pid"]
    srv.proc.kill()
    srv.proc.wait(10)
    assert process_gone(pid), f"target {pid} survived its debugger"


@pytest.mark.parametrize("multiclient", [True, False])
def test_unix_socket_listener(go: GoToolchain, build_go: Build, launch_server: Launch, tmp_path: Path,
                              multiclient: bool) -> None:
    """--listen=unix:PATH: the listening line gives the path (latest Delve's net.Addr), a client
    is served there, and the socket file goes when the server stops accepting (Go's
    UnixListener.Close, so Delve): at the end, or at the first client without --accept-multiclient."""
    path = tmp_path / "pydlv.sock"
    srv = launch_server(build_go("basic", go), multiclient=multiclient, extra=(f"--listen=unix:{path}",))
    assert srv.addr == str(path)
    c = srv.client()
    assert c.call("State", {})["State"]["Running"] is False
    if not multiclient:
        deadline = time.monotonic() + 10
        while path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not path.exists()  # one client only: nobody else may connect
    else:
        assert path.exists()
    pid = c.call("ProcessPid")["Pid"]
    c.call("Detach", {"Kill": True})
    assert srv.wait() == 0
    assert not path.exists()
    assert process_gone(pid)

