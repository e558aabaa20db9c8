#!/usr/bin/env python3
"""ListGoroutines at scale (issue 4, part 5): pydlv against Delve.

testdata/manyg parks N goroutines (default 10,000) on a channel and calls
main.ready. For each server, each run: start it, stop at main.ready, then time
  (1) cold: the first `ListGoroutines{Start:0, Count:0}` after the stop (nothing cached),
  (2) warm: the same request again (Delve and pydlv both cache goroutines per stop),
  (3) stacks: `Stacktrace{Depth:10}` of 200 goroutines (first page of the list).
Prints the median of the runs and the pydlv/dlv ratio. Built with Go 1.19 (Debian's
Delve 1.20.2 debugs it).

Usage: python3 bench/goroutines.py [--runs N] [--goroutines N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from gotoolchains import TESTDATA, build, find, marker_line  # noqa: E402
from rpcclient import RawClient  # noqa: E402


def _server(cmd: list[str], exe: Path, n: int) -> tuple[subprocess.Popen[bytes], str]:
    p = subprocess.Popen([*cmd, "exec", str(exe), "--headless", "--listen=127.0.0.1:0", "--api-version=2",
                          "--accept-multiclient", "--", f"-n={n}"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert p.stdout is not None
    line = p.stdout.readline().decode()
    return p, line.rsplit(" ", 1)[1].strip()


def one_run(cmd: list[str], exe: Path, n: int) -> tuple[float, float, float]:
    p, addr = _server(cmd, exe, n)
    try:
        c = RawClient(addr, timeout=300)
        c.call("CreateBreakpoint", {"Breakpoint": {"file": str(TESTDATA / "manyg" / "main.go"),
                                                   "line": marker_line("manyg", "BP-READY")}})
        c.call("Command", {"name": "continue"}, timeout=300)
        t0 = time.perf_counter()
        gs = c.call("ListGoroutines", {"Start": 0, "Count": 0}, timeout=300)["Goroutines"]
        cold = time.perf_counter() - t0
        assert len(gs) >= n, len(gs)
        t0 = time.perf_counter()
        c.call("ListGoroutines", {"Start": 0, "Count": 0}, timeout=300)
        warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        for g in gs[:200]:
            c.call("Stacktrace", {"Id": g["id"], "Depth": 10})
        stacks = time.perf_counter() - t0
        c.call("Detach", {"Kill": True})
        return cold, warm, stacks
    finally:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--goroutines", type=int, default=10000)
    opts = ap.parse_args()
    exe = build("manyg", find("1.19"))
    servers = {"pydlv": [shutil.which("pydlv") or "pydlv"]}
    if shutil.which("dlv"):
        servers["dlv"] = ["dlv"]
    results: dict[str, tuple[float, float, float]] = {}
    for name, cmd in servers.items():
        runs = [one_run(cmd, exe, opts.goroutines) for _ in range(opts.runs)]
        results[name] = tuple(statistics.median(r[i] for r in runs) for i in range(3))  # type: ignore[assignment]
        cold, warm, stacks = results[name]
        print(f"{name:6s} ListGoroutines cold {cold * 1000:8.1f} ms  warm {warm * 1000:8.1f} ms  "
              f"200 stacks {stacks * 1000:8.1f} ms")
    if "dlv" in results:
        p, d = results["pydlv"], results["dlv"]
        print(f"ratio pydlv/dlv: cold {p[0] / d[0]:.2f}  warm {p[1] / d[1]:.2f}  stacks {p[2] / d[2]:.2f}")


if __name__ == "__main__":
    main()
