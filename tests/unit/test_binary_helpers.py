"""Builds testdata/basic with each available Go for the binary-layer tests.

Temporary: the lead will switch these tests to the shared go_binary fixture of
tests/conftest.py. Binaries are cached per toolchain under the temp dir and rebuilt
when the source is newer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASIC = REPO / "testdata" / "basic"
MAIN_GO = BASIC / "main.go"
TOOLCHAINS = {"go1.27": shutil.which("go") or "go", "go1.19": "/usr/lib/go-1.19/bin/go"}
_CACHE = Path(tempfile.gettempdir()) / "pydlv-test-binaries"


def build_basic(label: str) -> Path:
    go = TOOLCHAINS[label]
    if shutil.which(go) is None:
        pytest.skip(f"{label} not installed")
    out = _CACHE / label / "basic"
    newest = max(p.stat().st_mtime for p in BASIC.iterdir())
    if out.exists() and out.stat().st_mtime >= newest:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off")
    tmp = out.with_suffix(".tmp")
    subprocess.run([go, "build", "-gcflags=all=-N -l", "-o", str(tmp), "."], cwd=BASIC, env=env,
                   check=True, capture_output=True, timeout=600)
    tmp.replace(out)
    return out


def marker_line(marker: str) -> int:
    for n, text in enumerate(MAIN_GO.read_text().splitlines(), 1):
        if f"// {marker}" in text:
            return n
    raise LookupError(marker)
