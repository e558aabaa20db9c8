#!/usr/bin/env python3
"""Stepping latency of pydlv against Delve (issue 10).

For each server: start it on testdata/basic built with Go 1.19 (`-gcflags=all=-N -l`, the build
bench/benchlib.py makes, so Debian's Delve 1.20.2 can debug it), stop at BP-LOOP (`sum = add(sum, i)`
inside `loop`), clear that breakpoint, then repeat, while the loop lasts, the round

    next      line 68 -> 67   over a call (add)
    next      line 67 -> 68   over a simple line (the loop header)
    step      line 68 -> add  into a call
    stepOut   add -> line 68  out of it (with ReturnInfoLoadConfig: its result is read)
    next, next                back to the start of line 68 (not timed)

timing each command from request sent to reply read, checking every stop is where Delve stops.
Several sessions (fresh servers) give enough samples; the median of each kind is printed, with the
pydlv/dlv ratio. `--profile FILE` runs pydlv under cProfile (the profile of the whole session is
written to FILE; `python -m pstats FILE` reads it).

Usage: python3 bench/step.py [--sessions N] [--go /usr/lib/go-1.19/bin/go] [--no-dlv] [--profile FILE]
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

LOAD = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}
KINDS = ("next over a call", "next over a simple line", "step into a call", "stepOut")
BASIC = REPO / "testdata" / "basic"
LOOP_ITERATIONS = 10  # loop(10) in testdata/basic: each round takes two


def command(client: Client, name: str, expect: tuple[str, int], **extra: object) -> float:
    t0 = time.perf_counter()
    out = client.call("Command", {"name": name, **extra})
    dt = time.perf_counter() - t0
    th = out["State"].get("currentThread") or {}
    got = ((th.get("function") or {}).get("name"), th.get("line"))
    if got != expect:
        raise RuntimeError(f"{name} stopped at {got}, expected {expect}")
    return dt


def session(server_cmd: list[str], binary: Path, samples: dict[str, list[float]]) -> None:
    cmd = [*server_cmd, "exec", str(binary), "--headless", "--listen=127.0.0.1:0", "--api-version=2",
           "--accept-multiclient"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            start_new_session=True, cwd=binary.parent)
    client: Client | None = None
    loop_line, add_line = marker_line(BASIC, "BP-LOOP"), marker_line(BASIC, "BP-ADD")
    body, header, add = ("main.loop", loop_line), ("main.loop", loop_line - 1), ("main.add", add_line - 1)
    try:
        client = Client(read_listen_line(proc, time.monotonic() + TIMEOUT))
        bp = client.call("CreateBreakpoint", {"Breakpoint": {"file": str(REPO / "testdata" / "basic" / "main.go"),
                                                             "line": loop_line}})["Breakpoint"]
        client.call("Command", {"name": "continue"})
        client.call("ClearBreakpoint", {"Id": bp["id"]})
        for _ in range(LOOP_ITERATIONS // 2 - 1):
            samples[KINDS[0]].append(command(client, "next", header))
            samples[KINDS[1]].append(command(client, "next", body))
            samples[KINDS[2]].append(command(client, "step", add))
            samples[KINDS[3]].append(command(client, "stepOut", body, ReturnInfoLoadConfig=LOAD))
            command(client, "next", header)
            command(client, "next", body)
    finally:
        stop(proc, client)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=5, help="fresh servers per debugger (4 rounds each)")
    add_common_args(ap)
    ap.add_argument("--profile", type=Path, help="run pydlv under cProfile, writing the profile here")
    args = ap.parse_args()
    if not go_ready(args):
        return 2
    binary = build_basic(args.go, args.cache_dir)
    pydlv = [sys.executable, "-m", "pydlv"]
    if args.profile:
        pydlv = [sys.executable, "-m", "cProfile", "-o", str(args.profile.resolve()), "-m", "pydlv"]
    servers = [("pydlv", pydlv)]
    dlv_path = None if args.no_dlv else shutil.which("dlv")
    if dlv_path:
        servers.append(("dlv", [dlv_path]))
    print(f"Go {go_version(args.go)}; testdata/basic, {args.sessions} sessions of "
          f"{LOOP_ITERATIONS // 2 - 1} rounds; median per command", flush=True)
    medians: dict[str, dict[str, float]] = {}
    for name, cmd in servers:
        samples: dict[str, list[float]] = {k: [] for k in KINDS}
        try:
            for _ in range(args.sessions):
                session(cmd, binary, samples)
        except (OSError, RuntimeError, ValueError, TimeoutError, KeyError) as e:
            print(f"  {name:<6} failed: {e}", flush=True)
            continue
        medians[name] = {k: statistics.median(v) for k, v in samples.items()}
    print(f"  {'command':<26}" + "".join(f"{n:>12}" for n in medians) + ("   pydlv/dlv" if len(medians) == 2 else ""))
    for k in KINDS:
        row = f"  {k:<26}" + "".join(f"{medians[n][k] * 1000:>9.2f} ms" for n in medians)
        if len(medians) == 2:
            row += f"   {medians['pydlv'][k] / medians['dlv'][k]:>8.2f}x"
        print(row)
    return 0 if len(medians) == len(servers) else 1


if __name__ == "__main__":
    sys.exit(main())
