"""Debian's real `dlv connect` (Delve 1.20.2) driving a pydlv server end to end.

The expected client output is what the same client prints against real Delve
(tests/test_dlv_oracle.py checks that against Delve's own server).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from dlvclient import (
    DlvSession,
    basic_session_commands,
    basic_session_expected,
    normalize,
    run_dlv_connect,
    source_listing,
)
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import ServerProcess, start_server

BuildGo = Callable[[str, GoToolchain], Path]
MAIN_GO = TESTDATA / "basic" / "main.go"
ADD_LINE = marker_line("basic", "BP-ADD") - 1  # a function breakpoint reports the `func` line (38)
KILL_QUESTION = "Would you like to kill the headless instance? [Y/n] "
EXITED_QUESTION = "Remote process has exited. " + KILL_QUESTION


def target_pid(server: ServerProcess, exe: Path, timeout: float = 10) -> int:
    """Pid of the target the server launched: its child process running `exe` (the child may still
    be between fork and exec right after the listening line)."""
    deadline = time.monotonic() + timeout
    while True:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                exe_link = os.readlink(f"/proc/{entry}/exe")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == server.proc.pid and exe_link == str(exe):
                return int(entry)
        if time.monotonic() > deadline:
            raise AssertionError(f"no child of the server (pid {server.proc.pid}) runs {exe}")
        time.sleep(0.05)


def process_exists(pid: int) -> bool:
    """True while `pid` is a process (zombies included: a zombie is not yet gone)."""
    return Path(f"/proc/{pid}").exists()


def target_output(server: ServerProcess, last_line: str, timeout: float = 5) -> str:
    """The server's stdout (where the target's output goes), once `last_line` has been read from it:
    the reader thread may still be draining the pipe right after the server exited."""
    deadline = time.monotonic() + timeout
    while (out := server.output()).splitlines()[-1:] != [last_line] and time.monotonic() < deadline:
        time.sleep(0.05)
    return out


def exited_by_itself(server: ServerProcess, session: DlvSession) -> int:
    """The server's exit status; it must exit without being signalled once the client is gone."""
    try:
        return server.wait(20)
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"the server is still running after the client left;\nclient: {session}\n"
            f"server stderr: {server.stderr()}"
        ) from None


def test_issue_session(go: GoToolchain, build_go: BuildGo, dlv: str, tmp_path: Path) -> None:
    """The issue's session: break by name and file:line, continue, breakpoints, clear, run to exit,
    then `exit` answered `y` (Detach{Kill:true}): the same output as against real Delve."""
    exe = build_go("basic", go)
    main_line = marker_line("basic", "BP-MAIN")
    server = start_server(exe, tmp=tmp_path)
    try:
        session = run_dlv_connect(server.addr, basic_session_commands(main_line), answers="y\n", dlv=dlv)
        status = exited_by_itself(server, session)
    finally:
        server.stop()
    assert normalize(session.stdout, session.script) == basic_session_expected(MAIN_GO, ADD_LINE, main_line)
    assert session.returncode == 0, session
    assert status == 0, server.stderr()
    assert target_output(server, "done").splitlines()[-1] == "done"  # the target ran to its end


@pytest.mark.smoke
def test_break_continue_exit(go: GoToolchain, build_go: BuildGo, dlv: str, tmp_path: Path) -> None:
    """Smoke, every Go release: a breakpoint hit twice, cleared, the program run to its end."""
    exe = build_go("basic", go)
    server = start_server(exe, tmp=tmp_path)
    try:
        session = run_dlv_connect(
            server.addr,
            ["break main.add", "continue", "continue", "clear 1", "continue", "exit"],
            answers="y\n",
            dlv=dlv,
        )
        status = exited_by_itself(server, session)
    finally:
        server.stop()
    f = str(MAIN_GO)
    listing = source_listing(MAIN_GO, ADD_LINE)
    assert normalize(session.stdout, session.script) == "\n".join(
        [
            "Type 'help' for list of commands.",
            f"Breakpoint 1 set at ADDR for main.add() {f}:{ADD_LINE}",
            f"> main.add() {f}:{ADD_LINE} (hits goroutine(1):1 total:1) (PC: ADDR)",
            *listing,
            f"> main.add() {f}:{ADD_LINE} (hits goroutine(1):2 total:2) (PC: ADDR)",
            *listing,
            f"Breakpoint 1 cleared at ADDR for main.add() {f}:{ADD_LINE}",
            "INIT:5: Process PID has exited with status 0",
            EXITED_QUESTION,
        ]
    )
    assert session.returncode == 0, session
    assert status == 0, server.stderr()
    assert target_output(server, "done").splitlines()[-1] == "done"


@pytest.mark.parametrize("multiclient", [True, False], ids=["multiclient", "single-client"])
def test_exit_while_target_alive(
    go: GoToolchain, build_go: BuildGo, dlv: str, tmp_path: Path, multiclient: bool
) -> None:
    """`exit` while the target is stopped at a breakpoint. With --accept-multiclient the client asks
    whether to kill the headless instance (`y`); without it (single-client mode, as vim-go runs
    Delve) it asks nothing and detaches with kill. Either way the server kills the target it
    launched and exits 0 by itself."""
    exe = build_go("basic", go)
    server = start_server(exe, multiclient=multiclient, tmp=tmp_path)
    try:
        pid = target_pid(server, exe)
        session = run_dlv_connect(server.addr, ["break main.add", "continue", "exit"], answers="y\n", dlv=dlv)
        status = exited_by_itself(server, session)
    finally:
        server.stop()
    f = str(MAIN_GO)
    assert normalize(session.stdout, session.script) == "\n".join(
        [
            "Type 'help' for list of commands.",
            f"Breakpoint 1 set at ADDR for main.add() {f}:{ADD_LINE}",
            f"> main.add() {f}:{ADD_LINE} (hits goroutine(1):1 total:1) (PC: ADDR)",
            *source_listing(MAIN_GO, ADD_LINE),
            # Delve's client asks only a multiclient server; the question ends the output (no newline).
            KILL_QUESTION if multiclient else "",
        ]
    )
    assert session.returncode == 0, session
    assert status == 0, server.stderr()
    deadline = time.monotonic() + 5
    while process_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_exists(pid), f"target pid {pid} still exists after the server exited"
    assert "done" not in server.output().splitlines()  # killed at the breakpoint, not run to its end
