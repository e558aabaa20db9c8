#!/usr/bin/env python3
"""The vim-go burst after later stops, many samples: pydlv against Delve, request by request.

bench/compare.py times one burst per run (after the fourth hit of main.add), and a burst of six
requests of a fraction of a millisecond each moves by half between two samples on a shared
machine. Here each server, each run, stops at main.add eight times after the first hit (testdata/
basic calls it ten times from main.loop) and times the burst after each stop (State, Stacktrace,
ListLocalVars, ListFunctionArgs, ListRegisters, ListGoroutines, one after the other, as vim-go
sends them); servers run interleaved (pydlv, Delve, pydlv, ...). Prints the median of every
request and of the burst, over runs x 8 stops, and the ratio pydlv/Delve.

Pairs as in compare.py: `dlv` on PATH with Go 1.19 binaries (--go), and $PYDLV_BENCH_DLV2 with
$PYDLV_BENCH_GO2 (or `go` on PATH). pydlv is `python -m pydlv` of this interpreter (PYTHONPATH as
given), byte-compiled first.

Usage: python3 bench/burst.py [--runs N] [--no-dlv]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import PYDLV, Client, add_common_args, build_basic, compile_pydlv, go_ready, go_version, server  # noqa: E402
from compare import LOAD, continue_to  # noqa: E402

STOPS = 8  # later stops per session: main.add is called ten times before main goes on
REQUESTS = ("State", "Stacktrace", "ListLocalVars", "ListFunctionArgs", "ListRegisters", "ListGoroutines")


def burst(c: Client, times: dict[str, list[float]]) -> None:
    t0 = time.perf_counter()
    dt, out = c.timed("State", {"NonBlocking": True})
    times["State"].append(dt)
    gid = (out["State"].get("currentThread") or {}).get("goroutineID", -1)
    scope = {"GoroutineID": gid, "Frame": 0}
    for method, params in (("Stacktrace", {"Id": gid, "Depth": 5}),
                           ("ListLocalVars", {"Scope": scope, "Cfg": LOAD}),
                           ("ListFunctionArgs", {"Scope": scope, "Cfg": LOAD}),
                           ("ListRegisters", {"ThreadID": 0, "IncludeFp": False}),
                           ("ListGoroutines", {"Start": 0, "Count": 0})):
        times[method].append(c.timed(method, params)[0])
    times["burst"].append(time.perf_counter() - t0)


def session(cmd: list[str], binary: Path, times: dict[str, list[float]]) -> None:
    with server(cmd, binary) as s:
        c = s.client
        c.call("CreateBreakpoint", {"Breakpoint": {"functionName": "main.add"}})
        continue_to(c, "main.add")
        burst(c, {k: [] for k in times})  # the first stop's burst is compare.py's other measure
        for _ in range(STOPS):
            continue_to(c, "main.add")
            burst(c, times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=8, help="sessions per server (each gives 8 bursts)")
    add_common_args(ap)
    args = ap.parse_args()
    if not go_ready(args):
        return 2
    pairs = [("dlv" if not args.no_dlv else "", args.go)]
    if (dlv2 := os.environ.get("PYDLV_BENCH_DLV2")) and not args.no_dlv:
        pairs.append((dlv2, os.environ.get("PYDLV_BENCH_GO2") or shutil.which("go") or "go"))
    print(f"pydlv from {compile_pydlv()} (byte-compiled first); load average {os.getloadavg()[0]:.2f}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    for dlv, go in pairs:
        binary = build_basic(go, args.cache_dir)
        servers = {"pydlv": PYDLV, **({"Delve": [dlv]} if dlv and shutil.which(dlv) else {})}
        times = {name: {k: [] for k in (*REQUESTS, "burst")} for name in servers}
        for _ in range(args.runs):
            for name, cmd in servers.items():
                session(cmd, binary, times[name])
        print(f"\n### {go_version(go)} binaries, {dlv or 'no Delve'}: medians of {args.runs} x {STOPS} bursts "
              f"(load average {os.getloadavg()[0]:.2f})\n")
        print("| request | " + " | ".join(servers) + (" | ratio |" if len(servers) > 1 else " |"))
        print("|---|" + "---|" * (len(servers) + (len(servers) > 1)))
        for k in (*REQUESTS, "burst"):
            med = [statistics.median(times[name][k]) * 1000 for name in servers]
            ratio = f" {med[0] / med[1]:.2f}× |" if len(med) > 1 else ""
            print(f"| {k} | " + " | ".join(f"{m:.3f} ms" for m in med) + f" |{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
