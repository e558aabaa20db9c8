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

from ptrace.binding.func import ptrace_cont

from ..errors import UserError
from . import sysext
from .redirects import NO_REDIRECTS, Redirects

# "$0" is the program, "$@" its arguments; $1 is the working directory (shifted away).
_TRAMPOLINE = 'kill -STOP $$; cd -- "$1" || exit 126; shift; exec "$0" "$@"'

LAUNCH_OPTIONS = sysext.PTRACE_O_TRACECLONE | sysext.PTRACE_O_TRACEEXEC | sysext.PTRACE_O_EXITKILL


class LaunchError(UserError):
    pass




def _go_error(op: str, path: str, e: OSError) -> str:
    """Go's text of a failed file operation: `open PATH: no such file or directory`."""
    text = os.strerror(e.errno) if e.errno else str(e)
    return f"{op} {path}: {text[:1].lower()}{text[1:]}"


def _open_redirects(r: Redirects) -> list[int]:
    """Open the redirect files here, as Delve does before starting the process, so an error names
    the file; returns the descriptors for stdin, stdout, stderr (-1: inherited)."""
    fds: list[int] = []
    try:
        if r.tty:
            fd = os.open(r.tty, os.O_RDWR | os.O_NOCTTY)
            fds.append(fd)
            if not os.isatty(fd):
                raise LaunchError(f"could not launch process: {r.tty} is not a terminal")
            return fds
        for path, flags in ((r.stdin, os.O_RDONLY), (r.stdout, os.O_RDWR | os.O_CREAT | os.O_TRUNC),
                            (r.stderr, os.O_RDWR | os.O_CREAT | os.O_TRUNC)):
            fds.append(os.open(path, flags, 0o666) if path else -1)
    except OSError as e:
        _close(fds)
        path = e.filename if isinstance(e.filename, str) else r.tty
        raise LaunchError(f"could not launch process: {_go_error('open', path, e)}") from None
    except BaseException:
        _close(fds)
        raise
    return fds


def _close(fds: list[int]) -> None:
    for fd in fds:
        if fd >= 0:
            os.close(fd)


def _file_actions(r: Redirects, fds: list[int]) -> list[tuple[object, ...]]:
    if r.tty:
        # Opened again by the child, after setsid: a session leader's first terminal becomes its
        # controlling terminal (Delve's Setctty), which a descriptor inherited would not.
        return [(os.POSIX_SPAWN_OPEN, 0, r.tty, os.O_RDWR, 0), (os.POSIX_SPAWN_DUP2, 0, 1),
                (os.POSIX_SPAWN_DUP2, 0, 2)]
    return [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds) if fd >= 0]


def launch_traced(argv: Sequence[str], cwd: str, env: dict[str, str] | None = None,
                  redirects: Redirects = NO_REDIRECTS) -> int:
    """Spawn argv stopped at its entry point under ptrace; returns the pid.

    Must run on the thread that will trace the process.
    """
    prog = argv[0]
    check_executable(prog)
    fds = _open_redirects(redirects)
    args = ["/bin/sh", "-c", _TRAMPOLINE, prog, cwd, *argv[1:]]
    try:
        # Its own process group (a session too with a tty): killing the group kills what it started.
        environ = dict(os.environ if env is None else env)
        actions = _file_actions(redirects, fds)
        if redirects.tty:
            pid = os.posix_spawn("/bin/sh", args, environ, file_actions=actions, setsid=True)
        else:
            pid = os.posix_spawn("/bin/sh", args, environ, file_actions=actions, setpgroup=0)
    finally:
        _close(fds)
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
        os.killpg(pid, signal.SIGKILL)
        os.waitpid(pid, sysext.WALL)
    except (ProcessLookupError, ChildProcessError):
        pass
