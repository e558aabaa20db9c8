"""Test helpers: start a real `pydlv` server process and talk Delve's wire protocol to it.

No mocks: the server is the installed console script, the target a real Go binary,
the client a TCP socket sending exactly what Delve's clients send.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class RPCError(Exception):
    pass


class RawClient:
    """A blocking JSON-RPC 1.0 stream client (Go net/rpc framing)."""

    def __init__(self, addr: str, timeout: float = 30.0) -> None:
        if addr.startswith("/"):  # a server listening on unix:PATH prints the path
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(addr)
        else:
            host, _, port = addr.rpartition(":")
            self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.timeout = timeout
        self._buf = b""
        self._next_id = 1
        self._stash: dict[Any, dict[str, Any]] = {}

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, method: str, params: Any = None, req_id: Any = None) -> Any:
        if req_id is None:
            req_id = self._next_id
            self._next_id += 1
        msg = {"method": method if "." in method else f"RPCServer.{method}", "params": [params if params is not None else {}], "id": req_id}
        self.sock.sendall(json.dumps(msg).encode())
        return req_id

    def read_reply(self, timeout: float | None = None) -> dict[str, Any]:
        return json.loads(self.read_line(timeout))

    def read_line(self, timeout: float | None = None) -> bytes:
        """The next reply exactly as the server sent it, without its newline."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply")
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def reply_for(self, req_id: Any, timeout: float | None = None) -> dict[str, Any]:
        while req_id not in self._stash:
            reply = self.read_reply(timeout)
            self._stash[reply["id"]] = reply
        return self._stash.pop(req_id)

    def call(self, method: str, params: Any = None, timeout: float | None = None) -> Any:
        reply = self.reply_for(self.send(method, params), timeout)
        if reply["error"] is not None:
            raise RPCError(reply["error"])
        return reply["result"]


class StdoutDrain:
    """Reads a child's stdout on a thread as it comes, so the child never blocks on a full pipe."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self._proc = proc
        self._out: list[bytes] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        out = self._proc.stdout
        assert out is not None
        for chunk in iter(lambda: out.read1(65536), b""):
            self._out.append(chunk)

    def text(self) -> str:
        return b"".join(self._out).decode(errors="replace")

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


@dataclass
class ServerProcess:
    proc: subprocess.Popen[bytes]
    addr: str
    stderr_path: Path
    clients: list[RawClient] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Drain the server's stdout (the target's output goes there too) so it never blocks.
        self._drain = StdoutDrain(self.proc)

    def output(self) -> str:
        """What the server and its target printed on stdout after the listening line."""
        return self._drain.text()

    def client(self) -> RawClient:
        c = RawClient(self.addr)
        self.clients.append(c)
        return c

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def wait(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_server(
    binary: Path | str,
    *args: str,
    multiclient: bool = True,
    extra: tuple[str, ...] = (),
    tmp: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    command: str = "exec",
    ready_timeout: float = 30,
) -> ServerProcess:
    """Run `pydlv exec BINARY --headless --listen=127.0.0.1:0 ...` and wait for its listening line.
    `env` is added to the server's environment, which the target inherits. `command` may be
    `debug`, `test` (BINARY: the package) or `attach` (BINARY: the pid) instead of `exec`."""
    cmd = [sys.executable, "-m", "pydlv", command, str(binary), "--headless", "--listen=127.0.0.1:0", "--api-version=2"]
    if multiclient:
        cmd.append("--accept-multiclient")
    cmd += list(extra)
    if args:
        cmd += ["--", *args]
    stderr_path = tmp / f"pydlv-stderr-{time.monotonic_ns()}.txt"
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, cwd=cwd, env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], ready_timeout)
    line = proc.stdout.readline().decode() if ready else ""
    prefix = "API server listening at: "
    if not line.startswith(prefix):
        proc.kill()
        proc.wait()
        raise AssertionError(f"no listening line, got {line!r}; stderr: {stderr_path.read_text()}")
    return ServerProcess(proc, line[len(prefix) :].strip(), stderr_path)
