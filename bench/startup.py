#!/usr/bin/env python3
"""Start-up latency of pydlv against Delve (issue 3, part 8).

For each server and each target binary, measures from the moment the server
process is spawned to
  (1) the first `RPCServer.State` answered, and
  (2) the first breakpoint hit: `CreateBreakpoint{functionName: F}` then
      `Command{name: continue}` answered (the answer comes when the target stops),
and prints the median of N runs plus the pydlv/dlv ratio.

Targets, both built with Go 1.19 so that Debian's Delve 1.20.2 can debug them:
  - testdata/basic with `-gcflags=all=-N -l` (breakpoint on main.add);
  - GOROOT's cmd/go, a large binary with DWARF (breakpoint on main.main).
Binaries are cached in $XDG_CACHE_HOME/pydlv-bench (or --cache-dir).

Usage: python3 bench/startup.py [--runs N] [--go /usr/lib/go-1.19/bin/go] [--no-big]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import socket
import statistics
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


def build_basic(go: str, cache: Path) -> Path:
    src = REPO / "testdata" / "basic"
    # DWARF names files absolutely: a build from another checkout is not this one's.
    digest = hashlib.sha256(str(src).encode())
    for f in sorted(src.iterdir()):
        if f.is_file():
            digest.update(f.name.encode() + f.read_bytes())
    out = cache / f"basic-{go_version(go)}-{digest.hexdigest()[:12]}"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        subprocess.run([go, "build", "-gcflags=all=-N -l", "-o", str(tmp), "."], cwd=src, check=True,
                       env=go_env(go, {"GOFLAGS": "-mod=mod"}))
        tmp.rename(out)
    return out


def build_big(go: str, cache: Path) -> Path:
    # cmd/go of the same GOROOT: ~15-25 MB with DWARF, thousands of functions, hundreds of units.
    # GOFLAGS is cleared: cmd builds from GOROOT's vendor directory, and -mod=mod would not.
    out = cache / f"cmd-go-{go_version(go)}"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        subprocess.run([go, "build", "-o", str(tmp), "cmd/go"], check=True, cwd=cache,
                       env=go_env(go, {"GOFLAGS": ""}))
        tmp.rename(out)
    return out


# -- a minimal Delve JSON-RPC client ---------------------------------------------


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
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    raise ConnectionError(f"server closed the connection during {method}")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            reply = json.loads(line)
            if reply.get("id") == req_id:
                if reply.get("error"):
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result")

    def close(self) -> None:
        self.sock.close()


# -- one measured start ----------------------------------------------------------


@dataclass
class Sample:
    state: float  # seconds from spawn to the first State answer
    hit: float  # seconds from spawn to `continue` answered at the breakpoint


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


def measure(server_cmd: list[str], binary: Path, function: str) -> Sample:
    cmd = [*server_cmd, "exec", str(binary), "--headless", "--listen=127.0.0.1:0", "--api-version=2",
           "--accept-multiclient"]
    t0 = time.monotonic()
    # Own session: the target and anything else the server starts can be killed as one group.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=binary.parent)
    client: Client | None = None
    try:
        addr = read_listen_line(proc, t0 + TIMEOUT)
        client = Client(addr)
        client.call("State", {})
        t_state = time.monotonic() - t0
        client.call("CreateBreakpoint", {"Breakpoint": {"functionName": function}})
        state = client.call("Command", {"name": "continue"})
        t_hit = time.monotonic() - t0
        thread = (state or {}).get("State", state or {}).get("currentThread") or {}
        fn = ((thread.get("function") or {}).get("name")) or ""
        if fn != function:
            raise RuntimeError(f"continue stopped in {fn or '?'}, not at the breakpoint on {function}")
        return Sample(t_state, t_hit)
    finally:
        stop(proc, client)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)  # whatever is left of its session (a target that outlived it)


def median_samples(server_cmd: list[str], binary: Path, function: str, runs: int) -> Sample:
    samples = [measure(server_cmd, binary, function) for _ in range(runs)]
    return Sample(statistics.median(s.state for s in samples), statistics.median(s.hit for s in samples))


# -- report ----------------------------------------------------------------------


def ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1000:8.0f} ms"


def add_common_args(ap: argparse.ArgumentParser) -> None:
    """--go, --cache-dir, --no-dlv: what every benchmark here takes."""
    ap.add_argument("--go", default=DEFAULT_GO, help="Go toolchain to build the targets with (Go 1.19 for dlv 1.20)")
    ap.add_argument("--cache-dir", type=Path,
                    default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pydlv-bench")
    ap.add_argument("--no-dlv", action="store_true", help="measure pydlv only")


def go_ready(args: argparse.Namespace) -> bool:
    """The Go toolchain is there (else say how to get it) and the build cache exists."""
    if not Path(args.go).exists() and shutil.which(args.go) is None:
        print(f"Go toolchain {args.go} not found (Debian: apt-get install golang-1.19-go)", file=sys.stderr)
        return False
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    return True


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:6.2f}x"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (median is reported)")
    ap.add_argument("--no-big", action="store_true", help="skip the large cmd/go binary")
    add_common_args(ap)
    args = ap.parse_args()
    if not go_ready(args):
        return 2
    pydlv = [sys.executable, "-m", "pydlv"]
    dlv_path = None if args.no_dlv else shutil.which("dlv")
    servers: list[tuple[str, list[str]]] = [("pydlv", pydlv)]
    if dlv_path:
        servers.append(("dlv", [dlv_path]))

    targets = [("basic", build_basic(args.go, args.cache_dir), "main.add")]
    if not args.no_big:
        targets.append(("cmd/go", build_big(args.go, args.cache_dir), "main.main"))

    print(f"Go {go_version(args.go)}; median of {args.runs} runs; times from server spawn", flush=True)
    if not dlv_path:
        print("dlv not installed (or --no-dlv): pydlv only", flush=True)
    rows: list[tuple[str, str, Sample | None]] = []
    for tname, binary, function in targets:
        for sname, cmd in servers:
            print(f"  measuring {sname} on {tname} ({binary.stat().st_size / 1e6:.1f} MB) ...", flush=True)
            try:
                sample: Sample | None = median_samples(cmd, binary, function, args.runs)
            except (OSError, RuntimeError, ValueError, TimeoutError) as e:
                print(f"    failed: {e}", flush=True)
                sample = None
            rows.append((tname, sname, sample))

    print()
    header = f"{'binary':<8} {'server':<7} {'start→State':>12} {'start→bp hit':>13}"
    print(header)
    print("-" * len(header))
    for tname, sname, s in rows:
        print(f"{tname:<8} {sname:<7} {ms(s and s.state):>12} {ms(s and s.hit):>13}")
    if dlv_path:
        print()
        print(f"{'binary':<8} {'pydlv/dlv State':>16} {'pydlv/dlv bp hit':>17}")
        for tname, _, _ in targets:
            p = next((s for t, n, s in rows if t == tname and n == "pydlv"), None)
            d = next((s for t, n, s in rows if t == tname and n == "dlv"), None)
            print(f"{tname:<8} {ratio(p and p.state, d and d.state):>16} {ratio(p and p.hit, d and d.hit):>17}")
    return 0 if all(s is not None for _, _, s in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
