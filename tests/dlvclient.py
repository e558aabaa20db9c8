"""Drive Delve's own terminal client (`dlv connect ADDR --init SCRIPT`) non-interactively.

Used against real Delve (tests/test_dlv_oracle.py: what the output must look like) and against
pydlv (client compatibility). Findings with Debian's dlv 1.20.2 that shape this helper:

* Plain pipes work: without a tty, the line editor (peterh/liner) reads lines from stdin without
  echo, and prompts ("Would you like to kill the headless instance? [Y/n] ") are written to stdout
  without a newline. No pty is needed.
* The init script runs before any prompt. A failing command prints `SCRIPT:LINE: <error>` on
  stdout and the script goes on with the next line (a `continue` that runs the target to its end
  "fails" with `Process N has exited with status 0`).
* An `exit` in the script asks its question(s) on stdin: "Would you like to kill the headless
  instance? [Y/n]" when the target is alive, "Remote process has exited. Would you like to kill the
  headless instance? [Y/n]" when it has exited (then `y` sends Detach{Kill:true}, the server
  exits). `answers` is what stdin holds. If stdin ends before a question is answered, dlv prints
  `EOF` and exits 2 **leaving the server running**; without `exit` in the script the client
  reads commands from stdin and, at EOF, prints `exit` and asks the same question.
* Colours: unless TERM=dumb, source listings carry ANSI escapes even on a pipe. We run with
  TERM=dumb for stable text (and strip escapes anyway).
* Paths under the client's working directory are shown as `./...`: we run it in a fresh empty
  directory so paths stay absolute. XDG_CONFIG_HOME points at that directory too, so a user's
  ~/.config/dlv/config.yml (aliases, source-list settings) cannot change the output.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class DlvSession:
    stdout: str  # the client's stdout, ANSI escapes removed
    returncode: int
    stderr: str = ""
    script: str = ""  # the init script's path as dlv printed it in `SCRIPT:LINE:` prefixes

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


class DlvClientTimeout(AssertionError):
    pass


def dlv_path() -> str | None:
    return shutil.which("dlv")


def run_dlv_connect(addr: str, commands: list[str], answers: str = "y\n", timeout: float = 60,
                    *, dlv: str | None = None, extra_env: dict[str, str] | None = None) -> DlvSession:
    """Run `dlv connect addr --init <commands>` with `answers` on stdin; wait for it to end."""
    exe = dlv or dlv_path()
    if exe is None:
        raise FileNotFoundError("dlv is not installed (Debian package: delve)")
    with tempfile.TemporaryDirectory(prefix="dlvconnect-") as tmp:
        script = Path(tmp) / "init.dlv"
        script.write_text("".join(c + "\n" for c in commands))
        env = dict(os.environ, TERM="dumb", XDG_CONFIG_HOME=tmp, **(extra_env or {}))
        try:
            proc = subprocess.run([exe, "connect", addr, "--init", str(script)], input=answers,
                                  capture_output=True, text=True, timeout=timeout, cwd=tmp, env=env)
        except subprocess.TimeoutExpired as e:  # subprocess.run has killed and reaped the client
            out = _text(e.stdout)
            raise DlvClientTimeout(
                f"dlv connect {addr} did not finish in {timeout}s; stdout so far:\n{out}\n"
                f"stderr:\n{_text(e.stderr)}") from None
    return DlvSession(_ANSI.sub("", proc.stdout), proc.returncode, _ANSI.sub("", proc.stderr), str(script))


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


# --- the walking-skeleton session on testdata/basic ---------------------------------------------

_ADDR = re.compile(r"0x[0-9a-f]+(?:,0x[0-9a-f]+)*")
_GOROOT_FILE = re.compile(r"/\S+/src/runtime/(\w+\.go):\d+")


def basic_session_commands(main_line: int) -> list[str]:
    """The issue's session: `main_line` is the BP-MAIN line of testdata/basic/main.go."""
    return ["break main.add", f"break main.go:{main_line}", "continue", "breakpoints", "clear 1",
            "continue", "continue", "exit"]


def normalize(stdout: str, script: str) -> str:
    """Replace what differs between runs and servers: addresses, pids, the init script's path,
    GOROOT paths and line numbers inside the runtime."""
    out = stdout.replace(script, "INIT")
    out = _ADDR.sub("ADDR", out)
    out = re.sub(r"Process \d+ has exited", "Process PID has exited", out)
    return _GOROOT_FILE.sub(r"GOROOT/src/runtime/\1:N", out)


def source_listing(path: Path, line: int, context: int = 5) -> list[str]:
    """What the client prints around a stop: 5 lines either side, `=>` on the current one."""
    src = path.read_text().splitlines()
    return [f"{'=>' if n == line else '  '}{n:4d}:\t{src[n - 1]}"
            for n in range(max(1, line - context), min(len(src), line + context) + 1)]


def basic_session_expected(main_go: Path, add_line: int, main_line: int) -> str:
    """Normalized stdout of Delve 1.20.2's `dlv connect` for basic_session_commands().

    Recorded from the real Delve server (tests/test_dlv_oracle.py keeps it honest): a function
    breakpoint on main.add reports the `func` line (`add_line`, 38), the file:line one `main_line`;
    the first continue stops in main.add (called from main.loop before line 90), the listing of
    `breakpoints` includes Delve's two built-in breakpoints, the third continue reports the exit as
    an error of script line 7, and `exit` asks the "Remote process has exited" question."""
    f = str(main_go)
    return "\n".join([
        "Type 'help' for list of commands.",
        f"Breakpoint 1 set at ADDR for main.add() {f}:{add_line}",
        f"Breakpoint 2 set at ADDR for main.main() {f}:{main_line}",
        f"> main.add() {f}:{add_line} (hits goroutine(1):1 total:1) (PC: ADDR)",
        *source_listing(main_go, add_line),
        "Breakpoint runtime-fatal-throw (enabled) at ADDR for (multiple functions)() <multiple locations>:0 (0)",
        "Breakpoint unrecovered-panic (enabled) at ADDR for runtime.fatalpanic() GOROOT/src/runtime/panic.go:N (0)",
        "\tprint runtime.curg._panic.arg",
        f"Breakpoint 1 (enabled) at ADDR for main.add() {f}:{add_line} (1)",
        f"Breakpoint 2 (enabled) at ADDR for main.main() {f}:{main_line} (0)",
        f"Breakpoint 1 cleared at ADDR for main.add() {f}:{add_line}",
        f"> main.main() {f}:{main_line} (hits goroutine(1):1 total:1) (PC: ADDR)",
        *source_listing(main_go, main_line),
        "INIT:7: Process PID has exited with status 0",
        # The question ends the output: no newline after it (the answer comes from stdin, unechoed).
        "Remote process has exited. Would you like to kill the headless instance? [Y/n] ",
    ])
