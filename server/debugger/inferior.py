"""What the debugger needs of a process: a `typing.Protocol`, so that the ptrace backend
(native/process.py `TracedProcess`) or a core-file backend can stand in.

The engine only ever names `Inferior`; the records it exchanges with the backend (stop
events, register structures) are the native layer's plain data types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from ..native.process import StopEvent, StopKind, TargetExited, user_fpregs_struct, user_regs_struct

__all__ = ["Inferior", "InferiorThread", "SoftwareBreakpoints", "StopEvent", "StopKind", "TargetExited",
           "user_fpregs_struct", "user_regs_struct"]


class InferiorThread(Protocol):
    @property
    def consumed_breakpoint(self) -> int | None:
        """The INT3 address this thread stopped at and the debugger handled (stepped over on resume)."""

    @property
    def stopped(self) -> bool:
        """Stopped (every thread is, but while a breakpoint filter runs: only the trapping one)."""


class SoftwareBreakpoints(Protocol):
    """The INT3 table: one byte per address, reads of memory never see it."""

    def __contains__(self, addr: int) -> bool: ...
    def insert(self, addr: int) -> None: ...
    def remove(self, addr: int) -> None: ...


class Inferior(Protocol):
    @property
    def pid(self) -> int: ...
    @property
    def exited(self) -> bool: ...
    @property
    def exit_status(self) -> int: ...
    @property
    def last_exit_status(self) -> int: ...
    @property
    def running(self) -> bool: ...
    @property
    def threads(self) -> Mapping[int, InferiorThread]: ...
    @property
    def breakpoints(self) -> SoftwareBreakpoints: ...

    # ---- memory and registers of a stopped thread ----
    def read_memory(self, addr: int, size: int) -> bytes: ...
    def read_memory_many(self, ranges: Sequence[tuple[int, int]]) -> list[bytes | None]:
        """read_memory of each (addr, size) range, None where it fails: few system calls."""
    def write_memory(self, addr: int, data: bytes) -> None: ...
    def regs(self, tid: int) -> user_regs_struct: ...
    def set_regs(self, tid: int, regs: user_regs_struct) -> None: ...
    def fpregs(self, tid: int) -> user_fpregs_struct: ...
    def xstate(self, tid: int) -> bytes: ...
    def set_xstate(self, tid: int, data: bytes) -> None: ...
    def cache_registers(self) -> None: ...

    # ---- running ----
    # Background work to run in short steps while resume_until_event waits for the target
    # (True: more to do); None: just wait.
    idle: Callable[[], bool] | None

    def resume_until_event(self) -> StopEvent: ...
    def consume_breakpoint(self, tid: int, addr: int) -> None: ...
    def step_instruction(self, tid: int) -> None: ...
    def request_halt(self) -> None: ...
    def set_breakpoint_filter(self, fn: Callable[[int, int, int], bool] | None) -> None:
        """fn(pid, tid, addr): must this breakpoint hit stop the world? (asked before stopping it)"""

    # ---- the other processes of its group (follow-exec) ----
    def set_follow_exec(self, enable: bool) -> None: ...
    def group_process(self, pid: int) -> Inferior | None: ...

    # ---- ending ----
    def kill(self) -> None: ...
    def detach(self) -> None: ...
    def poll_exit(self) -> bool:
        """While stopped: True if the process died under us (killed from outside), now reaped."""
    def reap_if_dead(self) -> bool:
        """After a failed request: True if the process is gone (reaped, exit status known)."""
