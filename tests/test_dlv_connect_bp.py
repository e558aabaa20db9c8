"""Debian's real `dlv connect` (Delve 1.20.2's terminal) on pydlv and on real Delve, the same
script against both: breakpoint conditions (`cond`), hit conditions (`condition -hitcount`),
`on N print x`, `trace` (a tracepoint and its return tracepoints: the client continues past
them and prints arguments and results). The outputs must be equal after the usual normalisation
(addresses, pids, the init script's path)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dlvclient import normalize, run_dlv_connect
from gotoolchains import GoToolchain
from rpcclient import ServerProcess
from test_dlv_oracle import start_delve

BuildGo = Callable[[str, GoToolchain], Path]

SCRIPTS = {
    # add(sum, i) is called with a = 0, 0, 1, 3, 6...: `a == 3` is the fourth call, b = 3.
    "cond": ["break main.add", "cond 1 a == 3", "continue", "print a", "print b", "breakpoints", "exit"],
    "hitcount-on-trace": ["break main.add", "condition -hitcount 1 > 3", "continue", "print b", "breakpoints",
                          "clear 1", "break main.greet", "on 2 print name", "continue", "trace main.split",
                          "continue", "exit"],
}


def _session(addr: str, commands: list[str], dlv: str) -> str:
    s = run_dlv_connect(addr, commands, dlv=dlv)
    assert s.returncode == 0, s
    return normalize(s.stdout, s.script)


@pytest.mark.go("1.19")
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_breakpoint_commands_like_delve(script: str, dlv: str, go: GoToolchain, build_go: BuildGo,
                                        launch_server: Callable[..., ServerProcess], free_port: int) -> None:
    exe = build_go("basic", go)
    commands = SCRIPTS[script]
    delve = start_delve(dlv, exe, free_port)
    try:
        want = _session(f"127.0.0.1:{free_port}", commands, dlv)
    finally:
        delve.kill()
        delve.communicate()
    got = _session(launch_server(exe).addr, commands, dlv)
    # What a user would look for is there (so the comparison below compares something).
    if script == "cond":
        assert "(hits goroutine(1):1 total:1)" in want and "\tcond a == 3" in want
    else:
        assert "\tname: \"gopher\"" in want and ">> goroutine(1): => (2,0.75)" in want
    assert got == want
