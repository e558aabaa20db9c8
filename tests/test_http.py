"""The HTTP JSON-RPC endpoint (issue 6): the real `curl` and an aiohttp client against a real server.

The server listens on one port for both protocols; these tests use that port for HTTP unless
they test `--http-listen`.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from dlvclient import basic_session_commands, basic_session_expected, normalize, run_dlv_connect
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import ServerProcess, start_server
from serverhelpers import process_gone, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]
JSON = "Content-Type: application/json"
TOKEN = "s3cret-token"


def curl(addr: str, body: Any, *headers: str, timeout: float = 30) -> dict[str, Any]:
    """POST a JSON-RPC body with the real curl; the parsed reply."""
    out = curl_raw(addr, json.dumps(body), JSON, *headers, timeout=timeout)
    assert out.status == 200, out
    return json.loads(out.body)


class CurlResult:
    def __init__(self, status: int, body: str) -> None:
        self.status, self.body = status, body

    def __repr__(self) -> str:
        return f"HTTP {self.status}: {self.body[:500]}"

    def json(self) -> Any:
        return json.loads(self.body)


def _curl_cmd(url: str, data: str | None, headers: tuple[str, ...]) -> list[str]:
    exe = shutil.which("curl")
    if exe is None:
        pytest.skip("curl is not installed")
    cmd = [exe, "-s", "-S", "-w", "\n%{http_code}", url]
    for h in headers:
        cmd += ["-H", h]
    if data is not None:
        cmd += ["--data-binary", data]
    return cmd


def curl_raw(addr: str, data: str | None, *headers: str, path: str = "/", timeout: float = 30) -> CurlResult:
    proc = subprocess.run(_curl_cmd(f"http://{addr}{path}", data, headers), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    body, _, status = proc.stdout.rpartition("\n")
    return CurlResult(int(status), body)


_BACKGROUND: list[subprocess.Popen[str]] = []


def curl_background(addr: str, body: Any) -> subprocess.Popen[str]:
    proc = subprocess.Popen(_curl_cmd(f"http://{addr}/", json.dumps(body), (JSON,)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _BACKGROUND.append(proc)
    return proc


@pytest.fixture(autouse=True)
def _reap_background_curls() -> Iterator[None]:
    yield
    while _BACKGROUND:
        proc = _BACKGROUND.pop()
        proc.kill()
        proc.communicate()


def background_reply(proc: subprocess.Popen[str], timeout: float = 20) -> dict[str, Any]:
    out, err = proc.communicate(timeout=timeout)
    body, _, status = out.rpartition("\n")
    assert status == "200", (out, err)
    return json.loads(body)


def rpc2(method: str, params: Any = None, req_id: Any = 1) -> dict[str, Any]:
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": req_id}
    if params is not None:
        body["params"] = params
    return body


def wait_running(addr: str, want: bool, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state = curl(addr, rpc2("State", {"NonBlocking": True}))["result"]["State"]
        if state["Running"] is want or time.monotonic() > deadline:
            assert state["Running"] is want, state
            return state
        time.sleep(0.05)


# --- the curl session --------------------------------------------------------------------


def test_curl_session_break_continue_exit(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go))
    addr = srv.addr
    bp = curl(addr, rpc2("RPCServer.CreateBreakpoint", {"Breakpoint": {"functionName": "main.add"}}))
    assert bp["id"] == 1 and bp["jsonrpc"] == "2.0", bp
    assert (bp["result"]["Breakpoint"]["functionName"], bp["result"]["Breakpoint"]["line"]) == ("main.add", 38)
    stop = curl(addr, rpc2("Command", {"name": "continue"}, 2))["result"]["State"]
    assert stop["Running"] is False and stop["currentThread"]["function"]["name"] == "main.add", stop
    assert stop["currentThread"]["breakPoint"]["id"] == 1
    # The result object is exactly the stream protocol's (same encoder, same key order).
    stream = srv.client().call("State", {})
    http_state = json.loads(curl_raw(addr, json.dumps(rpc2("State", {})), JSON).body)["result"]
    assert json.dumps(http_state) == json.dumps(stream)
    curl(addr, rpc2("ClearBreakpoint", [{"Id": 1}], 3))  # Delve's one-element array form
    end = curl(addr, rpc2("Command", {"name": "continue"}, 4))["result"]["State"]
    assert end["exited"] is True and end["exitStatus"] == 0, end
    assert "done" in srv.output()


def test_curl_running_state_halt_and_disconnect(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("sleeper", go))
    addr = srv.addr
    pid = curl(addr, rpc2("ProcessPid"))["result"]["Pid"]
    running = curl_background(addr, rpc2("Command", {"name": "continue"}, 7))
    wait_output(srv, "ready\n")
    wait_running(addr, True)  # a second curl while the first one blocks
    halted = curl(addr, rpc2("Command", {"name": "halt"}, 8))["result"]["State"]
    cont = background_reply(running)
    assert cont["id"] == 7 and cont["result"]["State"]["Running"] is False, cont
    assert halted["Running"] is False
    # A client that goes away mid-continue stops nothing, and the stop is not lost.
    running = curl_background(addr, rpc2("Command", {"name": "continue"}, 9))
    wait_running(addr, True)
    running.kill()
    running.wait()
    time.sleep(0.2)
    wait_running(addr, True)
    stream = srv.client()
    assert stream.call("Command", {"name": "halt"})["State"]["Running"] is False  # halt over the stream
    state = wait_running(addr, False)
    assert state["Pid"] == pid and not state.get("exited"), state
    assert srv.proc.poll() is None
    # Detach ends the server (and only Detach or a signal does).
    assert curl(addr, rpc2("Detach", {"Kill": True}))["result"] == {}
    assert srv.wait(15) == 0, srv.stderr()
    assert process_gone(pid)


# --- bodies and error codes (aiohttp client) ------------------------------------------------------


@pytest.mark.go("1.27")
async def test_bodies_and_error_codes(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go))
    url = f"http://{srv.addr}/"
    async with aiohttp.ClientSession() as http:

        async def post(body: Any) -> tuple[int, str]:
            async with http.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}) as r:
                return r.status, await r.text()

        # Delve's own 1.0 body: answered in 1.0 shape, byte for byte what the stream sends.
        status, text = await post({"method": "RPCServer.IsMulticlient", "params": [{}], "id": 5})
        assert (status, text) == (200, '{"id":5,"result":{"IsMulticlient":true},"error":null}')
        status, text = await post({"method": "GetBreakpoint", "params": [{"Id": 77}], "id": "x"})
        assert json.loads(text) == {"id": "x", "result": None, "error": "no breakpoint with id 77"}
        # Prefix-less names, object and array params.
        for params in ({}, [{}], None):
            status, text = await post(rpc2("IsMulticlient", params, 3))
            assert json.loads(text) == {"jsonrpc": "2.0", "result": {"IsMulticlient": True}, "id": 3}
        # Notifications: no reply at all.
        async with http.post(url, json={"jsonrpc": "2.0", "method": "GetVersion"}) as r:
            assert r.status == 204 and await r.read() == b""
        # A batch: replies for the requests, none for the notification, each with its code.
        status, text = await post([
            rpc2("RPCServer.GetVersion", {}, 1),
            rpc2("NoSuchMethod", {}, 2),
            rpc2("State", [5], 3),
            rpc2("GetBreakpoint", {"Id": 99}, 4),
            {"jsonrpc": "2.0", "method": "State", "params": {"NonBlocking": True}},
        ])
        assert status == 200
        replies = {r["id"]: r for r in json.loads(text)}
        assert set(replies) == {1, 2, 3, 4}
        assert replies[1]["result"]["APIVersion"] == 2
        assert replies[2]["error"] == {"code": -32601, "message": "Method not found",
                                       "data": "unknown method: NoSuchMethod"}
        assert replies[3]["error"]["code"] == -32602
        assert replies[3]["error"]["data"] == ("malformed request body: json: cannot unmarshal number into "
                                               ".0 of type rpc2.StateIn")
        assert replies[4]["error"] == {"code": -32000, "message": "no breakpoint with id 99"}
        # Not JSON, not JSON-RPC: 200 with the spec's codes.
        async with http.post(url, data=b"{nope", headers={"Content-Type": "application/json"}) as r:
            assert r.status == 200 and (await r.json())["error"]["code"] == -32700
        status, text = await post({"jsonrpc": "1.5", "method": "State", "id": 1})
        assert json.loads(text)["error"]["code"] == -32600
        # The methods page, for a person who opens the URL.
        async with http.get(url, headers={"Accept": "text/html"}) as r:
            page = await r.text()
            assert r.status == 200 and r.content_type == "text/html"
            assert "CreateBreakpoint" in page and "curl -s" in page
        async with http.get(url + "methods") as r:
            assert r.status == 200 and "ListGoroutines" in await r.text()
            assert "Access-Control-Allow-Origin" not in r.headers


# --- refusals -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_server(require_go: Callable[[str], GoToolchain], build_go: Build,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One sleeper server for the refusal tests, with a token (PYDLV_AUTH_TOKEN) and one allowed origin."""
    os.environ["PYDLV_AUTH_TOKEN"] = TOKEN
    try:
        srv = start_server(build_go("sleeper", require_go("1.27")),
                           extra=("--allow-origin=http://ok.example", "--allow-unauthenticated-stream"),
                           tmp=tmp_path_factory.mktemp("http"))
    finally:
        del os.environ["PYDLV_AUTH_TOKEN"]
    yield srv
    srv.stop()


