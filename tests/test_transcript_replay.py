"""Replay of the recorded Delve sessions (testdata/transcripts/) against a real pydlv server.

One test per transcript: a pydlv server runs testdata/basic built by the toolchain the session
was recorded with (Go 1.19 for debian-*, Go 1.27 for latest-*), every exchange is replayed in
order, and each reply is compared with the one Delve sent after tests/replay.py's normalization.
The test prints `<transcript>: matched N of M exchanges` and fails when an exchange differs that
is not listed in tests/data/replay_known_differences.jsonl (one line per differing exchange:
file, seq, label, reason); the failure message breaks the differences down per exchange.
`PYDLV_REPLAY_UPDATE=1` rewrites that list's entries for the transcripts run from what differs
now ("differs: <first difference>"); entries whose reason someone wrote (not starting with
"differs:", e.g. "differs in some runs: ...") are kept as they are until removed by hand.
Exchanges listed but matching are printed, not failed: some differ only in some runs.

How an exchange is replayed:
- `request_raw` is sent as it was recorded, in one write, with /src/progs/basic/ replaced by the
  local testdata/basic/ (replay.py rule 1). In the protocol scenario the raw bytes are the point:
  two requests in one write (the next row has an empty request_raw: nothing is sent, its reply is
  the second one read), a request split over two rows, odd ids, malformed JSON.
- A recorded reply of null means Delve sent nothing (the recorder waited 5 s): pydlv must stay
  silent for QUIET seconds too. Otherwise the next line pydlv sends is the reply.
- A new connection is opened where the recorder opened one: after a row whose note says
  "reconnected", before a row whose label starts with "new connection", and after pydlv closed
  the connection.
- Lines without `seq` are the recorder's notes (`{"aborted": ...}` once the server went away after
  Detach), not exchanges.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain
from replay import RECORDED_GOROOT, RECORDED_SRC, Side, decode, describe, diff, text_range
from rpcclient import RawClient, ServerProcess

TRANSCRIPTS = TESTDATA / "transcripts"
KNOWN = Path(__file__).parent / "data" / "replay_known_differences.jsonl"
UPDATE = os.environ.get("PYDLV_REPLAY_UPDATE") == "1"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true")
AUTO_REASON = "differs:"  # a reason the update wrote; any other reason is someone's and is kept
QUIET = 1.0  # seconds pydlv must stay silent where Delve sent nothing
REPLY_TIMEOUT = 120.0
# sha256 of the recorded progs/basic/main.go: the transcripts' line numbers are that file's.
RECORDED_PROGRAM = "16044cfba49c173d76750de893986082e4dd52e9d8578454d52f7cf33a21a896"

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]
Diff = tuple[str, Any, Any]


def transcripts(prefix: str) -> list[str]:
    return sorted(p.name for p in TRANSCRIPTS.glob(f"{prefix}-*.jsonl"))


@cache
def rows(name: str) -> list[dict[str, Any]]:
    with open(TRANSCRIPTS / name, encoding="utf-8") as f:
        return [r for r in map(json.loads, f) if "seq" in r]


def recorded_toolchain(name: str) -> str:
    """The exact Go release the recorded target was built with ("go1.27.3")."""
    for r in rows(name):
        m = re.search(r'"TargetGoVersion":"Go cmd/compile (go[0-9.]+)"', r["response_raw"] or "")
        if m:
            return m.group(1)
    raise LookupError(f"{name}: no GetVersion reply")


def recorded_binary(name: str, tc: GoToolchain) -> str:
    for r in rows(name):
        m = re.search(r'"TargetCommandLine":"([^"]+)"', r["response_raw"] or "")
        if m:
            return m.group(1)
    return f"{RECORDED_SRC}basic-go{tc.version}"


# --- known differences ---------------------------------------------------------------------------


def load_known() -> dict[tuple[str, int], dict[str, Any]]:
    if not KNOWN.exists():
        return {}
    with open(KNOWN, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    return {(e["file"], e["seq"]): e for e in entries}


def save_known(known: dict[tuple[str, int], dict[str, Any]]) -> None:
    KNOWN.parent.mkdir(parents=True, exist_ok=True)
    with open(KNOWN, "w", encoding="utf-8") as f:
        for key in sorted(known):
            e = known[key]
            f.write(json.dumps({"file": e["file"], "seq": e["seq"], "label": e["label"], "reason": e["reason"]},
                               ensure_ascii=False) + "\n")


# --- replaying -----------------------------------------------------------------------------------


class Connection:
    """One TCP connection to the server; a closed one answers nothing."""

    def __init__(self, addr: str) -> None:
        self.client = RawClient(addr, timeout=REPLY_TIMEOUT)
        self.closed = False

    def send(self, data: bytes) -> None:
        try:
            self.client.send_raw(data)
        except OSError:
            self.closed = True

    def read_line(self, timeout: float) -> str | None:
        if self.closed:
            return None
        try:
            return self.client.read_line(timeout).decode("utf-8", errors="replace")
        except TimeoutError:
            return None
        except (ConnectionError, OSError):
            self.closed = True
            return None

    def close(self) -> None:
        self.client.close()


def replay(addr: str, exchanges: list[dict[str, Any]], local_src: str) -> Iterator[str | None]:
    """pydlv's reply line to each exchange (None: it sent nothing)."""
    conn = Connection(addr)
    try:
        for r in exchanges:
            if conn.closed or r["label"].startswith("new connection"):
                conn.close()
                conn = Connection(addr)
            if r["request_raw"]:
                conn.send(r["request_raw"].replace(RECORDED_SRC, local_src).encode())
            yield conn.read_line(QUIET if r["response_raw"] is None else REPLY_TIMEOUT)
            if "reconnected" in r.get("note", ""):
                conn.close()
                conn = Connection(addr)
    finally:
        conn.close()


