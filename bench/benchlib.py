"""What every benchmark here shares: building the targets, starting a server, a minimal client.

Targets are built with `-gcflags=all=-N -l` into a cache outside the repository
($XDG_CACHE_HOME/pydlv/bench, default ~/.cache/pydlv/bench, or --cache-dir), keyed by the Go
version and (for programs of this repository) their sources and path.

This environment may set PYTHONDONTWRITEBYTECODE=1: an editable install then compiles every
module at each start (about 100 ms). `compile_pydlv()` byte-compiles the package once, as a
user's `pip install` does, so start-up figures are what users see.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_GO = "/usr/lib/go-1.19/bin/go"
LISTEN_PREFIX = b"API server listening at: "
TIMEOUT = 120.0  # a cold cmd/go start under Delve takes seconds; a hang should not take forever
PYDLV = [sys.executable, "-m", "pydlv"]


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pydlv" / "bench"


# -- building the targets --------------------------------------------------------


def go_env(go: str, extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # The toolchain must be exactly the one given: no auto-download, no GOROOT leaking in.
    env.pop("GOROOT", None)
    env.update({"GOTOOLCHAIN": "local", "GOPROXY": "off", **extra})
    return env


def go_version(go: str) -> str:
    return subprocess.run([go, "env", "GOVERSION"], check=True, capture_output=True, text=True,
                          env=go_env(go, {})).stdout.strip()


def build_program(src: Path, go: str, cache: Path) -> Path:
    """A Go program of this repository (a directory with go.mod), built with -N -l."""
    # DWARF names files absolutely: a build from another checkout is not this one's.
    digest = hashlib.sha256(str(src).encode())
    for f in sorted(src.iterdir()):
        if f.is_file():
            digest.update(f.name.encode() + f.read_bytes())
    out = cache / f"{src.name}-{go_version(go)}-{digest.hexdigest()[:12]}"
    if not out.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        subprocess.run([go, "build", "-gcflags=all=-N -l", "-o", str(tmp), "."], cwd=src, check=True,
                       env=go_env(go, {"GOFLAGS": "-mod=mod"}))
        tmp.rename(out)
    return out


def build_basic(go: str, cache: Path) -> Path:
    return build_program(REPO / "testdata" / "basic", go, cache)


def build_big(go: str, cache: Path, package: str = "cmd/go") -> Path:
    """A command of the toolchain's own GOROOT (cmd/go: 16 MB with Go 1.19, 25 MB with Go 1.27;
    cmd/compile: 24 / 36 MB), with -N -l: thousands of functions, hundreds of units."""
    # GOFLAGS is cleared: cmd builds from GOROOT's vendor directory, and -mod=mod would not.
    out = cache / f"{package.replace('/', '-')}-{go_version(go)}-Nl"
    if not out.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        subprocess.run([go, "build", "-gcflags=all=-N -l", "-o", str(tmp), package], check=True, cwd=cache,
                       env=go_env(go, {"GOFLAGS": ""}))
        tmp.rename(out)
    return out


def marker_line(src: Path, marker: str) -> int:
    """The line of `// MARKER` in SRC (a file, or main.go of a directory)."""
    path = src / "main.go" if src.is_dir() else src
    pattern = re.compile(r"//\s*" + re.escape(marker) + r"(?![\w-])")
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line))


def compile_pydlv() -> Path:
    """Byte-compile the pydlv package this interpreter imports (as `pip install` would)."""
    out = subprocess.run([sys.executable, "-c", "import pydlv, os; print(os.path.dirname(pydlv.__file__))"],
                         check=True, capture_output=True, text=True).stdout.strip()
    # compileall.compile_dir skips symlinked folders (a staged tree is made of them): walk them too.
    for folder, dirs, files in os.walk(out, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for f in files:
            if f.endswith(".py"):
                compileall.compile_file(os.path.join(folder, f), quiet=1)
    return Path(out)


# -- a minimal Delve JSON-RPC client ---------------------------------------------


class RPCError(RuntimeError):
    pass


class Client:
    """Go net/rpc JSON codec: one JSON object per request, one line per answer."""

    def __init__(self, addr: str) -> None:
        host, _, port = addr.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=TIMEOUT)
        self.buf = b""
        self.next_id = 1

    def call(self, method: str, params: dict[str, Any]) -> Any:
        req_id = self.next_id
        self.next_id += 1
        self.sock.sendall(json.dumps({"method": f"RPCServer.{method}", "params": [params], "id": req_id}).encode())
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise ConnectionError(f"server closed the connection during {method}")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            reply = json.loads(line)
            if reply.get("id") == req_id:
                if reply.get("error"):
                    raise RPCError(f"{method}: {reply['error']}")
                return reply.get("result")

    def timed(self, method: str, params: dict[str, Any]) -> tuple[float, Any]:
        t0 = time.perf_counter()
        out = self.call(method, params)
        return time.perf_counter() - t0, out

    def close(self) -> None:
        self.sock.close()


# -- a server process ------------------------------------------------------------


def read_listen_line(proc: subprocess.Popen[bytes], deadline: float) -> str:
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"server exited (status {proc.wait()}) before listening")
        if line.startswith(LISTEN_PREFIX):
            return line[len(LISTEN_PREFIX):].strip().decode()
    raise TimeoutError("server did not print its listen address")


def stop(proc: subprocess.Popen[bytes], client: Client | None) -> None:
    if client is not None:
        # It may close the connection before answering, or be gone already.
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            client.call("Detach", {"Kill": True})
        client.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Server:
    """A started server: its process, a connected client, when it was spawned (monotonic) and
    how long it took to print its listening line."""

    proc: subprocess.Popen[bytes]
    client: Client
    t0: float
    listen: float

    def since_spawn(self) -> float:
        return time.monotonic() - self.t0


@contextlib.contextmanager
def server(server_cmd: list[str], binary: Path, args: list[str] | None = None,
           env: dict[str, str] | None = None) -> Any:
    """`SERVER exec BINARY --headless ...` in its own session, connected; killed at the end."""
    cmd = [*server_cmd, "exec", str(binary), "--headless", "--listen=127.0.0.1:0", "--api-version=2",
           "--accept-multiclient"]
    if args:
        cmd += ["--", *args]
    t0 = time.monotonic()
    # Own session: the target and anything else the server starts can be killed as one group.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=binary.parent, env=env)
    client: Client | None = None
    try:
        addr = read_listen_line(proc, t0 + TIMEOUT)
        listen = time.monotonic() - t0
        client = Client(addr)
        yield Server(proc, client, t0, listen)
    finally:
        stop(proc, client)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)  # whatever is left of its session (a target that outlived it)


# -- report ----------------------------------------------------------------------


def ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1000:8.0f} ms"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:6.2f}x"


def add_common_args(ap: argparse.ArgumentParser) -> None:
    """--go, --cache-dir, --no-dlv: what every benchmark here takes."""
    ap.add_argument("--go", default=DEFAULT_GO, help="Go toolchain to build the targets with (Go 1.19 for dlv 1.20)")
    ap.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    ap.add_argument("--no-dlv", action="store_true", help="measure pydlv only")


def go_ready(args: argparse.Namespace) -> bool:
    """The Go toolchain is there (else say how to get it) and the build cache exists."""
    if not Path(args.go).exists() and shutil.which(args.go) is None:
        print(f"Go toolchain {args.go} not found (Debian: apt-get install golang-1.19-go)", file=sys.stderr)
        return False
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    return True
