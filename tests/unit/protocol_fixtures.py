"""Loading the recorded fixtures of tests/unit/data (see its README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydlv.protocol import wire

DATA = Path(__file__).resolve().parent / "data"


def transcript_lines() -> list[dict[str, Any]]:
    with open(DATA / "delve127_transcript_lines.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def transcript_line(file_prefix: str, seq: int) -> dict[str, Any]:
    for row in transcript_lines():
        if row["file"].startswith(file_prefix) and row["seq"] == seq:
            return row
    raise KeyError((file_prefix, seq))


def go_decode_cases() -> list[dict[str, Any]]:
    with open(DATA / "go_decode_cases.jsonl", encoding="utf-8") as f:
        # parse_float keeps number spellings (1e2, 100.0) that Go's errors quote
        return [json.loads(line, parse_float=wire.JsonFloat) for line in f]
