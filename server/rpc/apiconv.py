"""Debugger records <-> Delve API v2 types (the conversions rpc.py needs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..debugger.model import (
    Breakpoint,
    BreakpointInfoView,
    BreakpointRequest,
    EngineEvent,
    FrameView,
    GoroutineView,
    StateView,
    ThreadView,
)
from ..goruntime.model import FunctionRef, Location
from ..protocol import api
from .apiconv_vars import api_load_config, load_cfg, operand_variable, variable

if TYPE_CHECKING:
    from ..debugger.locspec import ResolvedLocation


def function(fn: FunctionRef | None) -> api.Function | None:
    if fn is None:
        return None
    return api.Function(name=fn.name, value=fn.entry, optimized=fn.optimized)


def location(loc: Location) -> api.Location:
    return api.Location(pc=loc.pc, file=loc.file, line=loc.line, function=function(loc.function))


def found_location(loc: ResolvedLocation, pid: int) -> api.Location:
    fn = loc.function
    ref = FunctionRef(fn.name, fn.entry, fn.optimized) if fn is not None else None
    pcs = loc.pcs or None  # none for a line without code, and for `*ADDR` (Delve gives only PC there)
    return api.Location(pc=loc.pc, file=loc.file, line=loc.line, function=function(ref),
                        pcs=pcs, pcpids=[pid] * len(pcs) if pcs else None)


def breakpoint(bp: Breakpoint, pid: int, armed: bool | None = None) -> api.Breakpoint:
    """armed: whether its addresses are shown (default: it is enabled and can still stop; a
    disabled breakpoint, and one whose hit condition can no longer hold, show none)."""
    if armed is None:
        armed = not bp.disabled and not bp.unsatisfiable
    addrs = list(bp.addrs) if bp.addrs and armed else None
    return api.Breakpoint(
        id=bp.id,
        name=bp.name,
        addr=addrs[0] if addrs else 0,
        addrs=addrs,
        addrpid=(list(bp.addr_pids) if len(bp.addr_pids) == len(bp.addrs) else [pid] * len(addrs)) if addrs else None,
        # A disabled breakpoint keeps its place; only an unresolved one has none.
        file=bp.file,
        line=bp.line,
        functionName=bp.function_name,
        # Delve reports the location expression only while it has no address.
        ExprString=bp.loc_expr if not addrs else "",
        Cond=bp.cond,
        HitCond=bp.hit_cond,
        HitCondPerG=bp.hit_cond_per_g,
        Tracepoint=bp.tracepoint,
        traceReturn=bp.trace_return,
        goroutine=bp.goroutine,
        stacktrace=bp.stacktrace,
        variables=list(bp.variables) or None,
        LoadArgs=api_load_config(bp.load_args),
        LoadLocals=api_load_config(bp.load_locals),
        customCommands=list(bp.custom_commands) or None,
        hitCount={str(g): n for g, n in bp.hit_count.items()},
        totalHitCount=bp.total_hit_count,
        disabled=bp.disabled,
        RootFuncName=bp.root_func_name,
        TraceFollowCalls=bp.trace_follow_calls,
    )


def substitute_rules(rules: list[list[str]] | None) -> list[tuple[str, str]]:
    """SubstitutePathRules ([][2]string) as (from, to) pairs."""
    return [(r[0], r[1]) for r in rules or [] if len(r) == 2]


def breakpoint_request(src: api.Breakpoint, loc_expr: str, suspended: bool,
                       rules: list[list[str]] | None = None) -> BreakpointRequest:
    bp = Breakpoint(
        id=src.id,
        name=src.name,
        file=src.file,
        line=src.line,
        function_name=src.functionName,
        cond=src.Cond,
        hit_cond=src.HitCond,
        hit_cond_per_g=src.HitCondPerG,
        tracepoint=src.Tracepoint,
        trace_return=src.traceReturn,
        goroutine=src.goroutine,
        stacktrace=src.stacktrace,
        variables=list(src.variables or []),
        load_args=load_cfg(src.LoadArgs) if src.LoadArgs is not None else None,
        load_locals=load_cfg(src.LoadLocals) if src.LoadLocals is not None else None,
        custom_commands=list(src.customCommands or []),
        root_func_name=src.RootFuncName,
        trace_follow_calls=src.TraceFollowCalls,
        disabled=src.disabled,
    )
    return BreakpointRequest(bp, addr=src.addr, addrs=list(src.addrs or []), loc_expr=loc_expr, suspended=suspended,
                             substitute_rules=substitute_rules(rules))


class SharedLocations:
    """location() once per Location object of one answer: the goroutines of a listing share a
    few locations (the unwinder's and the runtime model's caches hand out the same objects), and
    the api.Location made for one is encoded once too (api.Location is a `shared` wire struct)."""

    def __init__(self) -> None:
        # By id, the Location kept alive with its conversion so that the id cannot be reused.
        self._made: dict[int, tuple[Location, api.Location]] = {}

    def __call__(self, loc: Location) -> api.Location:
        hit = self._made.get(id(loc))
        if hit is None:
            hit = self._made[id(loc)] = (loc, location(loc))
        return hit[1]


def goroutine(g: GoroutineView, loc: Callable[[Location], api.Location] = location) -> api.Goroutine:
    """loc: the Location converter (a SharedLocations for many goroutines)."""
    return api.Goroutine(
        id=g.id,
        currentLoc=loc(g.current),
        userCurrentLoc=loc(g.user_current),
        goStatementLoc=loc(g.go_statement),
        startLoc=loc(g.start),
        threadID=g.thread_id,
        status=g.status,
        waitSince=g.wait_since,
        waitReason=g.wait_reason,
        unreadable=g.unreadable,
        labels=dict(g.labels) or None,
    )


def stackframe(f: FrameView) -> api.Stackframe:
    return api.Stackframe(
        Location=location(f.location),
        Locals=None,
        Arguments=None,
        FrameOffset=f.frame_offset,
        FramePointerOffset=f.frame_pointer_offset,
        Defers=[api.Defer(DeferredLoc=location(d.deferred), DeferLoc=location(d.defer_loc),
                          SP=d.sp, Unreadable=d.unreadable) for d in f.defers],
        Bottom=f.bottom,
        Err=f.err,
    )


def breakpoint_info(info: BreakpointInfoView) -> api.BreakpointInfo:
    return api.BreakpointInfo(
        stacktrace=[stackframe(f) for f in info.stacktrace] or None,
        goroutine=goroutine(info.goroutine) if info.goroutine is not None else None,
        variables=[operand_variable(r, expr) for expr, r in info.variables] or None,
        arguments=[variable(v) for v in info.arguments] if info.arguments is not None else None,
        locals=[variable(v) for v in info.locals] if info.locals is not None else None,
    )


def thread(t: ThreadView, with_bp_info: bool, pid: int = 0, with_return_values: bool = False) -> api.Thread:
    bp = breakpoint(t.breakpoint, pid) if t.breakpoint is not None else None
    return api.Thread(
        id=t.tid,
        pc=t.loc.pc,
        file=t.loc.file,
        line=t.loc.line,
        function=function(t.loc.function),
        goroutineID=t.goroutine_id,
        breakPoint=bp,
        breakPointInfo=(None if bp is None or not with_bp_info else
                        breakpoint_info(t.breakpoint_info) if t.breakpoint_info is not None else api.BreakpointInfo()),
        ReturnValues=([variable(v) for v in t.return_values] if t.return_values is not None and (
            with_return_values or (t.breakpoint is not None and t.breakpoint.trace_return)) else None),
        CallReturn=t.call_return,
    )


def state(view: StateView, with_bp_info: bool, with_return_values: bool = False) -> api.DebuggerState:
    """The target's state (running, exited or stopped); breakPointInfo only in Command replies
    (with_bp_info)."""
    if view.running:
        return api.running_state()
    if view.exited:
        return api.exited_state(view.pid, view.exit_status)
    threads = [thread(t, with_bp_info, view.pid, with_return_values) for t in view.threads or []]
    current = next((t for t in threads if view.current_thread and t.id == view.current_thread.tid), None)
    listed: list[api.Thread | None] = list(threads)  # Go's []*Thread
    return api.DebuggerState(
        Pid=view.pid,
        TargetCommandLine=view.command_line,
        currentThread=current,
        currentGoroutine=goroutine(view.selected_goroutine) if view.selected_goroutine else None,
        Threads=listed,
        NextInProgress=view.next_in_progress,
        stopReason=view.stop_reason,
    )


def event(ev: EngineEvent) -> api.Event:
    """Delve's ConvertEvent: the kind and the details that go with it."""
    out = api.Event(Kind=ev.kind)
    if ev.breakpoint is not None:
        pid = ev.breakpoint.addr_pids[0] if ev.breakpoint.addr_pids else 0
        out.BreakpointMaterializedEventDetails = api.BreakpointMaterializedEventDetails(
            Breakpoint=breakpoint(ev.breakpoint, pid))
    elif ev.pid:
        out.ProcessSpawnedEventDetails = api.ProcessSpawnedEventDetails(
            PID=ev.pid, ThreadID=ev.tid, Cmdline=ev.cmdline, WillFollow=ev.will_follow)
    return out
