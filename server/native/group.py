"""The processes of one session, driven by one event loop.

Without follow-exec that is the target alone. With it, a child the target starts through
vfork (Go's os/exec, every fork+exec of libc's posix_spawn) is traced from its birth,
counted as a thread of its parent until it calls execve (as Delve does: until then it shares
its parent's memory), and becomes a process of its own at its exec event: the event loop then
returns StopKind.EXEC so the debugger can load its binary, or detach it.

One blocking waitpid drives them all: on the target's process group, or, while children are
followed, on every child of pydlv (a child may leave the group before its exec: Go's
SysProcAttr.Setpgid). The halt flags live here: a halt stops the whole group.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ptrace.binding.func import ptrace_kill, ptrace_setoptions
from ptrace.error import PtraceError

from . import sysext

if TYPE_CHECKING:
    from .process import StopEvent, TracedProcess

# After a thread went on from a breakpoint in place (a false condition), the next hit usually
# follows within microseconds: waitpid is polled this long before blocking, because a blocked
# tracer's wake-up (the scheduler, the CPU's idle state) costs more than the whole evaluation.
SPIN_AFTER_FILTERED_HIT = 0.0005
# Background work (the warm-up) runs between polls only once the target has been quiet this long
# (no event: a new thread, a hit that went on in place): a thread stopped at an event waits for
# the step under way, and the runtime's start-up or a loop of conditional hits come in bursts.
QUIET_BEFORE_IDLE_WORK = 0.005
IDLE_POLL_PAUSE = 0.0005  # the polls' pace meanwhile


class ProcessGroup:
    def __init__(self, first: TracedProcess) -> None:
        self.pgid = first.pgid
        self.procs: dict[int, TracedProcess] = {first.pid: first}  # in order of their start
        self.follow_exec = False
        self.last_exit_status = 0  # the status of the process that exited last
        self.last_exited_pid = first.pid
        self.lock = threading.Lock()
        self.running = False
        self.halt_requested = False
        self.halt_signals = 0  # SIGSTOPs we sent and have not seen yet
        self.tracer = threading.get_ident()  # the thread that seized the target: the only one that waits
        # New processes met while the world was being stopped: reported by the next resume.
        self._pending: list[StopEvent] = []
        # (pid, tid, addr) -> whether a breakpoint hit must stop the world: asked with only the
        # trapping thread stopped, the others running (a conditional breakpoint's false condition
        # answers False, and the thread goes on at once).
        self.breakpoint_filter: Callable[[int, int, int], bool] | None = None
        # A step of background work to run while the target runs (TracedProcess.idle).
        self.idle: Callable[[], bool] | None = None
        self._spin_until = 0.0  # monotonic time until which wait() polls (SPIN_AFTER_FILTERED_HIT)
        self._event_at = 0.0  # monotonic time of the last event of a running target

    @property
    def live(self) -> list[TracedProcess]:
        return [p for p in self.procs.values() if not p.exited]

    @property
    def exited(self) -> bool:
        return not any(not p.exited for p in self.procs.values())

    def set_follow_exec(self, enable: bool) -> None:
        """Trace (or not) the children the processes start from now on. Stopped threads only:
        each new thread inherits the options of the one that created it."""
        self.follow_exec = enable
        for p in self.live:
            opts = p.options | sysext.PTRACE_O_TRACEVFORK if enable else p.options & ~sysext.PTRACE_O_TRACEVFORK
            for tid, th in p.threads.items():
                if th.stopped:
                    try:
                        ptrace_setoptions(tid, opts)
                    except PtraceError as e:
                        if e.errno != errno.ESRCH:
                            raise
            p.options = opts

    # ---- waiting --------------------------------------------------------------------------

    def wait(self, idle: bool = False) -> tuple[int, int]:
        """The next (tid, status) of the group; (0, 0) once nothing is left (all marked exited).
        idle: run the background work between polls meanwhile (the running target's wait only,
        not the stopping of the world).

        On the target's process group, except while children are followed: one may leave the
        group before its exec (SysProcAttr.Setpgid), and then only waitpid(-1) sees it (pydlv
        starts no other child while a command runs)."""
        who = -1 if self.follow_exec or len(self.procs) > 1 else -self.pgid
        try:
            while self._spin_until and time.monotonic() < self._spin_until:
                got = _poll(who)
                if got is not None:
                    return got
            self._spin_until = 0.0
            while idle and self.idle is not None:
                # Background work while the target runs (the engine's warm-up): one short step
                # between polls, until it says it is done; then the plain blocking wait.
                got = _poll(who)
                if got is not None:
                    return got
                quiet = self._event_at + QUIET_BEFORE_IDLE_WORK - time.monotonic()
                if quiet > 0:
                    time.sleep(min(quiet, IDLE_POLL_PAUSE))
                elif not self.idle():
                    self.idle = None
        except ChildProcessError:
            pass  # nothing left to wait for: the blocking wait below says so
        self._spin_until = 0.0
        while True:
            try:
                return os.waitpid(who, sysext.WALL)
            except InterruptedError:
                continue
            except ChildProcessError:
                for p in self.live:
                    p.mark_exited(p.exit_status)
                return 0, 0

    def owner(self, tid: int) -> TracedProcess:
        """The process a thread belongs to. A new thread's first stop can come before its
        creator's clone event: its thread group says whose it is (a vfork child, whose group is
        its own until its parent's event claims it, is counted in the first process meanwhile)."""
        for p in self.procs.values():
            if tid in p.threads:
                return p
        leader = self.procs.get(_tgid(tid))
        if leader is not None and not leader.exited:
            return leader
        live = self.live
        return live[0] if live else next(iter(self.procs.values()))

    def adopt(self, tid: int) -> None:
        """Remove tid from the process that counted it before its creator's event arrived."""
        for p in self.procs.values():
            p.threads.pop(tid, None)

    def _is_exec_of_new_process(self, tid: int, status: int) -> bool:
        # After execve the thread's id is its process's: one that is no process of ours is a
        # vfork child (a thread of its parent until now). The target's own exec keeps its pid.
        return (status >> 16) == sysext.PTRACE_EVENT_EXEC and tid not in self.procs

    def _new_process(self, parent: TracedProcess, tid: int) -> StopEvent:
        from .process import StopEvent, StopKind, TracedProcess

        parent.threads.pop(tid, None)
        child = TracedProcess(tid, launched=parent.launched, pgid=self.pgid, group=self, options=parent.options)
        self.procs[tid] = child
        return StopEvent(StopKind.EXEC, tid, pid=tid)

    def dispatch_running(self, tid: int, status: int) -> StopEvent | None:
        from .process import StopKind

        self._event_at = time.monotonic()
        proc = self.owner(tid)
        if self._is_exec_of_new_process(tid, status):
            return self._new_process(proc, tid)
        ev = proc.handle_running(tid, status)
        if ev is None:
            return None
        ev.pid = proc.pid
        if (ev.kind is StopKind.BREAKPOINT and self.breakpoint_filter is not None
                and not self.breakpoint_filter(proc.pid, tid, ev.addr) and proc.go_on_in_place(tid, ev.addr)):
            self._spin_until = time.monotonic() + SPIN_AFTER_FILTERED_HIT
            return None
        return ev

    def take_pending(self) -> StopEvent | None:
        return self._pending.pop(0) if self._pending else None

    def stop_world(self) -> None:
        for p in self.live:
            for th in p.threads.values():
                # A vfork child is not interrupted: its parent cannot stop before it has exec'd.
                if not th.stopped and not th.starting and not th.vfork_child:
                    try:
                        sysext.ptrace_interrupt(th.tid)
                    except PtraceError as e:
                        if e.errno != errno.ESRCH:
                            raise
        self.wait_all_stopped()

    def wait_all_stopped(self) -> None:
        """Wait until every known thread (and each one cloned meanwhile) reports a stop.
        Their stops must already be on the way (interrupted, or new threads)."""
        while any(not th.stopped for p in self.live for th in p.threads.values()):
            tid, status = self.wait()
            if self.exited:
                return
            proc = self.owner(tid)
            if self._is_exec_of_new_process(tid, status):
                self._pending.append(self._new_process(proc, tid))
                continue
            proc.handle_stopping(tid, status)

    def reap(self, dying: list[TracedProcess]) -> None:
        """Reap processes that are dying (SIGKILL): every thread's exit, each leader's last."""
        while any(not p.exited for p in dying):
            tid, status = self.wait()
            if self.exited:
                return
            proc = self.owner(tid)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                proc.thread_exit(tid, status)
            elif proc in dying:
                with contextlib.suppress(PtraceError):
                    ptrace_kill(tid)
            else:
                proc.handle_stopping(tid, status)

    # ---- halting --------------------------------------------------------------------------

    def request_halt(self) -> None:
        """Ask the group to stop (any thread may call this): see TracedProcess.request_halt."""
        with self.lock:
            live = self.live
            if not live:
                return
            self.halt_requested = True
            if not self.running:
                return
            self.halt_signals += 1
            proc = live[0]
            tid = proc.pid if proc.pid in proc.threads else next(iter(proc.threads), proc.pid)
        try:
            sysext.tgkill(proc.pid, tid, signal.SIGSTOP)
        except OSError:
            with self.lock:
                self.halt_signals -= 1

    def is_our_sigstop(self) -> bool:
        with self.lock:
            if self.halt_signals > 0:
                self.halt_signals -= 1
                return True
            return False


def _poll(who: int) -> tuple[int, int] | None:
    """waitpid without blocking: (pid, status), None if nothing happened yet."""
    while True:
        try:
            pid, status = os.waitpid(who, sysext.WALL | os.WNOHANG)
        except InterruptedError:
            continue
        return (pid, status) if pid else None


def _tgid(tid: int) -> int:
    try:
        with open(f"/proc/{tid}/status") as f:
            for line in f:
                if line.startswith("Tgid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
