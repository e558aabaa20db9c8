"""Debian's real `dlv connect` (Delve 1.20.2's terminal) on pydlv: `goroutines`, `bt`,
`goroutine N bt`, `regs`. The expected text is what the same client printed against real
Delve 1.20.2 on the same Go 1.19 build (run side by side here; thread ids, the
registers' values and the init script path are normalised)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from dlvclient import run_dlv_connect
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import ServerProcess
from test_dlv_oracle import start_delve

MAIN = TESTDATA / "basic" / "main.go"


def _commands() -> list[str]:
    return [f"break {MAIN}:{marker_line('basic', 'BP-MAIN')}", "continue", "goroutines", "bt",
            "goroutine 1 bt", "regs", "exit"]


def _normalize(text: str, script: str) -> str:
    text = text.replace(script, "INIT")
    text = re.sub(r"\(thread \d+\)", "(thread T)", text)
    text = re.sub(r"^(\s*\w+ = )0x[0-9a-f]+.*$", r"\1V", text, flags=re.M)  # register values
    return text


def _session_text(stdout: str, script: str) -> list[str]:
    """From the `goroutines` output on (the breakpoint lines differ only in the hit message)."""
    lines = _normalize(stdout, script).splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("* Goroutine") or ln.startswith("  Goroutine"))
    lines = lines[start:]
    # The runtime's own goroutines get ids in scheduling order, which varies between runs:
    # compare the list without ids, in sorted order.
    end = next(i for i, ln in enumerate(lines) if ln.startswith("["))
    block = sorted(re.sub(r"Goroutine \d+ - ", "Goroutine N - ", ln) for ln in lines[:end])
    return block + lines[end:]


@pytest.mark.go("1.19")
def test_goroutines_bt_regs_like_delve(dlv: str, go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                       launch_server: Callable[..., ServerProcess], free_port: int) -> None:
    exe = build_go("basic", go)
    delve = start_delve(dlv, exe, free_port)
    try:
        want = run_dlv_connect(f"127.0.0.1:{free_port}", _commands())
        delve.communicate(timeout=30)
    finally:
        if delve.poll() is None:
            delve.kill()
            delve.communicate()
    srv = launch_server(exe)
    got = run_dlv_connect(srv.addr, _commands())
    assert got.returncode == 0, got
    expected = _session_text(want.stdout, want.script)
    assert any(" in main.worker" in ln or "main.worker" in ln for ln in expected)
    assert any(ln.startswith("    Rip = ") for ln in expected) and any("runtime.goexit" in ln for ln in expected)
    assert _session_text(got.stdout, got.script) == expected
