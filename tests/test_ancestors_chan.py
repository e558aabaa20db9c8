"""Ancestors (GODEBUG=tracebackancestors) and ListGoroutines' channel filter on testdata/basic at
BP-MAIN, where main has started 4 workers that are parked receiving on `ch`.

Expected values are what real Delve 1.20.2 answered on the Go 1.19 build (Ancestors, same
frames and Bottom flag; an ancestor pc just past runtime.systemstack_switch, a 1-byte function,
has no function there) and what Delve 1.27's ChanGoroutines does (Delve 1.20.2 has no channel
filter): recvq then sendq, at most count+1 ids, Nextg -1 unless exactly `count` came back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import call_error, cont, create_bp

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

BASIC = str(TESTDATA / "basic" / "main.go")
SCOPE = {"GoroutineID": -1, "Frame": 0}


def _at_main(c: RawClient) -> list[dict[str, Any]]:
    create_bp(c, file=BASIC, line=marker_line("basic", "BP-MAIN"))
    cont(c)
    return c.call("ListGoroutines", {"Count": 0})["Goroutines"]


def _workers(gs: list[dict[str, Any]]) -> list[int]:
    return sorted(g["id"] for g in gs if (g["userCurrentLoc"]["function"] or {}).get("name") == "main.worker")


def _chan(c: RawClient, arg: str, start: int = 0, count: int = 10) -> dict[str, Any]:
    return c.call("ListGoroutines", {"Start": start, "Count": count, "EvalScope": SCOPE,
                                     "Filters": [{"Kind": 8, "Arg": arg}]})


@pytest.mark.smoke
def test_ancestors_of_a_worker(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("basic", go), env={"GODEBUG": "tracebackancestors=5"})
    c = srv.client()
    workers = _workers(_at_main(c))
    assert len(workers) == 4
    anc = c.call("Ancestors", {"GoroutineID": workers[0], "NumAncestors": 5, "Depth": 10})["Ancestors"]
    assert [(a["ID"], a["Unreadable"]) for a in anc] == [(1, "")]  # created by main
    stack = anc[0]["Stack"]
    fns = [f["function"]["name"] if f.get("function") else "" for f in stack]
    # the pcs the runtime saved when main ran `go worker(...)`: newproc called from main.main
    i = fns.index("runtime.newproc")
    assert fns[i:] == ["runtime.newproc", "main.main", "runtime.main", "runtime.goexit"]
    go_line = marker_line("basic", "BP-MAIN")
    main_frame = stack[i + 1]
    assert main_frame["file"] == BASIC and main_frame["line"] < go_line  # the go statement's line
    assert [f.get("Bottom", False) for f in stack] == [False] * (len(stack) - 1) + [True]
    assert all(f["Locals"] is None and f["Defers"] == [] and f["FrameOffset"] == 0 for f in stack)
    # Depth and NumAncestors limit what is read; Bottom only when every pc was read
    short = c.call("Ancestors", {"GoroutineID": workers[0], "NumAncestors": 1, "Depth": 2})["Ancestors"]
    assert len(short[0]["Stack"]) == 2 and "Bottom" not in short[0]["Stack"][-1]
    assert c.call("Ancestors", {"GoroutineID": workers[0], "NumAncestors": 0, "Depth": 3})["Ancestors"] == []
    # main itself has no ancestors: an empty list, not an error
    assert c.call("Ancestors", {"GoroutineID": -1, "NumAncestors": 3, "Depth": 3})["Ancestors"] == []
    assert call_error(c, "Ancestors", {"GoroutineID": 99999, "NumAncestors": 1, "Depth": 1}) == \
        "unknown goroutine 99999"
    assert call_error(c, "Ancestors", {"GoroutineID": 0, "NumAncestors": 1, "Depth": 1}) == "unknown goroutine 0"


def test_ancestors_disabled_by_the_runtime_setting(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    # tracebackancestors=0 is read from runtime.debug, as Delve does
    srv = launch_server(build_go("basic", go), env={"GODEBUG": "tracebackancestors=0"})
    c = srv.client()
    workers = _workers(_at_main(c))
    assert call_error(c, "Ancestors", {"GoroutineID": workers[0], "NumAncestors": 1, "Depth": 1}) == \
        "tracebackancestors is disabled"


@pytest.mark.smoke
def test_channel_filter(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    workers = _workers(_at_main(c))
    got = _chan(c, "ch")
    assert sorted(g["id"] for g in got["Goroutines"]) == workers and got["Nextg"] == -1
    assert all(g["waitReason"] == got["Goroutines"][0]["waitReason"] != 0 for g in got["Goroutines"])
    # paging: Delve collects up to count+1 waiters; Nextg only when exactly count came back
    first = _chan(c, "ch", 0, 2)
    assert len(first["Goroutines"]) == 3 and first["Nextg"] == -1
    rest = _chan(c, "ch", 3, 2)
    assert [g["id"] for g in first["Goroutines"] + rest["Goroutines"]] == [g["id"] for g in got["Goroutines"]]
    assert rest["Nextg"] == -1
    exact = _chan(c, "ch", 1, 3)
    assert [g["id"] for g in exact["Goroutines"]] == [g["id"] for g in got["Goroutines"]][1:] and exact["Nextg"] == 4
    # other filters apply to the waiters
    assert c.call("ListGoroutines", {"Count": 10, "EvalScope": SCOPE,
                                     "Filters": [{"Kind": 8, "Arg": "ch"}, {"Kind": 6}]})["Goroutines"] == []
    # not a channel: no goroutines; evaluation and syntax errors as Eval's
    assert _chan(c, "1")["Goroutines"] == []
    assert call_error(c, "ListGoroutines", {"Count": 10, "EvalScope": SCOPE,
                                            "Filters": [{"Kind": 8, "Arg": "nosuch"}]}) == \
        "could not find symbol value for nosuch"
    assert call_error(c, "ListGoroutines", {"Count": 10, "EvalScope": SCOPE,
                                            "Filters": [{"Kind": 8, "Arg": "ch +"}]}) == \
        "1:5: expected operand, found 'EOF'"
    assert call_error(c, "ListGoroutines", {"Count": 10, "Filters": [{"Kind": 8, "Arg": "ch"}]}) == \
        "channel filter without eval scope"
