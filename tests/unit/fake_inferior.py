"""A scripted stand-in for a traced process, for unit tests of the debugger engine.

The idea of python-ptrace's ptrace/mockup.py: the engine talks to the process only through
the `Inferior` Protocol (server/debugger/inferior.py), so an object that answers the same
calls from plain Python data lets a test drive the continue loop with no ptrace and no
running target. `resume_until_event` returns the events the test scripted, in order, and
the fake records what the engine asked of it (resumes, step-overs, INT3 inserts/removals).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pydlv.native.process import StopEvent, StopKind, TargetExited, user_fpregs_struct, user_regs_struct

__all__ = ["FakeInferior", "FakeInt3Table", "FakeThread", "ScriptExhausted"]


class ScriptExhausted(AssertionError):
    """The engine resumed more often than the test scripted: the loop went past the stop it
    should have made (an AssertionError so pytest shows it as a test failure)."""


@dataclass
class FakeThread:
    tid: int
    regs: user_regs_struct
    consumed_breakpoint: int | None = None
    stopped: bool = True


@dataclass
class FakeInt3Table:
    """The INT3 table as a set of addresses; memory never sees the 0xCC bytes, as the real
    table hides them from reads. History lists every change, for tests on the order."""

    holds: dict[int, int] = field(default_factory=dict)  # as the real table: one hold per insert
    history: list[tuple[str, int]] = field(default_factory=list)

    @property
    def addrs(self) -> set[int]:
        return set(self.holds)

    def __contains__(self, addr: int) -> bool:
        return addr in self.holds

    def insert(self, addr: int) -> None:
        self.holds[addr] = self.holds.get(addr, 0) + 1
        self.history.append(("insert", addr))

    def remove(self, addr: int) -> None:
        # Removing more often than inserting is an engine bug.
        if addr not in self.holds:
            raise AssertionError(f"no INT3 to remove at {addr:#x}")
        self.holds[addr] -= 1
        if not self.holds[addr]:
            del self.holds[addr]
        self.history.append(("remove", addr))


class FakeInferior:
    """A stopped process whose every resume returns the next scripted `StopEvent`.

    Memory reads zeros except where written (`write_memory`, or a test placing data): with
    fs_base 0 in every thread's registers the goroutine reader finds no g without reading
    anything, so stops report goroutine 0 unless a test lays out a g itself.
    """

    def __init__(self, events: Iterable[StopEvent] = (), pid: int = 4242, tids: Iterable[int] = (),
                 pc: int = 0) -> None:
        self.pid = pid
        self.exited = False
        self.exit_status = 0
        self.running = False
        self.idle: Callable[[], bool] | None = None  # the engine's warm-up: never run here
        self.threads: dict[int, FakeThread] = {}
        for tid in (pid, *tids):
            self.add_thread(tid, pc)
        self.breakpoints = FakeInt3Table()
        self.memory: dict[int, int] = {}  # sparse: address -> byte
        self.events: list[StopEvent] = list(events)
        # What the engine did, for assertions.
        self.resumes = 0
        self.consumed: list[tuple[int, int]] = []  # consume_breakpoint calls (tid, addr)
        self.stepped_over: list[tuple[int, int]] = []  # INT3s actually stepped over on a resume
        self.single_steps: list[int] = []
        self.halt_requested = False
        self.killed = False
        self.detached = False

    def add_thread(self, tid: int, pc: int = 0) -> FakeThread:
        th = FakeThread(tid, user_regs_struct())
        th.regs.rip = pc
        self.threads[tid] = th
        return th

    def script(self, *events: StopEvent) -> None:
        self.events.extend(events)

    # ---- memory and registers ---------------------------------------------

    def read_memory(self, addr: int, size: int) -> bytes:
        mem = self.memory
        return bytes(mem.get(a, 0) for a in range(addr, addr + size))

    def read_memory_many(self, ranges: Sequence[tuple[int, int]]) -> list[bytes | None]:
        return [self.read_memory(a, n) for a, n in ranges]

    def write_memory(self, addr: int, data: bytes) -> None:
        for i, b in enumerate(data):
            self.memory[addr + i] = b

    def regs(self, tid: int) -> user_regs_struct:
        return self.threads[tid].regs

    def set_regs(self, tid: int, regs: user_regs_struct) -> None:
        self.threads[tid].regs = regs

    def _thread(self, tid: int) -> FakeThread:
        # KeyError for a thread the process does not have, as TracedProcess raises.
        return self.threads[tid]

    def fpregs(self, tid: int) -> user_fpregs_struct:
        self._thread(tid)
        return user_fpregs_struct()

    def xstate(self, tid: int) -> bytes:
        self._thread(tid)
        return bytes(512 + 64)  # legacy FXSAVE area and XSAVE header, all zero

    def set_xstate(self, tid: int, data: bytes) -> None:
        self._thread(tid)

    def cache_registers(self) -> None:
        pass  # registers are plain Python objects already

    # ---- running ------------------------------------------------------------

    def resume_until_event(self) -> StopEvent:
        if self.exited:
            raise TargetExited()
        self.resumes += 1
        for th in self.threads.values():
            addr, th.consumed_breakpoint = th.consumed_breakpoint, None
            # As TracedProcess._step_over: only an INT3 still in place under the pc is stepped.
            if addr is not None and addr in self.breakpoints and th.regs.rip == addr:
                self.stepped_over.append((th.tid, addr))
        if self.halt_requested:
            # A halt asked for before the resume makes it return at once (TracedProcess does too).
            self.halt_requested = False
            return StopEvent(StopKind.MANUAL, self.pid)
        if not self.events:
            raise ScriptExhausted(f"resume #{self.resumes}: no scripted event left")
        ev = self.events.pop(0)
        if ev.kind is StopKind.EXITED:
            self.exited, self.exit_status = True, ev.exit_status
            self.threads.clear()
            return ev
        th = self.threads.get(ev.tid) or self.add_thread(ev.tid)
        if ev.kind is StopKind.BREAKPOINT:
            # The real process backs the pc up onto the INT3 before reporting the hit.
            th.regs.rip = ev.addr
        return ev

    def consume_breakpoint(self, tid: int, addr: int) -> None:
        self.consumed.append((tid, addr))
        self.threads[tid].consumed_breakpoint = addr

    def step_instruction(self, tid: int) -> None:
        self._thread(tid)
        self.single_steps.append(tid)

    def request_halt(self) -> None:
        if not self.exited:
            self.halt_requested = True

    # ---- the group: a fake is a process alone ----------------------------------

    @property
    def last_exit_status(self) -> int:
        return self.exit_status

    def set_breakpoint_filter(self, fn: Callable[[int, int, int], bool] | None) -> None:
        self.breakpoint_filter = fn

    def set_follow_exec(self, enable: bool) -> None:
        self.follow_exec = enable

    def group_process(self, pid: int) -> FakeInferior | None:
        return self if pid == self.pid else None

    # ---- ending -------------------------------------------------------------

    def kill(self) -> None:
        if self.exited:
            return
        self.killed = True
        # Killed by SIGKILL: TracedProcess reports the negated signal, as Go's ExitCode() -1 does.
        self.exited, self.exit_status = True, -9
        self.threads.clear()

    def poll_exit(self) -> bool:
        return self.exited  # nothing dies from outside here

    def reap_if_dead(self) -> bool:
        return self.exited

    def detach(self) -> None:
        if self.exited:
            return
        self.detached = True
        self.breakpoints.addrs.clear()
        self.threads.clear()
        self.exited = True
