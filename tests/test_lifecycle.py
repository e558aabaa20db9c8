"""How a launched target lives and dies: killed from outside while stopped (reported as Delve's exit
error, State keeps answering), its children killed with it (Detach{Kill}, SIGTERM, SIGHUP, the only
client leaving, pydlv itself failing), redirects (`-r`, `--tty`, Restart's NewRedirects), `pydlv
test`, `pydlv debug` flags (--output, --build-flags, --wd) and Restart{Rebuild}.

Each test checks through /proc that the target (and what it started) is gone, not left traced,
stopped or zombie; the session-wide check of conftest.py backs that up.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gotoolchains import TESTDATA, GoToolchain, go_env, marker_line
from rpcclient import RawClient, ServerProcess, start_server
from serverhelpers import call_error, cont, create_bp, proc_state, process_gone, wait_output

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]


def exited_text(pid: int, status: int) -> str:
    return f"Process {pid} has exited with status {status}"


def run_to_exit(c: RawClient) -> dict[str, object]:
    state = cont(c)
    assert state["exited"] is True, state
    return state


def gone(*pids: int) -> None:
    for pid in pids:
        assert process_gone(pid), f"process {pid} left behind: {proc_state(pid)}"


# --- killed from outside ---------------------------------------------------------------------


def test_kill9_while_stopped(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    srv = launch_server(build_go("lifecycle", go), "-ticks", "5")
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    bp = create_bp(c, functionName="main.tick")
    cont(c)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    # The first requests may still see the stopped process (the kernel needs a moment); then every
    # request that needs the target answers Delve's exit error, State included, again and again.
    while call_error_or_none(c, "State") is None:
        assert time.monotonic() < deadline, "the kill was never noticed"
        time.sleep(0.02)
    for method, params in [("State", {}), ("ListGoroutines", {}), ("ListThreads", {}),
                           ("Eval", {"Scope": {"GoroutineID": -1}, "Expr": "n"}), ("State", {})]:
        assert call_error(c, method, params) == exited_text(pid, -9), method
    gone(pid)  # reaped: no zombie
    state = cont(c)
    assert (state["exited"], state["exitStatus"]) == (True, -9)
    c.call("Restart", {})
    new_pid = c.call("ProcessPid")["Pid"]
    assert new_pid != pid
    c.call("ClearBreakpoint", {"Id": bp["id"]})
    run_to_exit(c)
    assert wait_output(srv, "finished").count("finished") == 1


def call_error_or_none(c: RawClient, method: str) -> str | None:
    reply = c.reply_for(c.send(method, {}))
    return reply["error"]


# --- children of the target ------------------------------------------------------------------


def start_with_child(srv: ServerProcess, stop: bool) -> tuple[RawClient, int, int]:
    """The lifecycle target started with `-child`: (client, target pid, child pid); stopped at
    main.tick, or running."""
    c = srv.client()
    pid = c.call("ProcessPid")["Pid"]
    if stop:
        create_bp(c, functionName="main.tick")
        cont(c)
    else:
        c.send("Command", {"name": "continue"})
    child = int(re.search(r"child (\d+)", wait_output(srv, "ready"))[1])  # type: ignore[index]
    assert Path(f"/proc/{child}/cmdline").read_bytes().startswith(b"/bin/sleep")
    return c, pid, child


@pytest.mark.parametrize("how", ["detach-kill", "sigterm-running", "sighup-stopped", "sigint-stopped",
                                 "client-gone"])
def test_children_die_with_target(go: GoToolchain, build_go: Build, launch_server: Launch, tmp_path: Path,
                                  how: str) -> None:
    srv = launch_server(build_go("lifecycle", go), "-child", "-until", str(tmp_path / "never"),
                        multiclient=how != "client-gone")
    c, pid, child = start_with_child(srv, stop=how != "sigterm-running")
    if how == "detach-kill":
        c.call("Detach", {"Kill": True})
    elif how == "client-gone":
        c.close()
    else:
        sig = {"sigterm-running": signal.SIGTERM, "sighup-stopped": signal.SIGHUP, "sigint-stopped": signal.SIGINT}
        srv.proc.send_signal(sig[how])
    assert srv.wait(20) == 0, srv.stderr()
    gone(pid, child)
    assert "finished" not in srv.output()


CRASHING_SERVER = """
import asyncio, sys
import pydlv.rpc.server as rpcserver
import pydlv.service.headless as headless
from pydlv.cli import main

async def crash(self):  # pydlv's own code failing while the target runs
    await asyncio.sleep(1.0)
    raise RuntimeError("injected failure")

async def no_end(self):  # ... and the orderly end failing too: only the last resort is left
    raise RuntimeError("injected failure at the end")

