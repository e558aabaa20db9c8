"""Property-based fuzzing of every API method (issue item 7), over the stream and over HTTP.

Hypothesis generates requests for every method of the method table: In objects with wrong types,
missing and unknown fields, huge numbers, odd ids, wrong params shapes, invalid UTF-8 and truncated
bodies. For each one:
- the answer is a well-formed result or error (stream: Delve's reply line, or the connection closed
  without a reply as Go's codec does for what is not an object; HTTP: a JSON-RPC answer or a JSON
  refusal), with no traceback and no internal error;
- another client is still served at once;
- when the request failed, the target's registers (GP and FP) and memory (the stack around SP, a
  package variable) are what they were.

Requests that would legitimately end or move the session are kept failing: Detach and Restart get
params of the wrong type; Command never gets a resuming or switching command name; GetEvents (a long
poll that answers when the session ends) is not waited for. The examples are derandomized (the same
on every run) and bounded in number, so CI stays inside its budget.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydlv.protocol.methods import METHODS
from rpcclient import ServerProcess, start_server

Build = Callable[[str, GoToolchain], Path]

STREAM_EXAMPLES = 400
HTTP_EXAMPLES = 300
FUZZ_SETTINGS = settings(max_examples=STREAM_EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))

NEVER_SUCCEED = {"RPCServer.Detach", "RPCServer.Restart"}  # they would end or replace the session
LONG_POLL = "RPCServer.GetEvents"
COMMAND_NAMES_KEPT_OUT = {"continue", "next", "step", "stepout", "stepinstruction", "nextinstruction", "call",
                          "rewind", "directioncongruentcontinue", "switchthread", "switchgoroutine"}

# ---- strategies -----------------------------------------------------------------------------------

HUGE = [0, -1, 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, -(10**30)]
ints = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from(HUGE))
floats = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -0.0, 0.5, 1e-300]))
texts = st.one_of(st.text(max_size=24), st.sampled_from(["", "main.add", "main.main", "*", "(", "runtime.g",
                                                         "GlobalCounter", "\x00", "\u2028", "a" * 300]))
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)), max_leaves=12)


def value_for(annotation: str) -> st.SearchStrategy[Any]:
    """Mostly the field's own JSON type (to get past decoding), else anything."""
    a = annotation.lower()
    if "bool" in a:
        own: st.SearchStrategy[Any] = st.booleans()
    elif "int" in a:
        own = ints
    elif "str" in a:
        own = texts
    elif "list" in a:
        own = st.lists(json_values, max_size=3)
    else:
        own = json_values
    return st.one_of(own, own, own, json_values)


@st.composite
def in_object(draw: st.DrawFn, method: str) -> Any:
    spec = METHODS[method]
    fields = [f for f in dataclasses.fields(spec.in_type) if f.name != "GO_TYPE"]
    obj: dict[str, Any] = {}
    for f in fields:
        if draw(st.integers(0, 3)):  # some fields are left out
            key = f.name if draw(st.integers(0, 5)) else draw(st.sampled_from([f.name.lower(), f.name.upper()]))
            obj[key] = draw(value_for(str(f.type)))
    if draw(st.integers(0, 4)) == 0:
        obj[draw(texts)] = draw(json_values)  # an unknown field
    if method == "RPCServer.Command":
        for key in list(obj):
            if key.lower() == "name" and (not isinstance(obj[key], str) or obj[key].lower() in COMMAND_NAMES_KEPT_OUT):
                obj[key] = "fuzz-" + str(obj[key])[:8]
    if method in NEVER_SUCCEED:
        obj["Kill" if method.endswith("Detach") else "Position"] = {"not": "the right type"}
    shape = draw(st.integers(0, 9))
    if method in NEVER_SUCCEED:
        return [obj]
    if shape == 0:
        return obj  # not wrapped in Delve's one-element array
    if shape == 1:
        return draw(st.one_of(st.none(), st.just([]), st.just([obj, obj]), json_values))
    return [obj]


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """(method, a Delve 1.0 envelope) for any method of the table."""
    method = draw(st.sampled_from(sorted(METHODS)))
    env: dict[str, Any] = {}
    env["method"] = method if draw(st.integers(0, 9)) else draw(st.sampled_from(
        [method.split(".", 1)[1], method.lower(), method + "x", "", "RPCServer."]))
    if method in NEVER_SUCCEED:
        env["method"] = method
    params = draw(in_object(method))
    if params is not None or draw(st.booleans()):
        env["params"] = params
    if draw(st.integers(0, 5)):
        env["id"] = draw(st.one_of(ints, floats, texts, st.none(), st.lists(ints, max_size=2),
                                   st.dictionaries(texts, ints, max_size=2)))
    return method, env


