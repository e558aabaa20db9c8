"""Helpers shared by the tests that drive a real pydlv server (test_server_*.py)."""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path
from typing import Any

from rpcclient import RawClient, ServerProcess

TRANSCRIPT_LINES = Path(__file__).parent / "unit" / "data" / "delve127_transcript_lines.jsonl"


@cache
def transcript_result(file: str, seq: int) -> dict[str, Any]:
    """`result` of a reply real Delve 1.27.1 sent (recorded in the shared transcripts), keys in
    Delve's order."""
    for line in TRANSCRIPT_LINES.read_text().splitlines():
        row = json.loads(line)
        if row["file"] == file and row["seq"] == seq:
            result: dict[str, Any] = json.loads(row["response_raw"])["result"]
            return result
    raise LookupError(f"{file} #{seq} is not in {TRANSCRIPT_LINES.name}")


def call_error(client: RawClient, method: str, params: Any = None) -> str:
    """The error text of a call that must fail."""
    reply = client.reply_for(client.send(method, params))
    assert reply["result"] is None, reply
    assert isinstance(reply["error"], str), reply
    return reply["error"]


def wait_output(srv: ServerProcess, text: str, timeout: float = 10.0) -> str:
    """The target's stdout once it contains `text` (its pipe is drained by another thread)."""
    deadline = time.monotonic() + timeout
    while text not in (out := srv.output()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not in the target's output {out!r}")
        time.sleep(0.02)
    return out


def process_gone(pid: int, timeout: float = 10.0) -> bool:
    """True once /proc/PID no longer exists (neither running nor a zombie)."""
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def proc_state(pid: int) -> str:
    """`State:` of /proc/PID/status, e.g. "t (tracing stop)"; "" when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def create_bp(client: RawClient, **fields: Any) -> dict[str, Any]:
    bp: dict[str, Any] = client.call("CreateBreakpoint", {"Breakpoint": fields})["Breakpoint"]
    return bp


def cont(client: RawClient, timeout: float = 30.0) -> dict[str, Any]:
    """Command{continue} and its DebuggerState."""
    state: dict[str, Any] = client.call("Command", {"name": "continue"}, timeout=timeout)["State"]
    return state


# --- injected calls ---------------------------------------------------------------------------

LOAD = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}


def stop_at(srv: ServerProcess, program: str, marker: str = "",
            function: str = "") -> tuple[RawClient, dict[str, Any]]:
    """A new client of srv, the target run to a breakpoint at `marker` (or `function`)."""
    from gotoolchains import TESTDATA, marker_line

    c = srv.client()
    if function:
        create_bp(c, functionName=function)
    else:
        create_bp(c, file=str(TESTDATA / program / "main.go"), line=marker_line(program, marker))
    state = cont(c)
    assert state["stopReason"] == "breakpoint", state
    return c, state


def call(c: RawClient, expr: str, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = c.call("Command", {"name": "call", "expr": expr, "ReturnInfoLoadConfig": LOAD, **extra},
                                   timeout=30)["State"]
    return state


def call_fails(c: RawClient, expr: str, **extra: Any) -> str:
    return call_error(c, "Command", {"name": "call", "expr": expr, "ReturnInfoLoadConfig": LOAD, **extra})


def values(state: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(v["name"], v["type"], v["value"]) for v in state["currentThread"]["ReturnValues"]]

