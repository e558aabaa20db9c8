"""Plain records of the Go runtime model and the interfaces it needs.

The records are what Delve's `proc` package computes (G, Location, Stackframe);
the protocol layer turns them into JSON elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from typing import Protocol

from ..records import record

# read(addr, size) -> exactly size bytes; raises OSError when unreadable.
ReadMemory = Callable[[int, int], bytes]
# read_many([(addr, size), ...]) -> each range's bytes, None where unreadable (few system calls).
ReadMemoryMany = Callable[[Sequence[tuple[int, int]]], list[bytes | None]]


class FunctionLike(Protocol):
    # Read-only: binary.gobinary.Function is a frozen dataclass.
    @property
    def name(self) -> str: ...
    @property
    def entry(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def optimized(self) -> bool: ...


class BinaryLike(Protocol):
    """The part of GoBinary (server/binary/gobinary.py) this package uses."""

    def function_at(self, pc: int) -> FunctionLike | None: ...

    def pc_to_line(self, pc: int) -> tuple[str, int]: ...

    def sp_delta(self, pc: int) -> int: ...

    def symbol_address(self, name: str) -> int | None: ...


class RegsLike(Protocol):
    rip: int
    rsp: int
    rbp: int
    r14: int
    fs_base: int


# Runtime g statuses (runtime/runtime2.go).
G_IDLE = 0
G_RUNNABLE = 1
G_RUNNING = 2
G_SYSCALL = 3
G_WAITING = 4
G_DEAD = 6
G_COPYSTACK = 8
G_PREEMPTED = 9
G_SCAN = 0x1000


@record(frozen=True, slots=True)
class FunctionRef:
    name: str
    entry: int
    # A bool, or the function itself: GoBinary's Function answers `optimized` from DWARF
    # compile units, which are loaded on first use (~0.1 s on a big binary), so a
    # Location made while placing breakpoints must not ask before someone reads it.
    optimized_of: bool | FunctionLike = field(default=False, compare=False, repr=False)

    @property
    def optimized(self) -> bool:
        o = self.optimized_of
        return o if isinstance(o, bool) else o.optimized


@record(frozen=True, slots=True)
class Location:
    """Delve's proc.Location: pc, and the file/line/function it maps to."""

    pc: int
    file: str = ""
    line: int = 0
    function: FunctionRef | None = None


# Not frozen, though never changed once made: a frozen dataclass takes 5x as long to build
# (0.85 against 0.17 us), and a 10,000-goroutine listing unwinds 40,000 frames. Hashable as before.
@record(slots=True, unsafe_hash=True)
class Frame:
    """One unwound frame (treat it as immutable).

    pc is the frame's current pc (the return address for all but the top frame);
    `location` is pc's file:line for the top frame and pc-1's for the others, as
    Delve reports them (the CALL instruction, not the instruction after it).
    cfa is the caller's sp after return: Go's DWARF frame base (DW_OP_call_frame_cfa).
    err: the unwinder could not compute this frame (Delve's NULL address): it is the empty
    frame Delve shows, all zero, and the last one.
    """

    pc: int
    sp: int
    cfa: int
    bp: int
    function: FunctionLike | None
    location: Location
    system_stack: bool = False
    err: str = ""


@record(slots=True)
class Goroutine:
    """Fields of one runtime.g Delve cares about."""

    addr: int
    id: int
    status: int
    wait_since: int
    wait_reason: int
    gopc: int
    startpc: int
    sched_pc: int
    sched_sp: int
    sched_bp: int
    stack_lo: int
    stack_hi: int
    m: int
    labels_ptr: int
    thread_id: int = 0
    # True when the thread that runs it is executing on the system (g0) stack.
    system_stack: bool = False
    # Registers of the thread running it, when it runs on a stopped thread.
    regs: RegsLike | None = None
    # Set when the g could not be read; every other field is then zero.
    unreadable: str = ""

    @classmethod
    def unreadable_at(cls, addr: int, reason: str) -> Goroutine:
        return cls(addr, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, unreadable=reason)


@record(frozen=True, slots=True)
class GoroutineLocations:
    current: Location
    user_current: Location
    go_statement: Location
    start: Location
