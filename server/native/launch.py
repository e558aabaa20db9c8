"""Start a program under ptrace without fork-in-Python.

python-ptrace launches with fork()+PTRACE_TRACEME in Python code, which is unsafe
in a threaded process (the asyncio side runs threads) and slow. We posix_spawn a
/bin/sh trampoline in its own process group that stops itself; the target thread
seizes it (PTRACE_SEIZE, so PTRACE_INTERRUPT works later), lets it continue into
`exec`, and takes the exec event: the program is then stopped at its ELF entry
point, before any of its instructions ran. Only the calling (target) thread ever
waits for the child: no Popen, no waitpid(-1).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from dataclasses import dataclass

from ptrace.binding.func import ptrace_cont

from ..errors import UserError
from . import sysext

# "$0" is the program, "$@" its arguments; $1 is the working directory (shifted away).
_TRAMPOLINE = 'kill -STOP $$; cd -- "$1" || exit 126; shift; exec "$0" "$@"'

LAUNCH_OPTIONS = sysext.PTRACE_O_TRACECLONE | sysext.PTRACE_O_TRACEEXEC | sysext.PTRACE_O_EXITKILL


class LaunchError(UserError):
    pass


@dataclass(frozen=True)
class Redirects:
    """Files for the target's stdin, stdout, stderr ("": the server's own), Delve's `-r`."""

    stdin: str = ""
    stdout: str = ""
    stderr: str = ""


NO_REDIRECTS = Redirects()


def _file_actions(r: Redirects) -> list[tuple[int, int, str, int, int]]:
    out = []
    for fd, path, flags in ((0, r.stdin, os.O_RDONLY), (1, r.stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                            (2, r.stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        if path:
            out.append((os.POSIX_SPAWN_OPEN, fd, path, flags, 0o644))
    return out


def launch_traced(argv: Sequence[str], cwd: str, env: dict[str, str] | None = None,
                  redirects: Redirects = NO_REDIRECTS) -> int:
    """Spawn argv stopped at its entry point under ptrace; returns the pid.

    Must run on the thread that will trace the process.
    """
    prog = argv[0]
    check_executable(prog)
    for path in (redirects.stdin,):
        if path and not os.path.exists(path):
            raise LaunchError(f"could not launch process: open {path}: no such file or directory")
    args = ["/bin/sh", "-c", _TRAMPOLINE, prog, cwd, *argv[1:]]
    pid = os.posix_spawn("/bin/sh", args, dict(os.environ if env is None else env), setpgroup=0,
                         file_actions=_file_actions(redirects))
    try:
        _, status = os.waitpid(pid, os.WUNTRACED)
        if not os.WIFSTOPPED(status):
            raise LaunchError(f"could not launch process: trampoline ended with status {status:#x}")
        sysext.ptrace_seize(pid, LAUNCH_OPTIONS)
        os.kill(pid, signal.SIGCONT)
        while True:
            _, status = os.waitpid(pid, sysext.WALL)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
                raise LaunchError(f"could not launch process: exited with status {code} before exec")
            if os.WIFSTOPPED(status) and (status >> 16) == sysext.PTRACE_EVENT_EXEC:
                return pid
            # SIGCONT delivery and the seize-time group-stop: swallow, go on to exec.
            ptrace_cont(pid, 0)
    except BaseException:
        _kill_and_reap(pid)
        raise


def check_executable(prog: str) -> None:
    """Refuse what cannot be launched, with Delve's words."""
    if not os.path.exists(prog):
        raise LaunchError(f"could not launch process: stat {prog}: no such file or directory")
    if os.path.isdir(prog) or not os.access(prog, os.X_OK):
        raise LaunchError(f"could not launch process: fork/exec {prog}: permission denied")
    with open(prog, "rb") as f:
        if f.read(4) != b"\x7fELF":
            raise LaunchError("could not launch process: not an executable file")


def _kill_and_reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, sysext.WALL)
    except (ProcessLookupError, ChildProcessError):
        pass
