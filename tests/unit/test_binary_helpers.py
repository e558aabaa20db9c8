"""Builds testdata/basic with each available Go for the binary-layer tests.

Uses the shared, path-keyed build cache of tests/gotoolchains.py.
"""

from __future__ import annotations

from pathlib import Path

import gotoolchains
import pytest

REPO = Path(__file__).resolve().parents[2]
BASIC = REPO / "testdata" / "basic"
MAIN_GO = BASIC / "main.go"
TOOLCHAINS = {"go1.27": "1.27", "go1.19": "1.19"}


def build_basic(label: str) -> Path:
    tc = gotoolchains.find(TOOLCHAINS[label])
    if tc is None:
        pytest.skip(f"{label} not installed")
    return gotoolchains.build("basic", tc)


def marker_line(marker: str) -> int:
    for n, text in enumerate(MAIN_GO.read_text().splitlines(), 1):
        if f"// {marker}" in text:
            return n
    raise LookupError(marker)
