#!/usr/bin/env python3
"""pydlv against Delve, every measure of issue 14 in one run, printed as a markdown ratio table.

Each pair is (a Delve, the Go toolchain whose binaries it debugs):
  - `dlv` on PATH (Debian's Delve 1.20.2) with Go 1.19 binaries (--go, default /usr/lib/go-1.19/bin/go);
  - a second Delve named by $PYDLV_BENCH_DLV2 (e.g. a Delve 1.27.1 build) with the binaries of
    $PYDLV_BENCH_GO2 (default: `go` on PATH).
pydlv is measured on the same binaries as each Delve, runs interleaved (pydlv, Delve, pydlv, ...) so
that load from elsewhere falls on both; each figure is the median of --runs runs.

Sessions (each a fresh server; times are from request sent to reply read unless "start"):
  basic      testdata/basic: spawn -> listening line; spawn -> first State answered;
             CreateBreakpoint{main.add} + continue -> first hit; the vim-go burst after that stop
             (State, Stacktrace, ListLocalVars, ListFunctionArgs, ListRegisters, ListGoroutines);
             the first failed name lookup of the session (Eval `pt`, out of scope in main.add) and a
             later one; continue -> next hit of the same breakpoint (median of 3) and the burst
             after it; then at BP-MAIN `call add(2,3)`, first and later (median of 5).
  cond       bench/progs/condloop: a breakpoint with Cond `i % 1000 == 0` on a function called a
             million times; evaluations per second over two continues (2,000 evaluations).
  goroutines testdata/manyg -n=10000: the first ListGoroutines of all (10,00x) after the stop.
             A request with no target work (IsMulticlient, median of 20): the per-request floor.
             With basic, each run also times `python -c pass` and `python -c 'import asyncio'`:
             the floor of any Python server's start, shown against Delve's first State.
  big        GOROOT's cmd/go (--big) built with -N -l: spawn -> CreateBreakpoint{main.main} +
             continue -> hit, first start (pydlv: an empty index cache) and second start (the
             cache the first one wrote; Delve has none, its second start is just measured again);
             CreateBreakpoint by name (median over 5 names); FindLocation `State`, first and later.

pydlv runs as `python -m pydlv` of this interpreter (PYTHONPATH as given), byte-compiled first
(compileall): this environment may set PYTHONDONTWRITEBYTECODE=1, and a user's install has bytecode.

Usage: python3 bench/compare.py [--runs N] [--sessions basic,cond,goroutines,big] [--no-dlv]
       PYDLV_BENCH_DLV2=/path/to/dlv python3 bench/compare.py
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    PYDLV,
    REPO,
    Client,
    RPCError,
    add_common_args,
    build_big,
    build_program,
    compile_pydlv,
    go_ready,
    go_version,
    marker_line,
    server,
)

LOAD = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}
BASIC = REPO / "testdata" / "basic"
MANYG = REPO / "testdata" / "manyg"
CONDLOOP = REPO / "bench" / "progs" / "condloop"
BIG_NAMES = ("fmt.Sprintf", "fmt.Fprintf", "strings.Index", "os.Getenv", "errors.New")


@dataclass
class Measure:
    key: str
    title: str
    unit: str = "ms"  # "ms" (lower is better) or "/s" (higher is better)
    versus: str = ""  # a floor of pydlv's: its ratio is to Delve's figure of this key


MEASURES = [
    Measure("listen", "start → listening line printed"),
    Measure("state", "start → first `State` answered"),
    Measure("py_start", "floor: `python -c pass` (this interpreter and its site-packages)", versus="state"),
    Measure("py_asyncio", "floor: `python -c 'import asyncio'`", versus="state"),
    Measure("first_hit", "`CreateBreakpoint` + `continue` → first hit"),
    Measure("next_hit", "`continue` hit → next hit of the same breakpoint"),
    Measure("burst_first", "vim-go burst after the first stop (6 requests)"),
    Measure("burst_later", "vim-go burst after a later stop"),
    Measure("lookup_first", "first failed name lookup (`print pt` out of scope)"),
    Measure("lookup_later", "a later failed name lookup"),
    Measure("rtt", "a request with no target work (`IsMulticlient`)"),
    Measure("call_first", "`call add(2,3)`, first"),
    Measure("call_later", "`call add(2,3)`, later"),
    Measure("cond_rate", "conditional breakpoint, evaluations per second", "/s"),
    Measure("goroutines", "`ListGoroutines` of 10,00x, first after the stop"),
    Measure("big_first_start", "start + first breakpoint hit, big binary, first start"),
    Measure("big_second_start", "start + first breakpoint hit, big binary, second start"),
    Measure("big_bp_name", "`CreateBreakpoint` by name, big binary"),
    Measure("big_findloc_first", "`FindLocation` `State`, big binary, first"),
    Measure("big_findloc_later", "`FindLocation` `State`, big binary, later"),
]

Figures = dict[str, float]


def where(state: dict[str, Any]) -> tuple[str, int]:
    th = state.get("currentThread") or {}
    return ((th.get("function") or {}).get("name") or "?"), th.get("line") or 0


def continue_to(c: Client, function: str) -> float:
    dt, out = c.timed("Command", {"name": "continue"})
    fn, line = where(out.get("State", out))
    if fn != function:
        raise RuntimeError(f"continue stopped in {fn}:{line}, expected {function}")
    return dt


def vimgo_burst(c: Client) -> float:
    """What vim-go asks after each stop, one request after the other."""
    t0 = time.perf_counter()
    st = c.call("State", {"NonBlocking": True})["State"]
    gid = (st.get("currentThread") or {}).get("goroutineID", -1)
    scope = {"GoroutineID": gid, "Frame": 0}
    c.call("Stacktrace", {"Id": gid, "Depth": 5})
    c.call("ListLocalVars", {"Scope": scope, "Cfg": LOAD})
    c.call("ListFunctionArgs", {"Scope": scope, "Cfg": LOAD})
    c.call("ListRegisters", {"ThreadID": 0, "IncludeFp": False})
    c.call("ListGoroutines", {"Start": 0, "Count": 0})
    return time.perf_counter() - t0


def failed_lookup(c: Client) -> float:
    t0 = time.perf_counter()
    try:
        c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": "pt", "Cfg": LOAD})
    except RPCError:
        return time.perf_counter() - t0
    raise RuntimeError("`print pt` in main.add found something")


def call_add(c: Client) -> float:
    dt, out = c.timed("Command", {"name": "call", "expr": "add(2,3)", "ReturnInfoLoadConfig": LOAD})
    th = out["State"]["currentThread"]
    if [v["value"] for v in th.get("ReturnValues") or []] != ["5"]:
        raise RuntimeError(f"call add(2,3): {out['State'].get('stopReason')}")
    return dt


def interpreter_floor(env: dict[str, str]) -> Figures:
    """What any Python server pays before its first line of code: the interpreter's start (with
    this machine's site-packages and their .pth files) and asyncio's import (the server's loop)."""
    def spawn(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=env, check=True)
        return time.perf_counter() - t0
    return {"py_start": spawn("pass"), "py_asyncio": spawn("import asyncio")}


@contextlib.contextmanager
def cold_cache(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """env with pydlv's on-disk index (binary/indexcache.py) in a new empty folder: every session
    but the big binary's second start measures a binary pydlv has never seen."""
    with tempfile.TemporaryDirectory(prefix="pydlv-bench-cache-") as cache:
        yield {**env, "PYDLV_CACHE_DIR": cache}


def session_basic(cmd: list[str], bins: dict[str, Path], env: dict[str, str]) -> Figures:
    f: Figures = {}
    with cold_cache(env) as env, server(cmd, bins["basic"], env=env) as s:
        c = s.client
        f["listen"] = s.listen
        c.call("State", {})
        f["state"] = s.since_spawn()
        t0 = time.perf_counter()
        c.call("CreateBreakpoint", {"Breakpoint": {"functionName": "main.add"}})
        continue_to(c, "main.add")
        f["first_hit"] = time.perf_counter() - t0
        f["burst_first"] = vimgo_burst(c)
        f["lookup_first"] = failed_lookup(c)
        f["lookup_later"] = failed_lookup(c)
        f["rtt"] = statistics.median(c.timed("IsMulticlient", {})[0] for _ in range(20))
        f["next_hit"] = statistics.median(continue_to(c, "main.add") for _ in range(3))
        f["burst_later"] = vimgo_burst(c)
        c.call("ClearBreakpoint", {"Name": "", "Id": 1})
        c.call("CreateBreakpoint", {"Breakpoint": {"file": str(BASIC / "main.go"),
                                                   "line": marker_line(BASIC, "BP-MAIN")}})
        continue_to(c, "main.main")
        f["call_first"] = call_add(c)
        f["call_later"] = statistics.median(call_add(c) for _ in range(5))
    return f


def session_cond(cmd: list[str], bins: dict[str, Path], env: dict[str, str]) -> Figures:
    with cold_cache(env) as env, server(cmd, bins["condloop"], env=env) as s:
        c = s.client
        c.call("CreateBreakpoint", {"Breakpoint": {"file": str(CONDLOOP / "main.go"),
                                                   "line": marker_line(CONDLOOP, "BP-TICK"),
                                                   "Cond": "i % 1000 == 0"}})
        continue_to(c, "main.tick")  # i == 0
        dt = continue_to(c, "main.tick") + continue_to(c, "main.tick")
        return {"cond_rate": 2000 / dt}


def session_goroutines(cmd: list[str], bins: dict[str, Path], env: dict[str, str]) -> Figures:
    with cold_cache(env) as env, server(cmd, bins["manyg"], args=["-n=10000"], env=env) as s:
        c = s.client
        c.call("CreateBreakpoint", {"Breakpoint": {"file": str(MANYG / "main.go"),
                                                   "line": marker_line(MANYG, "BP-READY")}})
        continue_to(c, "main.ready")
        t0 = time.perf_counter()
        n, start = 0, 0
        while start >= 0:  # pydlv pages at most 10,000 even for Count 0
            out = c.call("ListGoroutines", {"Start": start, "Count": 0})
            n += len(out["Goroutines"])
            start = out["Nextg"]
        dt = time.perf_counter() - t0
        if n < 10000:
            raise RuntimeError(f"ListGoroutines: {n} goroutines")
        return {"goroutines": dt}


def session_big(cmd: list[str], bins: dict[str, Path], env: dict[str, str]) -> Figures:
    f: Figures = {}
    with cold_cache(env) as env:  # the first start writes the cache the second one reads
        for key in ("big_first_start", "big_second_start"):
            with server(cmd, bins["big"], env=env) as s:
                c = s.client
                c.call("CreateBreakpoint", {"Breakpoint": {"functionName": "main.main"}})
                continue_to(c, "main.main")
                f[key] = s.since_spawn()
                if key == "big_second_start":
                    continue
                times = []
                for name in BIG_NAMES:
                    dt, bp = c.timed("CreateBreakpoint", {"Breakpoint": {"functionName": name}})
                    times.append(dt)
                    c.call("ClearBreakpoint", {"Id": bp["Breakpoint"]["id"]})
                f["big_bp_name"] = statistics.median(times)
                loc = {"Scope": {"GoroutineID": -1, "Frame": 0}, "Loc": "State", "IncludeNonExecutableLines": False,
                       "SubstitutePathRules": None}
                f["big_findloc_first"], _ = c.timed("FindLocation", loc)
                f["big_findloc_later"] = statistics.median(c.timed("FindLocation", loc)[0] for _ in range(3))
    return f


SESSIONS: dict[str, Callable[[list[str], dict[str, Path], dict[str, str]], Figures]] = {
    "basic": session_basic, "cond": session_cond, "goroutines": session_goroutines, "big": session_big,
}


def build_targets(sessions: list[str], go: str, cache: Path, big: str) -> dict[str, Path]:
    """The binaries the chosen sessions run, built with `go` (or found in the cache)."""
    bins: dict[str, Path] = {}
    for sess in sessions:
        if sess == "basic":
            bins["basic"] = build_program(BASIC, go, cache)
        elif sess == "cond":
            bins["condloop"] = build_program(CONDLOOP, go, cache)
        elif sess == "goroutines":
            bins["manyg"] = build_program(MANYG, go, cache)
        elif sess == "big":
            bins["big"] = build_big(go, cache, big)
    return bins


@dataclass
class Pair:
    dlv_name: str
    dlv: str
    go: str
    bins: dict[str, Path] = field(default_factory=dict)
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # server -> key -> runs


def tool_version(cmd: list[str]) -> str:
    out = subprocess.run([*cmd, "version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"Version: (\S+)", out)
    return m.group(1) if m else "?"


def fmt(m: Measure, v: float | None) -> str:
    if v is None:
        return "-"
    if m.unit == "/s":
        return f"{v:,.0f}/s"
    ms = v * 1000
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def table(pair: Pair, names: tuple[str, str]) -> str:
    pyname, dname = names
    rows = [f"| measure | {dname} | pydlv | ratio |", "|---|---|---|---|"]
    med = {srv: {k: statistics.median(v) for k, v in d.items() if v} for srv, d in pair.samples.items()}
    for m in MEASURES:
        p, d = med.get(pyname, {}).get(m.key), med.get(dname, {}).get(m.key)
        if p is None and d is None:
            continue
        r = "-"
        if p and d:
            r = f"{p / d:.2f}×" if m.unit == "ms" else f"{d / p:.2f}× ({p / d:.2f}× faster)"
        if m.versus:  # a floor: pydlv's figure against what Delve takes for the whole measure
            d = med.get(dname, {}).get(m.versus)
            r = f"{p / d:.2f}× Delve's first `State`" if p and d else "-"
            d = None
        rows.append(f"| {m.title} | {fmt(m, d)} | {fmt(m, p)} | {r} |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per server and session (medians are printed)")
    ap.add_argument("--sessions", default=",".join(SESSIONS), help="comma-separated: " + ",".join(SESSIONS))
    ap.add_argument("--big", default="cmd/go", help="the GOROOT command built as the big binary")
    ap.add_argument("--no-compile", action="store_true", help="do not byte-compile pydlv first (tests)")
    add_common_args(ap)
    args = ap.parse_args()
    sessions = [s for s in args.sessions.split(",") if s]
    if unknown := set(sessions) - set(SESSIONS):
        ap.error(f"unknown sessions: {', '.join(sorted(unknown))}")
    if not go_ready(args):
        return 2

    pairs = [Pair("dlv", "" if args.no_dlv else (shutil.which("dlv") or ""), args.go)]
    if (dlv2 := os.environ.get("PYDLV_BENCH_DLV2")) and not args.no_dlv:
        pairs.append(Pair("dlv2", dlv2, os.environ.get("PYDLV_BENCH_GO2") or shutil.which("go") or "go"))

    if args.no_compile:
        print(f"pydlv as imported by {sys.executable} (not byte-compiled here)")
    else:
        pkg = compile_pydlv()
        print(f"pydlv from {pkg} (byte-compiled with compileall first), {sys.executable}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", flush=True)
    env = dict(os.environ)
    for pair in pairs:
        print(f"\nbuilding with {pair.go} ({go_version(pair.go)}) ...", flush=True)
        pair.bins = build_targets(sessions, pair.go, args.cache_dir, args.big)
        servers = [("pydlv", PYDLV)] + ([(pair.dlv_name, [pair.dlv])] if pair.dlv else [])
        pair.samples = {name: {m.key: [] for m in MEASURES} for name, _ in servers}
        for run in range(args.runs):
            for sess in sessions:
                for name, cmd in servers:
                    try:
                        figures = SESSIONS[sess](cmd, pair.bins, env)
                    except (OSError, RuntimeError, ValueError, TimeoutError, KeyError) as e:
                        print(f"  run {run + 1} {sess} {name}: failed: {e}", flush=True)
                        continue
                    for k, v in figures.items():
                        pair.samples[name][k].append(v)
            if "basic" in sessions:
                for k, v in interpreter_floor(env).items():
                    pair.samples["pydlv"][k].append(v)
            print(f"  run {run + 1}/{args.runs} done (load {os.getloadavg()[0]:.2f})", flush=True)
        dname = f"Delve {tool_version([pair.dlv])}" if pair.dlv else "Delve"
        if pair.dlv:
            pair.samples[dname] = pair.samples.pop(pair.dlv_name)
        big = pair.bins.get("big")
        size = f"; big binary {args.big} {big.stat().st_size / 1e6:.1f} MB" if big is not None else ""
        print(f"\n### {go_version(pair.go)} binaries{size}; median of {args.runs} runs\n")
        print(table(pair, ("pydlv", dname)), flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
