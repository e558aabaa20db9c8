"""The Target record: everything the engine knows of one debugged process, all set at once.

`Target.launch` (and, for tests or another backend, `Target.of_process`) builds every part
from the binary and the process, so no field is ever None and helpers take the Target (or
the narrow part they use) instead of the whole engine. `Selection` is the user's current
thread and goroutine, which views of the stopped target depend on.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from ..binary.gobinary import BinaryError, GoBinary
from ..goruntime.model import Location
from ..native.attach import attach_traced
from ..native.launch import LAUNCH_OPTIONS, NO_REDIRECTS, Redirects, launch_traced
from ..native.process import TracedProcess
from ..records import record
from .breakpoints import BreakpointSet
from .errors import DebuggerError, ProcessExitedError
from .goroutines import GoroutineReader
from .inferior import Inferior

if TYPE_CHECKING:
    from .fncall.controller import CallController
    from .fncall.deferred import CallQueue
    from .locspec import LocationResolver
    from .scope import VariableContext

__all__ = ["NO_REDIRECTS", "Redirects", "Selection", "Target"]


@record
class Selection:
    """The current thread and the selected goroutine (0: none), as Delve's State shows them."""

    current_tid: int
    goroutine: int = 0


@record(eq=False)
class Target:
    binary: GoBinary
    proc: Inferior
    argv: list[str]
    cwd: str
    launched: bool  # launched by us (killed at the end) or attached (detached)
    breakpoints: BreakpointSet
    goroutines: GoroutineReader

    @classmethod
    def launch(cls, binary: GoBinary, argv: list[str], cwd: str, redirects: Redirects = NO_REDIRECTS) -> Target:
        """Start argv under ptrace, stopped at its entry point. Tracer thread."""
        pid = launch_traced(argv, cwd, redirects=redirects)
        return cls.of_process(binary, TracedProcess(pid, launched=True, options=LAUNCH_OPTIONS), argv, cwd, launched=True)

    @classmethod
    def attach(cls, path: str, pid: int) -> Target:
        """A process started outside, every thread seized and stopped, its executable at `path`.
        Tracer thread. As Delve, the process is attached first, its binary read next."""
        proc = attach_traced(pid)
        try:
            binary = GoBinary.open(path)
        except BaseException as e:
            proc.detach()
            if isinstance(e, BinaryError):
                raise DebuggerError(f"could not attach to pid {pid}: {_binary_problem(e)}") from None
            raise
        argv = cmdline(pid) or [binary.path]
        return cls.of_process(binary, proc, argv, cwd_of(pid), launched=False)

    @classmethod
    def of_process(cls, binary: GoBinary, proc: Inferior, argv: list[str], cwd: str, launched: bool,
                   group_breakpoints: BreakpointSet | None = None) -> Target:
        """group_breakpoints: the set of the target group this process joins (follow-exec)."""
        if group_breakpoints is None:
            breakpoints = BreakpointSet(proc)
        else:
            breakpoints = group_breakpoints
            breakpoints.add_process(proc)
        return cls(binary, proc, argv, cwd, launched, breakpoints, GoroutineReader(binary, proc))

    # Made on first use, with their modules: the location resolver, call injection and variable
    # reading (the evaluator) are ~40 ms of imports that the first State of a session need not wait for.

    @cached_property
    def resolver(self) -> LocationResolver:
        from .locspec import LocationResolver

        return LocationResolver(self.binary)

    @cached_property
    def calls(self) -> CallController:
        from .fncall.controller import CallController

        return CallController(self.binary, self.proc)

    @property
    def call_in_progress(self) -> bool:
        """A `call` injected or queued (asked without making the call machinery)."""
        calls, queue = self.calls_if_made, self.queued_call_if_made
        return (calls is not None and calls.active is not None) or (queue is not None and queue.pending is not None)

    @property
    def calls_if_made(self) -> CallController | None:
        """The call machinery if a `call` made it (None: nothing was ever injected): the continue
        loop asks at each stop without importing it."""
        calls: CallController | None = self.__dict__.get("calls")
        return calls

    @property
    def queued_call_if_made(self) -> CallQueue | None:
        """The queue of calls if a `call` made it (None: nothing was ever queued)."""
        queue: CallQueue | None = self.__dict__.get("queued_call")
        return queue

    @cached_property
    def queued_call(self) -> CallQueue:
        """A `call` on a goroutine that is not running (fncall/deferred.py)."""
        from .fncall.deferred import CallQueue

        return CallQueue(self.proc, self.goroutines, self.calls)

    @property
    def variables(self) -> VariableContext:
        """Types, variable DIEs and the value loader of the live process (built on first use,
        raises ScopeError without DWARF; Delve's exit error once the process is gone)."""
        self.live()
        return self._variables

    @cached_property
    def _variables(self) -> VariableContext:
        from .scope import VariableContext

        return VariableContext(self.binary, self.proc, self.goroutines)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def exited(self) -> bool:
        return self.proc.exited

    def live(self) -> Inferior:
        """The process, or Delve's `Process N has exited with status S` (also once it was killed
        from outside while stopped)."""
        if self.poll_exited():
            raise ProcessExitedError(self.proc.pid, self.proc.exit_status)
        return self.proc

    def poll_exited(self) -> bool:
        """Whether the process has exited, noticing (and reaping) a death from outside."""
        return self.proc.exited or self.proc.poll_exit()

    def location(self, pc: int) -> Location:
        # The runtime model's pc-keyed cache: State asks for every thread's at every stop.
        return self.goroutines.runtime.location_of(pc)

    def current_file_line(self, sel: Selection) -> tuple[str, int] | None:
        """file:line of the current thread (relative location specs start there)."""
        if self.proc.exited:
            return None
        loc = self.location(self.proc.regs(sel.current_tid).rip)
        return loc.file, loc.line


# Delve's words for an executable without Go debug information (a non-Go program, a stripped one).
NO_DEBUG_INFO = ("could not open debug info - debuggee must not be built with 'go run' or -ldflags='-s -w', "
                 "which strip debug info")


def _binary_problem(e: BinaryError) -> str:
    return NO_DEBUG_INFO if ".gopclntab" in str(e) else str(e)


def cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def cwd_of(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return "."