AUTH = f"Authorization: Bearer {TOKEN}"


def still_works(srv: ServerProcess) -> None:
    """The server answers both protocols and the target is alive and stopped."""
    state = curl(srv.addr, rpc2("State", {"NonBlocking": True}), AUTH)["result"]["State"]
    assert state["Running"] is False and not state.get("exited"), state
    assert srv.client().call("IsMulticlient") == {"IsMulticlient": True}
    assert srv.proc.poll() is None


@pytest.mark.parametrize("headers, status, why", [
    (("Host: evil.example:{port}",), 403, "DNS rebinding"),
    (("Host: 127.0.0.1:1",), 403, "DNS rebinding"),
    (("Origin: http://evil.example",), 403, "--allow-origin"),
    (("Origin: null",), 403, "--allow-origin"),
    (("Content-Type: text/plain",), 403, "application/json"),
    (("Content-Type: application/x-www-form-urlencoded",), 403, "application/json"),
    (("Content-Type:",), 403, "application/json"),
    (("Authorization:",), 401, "Bearer"),
    (("Authorization: Bearer wrong",), 401, "Bearer"),
    (("Authorization: Basic czNjcmV0LXRva2Vu",), 401, "Bearer"),
], ids=["foreign-host", "wrong-port", "origin", "origin-null", "text-plain", "form", "no-content-type",
        "no-token", "wrong-token", "basic-auth"])
