"""Debian's `dlv connect` (Delve 1.20.2) restarting a pydlv target after it ended, with the same and
with new arguments, then `exit`: the program runs again each time. The client's output is what it
prints against Delve 1.20.2's own server for the same script (recorded with testdata/lifecycle)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from dlvclient import run_dlv_connect
from gotoolchains import GoToolchain
from rpcclient import ServerProcess
from serverhelpers import process_gone, wait_output

BuildGo = Callable[[str, GoToolchain], Path]


def test_restart_after_exit(go: GoToolchain, build_go: BuildGo, launch_server: Callable[..., ServerProcess],
                            dlv: str) -> None:
    srv = launch_server(build_go("lifecycle", go), "first", multiclient=False)
    session = run_dlv_connect(srv.addr, ["continue", "restart", "continue", "restart -- second", "continue", "exit"],
                              dlv=dlv)
    assert session.returncode == 0, session
    pids = [int(p) for p in re.findall(r"Process (\d+) has exited with status 0", session.stdout)]
    assert len(pids) == 3 and len(set(pids)) == 3, session.stdout
    assert session.lines == [
        "Type 'help' for list of commands.",
        f"{session.script}:1: Process {pids[0]} has exited with status 0",
        f"Process restarted with PID {pids[1]}",
        f"{session.script}:3: Process {pids[1]} has exited with status 0",
        f"Process restarted with PID {pids[2]}",
        f"{session.script}:5: Process {pids[2]} has exited with status 0",
    ]
    assert srv.wait(20) == 0, srv.stderr()  # the only client left: the session ends
    out = wait_output(srv, f"ready {pids[2]}\nfinished\n")
    assert re.findall(r"args: \[(\w+)\]", out) == ["first", "first", "second"]
    assert out.count("finished\n") == 3
    assert all(process_gone(pid) for pid in pids)
