#!/usr/bin/env python3
"""`State` over HTTP (keep-alive, JSON-RPC 2.0) and over Delve's stream socket, side by side (issue 6).

Starts `pydlv exec` on testdata/basic (built with the `go` on PATH, or --go), then for each
transport sends N sequential `RPCServer.State` requests on one connection and prints
requests/s and the median latency.

Usage: python3 bench/http.py [--requests N] [--go PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LISTEN_PREFIX = "API server listening at: "


def build(go: str, out: Path) -> Path:
    exe = out / "basic"
    subprocess.run([go, "build", "-o", str(exe), "-gcflags=all=-N -l", "."], cwd=REPO / "testdata" / "basic",
                   check=True, env={**os.environ, "GOTOOLCHAIN": "local"})
    return exe


def start(exe: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen([sys.executable, "-m", "pydlv", "exec", str(exe), "--headless",
                             "--listen=127.0.0.1:0", "--api-version=2", "--accept-multiclient"],
                            stdout=subprocess.PIPE, cwd=REPO)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline().decode() if ready else ""
    if not line.startswith(LISTEN_PREFIX):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line[len(LISTEN_PREFIX):].strip()


def stream_caller(addr: str) -> Callable[[int], None]:
    host, _, port = addr.rpartition(":")
    sock = socket.create_connection((host, int(port)))
    buf = b""

    def call(i: int) -> None:
        nonlocal buf
        sock.sendall(json.dumps({"method": "RPCServer.State", "params": [{}], "id": i}).encode())
        while b"\n" not in buf:
            buf += sock.recv(1 << 20)
        _, _, buf = buf.partition(b"\n")

    return call


def http_caller(addr: str) -> Callable[[int], None]:
    # A raw socket rather than http.client: this file's own name shadows the `http` package.
    host, _, port = addr.rpartition(":")
    sock = socket.create_connection((host, int(port)))  # keep-alive: one connection throughout
    buf = b""

    def call(i: int) -> None:
        nonlocal buf
        body = json.dumps({"jsonrpc": "2.0", "method": "State", "params": {}, "id": i}).encode()
        sock.sendall(b"POST / HTTP/1.1\r\nHost: " + addr.encode() + b"\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        while b"\r\n\r\n" not in buf:
            buf += sock.recv(1 << 20)
        head, _, buf = buf.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")))
        while len(buf) < length:
            buf += sock.recv(1 << 20)
        data, buf = buf[:length], buf[length:]
        assert b'"result"' in data, data[:200]

    return call


def measure(call: Callable[[int], None], n: int) -> tuple[float, float]:
    for i in range(20):  # warm-up (and, for HTTP, the lazy imports)
        call(i)
    lat = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        call(i)
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    return n / total, statistics.median(lat) * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--go", default="go")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="pydlv-bench-http-") as tmp:
        proc, addr = start(build(args.go, Path(tmp)))
        try:
            print(f"State x {args.requests}, one connection each, sequential")
            print(f"{'transport':<24}{'requests/s':>12}{'median ms':>12}")
            for name, make in (("stream (net/rpc 1.0)", stream_caller), ("HTTP keep-alive (2.0)", http_caller)):
                rps, med = measure(make(addr), args.requests)
                print(f"{name:<24}{rps:>12.0f}{med:>12.3f}")
        finally:
            proc.terminate()
            proc.wait(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