def test_refusal(shared_server: ServerProcess, headers: tuple[str, ...], status: int, why: str) -> None:
    port = shared_server.addr.rpartition(":")[2]
    base = {"Content-Type": JSON.split(": ")[1], "Authorization": f"Bearer {TOKEN}"}
    for h in headers:  # each case overrides one header of an otherwise good request
        name, _, value = h.partition(":")
        base[name] = value.strip().format(port=port)
    sent = [f"{k}: {v}" if v else f"{k};" if k == "Content-Type" else f"{k}:" for k, v in base.items()]
    # Command{continue} would run the target if it got through.
    out = curl_raw(shared_server.addr, json.dumps(rpc2("Command", {"name": "continue"})), *sent)
    assert out.status == status, out
    assert why in out.json()["error"], out
    assert "Access-Control-Allow-Origin" not in out.body
    still_works(shared_server)


def test_allowed_origin_gets_cors(shared_server: ServerProcess) -> None:
    out = subprocess.run(_curl_cmd(f"http://{shared_server.addr}/", json.dumps(rpc2("IsMulticlient")),
                                   (JSON, AUTH, "Origin: http://ok.example")) + ["-i"],
                         capture_output=True, text=True, timeout=10).stdout
    assert "Access-Control-Allow-Origin: http://ok.example" in out, out
    still_works(shared_server)


def test_oversized_body(shared_server: ServerProcess, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps(rpc2("State", {"pad": "x" * (10 * 1024 * 1024 + 10)})))
    out = curl_raw(shared_server.addr, f"@{big}", JSON, AUTH)
    assert out.status == 413 and "limit" in out.json()["error"], out
    still_works(shared_server)


def test_half_sent_request_does_not_block_others(shared_server: ServerProcess) -> None:
    host, _, port = shared_server.addr.rpartition(":")
    with socket.create_connection((host, int(port))) as slow:
        slow.sendall(b"POST / HTTP/1.1\r\nHost: " + shared_server.addr.encode() + b"\r\nContent-Length: 100\r\n")
        with socket.create_connection((host, int(port))) as slower:
            slower.sendall(b"PO")  # not even a whole method token
            t0 = time.monotonic()
            still_works(shared_server)
            assert time.monotonic() - t0 < 5


# --- admission: single-client mode, --http-listen, start-up refusal, dlv connect ------------------


def test_single_client_mode_serves_http_without_ending(go: GoToolchain, build_go: Build,
                                                       launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go), multiclient=False)
    for i in range(3):  # each curl is a connection opened and closed: none ends the session
        assert curl(srv.addr, rpc2("IsMulticlient", {}, i))["result"] == {"IsMulticlient": False}
    assert srv.proc.poll() is None
    stream = srv.client()  # the one stream client is still to come
    assert stream.call("ProcessPid")["Pid"] > 0
    stream.close()
    assert srv.wait(20) == 0, srv.stderr()