def compare(recorded: Side, local: Side, expected_raw: str | None, got: str | None) -> list[Diff]:
    expected = None if expected_raw is None else recorded.normalize(decode(expected_raw))
    if got is None:
        return [] if expected is None else [("reply", expected, "<no reply>")]
    try:
        actual = local.normalize(decode(got))
    except json.JSONDecodeError:
        return [("reply", expected, got)]
    if expected is None:
        return [("reply", "<no reply>", actual)]
    return diff(expected, actual)


@dataclass
class Outcome:
    row: dict[str, Any]
    diffs: list[Diff]


def run_transcript(name: str, go: GoToolchain, build_go: Build, launch_server: Launch) -> list[Outcome]:
    src = TESTDATA / "basic"
    assert hashlib.sha256((src / "main.go").read_bytes()).hexdigest() == RECORDED_PROGRAM, \
        "testdata/basic/main.go is not the recorded program (testdata/transcripts/README.md)"
    recorded_tc = recorded_toolchain(name)
    if go.full != recorded_tc:
        # Code addresses are compared exactly (replay.py rule 6): only the same build has them.
        msg = f"{name} was recorded on a {recorded_tc} build; the local Go {go.version} is {go.full}"
        if IN_CI:
            pytest.fail(f"CI=1 and {msg}", pytrace=False)
        pytest.skip(msg)
    exe = build_go("basic", go)
    local_src = str(src) + "/"
    paths = [(str(exe), recorded_binary(name, go)), (local_src, RECORDED_SRC)]
    for root in dict.fromkeys((go.goroot, go.goroot.resolve())):
        paths.append((str(root) + "/", RECORDED_GOROOT))
    text = text_range(exe)
    recorded, local = Side(text), Side(text, paths)
    srv = launch_server(exe)
    exchanges = rows(name)
    return [Outcome(r, compare(recorded, local, r["response_raw"], got))
            for r, got in zip(exchanges, replay(srv.addr, exchanges, local_src), strict=True)]


def check(name: str, outcomes: list[Outcome], capsys: pytest.CaptureFixture[str]) -> None:
    known = load_known()
    listed = {seq: e for (file, seq), e in known.items() if file == name}
    matched = [o for o in outcomes if not o.diffs]
    unexpected = [o for o in outcomes if o.diffs and o.row["seq"] not in listed]
    stale = [o for o in matched if o.row["seq"] in listed]
    by_seq = {o.row["seq"]: o for o in outcomes}
    bad_entries = [e for seq, e in listed.items() if seq not in by_seq or by_seq[seq].row["label"] != e["label"]]
    score = (f"{name}: matched {len(matched)} of {len(outcomes)} exchanges "
             f"({len(outcomes) - len(matched) - len(unexpected)} known differences, {len(unexpected)} unexpected, "
             f"{len(stale)} listed but now matching)")
    with capsys.disabled():
        print(f"\n{score}")
        for o in stale:
            reason = listed[o.row["seq"]]["reason"]
            hint = f"remove it from {KNOWN.name}" if reason.startswith(AUTO_REASON) else f"listed as {reason[:60]!r}…"
            print(f"  #{o.row['seq']} {o.row['label']!r} matches in this run: {hint}")
    if UPDATE:
        for seq, e in listed.items():
            if e["reason"].startswith(AUTO_REASON):
                del known[(name, seq)]
        for o in outcomes:
            if o.diffs and (name, o.row["seq"]) not in known:
                known[(name, o.row["seq"])] = {"file": name, "seq": o.row["seq"], "label": o.row["label"],
                                               "reason": f"{AUTO_REASON} {describe(o.diffs[0])}"}
        save_known(known)
        return
    problems = []
    for e in bad_entries:
        problems.append(f"{KNOWN.name} lists #{e['seq']} {e['label']!r}, which is not that exchange of {name}")
    for o in unexpected:
        lines = [f"#{o.row['seq']} {o.row['label']!r} ({o.row['method'] or 'raw bytes'}): {len(o.diffs)} differences"]
        lines += [f"    {describe(d)}" for d in o.diffs[:10]]
        if len(o.diffs) > 10:
            lines.append(f"    ... and {len(o.diffs) - 10} more")
        problems.append("\n".join(lines))
    if problems:
        pytest.fail(f"{score}\nexchanges that differ and are not in {KNOWN.name} "
                    f"(PYDLV_REPLAY_UPDATE=1 records them):\n" + "\n".join(problems), pytrace=False)


@pytest.mark.go("1.19")
@pytest.mark.parametrize("name", transcripts("debian-go1.19"))
def test_replay_go119(name: str, go: GoToolchain, build_go: Build, launch_server: Launch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    check(name, run_transcript(name, go, build_go, launch_server), capsys)


@pytest.mark.go("1.27")
@pytest.mark.parametrize("name", transcripts("latest-go1.27"))
def test_replay_go127(name: str, go: GoToolchain, build_go: Build, launch_server: Launch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    check(name, run_transcript(name, go, build_go, launch_server), capsys)
