"""Delve's collectBreakpointInformation: what a breakpoint asks to be shown each time it stops
the target (its goroutine, a stack trace, expressions, arguments, locals), read at the stop."""

from __future__ import annotations

import contextlib

from ..errors import UserError, error_text
from ..goruntime.values import LOAD_FULL, Kind, Value, load_budget
from .expressions import evaluate
from .model import Breakpoint, BreakpointInfoView
from .queries import scope_variables
from .stacks import goroutine_stack, thread_stack
from .target import Selection, Target


def breakpoint_info(t: Target, bp: Breakpoint, tid: int) -> BreakpointInfoView:
    with load_budget():  # each stop's information is bounded like one request
        return _breakpoint_info(t, bp, tid)


def _breakpoint_info(t: Target, bp: Breakpoint, tid: int) -> BreakpointInfoView:
    info = BreakpointInfoView()
    g = t.goroutines.of_thread(tid)
    if bp.goroutine and g is not None:
        info.goroutine = t.goroutines.view_of(g)
    if bp.stacktrace > 0:
        if g is not None:
            info.stacktrace = goroutine_stack(t.goroutines, g, bp.stacktrace, False, inlined=True)
        else:
            regs = t.proc.regs(tid)
            info.stacktrace = thread_stack(t.goroutines, regs.rip, regs.rsp, regs.rbp, bp.stacktrace, inlined=True)
    here = Selection(tid, g.id if g is not None else 0)  # the stopped thread's own scope
    for expr in bp.variables:
        try:
            info.variables.append((expr, evaluate(t, here, -1, 0, 0, expr, LOAD_FULL)))
        except (UserError, OSError) as e:
            info.variables.append((expr, Value(expr, 0, None, Kind.Invalid, t.variables.loader.mem,
                                               unreadable=f"eval error: {error_text(e)}")))
    # Delve leaves arguments/locals out when they can't be read.
    if bp.load_args is not None:
        with contextlib.suppress(UserError, OSError):
            info.arguments = scope_variables(t, here, -1, 0, 0, bp.load_args, True)
    if bp.load_locals is not None:
        with contextlib.suppress(UserError, OSError):
            info.locals = scope_variables(t, here, -1, 0, 0, bp.load_locals, False)
    return info
