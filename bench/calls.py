#!/usr/bin/env python3
"""Injected-call latency of pydlv against Delve (issue 5).

For each server: start it on testdata/basic built with Go 1.19 (`-gcflags=all=-N -l`, the build
bench/benchlib.py makes, so Debian's Delve 1.20.2 can debug it), stop at BP-MAIN, then time N
round trips of `RPCServer.Command{name: call, expr: "add(2,3)"}` (request sent to "call returned"
answered) and print the median of each and the pydlv/dlv ratio. One warm-up call is not counted:
both servers load DWARF for the first one.

Usage: python3 bench/calls.py [--runs N] [--go /usr/lib/go-1.19/bin/go] [--no-dlv]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    REPO,
    TIMEOUT,
    Client,
    add_common_args,
    build_basic,
    go_ready,
    go_version,
    marker_line,
    read_listen_line,
    stop,
)

EXPR = "add(2,3)"
LOAD = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}

BASIC = REPO / "testdata" / "basic"


def call_once(client: Client) -> float:
    t0 = time.perf_counter()
    out = client.call("Command", {"name": "call", "expr": EXPR, "ReturnInfoLoadConfig": LOAD})
    dt = time.perf_counter() - t0
    state = out["State"]
    values = [v["value"] for v in state["currentThread"].get("ReturnValues") or []]
    # Delve 1.20 has no stopReason yet: CallReturn says the call ran.
    if not state["currentThread"].get("CallReturn") or values != ["5"]:
        raise RuntimeError(f"unexpected reply to call {EXPR}: {state.get('stopReason')} {values}")
    return dt


def measure(server_cmd: list[str], binary: Path, runs: int) -> list[float]:
    cmd = [*server_cmd, "exec", str(binary), "--headless", "--listen=127.0.0.1:0", "--api-version=2",
           "--accept-multiclient"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=binary.parent)
    client: Client | None = None
    try:
        client = Client(read_listen_line(proc, time.monotonic() + TIMEOUT))
        client.call("CreateBreakpoint", {"Breakpoint": {"file": str(REPO / "testdata" / "basic" / "main.go"),
                                                        "line": marker_line(BASIC, "BP-MAIN")}})
        client.call("Command", {"name": "continue"})
        call_once(client)  # warm-up
        return [call_once(client) for _ in range(runs)]
    finally:
        stop(proc, client)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="calls per server (median is reported)")
    add_common_args(ap)
    args = ap.parse_args()
    if not go_ready(args):
        return 2
    binary = build_basic(args.go, args.cache_dir)
    servers = [("pydlv", [sys.executable, "-m", "pydlv"])]
    dlv_path = None if args.no_dlv else shutil.which("dlv")
    if dlv_path:
        servers.append(("dlv", [dlv_path]))
    print(f"Go {go_version(args.go)}; `call {EXPR}` round trips, median of {args.runs}", flush=True)
    medians: dict[str, float] = {}
    for name, cmd in servers:
        try:
            times = measure(cmd, binary, args.runs)
        except (OSError, RuntimeError, ValueError, TimeoutError, KeyError) as e:
            print(f"  {name:<6} failed: {e}", flush=True)
            continue
        medians[name] = statistics.median(times)
        print(f"  {name:<6} median {medians[name] * 1000:7.2f} ms  (min {min(times) * 1000:.2f}, "
              f"max {max(times) * 1000:.2f})", flush=True)
    if "pydlv" in medians and "dlv" in medians:
        print(f"  pydlv/dlv ratio: {medians['pydlv'] / medians['dlv']:.2f}x")
    return 0 if len(medians) == len(servers) else 1


if __name__ == "__main__":
    sys.exit(main())
