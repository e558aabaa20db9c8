"""Debian's real `dlv connect` (Delve 1.20.2's terminal) on pydlv: `frame 1 locals`, `frame 1 args`,
`stack -full` and `goroutine <worker> bt`, stopped at BP-ADD (first call, from main.loop, with the
4 workers parked on `ch`). The expected text is what the same client prints against real Delve
1.20.2 on the same Go 1.19 build, run side by side (each server's own worker id is asked for;
the output never prints it); the init script's path and addresses are normalised."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from dlvclient import run_dlv_connect
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from test_dlv_oracle import start_delve

MAIN = str(TESTDATA / "basic" / "main.go")


def _stop_and_pick_worker(addr: str) -> int:
    """Stop at BP-ADD through the raw API (the server stays stopped for the next client) and
    return the id of a worker goroutine."""
    c = RawClient(addr)
    try:
        c.call("CreateBreakpoint", {"Breakpoint": {"file": MAIN, "line": marker_line("basic", "BP-ADD")}})
        c.call("Command", {"name": "continue"})
        gs = c.call("ListGoroutines", {"Count": 0})["Goroutines"]
        return min(g["id"] for g in gs if (g["userCurrentLoc"]["function"] or {}).get("name") == "main.worker")
    finally:
        c.close()


def _commands(worker: int) -> list[str]:
    return ["frame 1 locals", "frame 1 args", "stack -full", f"goroutine {worker} bt", "exit"]


def _normalize(text: str, script: str) -> list[str]:
    text = text.replace(script, "INIT")
    text = re.sub(r"0x[0-9a-f]+", "ADDR", text)
    return text.splitlines()


@pytest.mark.go("1.19")
def test_frame_vars_stack_full_goroutine_bt_like_delve(dlv: str, go: GoToolchain,
                                                       build_go: Callable[[str, GoToolchain], Path],
                                                       launch_server: Callable[..., ServerProcess],
                                                       free_port: int) -> None:
    exe = build_go("basic", go)
    delve = start_delve(dlv, exe, free_port)
    addr = f"127.0.0.1:{free_port}"
    try:
        w = _stop_and_pick_worker(addr)
        want = run_dlv_connect(addr, _commands(w))
        delve.communicate(timeout=30)
    finally:
        if delve.poll() is None:
            delve.kill()
            delve.communicate()
    srv = launch_server(exe)
    pw = _stop_and_pick_worker(srv.addr)
    got = run_dlv_connect(srv.addr, _commands(pw))
    assert got.returncode == 0, got
    expected = _normalize(want.stdout, want.script)
    # what the session shows: main.loop's sum/i and n, main's locals in the full stack, a worker's stack
    assert any(ln.startswith("sum = ") for ln in expected) and "n = 10" in expected
    assert any("main.worker" in ln for ln in expected) and any("runtime.gopark" in ln for ln in expected)
    assert _normalize(got.stdout, got.script) == expected
