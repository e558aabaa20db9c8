"""bench/compare.py runs end to end: a real pydlv server through every measure of one session,
and the markdown table it prints (figures are the script's business, never asserted here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gotoolchains import GoToolchain

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.go("1.19")
def test_compare_prints_the_table(go: GoToolchain, tmp_path: Path) -> None:
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "compare.py"), "--runs", "1", "--sessions", "basic", "--no-dlv",
         "--no-compile", "--go", str(go.go), "--cache-dir", str(tmp_path / "builds")],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert ": failed:" not in out, out  # compare.py's word for a session that broke
    assert "| measure | Delve | pydlv | ratio |" in out
    for title in ("start → first `State` answered", "`CreateBreakpoint` + `continue` → first hit",
                  "vim-go burst after the first stop", "first failed name lookup", "`call add(2,3)`, later",
                  "a request with no target work", "floor: `python -c pass`", "floor: `python -c 'import asyncio'`"):
        row = next((line for line in out.splitlines() if title in line), "")
        assert row.startswith("|") and " ms |" in row, (title, out)
