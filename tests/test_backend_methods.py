"""Every method of Delve's API v2 is served, or answered with the error Delve's own native backend
gives where it lacks the feature (recording, checkpoints, core dumps, eBPF, hardware watchpoints,
follow-exec): never an "unknown method" for a method of the API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from gotoolchains import GoToolchain
from rpcclient import ServerProcess
from serverhelpers import call_error

Launch = Callable[..., ServerProcess]


@pytest.mark.parametrize(("method", "params", "error"), [
    ("Checkpoint", {"Where": "x"}, "not a recording"),
    ("ListCheckpoints", {}, "not a recording"),
    ("ClearCheckpoint", {"ID": 1}, "not a recording"),
    ("StopRecording", {}, "debugger is not recording"),
    ("DumpStart", {"Destination": "/tmp/core"}, "core dumping not supported"),
    ("CreateEBPFTracepoint", {"FunctionName": "main.add"}, "eBPF is not supported"),
    ("CreateWatchpoint", {"Scope": {"GoroutineID": -1}, "Expr": "GlobalCounter", "Type": 1},
     "hardware breakpoints not supported"),
])
def test_missing_features_in_delves_words(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                          launch_server: Launch, method: str, params: dict, error: str) -> None:
    c = launch_server(build_go("basic", go)).client()
    assert call_error(c, method, params) == error
    assert c.call("State", {})["State"]["stopReason"] == "launched"  # still serving


def _gnu_build_id(exe: Path) -> str:
    """The GNU build ID note as pyelftools reads it ("" without one)."""
    with exe.open("rb") as f:
        sec = ELFFile(f).get_section_by_name(".note.gnu.build-id")
        return next((note["n_desc"] for note in sec.iter_notes()), "") if sec is not None else ""


def test_served_methods(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path], launch_server: Launch) -> None:
    exe = build_go("basic", go)
    c = launch_server(exe).client()
    assert c.call("FollowExec", {"Enable": False}) == {}
    assert c.call("FollowExecEnabled", {}) == {"Enabled": False}
    assert c.call("BuildID", {}) == {"BuildID": _gnu_build_id(exe)}  # Delve's Image.BuildID
    assert c.call("DebugInfoDirectories", {}) == {"List": ["/usr/lib/debug/.build-id"]}
    assert c.call("DebugInfoDirectories", {"Set": True, "List": ["/tmp/dbg"]}) == {"List": ["/tmp/dbg"]}
    assert c.call("DebugInfoDirectories", {}) == {"List": ["/tmp/dbg"]}
    assert c.call("GuessSubstitutePath", {}) == {"List": None}
    assert c.call("GetBufferedTracepoints", {}) == {"TracepointResults": None}
    assert c.call("DumpWait", {"Wait": 0})["State"]["Dumping"] is False
    assert c.call("DumpCancel", {}) == {}
    assert c.call("CancelDownloads", {}) == {}
    assert c.call("DownloadLibraryDebugInfo", {"N": 0}) == {}


def test_get_events_is_a_long_poll(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                   launch_server: Launch) -> None:
    """Delve's GetEvents waits for the next event: a command that runs the target sends
    EventResumed (0) and EventStopped (1); the connection goes on being served meanwhile."""
    c = launch_server(build_go("basic", go)).client()
    pending = c.send("GetEvents", {})
    assert c.call("State", {"NonBlocking": True})["State"]["stopReason"] == "launched"
    with pytest.raises(TimeoutError):
        c.reply_for(pending, timeout=0.5)
    c.call("CreateBreakpoint", {"Breakpoint": {"functionName": "main.add"}})
    c.call("Command", {"name": "continue"})
    kinds = [e["Kind"] for e in c.reply_for(pending, timeout=10)["result"]["Events"]]
    assert kinds[0] == 0 and kinds in ([0], [0, 1])
    if kinds == [0]:
        assert [e["Kind"] for e in c.call("GetEvents", {})["Events"]] == [1]
