"""A minimal ptrace stop for unit tests of the runtime model (not pydlv's tracer).

Starts a program traced (all threads, via PTRACE_O_TRACECLONE), plants one int3,
runs until a thread hits it, then stops every other thread so registers and
memory are stable. Memory is read through /proc/PID/mem.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from ptrace.binding import (
    ptrace_cont,
    ptrace_geteventmsg,
    ptrace_getregs,
    ptrace_setoptions,
    ptrace_setregs,
    ptrace_singlestep,
    ptrace_traceme,
)

_WALL = 0x40000000
_O_TRACECLONE = 0x8
_O_EXITKILL = 0x100000
_EVENT_CLONE = 3

_libc = ctypes.CDLL(None, use_errno=True)


def _tgkill(tgid: int, tid: int, sig: int) -> None:
    _libc.syscall(234, tgid, tid, sig)  # SYS_tgkill on x86-64


@dataclass(frozen=True, slots=True)
class Regs:
    rip: int
    rsp: int
    rbp: int
    r14: int
    fs_base: int


@dataclass
class StoppedProcess:
    pid: int
    hit_tid: int = 0
    threads: dict[int, Regs] = field(default_factory=dict)
    _mem: object = None

    def read(self, addr: int, size: int) -> bytes:
        if self._mem is None:
            self._mem = open(f"/proc/{self.pid}/mem", "rb", buffering=0)  # noqa: SIM115
        self._mem.seek(addr)  # type: ignore[attr-defined]
        data = self._mem.read(size)  # type: ignore[attr-defined]
        if len(data) != size:
            raise OSError(f"short read at {addr:#x}")
        return data

    def kill(self) -> None:
        """SIGKILL and reap every traced thread: no zombie or traced leftovers."""
        if self._mem is not None:
            self._mem.close()  # type: ignore[attr-defined]
            self._mem = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        while True:
            try:
                wpid, status = os.waitpid(-1, _WALL)
            except ChildProcessError:
                return
            if wpid == self.pid and (os.WIFEXITED(status) or os.WIFSIGNALED(status)):
                # Threads are reaped with the leader; drain anything left without blocking.
                try:
                    while os.waitpid(-1, _WALL | os.WNOHANG)[0]:
                        pass
                except ChildProcessError:
                    pass
                return


def run_to_breakpoint(path: str, bp_addr: int, hit: int = 1,
                      accept: Callable[[StoppedProcess, int, Regs], bool] | None = None,
                      timeout_events: int = 100000) -> StoppedProcess:
    """Run until the hit-th time a thread reaches bp_addr (counting only hits that
    `accept` approves, if given); stop there with every thread stopped."""
    pid = os.fork()
    if pid == 0:  # child: become a tracee and exec the program
        try:
            ptrace_traceme()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.execv(path, [path])
        finally:
            os._exit(127)
    proc = StoppedProcess(pid)
    try:
        _, status = os.waitpid(pid, _WALL)  # SIGTRAP at exec
        ptrace_setoptions(pid, _O_TRACECLONE | _O_EXITKILL)
        with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
            mem.seek(bp_addr)
            saved = mem.read(1)
        _poke(pid, bp_addr, b"\xcc")
        known = {pid}
        ptrace_cont(pid, 0)
        for _ in range(timeout_events):
            tid, status = os.waitpid(-1, _WALL)
            if not os.WIFSTOPPED(status):
                known.discard(tid)
                if tid == pid:
                    raise RuntimeError("program exited before the breakpoint")
                continue
            sig = os.WSTOPSIG(status)
            if status >> 16 == _EVENT_CLONE or (sig == signal.SIGSTOP and tid not in known):
                known.add(tid)
                ptrace_cont(tid, 0)
                continue
            if sig == signal.SIGTRAP:
                regs = ptrace_getregs(tid)
                if regs.rip - 1 == bp_addr:
                    regs.rip -= 1  # report the breakpoint address, as a debugger does
                    ptrace_setregs(tid, regs)
                    _poke(pid, bp_addr, saved)
                    if accept is None or accept(proc, tid, _regs(tid)):
                        hit -= 1
                    if hit <= 0:
                        proc.hit_tid = tid
                        _stop_others(pid, tid, known)
                        proc.threads = {t: _regs(t) for t in known}
                        return proc
                    _step_over(tid, known, bp_addr)
                    _poke(pid, bp_addr, b"\xcc")
                ptrace_cont(tid, 0)
                continue
            ptrace_cont(tid, 0 if sig == signal.SIGSTOP else sig)
        raise RuntimeError("breakpoint not reached")
    except BaseException:
        proc.kill()
        raise


def _poke(pid: int, addr: int, data: bytes) -> None:
    with open(f"/proc/{pid}/mem", "r+b", buffering=0) as mem:
        mem.seek(addr)
        mem.write(data)


def _step_over(tid: int, known: set[int], bp_addr: int) -> None:
    """Single-step tid off the (removed) breakpoint; other threads' stops meanwhile are resumed."""
    ptrace_singlestep(tid)
    while True:
        wtid, status = os.waitpid(-1, _WALL)
        if not os.WIFSTOPPED(status):
            known.discard(wtid)
            if wtid == tid:
                return
            continue
        sig = os.WSTOPSIG(status)
        if wtid == tid and sig == signal.SIGTRAP:
            return
        if status >> 16 == _EVENT_CLONE or (sig == signal.SIGSTOP and wtid not in known):
            known.add(wtid)
            ptrace_cont(wtid, 0)
        elif wtid == tid:
            ptrace_singlestep(tid)  # a signal arrived first: step again, it stays pending
        elif sig == signal.SIGTRAP and (r := ptrace_getregs(wtid)).rip - 1 == bp_addr:
            # It hit the breakpoint just before we removed it: rerun the original instruction.
            r.rip -= 1
            ptrace_setregs(wtid, r)
            ptrace_cont(wtid, 0)
        else:
            ptrace_cont(wtid, 0 if sig in (signal.SIGSTOP, signal.SIGTRAP) else sig)


def _stop_others(pid: int, hit: int, known: set[int]) -> None:
    pending: set[int] = set()
    stopped: set[int] = set()
    for tid in known - {hit}:
        _tgkill(pid, tid, signal.SIGSTOP)
        pending.add(tid)
    while pending - stopped:
        tid, status = os.waitpid(-1, _WALL)
        if not os.WIFSTOPPED(status):
            pending.discard(tid)
            known.discard(tid)
            continue
        sig = os.WSTOPSIG(status)
        if status >> 16 == _EVENT_CLONE:
            # A thread born while stopping starts with its own SIGSTOP, maybe already reported.
            new = ptrace_geteventmsg(tid)
            known.add(new)
            pending.add(new)
            ptrace_cont(tid, 0)
            continue
        if sig == signal.SIGSTOP:
            stopped.add(tid)
            known.add(tid)
            continue
        # Any other stop (e.g. SIGURG preemption): let it go on until our SIGSTOP arrives.
        ptrace_cont(tid, sig)


def _regs(tid: int) -> Regs:
    r = ptrace_getregs(tid)
    return Regs(r.rip, r.rsp, r.rbp, r.r14, r.fs_base)
