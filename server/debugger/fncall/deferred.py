"""`call` on a goroutine that is not running on a thread: the call is queued until the goroutine
next returns into user code, then injected there.

The runtime's comment above debugCallV2 (asm_amd64.s) gives the recipe for a _Grunnable
goroutine: "unwind the stack to find the return to non-runtime code, add a temporary breakpoint
there, and inject the call once that breakpoint is hit". A _Gwaiting goroutine (parked on a
channel, a mutex, a sleep) is handled the same way: whatever wakes it, it goes back to its caller
through that return address, and at that point it is an ordinary running goroutine at a safe point
(a return address is a call site, which always has a stack map).

Behaviour (docs/design.md, "Injected calls"): the `call` command blocks like a continue until the
call has run and answers "call returned" on that goroutine. No queued call outlives its request:
whatever ends the continue first (a user breakpoint, a halt, the program's exit) cancels it
(temporary breakpoint removed, nothing injected) and the request answers an error naming that
stop. The call expression is planned when the goroutine arrives, in that goroutine's frame.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from ...errors import UserError
from ...goruntime.goroutines import USER_CURRENT_DEPTH, is_user_function
from ...goruntime.model import G_DEAD, G_PREEMPTED, G_RUNNABLE, G_SYSCALL, G_WAITING, Frame, Goroutine
from ...records import record
from ..goroutine_list import is_system
from ..goroutines import GoroutineReader
from ..inferior import Inferior
from .controller import CallController, CallError

log = logging.getLogger("pydlv.fncall")

# States from which the goroutine comes back to its caller by itself. _Gsyscall is included: a
# goroutine blocked in the kernel returns to user code the same way once the syscall ends.
DEFERRABLE_STATUSES = (G_RUNNABLE, G_WAITING, G_PREEMPTED, G_SYSCALL)


class DeferError(UserError):
    """The call cannot be queued on this goroutine (the text is shown to the user)."""


@record
class PendingCall:
    """A `call` waiting for its goroutine to reach `addr` (a return address in user code)."""

    expr: str
    goroutine_id: int
    addr: int
    function: str  # the user function `addr` returns into, for messages and the evaluator
    started: bool = False  # the goroutine arrived: the call was handed to the injector


def is_user_code(name: str) -> bool:
    """Where the runtime's debugCallCheck accepts a call and a user would call it "my code":
    Delve's user-frame test, minus exported runtime functions (debugCallCheck refuses every
    `runtime.` name) and minus runtime code linknamed into other packages (`sync.runtime_*`,
    `internal/poll.runtime_*`), which is still the runtime's."""
    return is_user_function(name) and not name.startswith("runtime.") and ".runtime_" not in name


def user_return(frames: Sequence[Frame]) -> Frame | None:
    """The first frame above the top whose pc is a return into user code. The top frame is
    skipped: its pc is where the goroutine stopped, not a return address."""
    for frame in frames[1:]:
        if frame.function is not None and is_user_code(frame.function.name):
            return frame
    return None


def check_deferrable(gid: int, status: int, system: bool) -> None:
    if status == G_DEAD:
        raise DeferError(f"cannot call function on goroutine {gid}: the goroutine has exited")
    if system:
        raise DeferError(f"cannot call function on goroutine {gid}: it is a Go runtime system goroutine")
    if status not in DEFERRABLE_STATUSES:
        raise DeferError("selected goroutine not running")


class CallQueue:
    """The one queued call and its temporary breakpoint (an INT3 in the native table only, so
    ListBreakpoints never shows it)."""

    def __init__(self, proc: Inferior, goroutines: GoroutineReader, calls: CallController) -> None:
        self.proc = proc
        self.goroutines = goroutines
        self.calls = calls
        self.pending: PendingCall | None = None

    def arm(self, expr: str, g: Goroutine) -> PendingCall:
        check_deferrable(g.id, g.status, is_system(self.goroutines.view_of(g)))
        try:
            self.calls.protocol()
        except CallError as e:
            raise DeferError(str(e)) from None
        try:
            frames = self.goroutines.runtime.goroutine_frames(g, USER_CURRENT_DEPTH)
        except OSError:
            frames = []
        ret = user_return(frames)
        if ret is None or ret.function is None:
            raise DeferError(f"cannot call function on goroutine {g.id}: no return into user code found on its stack")
        try:
            self.proc.breakpoints.insert(ret.pc)
        except OSError as e:
            raise DeferError(f"cannot call function on goroutine {g.id}: {e.strerror}") from None
        self.pending = PendingCall(expr, g.id, ret.pc, ret.function.name)
        log.debug("call %r queued on goroutine %d at %#x (%s)", expr, g.id, ret.pc, ret.function.name)
        return self.pending

    def take(self, addr: int, gid: int) -> PendingCall | None:
        """The queued call if this breakpoint hit is its goroutine arriving (then it is unqueued
        and its INT3 removed: the thread stands on the original instruction). Another goroutine
        at the same address gets None and just goes on."""
        p = self.pending
        if p is None or addr != p.addr or gid != p.goroutine_id:
            return None
        self._disarm(p)
        p.started = True
        return p

    def cancel_if(self, p: PendingCall) -> None:
        """Drop `p` if it is still queued (its request is over)."""
        if self.pending is p:
            self.cancel()

    def cancel(self) -> PendingCall | None:
        p = self.pending
        if p is not None:
            self._disarm(p)
            log.info("queued call %r on goroutine %d cancelled", p.expr, p.goroutine_id)
        return p

    def _disarm(self, p: PendingCall) -> None:
        self.pending = None
        if not self.proc.exited:  # a user breakpoint at the same address keeps its own hold
            self.proc.breakpoints.remove(p.addr)