@pytest.mark.go("1.27")
def test_http_listen_and_http_off(go: GoToolchain, build_go: Build, launch_server: Launch, free_port: int) -> None:
    srv = launch_server(build_go("basic", go), extra=(f"--http-listen=127.0.0.1:{free_port}", "--http=false"))
    http_addr = f"127.0.0.1:{free_port}"
    assert curl(http_addr, rpc2("IsMulticlient"))["result"] == {"IsMulticlient": True}
    with socket.create_connection(tuple(srv.addr.rsplit(":", 1))) as s:  # type: ignore[arg-type]
        s.sendall(b"GET / HTTP/1.1\r\nHost: " + srv.addr.encode() + b"\r\n\r\n")
        s.settimeout(5)
        assert s.recv(100) == b""  # --http=false: the stream codec closes on non-JSON
    assert srv.client().call("IsMulticlient") == {"IsMulticlient": True}


def test_non_loopback_without_token_refuses_to_start(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "pydlv", "exec", "/bin/true", "--headless", "--listen=0.0.0.0:0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "--auth-token" in proc.stderr and "--http=false" in proc.stderr, proc


@pytest.mark.go("1.27")
def test_dlv_connect_on_the_http_port(go: GoToolchain, build_go: Build, dlv: str, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go))
    assert curl(srv.addr, rpc2("GetVersion"))["result"]["APIVersion"] == 2  # HTTP is on
    main_line = marker_line("basic", "BP-MAIN")
    session = run_dlv_connect(srv.addr, basic_session_commands(main_line), answers="y\n", dlv=dlv)
    expected = basic_session_expected(TESTDATA / "basic" / "main.go", marker_line("basic", "BP-ADD") - 1, main_line)
    assert normalize(session.stdout, session.script) == expected
    assert srv.wait(20) == 0, srv.stderr()


# --- client mistakes are the client's: 400/413 with a JSON error; nosniff on every answer ----------


def raw_http(addr: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw request; (status, headers, body) of the answer (the server closes or keeps alive)."""
    host, _, port = addr.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            assert chunk, buf
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = s.recv(65536)
            assert chunk
            body += chunk
    return int(lines[0].split()[1]), headers, body


def test_client_mistakes_and_nosniff(shared_server: ServerProcess) -> None:
    addr = shared_server.addr
    auth = AUTH.encode()

    def post(body: bytes, extra: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        return raw_http(addr, b"POST / HTTP/1.1\r\nHost: " + addr.encode() + b"\r\nContent-Type: application/json\r\n"
                        + auth + b"\r\n" + extra + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                        + body)

    deep = b'{"jsonrpc":"2.0","method":"State","id":1,"params":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, headers, body = post(deep)
    assert status == 400 and "nested" in json.loads(body)["error"], (status, body[:300])
    status, headers, body = post(b"[" * 100_000 + b"]" * 100_000)
    assert status == 400 and headers["x-content-type-options"] == "nosniff"
    batch = json.dumps([rpc2("State", {"NonBlocking": True}, i) for i in range(101)]).encode()
    t0 = time.monotonic()
    status, headers, body = post(batch)
    assert status == 413 and "limit of 100" in json.loads(body)["error"], (status, body[:300])
    assert time.monotonic() - t0 < 2
    status, _, body = post(json.dumps([rpc2("State", {"NonBlocking": True}, i) for i in range(100)]).encode())
    assert status == 200 and len(json.loads(body)) == 100
    # Every answer, whoever gives it: results, refusals, 404/405, aiohttp's own 400s, the pages.
    get = b"GET %s HTTP/1.1\r\nHost: " + addr.encode() + b"\r\nConnection: close\r\n\r\n"
    answers = [
        post(json.dumps(rpc2("IsMulticlient")).encode()),
        post(b"{nope"),
        raw_http(addr, get.replace(b"%s", b"/")),  # no token: 401
        raw_http(addr, get.replace(b"%s", b"/").replace(b"Host: ", auth + b"\r\nHost: ")),
        raw_http(addr, get.replace(b"%s", b"/methods").replace(b"Host: ", auth + b"\r\nHost: ")),
        raw_http(addr, get.replace(b"%s", b"/nope").replace(b"Host: ", auth + b"\r\nHost: ")),
        raw_http(addr, b"patch / HTTP/1.1\r\nHost: " + addr.encode() + b"\r\n\r\n"),
        raw_http(addr, b"GET / HTTP/1.1\r\nHost: " + addr.encode() + b"\r\nBad Header\r\n\r\n"),
        raw_http(addr, b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
    ]
    statuses = [a[0] for a in answers]
    assert statuses == [200, 200, 401, 200, 200, 404, 400, 400, 403], statuses
    for status, headers, body in answers:
        assert headers.get("x-content-type-options") == "nosniff", (status, headers)
        assert b"Traceback" not in body and b"File \"" not in body, body
        if status >= 400:
            assert "error" in json.loads(body), body
    # Origin-less GETs of the pages (what a script tag or a link sends) get static text only.
    for _, headers, body in answers[3:5]:
        assert headers["content-type"].startswith("text/plain") and b"RPCServer.State" not in body
    still_works(shared_server)
