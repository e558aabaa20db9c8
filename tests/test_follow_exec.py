"""Follow-exec: the children a target starts are debugged too (Delve's target group).

testdata/spawn runs itself as `child C0`, `child C1` (one after the other), then /bin/true, then
calls main.done. With FollowExec (or --follow-exec) a breakpoint on main.greet stops in each
child: State.Pid is the child's, ListTargets lists it with its command line, its variables are
read from its memory, the breakpoint's addresses are in both processes (addrpid). A regex picks
which children are followed; the others, and programs that are not Go, run on untraced. Events
report each spawned process and each suspended breakpoint that found its location. Every test
checks through /proc that no process is left behind.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from dlvclient import run_dlv_connect
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import LOAD, call_error, cont, create_bp, proc_state, process_gone, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]
SRC = TESTDATA / "spawn" / "main.go"


def eval_value(c: RawClient, expr: str) -> str:
    v = c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": expr, "Cfg": LOAD})["Variable"]
    return str(v["value"])


def targets(c: RawClient) -> dict[int, str]:
    return {t["Pid"]: t["CmdLine"] for t in c.call("ListTargets")["Targets"]}


def traced_children(pid: int) -> list[int]:
    """Processes whose parent is pid (children of the target, whatever state they are in)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def test_each_child_is_debugged(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    exe = build_go("spawn", go)
    srv = launch_server(exe, "spawn", "2")
    c = srv.client()
    parent = c.call("ProcessPid")["Pid"]
    assert c.call("FollowExecEnabled")["Enabled"] is False
    c.call("FollowExec", {"Enable": True, "Regex": ""})
    assert c.call("FollowExecEnabled")["Enabled"] is True
    greet = create_bp(c, file=str(SRC), line=marker_line("spawn", "BP-GREET"))
    done = create_bp(c, functionName="main.done")
    children = []
    for name in ("C0", "C1"):
        state = cont(c)
        assert state["stopReason"] == "breakpoint", state
        child = state["Pid"]
        assert child != parent and child not in children
        children.append(child)
        th = state["currentThread"]
        assert th["breakPoint"]["id"] == greet["id"]
        assert (th["file"], th["line"], th["function"]["name"]) == (str(SRC), marker_line("spawn", "BP-GREET"),
                                                                    "main.greet")
        assert th["id"] in {t["id"] for t in state["Threads"]}
        assert targets(c) == {parent: f"{exe} spawn 2", child: f"{exe} child {name}"}
        assert eval_value(c, "name") == name  # read from the child's memory
        frames = c.call("Stacktrace", {"Id": -1, "Depth": 5})["Locations"]
        assert [f["function"]["name"] for f in frames[:2]] == ["main.greet", "main.main"]
        bp = c.call("GetBreakpoint", {"Id": greet["id"]})["Breakpoint"]
        assert set(bp["addrpid"]) == {parent, child} and len(bp["addrs"]) == 2, bp
        assert bp["totalHitCount"] == len(children)
        assert proc_state(child).startswith("t"), proc_state(child)  # stopped under ptrace
        # switchThread to a thread of the other process makes that process current (Delve).
        there = c.call("Command", {"name": "switchThread", "threadID": parent})["State"]
        assert there["Pid"] == parent and there["currentThread"]["id"] == parent, there
        assert parent in {t["id"] for t in there["Threads"]} and child not in {t["id"] for t in there["Threads"]}
        back = c.call("Command", {"name": "switchThread", "threadID": th["id"]})["State"]
        assert back["Pid"] == child and eval_value(c, "name") == name
    state = cont(c)
    assert state["Pid"] == parent and state["currentThread"]["breakPoint"]["id"] == done["id"], state
    assert eval_value(c, "n") == "2"
    assert targets(c) == {parent: f"{exe} spawn 2"}  # the children have ended
    bp = c.call("GetBreakpoint", {"Id": greet["id"]})["Breakpoint"]
    assert bp["addrpid"] == [parent] and bp["totalHitCount"] == 2, bp  # their addresses went with them
    assert all(process_gone(pid) for pid in children)
    out = wait_output(srv, "hello from C1\n")
    assert out.index("hello from C0") < out.index("hello from C1")
    state = cont(c)
    assert state["exited"] is True and state["exitStatus"] == 0 and state["Pid"] == parent, state
    assert process_gone(parent)
    # Restart keeps follow-exec and the breakpoints (Delve's Restart): the first child stops again.
    assert c.call("Restart", {})["DiscardedBreakpoints"] == []
    assert c.call("FollowExecEnabled")["Enabled"] is True
    state = cont(c)
    assert state["Pid"] not in (parent, *children) and eval_value(c, "name") == "C0", state
    bp = c.call("GetBreakpoint", {"Id": greet["id"]})["Breakpoint"]
    assert bp["totalHitCount"] == 1 and len(set(bp["addrpid"])) == 2, bp


def test_regex_picks_the_children_and_events_tell(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    exe = build_go("spawn", go)
    srv = launch_server(exe, "spawn", "2", extra=("--follow-exec", "--follow-exec-regex", "child C1$"))
    c = srv.client()
    parent = c.call("ProcessPid")["Pid"]
    assert c.call("FollowExecEnabled")["Enabled"] is True
    # Found nowhere yet: a suspended breakpoint, materialized when a child has its location.
    greet = c.call("CreateBreakpoint", {"Breakpoint": {"file": str(SRC), "line": marker_line("spawn", "BP-GREET")},
                                        "Suspended": True})["Breakpoint"]
    state = cont(c)
    child = state["Pid"]
    assert child != parent and eval_value(c, "name") == "C1", state
    out = wait_output(srv, "hello from C0\n")  # C0 was not followed: it ran on by itself
    assert "hello from C1" not in out
    events = c.call("GetEvents", {}, timeout=10)["Events"]
    kinds = [e["Kind"] for e in events]
    assert kinds[0] == 0 and kinds[-1] == 1, events  # resumed ... stopped
    spawned = [e for e in events if e["Kind"] == 4]
    assert [(e["Cmdline"], e["WillFollow"]) for e in spawned] == [(f"{exe} child C0", False),
                                                                  (f"{exe} child C1", True)], events
    assert spawned[1]["PID"] == child
    state = cont(c)  # from the child, which ends first: the launched process is the one reported
    assert state["exited"] is True and state["exitStatus"] == 0 and state["Pid"] == parent, state
    assert "done 2" in wait_output(srv, "done 2\n")
    assert process_gone(parent) and process_gone(child)
    assert greet["id"] == 1


def test_suspended_breakpoint_materializes_in_a_child(go: GoToolchain, build_go: Build,
                                                      launch_server: Launch, tmp_path: Path) -> None:
    """Delve's TestFollowExecFindLocation, on a child that is another program: its file is
    unknown to the parent, so the breakpoint is suspended until the child execs."""
    exe = build_go("spawn", go)
    other = tmp_path / "other.go"
    other.write_text('package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("other")\n}\n')
    srv = launch_server(exe, "spawn", "1")
    c = srv.client()
    c.call("FollowExec", {"Enable": True, "Regex": ""})
    missing = call_error(c, "CreateBreakpoint", {"Breakpoint": {"file": str(other), "line": 6}})
    assert "could not find" in missing or "not found" in missing, missing
    bp = c.call("CreateBreakpoint", {"Breakpoint": {"file": str(SRC), "line": marker_line("spawn", "BP-GREET")},
                                     "Suspended": True})["Breakpoint"]
    state = cont(c)
    assert state["currentThread"]["breakPoint"]["id"] == bp["id"]
    found = c.call("FindLocation", {"Scope": {"GoroutineID": -1}, "Loc": "main.done",
                                    "IncludeNonExecutableLines": True})["Locations"]
    assert found and found[0]["function"]["name"] == "main.done"
    c.call("Detach", {"Kill": True})
    assert process_gone(state["Pid"])


def test_children_die_with_a_killed_target(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    exe = build_go("spawn", go)
    srv = launch_server(exe, "spawn", "2", extra=("--follow-exec",))
    c = srv.client()
    parent = c.call("ProcessPid")["Pid"]
    create_bp(c, functionName="main.greet")
    child = cont(c)["Pid"]
    assert traced_children(parent) == [child]
    c.call("Detach", {"Kill": True})
    assert process_gone(parent) and process_gone(child), (proc_state(parent), proc_state(child))


def test_follow_exec_errors(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("spawn", go), "spawn", "1")
    c = srv.client()
    assert call_error(c, "FollowExec", {"Enable": True, "Regex": "["}) == \
        "error parsing regexp: missing closing ]: `[`"
    assert c.call("FollowExecEnabled")["Enabled"] is False
    c.call("FollowExec", {"Enable": True, "Regex": "C0"})
    c.call("FollowExec", {"Enable": False, "Regex": ""})
    assert c.call("FollowExecEnabled")["Enabled"] is False
    create_bp(c, functionName="main.greet")
    # Not followed: the breakpoint stops in the parent only, never in the child.
    state = cont(c)
    assert state["exited"] is True and state["exitStatus"] == 0, state
    assert "hello from C0" in wait_output(srv, "done 1\n")


def test_dlv_connect_steps_into_a_child(go: GoToolchain, build_go: Build, launch_server: Launch, dlv: str) -> None:
    """The real client: `dlv connect` (Delve 1.20.2, which predates follow-exec in its terminal)
    drives a session started with --follow-exec: it stops in the child and prints its values."""
    srv = launch_server(build_go("spawn", go), "spawn", "1", extra=("--follow-exec",), multiclient=False)
    session = run_dlv_connect(srv.addr, ["break main.greet", "continue", "print name", "next", "continue",
                                         "continue", "exit"], dlv=dlv)
    assert session.returncode == 0, session
    text = session.stdout
    assert re.search(r"Breakpoint 1 set at 0x[0-9a-f]+ for main\.greet\(\) .*spawn/main\.go:\d+", text), text
    assert re.search(r"> main\.greet\(\) .*spawn/main\.go:\d+ \(hits goroutine\(1\):1 total:1\)", text), text
    assert '"C0"' in text, text
    assert "exited with status 0" in text, text
    assert srv.wait(20) == 0, srv.stderr()


def test_child_in_a_process_group_of_its_own(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """A child started with SysProcAttr.Setpgid leaves the target's process group before its exec:
    it is still followed (not left stopped, its parent waiting for it forever)."""
    exe = build_go("spawn", go)
    srv = launch_server(exe, "spawn-pgid", extra=("--follow-exec",))
    c = srv.client()
    parent = c.call("ProcessPid")["Pid"]
    create_bp(c, functionName="main.greet")
    state = cont(c)
    child = state["Pid"]
    assert child != parent and eval_value(c, "name") == "G", state
    assert os.getpgid(child) != os.getpgid(parent)
    state = cont(c)
    assert state["exited"] is True and state["exitStatus"] == 0 and state["Pid"] == parent, state
    assert "done 1" in wait_output(srv, "done 1\n")
    assert process_gone(child)
