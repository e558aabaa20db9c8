"""Attach to a running process: every thread seized and stopped (Delve's `attach PID`).

Each thread listed in /proc/PID/task is PTRACE_SEIZEd (so PTRACE_INTERRUPT works, and no
SIGSTOP is sent that the program could see) and interrupted at once. Threads cloned meanwhile
by a seized thread are traced by the kernel (TRACECLONE); those cloned by a thread not seized
yet show up in the next listing. When a listing brings nothing new, every thread is ours and
we wait for each one's stop. Refusals carry Delve's texts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading

from ptrace.error import PtraceError

from . import sysext
from .launch import LaunchError
from .process import ThreadState, TracedProcess

# As launch, without EXITKILL: an attached process must outlive the debugger.
ATTACH_OPTIONS = sysext.PTRACE_O_TRACECLONE | sysext.PTRACE_O_TRACEEXEC


class AttachError(LaunchError):
    pass


def attach_traced(pid: int) -> TracedProcess:
    """Seize every thread of pid and stop them all. Must run on the thread that will trace it."""
    try:
        pgid = os.getpgid(pid)
    except ProcessLookupError:
        raise AttachError(f"could not attach to pid {pid}: no such process") from None
    try:
        sysext.ptrace_seize(pid, ATTACH_OPTIONS)
    except PtraceError as e:
        raise AttachError(_explain(pid, e.errno or errno.EPERM)) from None
    _interrupt(pid)
    proc = TracedProcess(pid, launched=False, pgid=pgid, options=ATTACH_OPTIONS)
    proc.threads = {pid: ThreadState(pid)}  # its interrupt stop is on the way
    try:
        while new := [tid for tid in _tasks(pid) if tid not in proc.threads]:
            for tid in new:
                auto = _seize_thread(pid, tid)
                if auto is not None:
                    proc.threads.setdefault(tid, ThreadState(tid, starting=auto))
        proc.wait_all_stopped()
        if proc.exited:
            raise AttachError(f"could not attach to pid {pid}: no such process")
    except BaseException:
        _give_up(proc)
        raise
    return proc


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except FileNotFoundError:
        return []  # it died: the wait reports it


def _interrupt(tid: int) -> None:
    try:
        sysext.ptrace_interrupt(tid)
    except PtraceError as e:
        if e.errno != errno.ESRCH:
            raise


def _seize_thread(pid: int, tid: int) -> bool | None:
    """Seize and interrupt one more thread: False when seized, True when the kernel had already
    made it ours (cloned by a seized thread: its first stop comes by itself), None if it is gone."""
    try:
        sysext.ptrace_seize(tid, ATTACH_OPTIONS)
    except PtraceError as e:
        if e.errno == errno.ESRCH:
            return None  # exited meanwhile
        # TracerPid names the tracing thread: this one.
        if e.errno == errno.EPERM and _tracer_of(tid) == threading.get_native_id():
            return True
        raise AttachError(_explain(pid, e.errno or errno.EPERM)) from None
    _interrupt(tid)
    return False


def _give_up(proc: TracedProcess) -> None:
    """Undo a half-done attach: wait for what was seized to stop, then let it all go."""
    with contextlib.suppress(Exception):
        proc.wait_all_stopped()
    with contextlib.suppress(Exception):
        proc.detach()


def _tracer_of(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    return 0


def _ptrace_scope() -> str:
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            return f.read().strip()
    except OSError:
        return ""


def _go_strerror(err: int) -> str:
    """Go's text of an errno ("operation not permitted", "no such process")."""
    text = os.strerror(err)
    return text[:1].lower() + text[1:]


def _explain(pid: int, err: int) -> str:
    """Why PTRACE_SEIZE failed, in Delve's words (service/debugger/debugger_linux.go)."""
    if err == errno.EPERM:
        # Delve looks at Yama first; an existing tracer is the surer cause, so it comes first here.
        tracer = _tracer_of(pid)
        if tracer:
            return f"could not attach to pid {pid}: already being debugged by pid {tracer}"
        scope = _ptrace_scope()
        # Yama only restricts root at level 3 (root has CAP_SYS_PTRACE below that).
        if scope not in ("", "0") and (os.geteuid() != 0 or scope == "3"):
            return (f"Could not attach to pid {pid}: this could be caused by a kernel security setting, "
                    'try writing "0" to /proc/sys/kernel/yama/ptrace_scope')
        with contextlib.suppress(OSError):
            if os.stat(f"/proc/{pid}").st_uid != os.getuid():
                return f"Could not attach to pid {pid}: current user does not own the process"
    return f"could not attach to pid {pid}: {_go_strerror(err)}"
