"""A traced process: its threads, registers, memory, breakpoints and the event loop.

Our own event loop rather than python-ptrace's PtraceDebugger: that one polls
waitpid with sleeps (about 300 ms from a breakpoint hit to the event), binds
breakpoints to one thread and knows nothing of PTRACE_SEIZE/INTERRUPT. Here one
blocking waitpid on the target's process group (never waitpid(-1): it would reap
children that are not ours) drives everything, and every method must be called on
the one target thread that seized the process (a Linux ptrace rule). Only
`request_halt` may be called from any thread: it just sends a signal. The loop itself
runs over every process of the session (group.py: the children followed with
follow-exec); what happens to one thread is decided here.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from ptrace.binding.func import (
    ptrace_cont,
    ptrace_geteventmsg,
    ptrace_getfpregs,
    ptrace_getregs,
    ptrace_setregs,
)
from ptrace.binding.linux_struct import user_fpregs_struct, user_regs_struct
from ptrace.error import PtraceError

from ..records import record
from . import sysext
from .breakpoints import BreakpointTable
from .group import ProcessGroup

if TYPE_CHECKING:
    from iced_x86 import Instruction

# The most one read_memory may ask for: every request is capped far below (ExamineMemory 64 KiB,
# Disassemble 128 KiB, one string 1 MiB); a corrupt length must fail, not allocate gigabytes.
MAX_READ = 16 << 20


class StopKind(enum.Enum):
    BREAKPOINT = "breakpoint"  # a thread executed one of our INT3s
    TRAP = "trap"  # a SIGTRAP that is not ours: runtime.Breakpoint() and the like
    MANUAL = "manual"  # request_halt
    EXITED = "exited"  # every process of the group has ended
    EXEC = "exec"  # a followed child ran execve: a new process (pid), stopped at its entry


@record
class StopEvent:
    kind: StopKind
    tid: int = 0
    addr: int = 0
    exit_status: int = 0
    pid: int = 0  # the process of tid


@record
class ThreadState:
    tid: int
    stopped: bool = False
    starting: bool = False  # clone seen, initial stop not yet
    pending_signal: int = 0  # to deliver on the next resume
    consumed_breakpoint: int | None = None  # step over this INT3 before resuming
    # A foreign INT3 (a debugCall protocol trap, runtime.Breakpoint) that arrived while the
    # world was being stopped: reported by the next resume instead of being lost.
    pending_trap: bool = False
    # A child process made by vfork (os/exec): one of its parent's threads until its execve.
    vfork_child: bool = False
    # Stopped at a ptrace event inside a system call (the exec event of a launch): a single
    # step from there traps on the syscall's return to user mode, before any instruction.
    in_syscall_event: bool = False
    regs: user_regs_struct | None = field(default=None, repr=False)
    fpregs: user_fpregs_struct | None = field(default=None, repr=False)
    xstate: bytes | None = field(default=None, repr=False)

    def forget_registers(self) -> None:
        """The thread ran (or its registers were written): read them again when asked."""
        self.regs = None
        self.fpregs = None
        self.xstate = None


class TargetExited(Exception):
    pass


class TracedProcess:
    def __init__(self, pid: int, launched: bool, pgid: int | None = None, group: ProcessGroup | None = None,
                 options: int = 0) -> None:
        self.pid = pid
        self.launched = launched
        # Its process group: every wait is on it (launched: the trampoline made it pid's own group).
        self.pgid = pid if pgid is None else pgid
        self.options = options  # its ptrace options (inherited by each thread it creates)
        # A launched process (and a followed child) rests at its exec event, inside execve.
        self.threads: dict[int, ThreadState] = {pid: ThreadState(pid, stopped=True, in_syscall_event=launched)}
        self.exited = False
        self.exit_status = 0
        self._mem_fd = os.open(f"/proc/{pid}/mem", os.O_RDWR)
        self.breakpoints = BreakpointTable(self._raw_read, self._raw_write)
        # addr -> the instruction under a breakpoint there, decoded once (go_on_in_place)
        self._decoded_in_place: dict[int, Instruction] = {}
        self.group = ProcessGroup(self) if group is None else group

    # ---- memory -------------------------------------------------------------

    def _raw_read(self, addr: int, size: int) -> bytes:
        try:
            return sysext.vm_read(self.pid, addr, size)
        except OSError:
            # process_vm_readv refuses some mappings /proc/PID/mem can still read.
            try:
                data = os.pread(self._mem_fd, size, addr)
            except OverflowError:  # beyond the signed offsets /proc/PID/mem takes
                data = b""
            if len(data) != size:
                raise OSError(errno.EIO, os.strerror(errno.EIO)) from None
            return data

    def _raw_write(self, addr: int, data: bytes) -> None:
        # /proc/PID/mem writes through read-only text mappings (FOLL_FORCE).
        if os.pwrite(self._mem_fd, data, addr) != len(data):
            raise OSError(errno.EIO, os.strerror(errno.EIO))

    def read_memory(self, addr: int, size: int) -> bytes:
        # User space ends far below 2^63 (off_t, /proc/PID/mem's offset, is signed: past it is EIO too).
        if addr < 0 or size < 0 or addr + size > 1 << 63:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        if size > MAX_READ:  # every caller asks for less; a larger size would be allocated whole
            raise OSError(errno.EFBIG, f"read of {size} bytes is over the limit of {MAX_READ}")
        if size == 0:
            return b""
        return self.breakpoints.hide(addr, self._raw_read(addr, size))

    def read_memory_many(self, ranges: Sequence[tuple[int, int]]) -> list[bytes | None]:
        """read_memory of each (addr, size), None where it would raise: for thousands of small
        reads (the first stack chunk of every goroutine) a few vectored system calls."""
        valid = [addr >= 0 and 0 <= size <= MAX_READ and addr + size <= 1 << 63 for addr, size in ranges]
        # A range read_memory refuses asks the kernel for nothing (an empty iovec) and answers None.
        every = all(valid)
        out = sysext.vm_read_many(self.pid, ranges if every else [
            r if good else (0, 0) for r, good in zip(ranges, valid, strict=True)])
        for k in [k for k, data in enumerate(out) if data is None or not valid[k]]:  # rare: one by one
            if not valid[k]:
                out[k] = None
                continue
            with contextlib.suppress(OSError):  # process_vm_readv refuses some mappings: the fallback
                out[k] = self._raw_read(*ranges[k])
        # Stacks lie far from code: usually no INT3 is anywhere near, and no range needs hide().
        spans = [(a, a + n) for (a, n), good in zip(ranges, valid, strict=True) if good and n]
        if spans and self.breakpoints.any_within(min(lo for lo, _ in spans), max(hi for _, hi in spans)):
            out = [data if data is None else self.breakpoints.hide(addr, data)
                   for (addr, _), data in zip(ranges, out, strict=True)]
        return out

    def write_memory(self, addr: int, data: bytes) -> None:
        if addr < 0 or addr + len(data) > 1 << 63:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        self._raw_write(addr, data)

    # ---- registers ----------------------------------------------------------

    def regs(self, tid: int) -> user_regs_struct:
        th = self.threads[tid]
        if th.regs is None:
            th.regs = ptrace_getregs(tid)
        return th.regs

    def set_regs(self, tid: int, regs: user_regs_struct) -> None:
        ptrace_setregs(tid, regs)
        self.threads[tid].regs = regs

    def fpregs(self, tid: int) -> user_fpregs_struct:
        th = self.threads[tid]
        if th.fpregs is None:
            th.fpregs = ptrace_getfpregs(tid)
        return th.fpregs

    def xstate(self, tid: int) -> bytes:
        """The whole XSAVE area (x87, SSE, AVX) of a stopped thread."""
        th = self.threads[tid]
        if th.xstate is None:
            th.xstate = sysext.get_xstate(tid)
        return th.xstate

    def set_xstate(self, tid: int, data: bytes) -> None:
        sysext.set_xstate(tid, data)
        th = self.threads[tid]
        th.fpregs = th.xstate = None  # read back what the kernel kept when asked

    def cache_registers(self) -> None:
        """Read every stopped thread's registers now, on the tracer thread, so that code
        running elsewhere while the tracer waits for it (the `call` evaluation worker) reads
        them from the cache and never issues a ptrace request itself."""
        for tid, th in self.threads.items():
            if th.stopped:
                self.regs(tid)
                self.fpregs(tid)
                self.xstate(tid)

    def set_pc(self, tid: int, pc: int) -> None:
        regs = self.regs(tid)
        regs.rip = pc
        self.set_regs(tid, regs)

    # ---- running ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.group.running

    @property
    def idle(self) -> Callable[[], bool] | None:
        """A step of background work to run while waiting for the running target (True: more
        to do). Set by the engine for the length of a continue; runs on the tracer thread only."""
        return self.group.idle

    @idle.setter
    def idle(self, step: Callable[[], bool] | None) -> None:
        self.group.idle = step

    def request_halt(self) -> None:
        """Ask the target to stop (any thread may call this).

        While running, a SIGSTOP that the event loop recognises as ours makes it
        report a manual stop. Before the resume has started (the request raced
        ahead of the tracer thread), the flag alone makes the resume return at once.
        """
        self.group.request_halt()

    def drop_halt(self) -> None:
        """Forget a halt no stop reported: the command it raced with has ended (a breakpoint won
        the race), as Delve's Continue clears its manual-stop request when it returns."""
        with self.group.lock:
            self.group.halt_requested = False

    def resume_until_event(self) -> StopEvent:
        """Resume every thread of every process of the group; return at the first event that
        matters, world stopped. EXITED once every process has ended (a followed child that ends
        is not an event); EXEC when a followed child becomes a process."""
        grp = self.group
        if grp.exited:
            raise TargetExited()
        for proc in grp.live:
            for th in list(proc.threads.values()):
                if th.consumed_breakpoint is not None and th.stopped:
                    try:
                        proc._step_over(th)
                    except (OSError, PtraceError):
                        # The process died while stopped (its memory and threads are gone): report
                        # the exit as Delve does, not the failed write or ptrace request.
                        if not proc.reap_if_dead():
                            raise
                    if proc.exited:
                        break
        if grp.exited:
            return StopEvent(StopKind.EXITED, exit_status=grp.last_exit_status, pid=grp.last_exited_pid)
        pending = grp.take_pending()
        if pending is not None:
            return pending
        for proc in grp.live:
            trapped = next((th for th in proc.threads.values() if th.pending_trap and th.stopped), None)
            if trapped is not None:
                trapped.pending_trap = False
                return StopEvent(StopKind.TRAP, trapped.tid, pid=proc.pid)
        with grp.lock:
            if grp.halt_requested:
                grp.halt_requested = False
                first = grp.live[0]
                tid = first.pid if first.pid in first.threads else next(iter(first.threads))
                return StopEvent(StopKind.MANUAL, tid, pid=first.pid)
            grp.running = True
        try:
            for proc in grp.live:
                for th in list(proc.threads.values()):
                    if th.stopped:
                        proc._resume(th)
            while True:
                tid, status = grp.wait(idle=True)
                event = None if grp.exited else grp.dispatch_running(tid, status)
                if event is None and not grp.exited:
                    continue
                if event is not None and event.kind is not StopKind.EXITED:
                    grp.stop_world()
                if grp.exited:
                    return StopEvent(StopKind.EXITED, exit_status=grp.last_exit_status, pid=grp.last_exited_pid)
                if event is not None and event.kind is not StopKind.EXITED:
                    if event.kind is StopKind.MANUAL:
                        with grp.lock:
                            grp.halt_requested = False
                    return event
                # A followed child ended: the others run on.
        finally:
            # A halt that lost the race to another event stays requested: the next resume of the
            # continue loop running on past that event stops at once (drop_halt at its end).
            with grp.lock:
                grp.running = False

    # ---- the group (follow-exec) ------------------------------------------------------------

    def set_follow_exec(self, enable: bool) -> None:
        self.group.set_follow_exec(enable)

    def group_process(self, pid: int) -> TracedProcess | None:
        """Another process of the group (a followed child), by pid."""
        return self.group.procs.get(pid)

    @property
    def last_exit_status(self) -> int:
        """The exit status of the group's process that ended last (this one's, alone)."""
        return self.group.last_exit_status

    def set_breakpoint_filter(self, fn: Callable[[int, int, int], bool] | None) -> None:
        """fn(pid, tid, addr) -> stop the world? Asked at each breakpoint hit with only the
        trapping thread stopped (group.py); False lets the thread go on at once when the
        instruction under the INT3 can be executed in place (emulate.py)."""
        self.group.breakpoint_filter = fn

    def go_on_in_place(self, tid: int, addr: int) -> bool:
        """Execute the instruction under the INT3 at addr for a thread stopped there and resume
        it alone, the INT3 staying in place; False (nothing done) when the instruction is not one
        emulate.py executes."""
        # iced-x86 takes ~8 ms to import: not before the first conditional breakpoint's hit
        from .emulate import decode, emulate

        th = self.threads[tid]
        try:
            ins = self._decoded_in_place.get(addr)
            if ins is None:
                ins = self._decoded_in_place[addr] = decode(self.read_memory(addr, 15), addr)
            regs = self.regs(tid)
            saved = user_regs_struct.from_buffer_copy(regs)
            if not emulate(ins, regs, self.read_memory, self.write_memory):
                return False
            try:
                self.set_regs(tid, regs)
            except BaseException:
                th.regs = saved
                raise
        except (OSError, PtraceError):
            th.regs = None
            return False
        self._resume(th)
        return True

    def consume_breakpoint(self, tid: int, addr: int) -> None:
        """The debugger handled this hit: step over it on the next resume."""
        self.threads[tid].consumed_breakpoint = addr

    def _resume(self, th: ThreadState) -> None:
        sig, th.pending_signal = th.pending_signal, 0
        th.forget_registers()
        th.stopped = False
        th.consumed_breakpoint = None
        th.in_syscall_event = False
        try:
            ptrace_cont(th.tid, sig)
        except PtraceError as e:
            if e.errno != errno.ESRCH:
                raise
            # Died under us; its exit status is still to be reaped by _wait.

    def mark_exited(self, status: int) -> None:
        self.exited = True
        self.exit_status = status
        self.group.last_exit_status, self.group.last_exited_pid = status, self.pid
        self.threads.clear()
        with contextlib.suppress(OSError):
            os.close(self._mem_fd)
        self._mem_fd = -1

    def thread_exit(self, tid: int, status: int) -> bool:
        """Account for a reaped thread; True if it was the whole process."""
        self.threads.pop(tid, None)
        if tid != self.pid:
            return False
        # Killed by a signal: a negative status, as Go's os.ProcessState.ExitCode() is -1.
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
        self.mark_exited(code)
        return True

    def _thread_for(self, tid: int) -> ThreadState:
        th = self.threads.get(tid)
        if th is None:
            # A new thread's first stop can arrive before its parent's clone event.
            th = ThreadState(tid, starting=True)
            self.threads[tid] = th
        return th

    def _note_clone(self, parent: int, event: int) -> None:
        """A CLONE (a thread) or VFORK (a child process, followed until its exec) event."""
        child = ptrace_geteventmsg(parent)
        th = self.threads.get(child)
        if th is None:
            th = ThreadState(child, starting=True)
            for other in self.group.procs.values():  # its first stop came first, counted there
                th = other.threads.pop(child, th)
            self.threads[child] = th
        th.vfork_child = event == sysext.PTRACE_EVENT_VFORK

    def _is_our_sigstop(self) -> bool:
        return self.group.is_our_sigstop()

    def handle_running(self, tid: int, status: int) -> StopEvent | None:
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            if self.thread_exit(tid, status) or self.exited:
                return StopEvent(StopKind.EXITED, exit_status=self.exit_status)
            return None
        th = self._thread_for(tid)
        th.stopped = True
        th.forget_registers()
        sig = os.WSTOPSIG(status)
        event = status >> 16
        if event in (sysext.PTRACE_EVENT_CLONE, sysext.PTRACE_EVENT_VFORK):
            self._note_clone(tid, event)
            self._resume(th)
            return None
        if event != 0:
            # Initial stop of a new thread, a leftover PTRACE_INTERRUPT, exec/exit events.
            th.starting = False
            self._resume(th)
            return None
        if sig == signal.SIGTRAP:
            pc = self.regs(tid).rip
            if pc - 1 in self.breakpoints:
                self.set_pc(tid, pc - 1)
                return StopEvent(StopKind.BREAKPOINT, tid, addr=pc - 1)
            if pc - 1 in self.breakpoints.removed:
                # A stale hit of a breakpoint removed since: run the original instruction.
                self.set_pc(tid, pc - 1)
                self._resume(th)
                return None
            return StopEvent(StopKind.TRAP, tid)
        if sig == signal.SIGSTOP and self._is_our_sigstop():
            with self.group.lock:
                wanted = self.group.halt_requested
            if wanted:
                return StopEvent(StopKind.MANUAL, tid)
            self._resume(th)
            return None
        # Not ours (SIGURG preemption, SIGUSR1, SIGPIPE...): deliver it.
        th.pending_signal = sig
        self._resume(th)
        return None

    def wait_all_stopped(self) -> None:
        """Wait until every known thread (and each one cloned meanwhile) reports a stop.
        Their stops must already be on the way (interrupted, or new threads)."""
        self.group.wait_all_stopped()

    def handle_stopping(self, tid: int, status: int) -> None:
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            self.thread_exit(tid, status)
            return
        th = self._thread_for(tid)
        th.stopped = True
        th.forget_registers()
        sig = os.WSTOPSIG(status)
        event = status >> 16
        if event in (sysext.PTRACE_EVENT_CLONE, sysext.PTRACE_EVENT_VFORK):
            self._note_clone(tid, event)
            return
        if th.vfork_child:
            # Its parent waits for its exec (or exit) and cannot stop before: let it get there.
            th.starting = False
            if event == 0 and not (sig == signal.SIGSTOP and self._is_our_sigstop()):
                th.pending_signal = sig
            self._resume(th)
            return
        if event != 0:
            th.starting = False
            return
        if sig == signal.SIGTRAP:
            pc = self.regs(tid).rip
            if pc - 1 in self.breakpoints or pc - 1 in self.breakpoints.removed:
                # Hit while we stopped the world: undo it, it hits again on resume (or, removed
                # since, runs the original instruction).
                self.set_pc(tid, pc - 1)
            else:
                th.pending_trap = True
            return
        if sig == signal.SIGSTOP and self._is_our_sigstop():
            return
        th.pending_signal = sig

    def _step_over(self, th: ThreadState) -> None:
        addr = th.consumed_breakpoint
        th.consumed_breakpoint = None
        if addr is None or addr not in self.breakpoints or self.regs(th.tid).rip != addr:
            return
        self.breakpoints.lift(addr)
        try:
            self._single_step(th)
        except TargetExited:
            return
        finally:
            if not self.exited:
                self.breakpoints.relower(addr)

    def step_instruction(self, tid: int) -> None:
        """Execute one instruction of one thread, the others staying stopped.

        Signals that arrive meanwhile are kept for the next real resume, as in _step_over.
        """
        th = self.threads[tid]
        pc = self.regs(tid).rip
        lifted = pc in self.breakpoints  # an INT3 here: execute the original instruction
        if lifted:
            self.breakpoints.lift(pc)
        try:
            self._single_step(th)
        finally:
            if lifted and not self.exited:
                self.breakpoints.relower(pc)
        if th.consumed_breakpoint == pc:
            th.consumed_breakpoint = None

    def _single_step(self, th: ThreadState) -> None:
        tid = th.tid
        if th.in_syscall_event:
            # The first step from the exec event only leaves execve (x86 reports the step on the
            # syscall's exit): take that trap, then step the instruction itself, as Delve, whose
            # launch rests at the SIGTRAP after exec, executes _rt0_amd64_linux's JMP.
            th.in_syscall_event = False
            before = self.regs(tid).rip
            self._single_step(th)
            if self.regs(tid).rip != before:
                return
        while True:
            th.forget_registers()
            sysext.ptrace_singlestep(tid, 0)
            _, status = os.waitpid(tid, sysext.WALL)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                self.thread_exit(tid, status)
                raise TargetExited()
            event = status >> 16
            if event in (sysext.PTRACE_EVENT_CLONE, sysext.PTRACE_EVENT_VFORK):
                self._note_clone(tid, event)
                continue
            if event != 0:
                continue
            sig = os.WSTOPSIG(status)
            if sig == signal.SIGTRAP:
                return
            if not (sig == signal.SIGSTOP and self._is_our_sigstop()):
                th.pending_signal = sig

    # ---- ending -------------------------------------------------------------

    def kill(self) -> None:
        """Kill the process with its whole process group (children it started die with it, as
        with Delve's kill(-pid)) and reap every thread."""
        if self.exited:
            return
        dying = [self]
        try:
            if self.pgid == self.pid:
                os.killpg(self.pgid, signal.SIGKILL)
                dying = self.group.live  # the followed children were in the group too
            else:
                # Attached to a process that does not lead its group: the group is not its own.
                os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.group.reap(dying)

    def _reap_all(self) -> None:
        self.group.reap([self])

    def poll_exit(self) -> bool:
        """While stopped: True if the process has died under us (a `kill -9` from outside), reaped
        now. A stopped tracee cannot exit by itself, so any exit waiting in the queue means that."""
        if self.exited:
            return True
        if self.group.running or threading.get_ident() != self.group.tracer:
            return False
        try:
            info = os.waitid(os.P_PGID, self.pgid, os.WEXITED | os.WNOHANG | os.WNOWAIT | sysext.WALL)
        except ChildProcessError:
            info = None
            if not _alive(self.pid):
                self.mark_exited(self.exit_status)
                return True
        if info is None or info.si_code not in (os.CLD_EXITED, os.CLD_KILLED, os.CLD_DUMPED):
            return False
        if info.si_pid != self.pid and info.si_pid not in self.threads:
            return False  # another process of the group (the next resume sees its end)
        self._reap_all()
        return True

    def reap_if_dead(self) -> bool:
        """After a failed read or ptrace request: True (reaped, exit status known) if the process
        is gone or dying, rather than the request at fault."""
        if self.exited or self.poll_exit():
            return True
        if self.group.running or threading.get_ident() != self.group.tracer or _alive(self.pid):
            return False
        self._reap_all()
        return True

    def detach(self) -> None:
        """Remove our breakpoints and let the process run on untraced."""
        if self.exited:
            return
        if self.group.running:
            raise RuntimeError("detach while running")
        self.breakpoints.remove_all()
        if self.group.halt_signals > 0:
            # A halt's SIGSTOP still queued would stop the process once untraced: SIGCONT
            # discards pending stop signals (the process only sees a SIGCONT, which Go ignores).
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGCONT)
        for th in list(self.threads.values()):
            if th.consumed_breakpoint is not None:
                th.consumed_breakpoint = None
            with contextlib.suppress(PtraceError):
                sysext.ptrace_detach(th.tid, th.pending_signal)
        self.threads.clear()
        os.close(self._mem_fd)
        self._mem_fd = -1
        self.exited = True
        if _proc_state(self.pid).startswith("T"):
            # As Delve: a process left in a job-control stop after the detach is continued.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGCONT)


def _proc_state(pid: int) -> str:
    """The State letter and text of /proc/PID/status ("" when gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _alive(pid: int) -> bool:
    """Not gone, not a zombie, not dead: the process can still run."""
    return _proc_state(pid)[:1] not in ("", "Z", "X")