headless.HeadlessServer.wait_closed = crash
rpcserver.RPCServer.end_session = no_end
sys.exit(main(sys.argv[1:]))
"""


def test_children_die_when_pydlv_fails(go: GoToolchain, build_go: Build, tmp_path: Path) -> None:
    """A failure in pydlv caught at the top of cli.py still kills the target and its children."""
    cmd = [sys.executable, "-c", CRASHING_SERVER, "exec", str(build_go("lifecycle", go)), "--headless",
           "--listen=127.0.0.1:0", "--accept-multiclient", "--continue", "--", "-child", "-until",
           str(tmp_path / "never")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.returncode == 1, proc.stderr
    assert "injected failure" in proc.stderr
    child = int(re.search(r"child (\d+)", proc.stdout)[1])  # type: ignore[index]
    pid = int(re.search(r"ready (\d+)", proc.stdout)[1])  # type: ignore[index]
    gone(pid, child)


# --- redirects ---------------------------------------------------------------------------------


def test_redirect_stdout_and_restart_switches(go: GoToolchain, build_go: Build, launch_server: Launch,
                                               tmp_path: Path) -> None:
    first, second, err = tmp_path / "first.txt", tmp_path / "second.txt", tmp_path / "err.txt"
    srv = launch_server(build_go("lifecycle", go), "-ticks", "1", "-stderr", "one",
                        extra=("-r", f"stdout:{first}", "-r", f"stderr:{err}"))
    c = srv.client()
    run_to_exit(c)
    assert first.read_text() == "args: [one]\nlabel plain\nready " + first.read_text().split("ready ")[1]
    assert first.read_text().endswith("finished\n")
    assert err.read_text() == "to stderr\n"
    c.call("Restart", {"ResetArgs": True, "NewArgs": ["-ticks", "1", "-stderr", "two"], "NewRedirects": ["", str(second), ""]})
    run_to_exit(c)
    assert second.read_text().startswith("args: [two]\n") and second.read_text().endswith("finished\n")
    assert "args: [one]" in first.read_text()  # untouched by the new process
    assert err.read_text() == "to stderr\n"  # the new process's stderr is the server's again
    assert "to stderr" in srv.stderr()
    assert "args:" not in srv.output()


@pytest.mark.parametrize("flag", ["{}", "stdin:{}"])
def test_redirect_stdin(go: GoToolchain, build_go: Build, launch_server: Launch, tmp_path: Path, flag: str) -> None:
    src = tmp_path / "in.txt"
    src.write_text("from a file\n")
    srv = launch_server(build_go("lifecycle", go), "-ticks", "1", "-stdin", extra=("-r", flag.format(src)))
    run_to_exit(srv.client())
    wait_output(srv, 'stdin: "from a file\\n" <nil>')


@pytest.mark.parametrize("flags, text", [
    (("-r", "/nonexistent/in"), "could not launch process: open /nonexistent/in: no such file or directory"),
    (("-r", "stdout:/nonexistent/out"), "could not launch process: open /nonexistent/out: no such file or directory"),
    (("-r", "stdout:/tmp/a", "-r", "stdout:/tmp/b"), "redirect error: stdout redirected twice"),
    (("-r", "x", "--tty", "/dev/null"), "Can not use -r and --tty together"),
])
def test_redirect_errors(go: GoToolchain, build_go: Build, flags: tuple[str, ...], text: str) -> None:
    """Delve's texts (1.20.2 prints the same for each)."""
    proc = subprocess.run([sys.executable, "-m", "pydlv", "exec", str(build_go("lifecycle", go)), "--headless",
                           "--listen=127.0.0.1:0", *flags], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == text


def test_tty(go: GoToolchain, build_go: Build, tmp_path: Path) -> None:
    """--tty: the target's three standard files are the terminal, its controlling terminal; no
    listening line (as Delve, which then isn't in the foreground)."""
    master, slave = os.openpty()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = subprocess.Popen([sys.executable, "-m", "pydlv", "exec", str(build_go("lifecycle", go)), "--headless",
                            f"--listen=127.0.0.1:{port}", "--tty", os.ttyname(slave), "--", "-ticks", "1",
                            "-stderr", "x"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                c = RawClient(f"127.0.0.1:{port}")
                break
            except OSError:
                assert time.monotonic() < deadline and srv.poll() is None, "no server"
                time.sleep(0.1)
        pid = c.call("ProcessPid")["Pid"]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(fields[4]) == os.stat(os.ttyname(slave)).st_rdev  # tty_nr: its controlling terminal
        run_to_exit(c)
        os.close(slave)
        out = b""
        while b"finished" not in out:
            out += os.read(master, 4096)
        assert out.startswith(b"args: [x]\r\nlabel plain\r\n") and b"to stderr\r\n" in out
        c.call("Detach", {"Kill": True})
        assert srv.wait(20) == 0
        assert srv.stdout is not None and srv.stdout.read() == b""
        gone(pid)
    finally:
        if srv.poll() is None:
            srv.kill()
            srv.wait()
        os.close(master)


# --- pydlv test and debug ----------------------------------------------------------------------


@pytest.fixture
def go_launch(go: GoToolchain, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """go_launch(command, package, *args, extra=...) -> a `pydlv debug|test` server building with this
    test's Go toolchain (first on PATH, offline, with its build cache)."""
    started: list[ServerProcess] = []
    env = go_env(go)
    env["PATH"] = f"{go.go.parent}{os.pathsep}{env.get('PATH', '')}"

    def launch(command: str, package: Path | str, *args: str, **kwargs: object) -> ServerProcess:
        srv = start_server(package, *args, tmp=tmp_path, command=command, env=env, ready_timeout=300,
                           **kwargs)  # type: ignore[arg-type]
        started.append(srv)
        return srv

    yield launch
    for srv in started:
        srv.stop()


def target_exe(c: RawClient) -> Path:
    return Path(os.readlink(f"/proc/{c.call('ProcessPid')['Pid']}/exe"))


def test_pydlv_test(go_launch: Callable[..., ServerProcess]) -> None:
    pkg = TESTDATA / "gotest"
    srv = go_launch("test", pkg, "-test.run", "TestAdd", "-test.v")
    c = srv.client()
    exe = target_exe(c)
    assert exe.name == "debug.test" and not exe.is_relative_to(pkg)
    assert os.readlink(f"/proc/{c.call('ProcessPid')['Pid']}/cwd") == str(pkg)  # as dlv test: the package
    line = marker_line("gotest", "BP-TESTADD")
    create_bp(c, file=str(pkg / "calc_test.go"), line=line)
    state = cont(c)
    assert (state["currentThread"]["function"]["name"], state["currentThread"]["line"]) == ("gotest.TestAdd", line)
    assert run_to_exit(c)["exitStatus"] == 0
    out = wait_output(srv, "\nPASS\n")
    assert "=== RUN   TestAdd" in out and f"wd {pkg}" in out and "\nPASS\n" in out
    assert "TestOther" not in out
    c.call("Detach", {"Kill": True})
    assert srv.wait(20) == 0, srv.stderr()
    assert not exe.exists() and not exe.parent.exists()  # the binary and its temporary directory


def test_pydlv_debug_flags_and_rebuild(go_launch: Callable[..., ServerProcess], tmp_path: Path) -> None:
    """--output puts the binary there (and, as Delve, removes it at the end); --build-flags is split
    as Delve splits it (single quotes group, double quotes go to go build); --wd is where it runs;
    Restart{Rebuild} rebuilds into the same place, a failing build answers its output."""
    src = tmp_path / "src"
    shutil.copytree(TESTDATA / "lifecycle", src)
    out, wd = tmp_path / "bin" / "prog", tmp_path / "wd"
    out.parent.mkdir()
    wd.mkdir()
    flags = """-ldflags='-X "main.label=with space"'"""
    srv = go_launch("debug", src, "-ticks", "1", extra=("--output", str(out), f"--build-flags={flags}", "--wd", str(wd)))
    c = srv.client()
    assert target_exe(c) == out
    assert os.readlink(f"/proc/{c.call('ProcessPid')['Pid']}/cwd") == str(wd)
    run_to_exit(c)
    wait_output(srv, "label with space\n")

    main_go = src / "main.go"
    main_go.write_text(main_go.read_text() + "\nfunc broken( {\n")
    error = call_error(c, "Restart", {"Rebuild": True})
    assert re.match(r"could not rebuild process: exit status \d+\n", error), error
    assert "main.go:" in error and "syntax error" in error
    main_go.write_text(main_go.read_text().replace("\nfunc broken( {\n", "").replace(
        'fmt.Println("ready", os.Getpid())', 'fmt.Println("ready", os.Getpid(), "rebuilt")'))
    c.call("Restart", {"Rebuild": True})
    assert target_exe(c) == out
    run_to_exit(c)
    assert wait_output(srv, "rebuilt\n").count("label with space\n") == 2  # the same flags
    c.call("Detach", {"Kill": True})
    assert srv.wait(20) == 0, srv.stderr()
    assert not out.exists()


def test_exec_cannot_rebuild(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("lifecycle", go)).client()
    assert call_error(c, "Restart", {"Rebuild": True}) == "cannot rebuild a binary"


def test_build_failure(go: GoToolchain, tmp_path: Path) -> None:
    """As Delve: go's output, then `exit status N`, exit 1, before any listening line."""
    env = go_env(go)
    env["PATH"] = f"{go.go.parent}{os.pathsep}{env.get('PATH', '')}"
    src = tmp_path / "src"
    shutil.copytree(TESTDATA / "lifecycle", src)
    (src / "main.go").write_text("package main\nfunc main() { undefined() }\n")
    proc = subprocess.run([sys.executable, "-m", "pydlv", "debug", str(src), "--headless"], capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "undefined" in proc.stderr and re.search(r"\nexit status \d+\n$", proc.stderr), proc.stderr
