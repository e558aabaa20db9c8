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
Binaries are cached in $XDG_CACHE_HOME/pydlv/bench (or --cache-dir), built with -N -l.

Usage: python3 bench/startup.py [--runs N] [--go /usr/lib/go-1.19/bin/go] [--no-big]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    PYDLV,
    add_common_args,
    build_basic,
    build_big,
    go_ready,
    go_version,
    ms,
    ratio,
    server,
)

# -- one measured start ----------------------------------------------------------


@dataclass
class Sample:
    state: float  # seconds from spawn to the first State answer
    hit: float  # seconds from spawn to `continue` answered at the breakpoint


def measure(server_cmd: list[str], binary: Path, function: str) -> Sample:
    with server(server_cmd, binary) as srv:
        srv.client.call("State", {})
        t_state = srv.since_spawn()
        srv.client.call("CreateBreakpoint", {"Breakpoint": {"functionName": function}})
        state = srv.client.call("Command", {"name": "continue"})
        t_hit = srv.since_spawn()
        thread = (state or {}).get("State", state or {}).get("currentThread") or {}
        fn = ((thread.get("function") or {}).get("name")) or ""
        if fn != function:
            raise RuntimeError(f"continue stopped in {fn or '?'}, not at the breakpoint on {function}")
        return Sample(t_state, t_hit)


def median_samples(server_cmd: list[str], binary: Path, function: str, runs: int) -> Sample:
    samples = [measure(server_cmd, binary, function) for _ in range(runs)]
    return Sample(statistics.median(s.state for s in samples), statistics.median(s.hit for s in samples))


# -- report ----------------------------------------------------------------------










def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (median is reported)")
    ap.add_argument("--no-big", action="store_true", help="skip the large cmd/go binary")
    add_common_args(ap)
    args = ap.parse_args()
    if not go_ready(args):
        return 2
    pydlv = PYDLV
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
