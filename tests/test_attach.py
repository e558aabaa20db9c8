"""`pydlv attach PID`: a Go program started by the test (in a process group of its own) is attached,
stopped at a breakpoint and let go again; refusals carry Delve's texts (checked against Debian's
dlv where it says the same). After each test, /proc shows every thread of the program untraced
and not stopped, and no INT3 left in its text.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gotoolchains import GoToolchain
from rpcclient import RawClient, ServerProcess, StdoutDrain, start_server
from serverhelpers import call_error, cont, create_bp

Build = Callable[[str, GoToolchain], Path]


class Program:
    """The lifecycle fixture run by the test itself, as a user's program would be."""

    def __init__(self, argv: list[str]) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, process_group=0)
        self._drain = StdoutDrain(self.proc)
        self.wait_output("ready")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self._drain.text()

    def wait(self, timeout: float = 20) -> int:
        """Its exit status, once it has exited and all its output is in."""
        status = self.proc.wait(timeout)
        self._drain.join(timeout)
        return status

    def wait_output(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert time.monotonic() < deadline, f"{text!r} not in {self.output()!r}"
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            # A failed test may have left it traced: killing the group ends it in any state.
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


@pytest.fixture
def program(go: GoToolchain, build_go: Build, tmp_path: Path) -> Iterator[Callable[..., Program]]:
    """program(*args) -> the lifecycle fixture running `-until tmp/until` (create it to end it)."""
    started: list[Program] = []

    def start(*args: str) -> Program:
        p = Program([str(build_go("lifecycle", go)), "-until", str(tmp_path / "until"), *args])
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def attach(pid: int | str, multiclient: bool = True, extra: tuple[str, ...] = ()) -> ServerProcess:
        srv = start_server(pid, tmp=tmp_path, command="attach", multiclient=multiclient, extra=extra)
        started.append(srv)
        return srv

    yield attach
    for srv in started:
        srv.stop()


def thread_states(pid: int) -> dict[int, tuple[str, int]]:
    """tid -> (State letter, TracerPid) of every thread of pid."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)
        found[int(task.name)] = (fields["State"].strip()[:1], int(fields["TracerPid"]))
    return found


def assert_free(pid: int, addrs: list[int]) -> None:
    """Every thread untraced and not stopped, and the original bytes back at each breakpoint."""
    deadline = time.monotonic() + 5
    while True:
        states = thread_states(pid)
        bad = {tid: st for tid, st in states.items() if st[1] != 0 or st[0] in "tT"}
        if not bad:
            break
        assert time.monotonic() < deadline, f"threads of {pid} still traced or stopped: {bad}"
        time.sleep(0.05)
    with open(f"/proc/{pid}/mem", "rb") as mem:
        for addr in addrs:
            mem.seek(addr)
            assert mem.read(1) != b"\xcc", f"INT3 left at {addr:#x}"


def all_breakpoint_addrs(c: RawClient) -> list[int]:
    bps = c.call("ListBreakpoints", {"All": True})["Breakpoints"]
    return [a for bp in bps for a in bp["addrs"]]


def finish(prog: Program, tmp: Path) -> None:
    """End the program the normal way and check that it did."""
    (tmp / "until").touch()
    assert prog.wait() == 0
    assert prog.output().endswith("finished\n"), prog.output()


def test_attach_break_detach_runs_on(program: Callable[..., Program], servers: Callable[..., ServerProcess],
                                     tmp_path: Path) -> None:
    prog = program()
    srv = servers(prog.pid)
    c = srv.client()
    state = c.call("State")["State"]
    assert (state["Pid"], state["stopReason"], state["Running"]) == (prog.pid, "attached", False)
    assert str(prog.pid) not in state["TargetCommandLine"] and "-until" in state["TargetCommandLine"]
    assert c.call("AttachedToExistingProcess") == {"Answer": True}
    assert {st for st, _ in thread_states(prog.pid).values()} == {"t"}  # every thread stopped
    bp = create_bp(c, functionName="main.tick")
    state = cont(c)
    assert state["currentThread"]["breakPoint"]["id"] == bp["id"]
    assert state["currentThread"]["function"]["name"] == "main.tick"
    ticks = c.call("Eval", {"Scope": {"GoroutineID": -1}, "Expr": "n"})["Variable"]["value"]
    assert int(ticks) > 0
    addrs = all_breakpoint_addrs(c)
    assert call_error(c, "Restart", {}) == "cannot restart process Delve did not create"
    c.send("Detach", {"Kill": False}, req_id=7)
    assert c.read_line() == b'{"id":7,"result":{},"error":null}'
    assert srv.wait(20) == 0, srv.stderr()
    assert prog.proc.poll() is None, "the program did not survive the detach"
    assert_free(prog.pid, addrs)
    before = prog.output()
    finish(prog, tmp_path)
    assert prog.output().startswith(before)


def test_attach_detach_kill(program: Callable[..., Program], servers: Callable[..., ServerProcess]) -> None:
    prog = program()
    srv = servers(prog.pid)
    c = srv.client()
    create_bp(c, functionName="main.tick")
    cont(c)
    c.call("Detach", {"Kill": True})
    assert srv.wait(20) == 0, srv.stderr()
    assert prog.wait() == -signal.SIGKILL
    assert "finished" not in prog.output()


@pytest.mark.parametrize("how", ["sigterm-running", "sigint-stopped", "sighup-stopped", "client-gone"])
def test_attach_session_end_detaches(program: Callable[..., Program], servers: Callable[..., ServerProcess],
                                     tmp_path: Path, how: str) -> None:
    """Whatever ends the server (a signal, while the target runs or is stopped, or the only client
    leaving), an attached program is detached: it runs on and ends normally."""
    prog = program()
    srv = servers(prog.pid, multiclient=how != "client-gone")
    c = srv.client()
    create_bp(c, functionName="main.tick")
    cont(c)
    addrs = all_breakpoint_addrs(c)
    if how == "sigterm-running":
        c.call("ClearBreakpoint", {"Id": 1})
        c.send("Command", {"name": "continue"})
        time.sleep(0.3)
        assert c.call("State", {"NonBlocking": True})["State"]["Running"] is True
        srv.proc.send_signal(signal.SIGTERM)
    elif how == "client-gone":
        c.close()
    else:
        srv.proc.send_signal(signal.SIGINT if how == "sigint-stopped" else signal.SIGHUP)
    assert srv.wait(20) == 0, srv.stderr()
    assert prog.proc.poll() is None, "the program did not survive the end of the session"
    assert_free(prog.pid, addrs)
    finish(prog, tmp_path)


def test_attach_twice_refused(program: Callable[..., Program], servers: Callable[..., ServerProcess],
                              tmp_path: Path) -> None:
    prog = program()
    first = servers(prog.pid)
    first.client().call("State")
    second = servers(prog.pid)
    assert second.wait(20) == 1
    text = second.stderr().strip()
    prefix = f"could not attach to pid {prog.pid}: already being debugged by pid "
    assert text.startswith(prefix), text
    # The kernel's TracerPid (which Delve prints) is the tracing thread of the first server.
    assert Path(f"/proc/{first.proc.pid}/task/{text.removeprefix(prefix)}").is_dir()
    first.client().call("Detach", {"Kill": False})
    assert first.wait(20) == 0, first.stderr()
    assert_free(prog.pid, [])
    finish(prog, tmp_path)


def _dlv_attach_error(dlv: str, pid: int) -> str:
    proc = subprocess.run([dlv, "attach", str(pid), "--headless", "--listen=127.0.0.1:0", "--api-version=2"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc
    return proc.stderr.strip()


def test_attach_refusals(servers: Callable[..., ServerProcess], dlv: str) -> None:
    """No such process, a program without Go debug information (/bin/sleep): the text Delve 1.20.2
    prints, and the process is left as it was."""
    gone = subprocess.Popen(["/bin/true"])
    gone.wait()
    sleeper = subprocess.Popen(["/bin/sleep", "30"], process_group=0)
    try:
        for pid, text in [(gone.pid, f"could not attach to pid {gone.pid}: no such process"),
                          (sleeper.pid, f"could not attach to pid {sleeper.pid}: could not open debug info - debuggee "
                                        "must not be built with 'go run' or -ldflags='-s -w', which strip debug info")]:
            srv = servers(pid)
            assert srv.wait(20) == 1
            assert srv.stderr().strip() == text
            assert _dlv_attach_error(dlv, pid) == text
        assert_free(sleeper.pid, [])
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_attach_usage_errors() -> None:
    for argv, text in [(["attach", "abc"], "Invalid pid: abc"), (["attach"], "Error: you must provide a PID")]:
        proc = subprocess.run([sys.executable, "-m", "pydlv", *argv, "--headless"], capture_output=True, text=True,
                              timeout=30)
        assert (proc.returncode, proc.stderr.strip()) == (1, text)


def test_attach_signal_while_stopped_reaches_program(program: Callable[..., Program],
                                                     servers: Callable[..., ServerProcess]) -> None:
    """A signal sent to the program while the debugger holds it stopped is delivered once it is let
    go (SIGTERM: Go's default is to die of it)."""
    prog = program()
    srv = servers(prog.pid)
    c = srv.client()
    create_bp(c, functionName="main.tick")
    cont(c)
    os.kill(prog.pid, signal.SIGTERM)
    time.sleep(0.2)
    assert prog.proc.poll() is None  # held: stopped under the debugger
    c.call("Detach", {"Kill": False})
    assert srv.wait(20) == 0, srv.stderr()
    assert prog.wait() == -signal.SIGTERM