@st.composite
def raw_bodies(draw: st.DrawFn, envelope: Callable[[str, dict[str, Any]], Any]) -> tuple[str, bytes, str]:
    """(method, body bytes, mutation): the JSON text, maybe with invalid UTF-8 or cut short."""
    method, env = draw(requests())
    body = json.dumps(envelope(method, env), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    mutation = draw(st.sampled_from(["none"] * 6 + ["bad-utf8", "truncated"]))
    if mutation == "bad-utf8":
        quotes = [i for i, c in enumerate(body) if c == 0x22]
        at = draw(st.sampled_from(quotes)) + 1 if quotes else 0
        body = body[:at] + draw(st.sampled_from([b"\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])) + body[at:]
    elif mutation == "truncated":
        body = body[: draw(st.integers(0, max(len(body) - 1, 0)))]
    return method, body, mutation


# ---- the server and what must not change ---------------------------------------------------------------


class Target:
    def __init__(self, srv: ServerProcess) -> None:
        self.srv = srv
        self.other = srv.client()  # the client that must keep being served
        var = self.other.call("Eval", {"Scope": {"GoroutineID": -1}, "Expr": "GlobalCounter"})["Variable"]
        self.global_addr = var["addr"]
        self.baseline = self.snapshot()

    def snapshot(self) -> Any:
        c = self.other
        regs = c.call("ListRegisters", {"ThreadID": 0, "IncludeFp": True}, timeout=20)["Regs"]
        rsp = next(int(r["Value"], 16) for r in regs if r["Name"] == "Rsp")
        stack = c.call("ExamineMemory", {"Address": rsp - 1024, "Length": 2048}, timeout=20)["Mem"]
        data = c.call("ExamineMemory", {"Address": self.global_addr, "Length": 64}, timeout=20)["Mem"]
        return regs, stack, data

    def still_served(self) -> None:
        t0 = time.monotonic()
        state = self.other.call("State", {"NonBlocking": True}, timeout=20)["State"]
        assert not state.get("exited") and time.monotonic() - t0 < 10, state
        assert self.srv.proc.poll() is None, self.srv.stderr()[-3000:]

    def unchanged(self, what: str) -> None:
        assert self.snapshot() == self.baseline, f"the target changed after a failed request: {what}"

    def refresh(self) -> None:
        self.baseline = self.snapshot()


@pytest.fixture(scope="module")
def target(go: GoToolchain, build_go: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    srv = start_server(build_go("basic", go), tmp=tmp_path_factory.mktemp("fuzz"))
    c = srv.client()
    c.call("CreateBreakpoint", {"Breakpoint": {"file": str(TESTDATA / "basic" / "main.go"),
                                               "line": marker_line("basic", "BP-ADD")}})
    assert c.call("Command", {"name": "continue"}, timeout=60)["State"]["currentThread"]["function"]["name"] == "main.add"
    yield Target(srv)
    srv.stop()


def bad_text(text: str) -> str | None:
    for marker in ("Traceback", "Internal debugger error", 'File "', "RecursionError", "MemoryError"):
        if marker in text:
            return marker
    return None


# ---- over the stream ---------------------------------------------------------------------------------


def stream_envelope(method: str, env: dict[str, Any]) -> Any:
    return env


@FUZZ_SETTINGS
@given(case=raw_bodies(stream_envelope))
def test_fuzz_stream(target: Target, case: tuple[str, bytes, str]) -> None:
    method, body, mutation = case
    host, _, port = target.srv.addr.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(body)
        if mutation == "truncated":
            s.shutdown(socket.SHUT_WR)  # the rest never comes: closed without a reply
        wait = 0.5 if method == LONG_POLL else 30
        line = _read_line(s, wait)
    if line is None:
        assert method == LONG_POLL or mutation != "none" or not body.lstrip().startswith(b"{") \
            or b'"params": [' not in body, f"no reply to {body[:300]!r}"
    else:
        reply = json.loads(line)
        assert set(reply) == {"id", "result", "error"}, reply
        if reply["error"] is not None:
            assert isinstance(reply["error"], str) and reply["result"] is None, reply
            assert bad_text(reply["error"]) is None, (body[:300], reply["error"])
    event("stream: closed" if line is None else "stream: error" if json.loads(line)["error"] else "stream: result")
    target.still_served()
    if line is None or json.loads(line)["error"] is not None:
        target.unchanged(repr(body[:300]))
    else:
        target.refresh()  # a request that succeeded may change the target (Set, CreateBreakpoint)


def _read_line(s: socket.socket, timeout: float) -> bytes | None:
    """One reply line; None when the server closed the connection (or, for a long poll, kept quiet)."""
    s.settimeout(timeout)
    buf = b""
    try:
        while b"\n" not in buf:
            chunk = s.recv(1 << 20)
            if not chunk:
                return None
            buf += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        return None
    return buf.partition(b"\n")[0]


# ---- over HTTP ---------------------------------------------------------------------------------------


def http_envelope(method: str, env: dict[str, Any]) -> Any:
    """Half of the bodies are JSON-RPC 2.0 (object or Delve's array params), a few are batches."""
    if len(json.dumps(env)) % 2:
        return env  # Delve's own 1.0 body
    body: dict[str, Any] = {"jsonrpc": "2.0", "method": env.get("method", ""), **(
        {"params": env["params"]} if "params" in env else {}), **({"id": env["id"]} if "id" in env else {})}
    if isinstance(body.get("params"), list) and len(body["params"]) == 1 and isinstance(body["params"][0], dict) \
            and len(json.dumps(env)) % 3 == 0:
        body["params"] = body["params"][0]  # the In object itself
    return [body, body] if len(json.dumps(env)) % 7 == 0 else body


@settings(FUZZ_SETTINGS, max_examples=HTTP_EXAMPLES)
@given(case=raw_bodies(http_envelope))
def test_fuzz_http(target: Target, case: tuple[str, bytes, str]) -> None:
    method, body, mutation = case
    addr = target.srv.addr
    host, _, port = addr.rpartition(":")
    full = len(body) if mutation != "truncated" else len(body) + 10
    head = (f"POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {full}\r\n"
            "Connection: close\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(head + body)
        if mutation == "truncated":
            s.shutdown(socket.SHUT_WR)
        answer = _read_all(s, 0.5 if method == LONG_POLL else 30)
    failed = True
    if answer:
        status_line, _, rest = answer.partition(b"\r\n")
        status = int(status_line.split()[1])
        headers, _, payload = rest.partition(b"\r\n\r\n")
        assert b"x-content-type-options: nosniff" in headers.lower(), headers
        assert status in (200, 204, 400, 408, 413), answer[:500]
        if status == 200:
            replies = json.loads(payload)
            for reply in replies if isinstance(replies, list) else [replies]:
                _check_http_reply(reply)
                assert bad_text(json.dumps(reply.get("error"))) is None, (body[:300], reply)
                failed = failed and reply.get("error") is not None
        elif status != 204:
            assert "error" in json.loads(payload), payload
            assert bad_text(payload.decode("utf-8", "replace")) is None, (body[:300], payload[:500])
    event(f"http: {'nothing' if not answer else 'failed' if failed else 'succeeded'}")
    target.still_served()
    if failed:
        target.unchanged(repr(body[:300]))
    else:
        target.refresh()


def _check_http_reply(reply: dict[str, Any]) -> None:
    if "jsonrpc" not in reply:  # Delve's 1.0 shape
        assert set(reply) == {"id", "result", "error"}, reply
        return
    assert reply["jsonrpc"] == "2.0" and "id" in reply, reply
    if "error" in reply:
        err = reply["error"]
        assert isinstance(err["code"], int) and isinstance(err["message"], str), reply
        assert err["code"] != -32603, reply  # an internal error is a bug
    else:
        assert "result" in reply, reply


def _read_all(s: socket.socket, timeout: float) -> bytes:
    s.settimeout(timeout)
    buf = b""
    try:
        while chunk := s.recv(1 << 20):
            buf += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return buf
