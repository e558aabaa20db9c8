"""The target as a user sees it: launch, breakpoints, the continue loop, halt, detach.

Every method except `halt` runs on the tracer thread (see native/tracer_thread.py);
the rpc layer submits them as jobs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from ..binary.gobinary import BinaryError, GoBinary
from ..goruntime.model import Goroutine, Location
from ..goruntime.unwind import location_at
from ..goruntime.values import LOAD_FULL, LoadCfg
from ..native.launch import launch_traced
from ..native.process import StopKind, TargetExited, TracedProcess
from .breakpoints import BreakpointError, BreakpointSet, check_name
from .eval import ParseError
from .expressions import check_condition, condition_holds, evaluator
from .fncall.calls import CallPlanner
from .fncall.controller import G_RUNNING, CallController, CallError
from .fncall.deferred import CallQueue, DeferError, PendingCall
from .fncall.injection import Injection
from .fncall.session import CallSession
from .goroutines import GoroutineReader
from .locspec import LocationError, LocationResolver, LocSpec, ResolvedLocation, parse_locspec
from .model import FATAL_THROW_ID, UNRECOVERED_PANIC_ID, Breakpoint, StateView, ThreadView
from .scope import EvalScope, ScopeError, VariableContext

log = logging.getLogger("pydlv.debugger")


class DebuggerError(Exception):
    """An error whose text is shown to the user as is (Delve's wording)."""


class ProcessExitedError(DebuggerError):
    def __init__(self, pid: int, status: int) -> None:
        super().__init__(f"Process {pid} has exited with status {status}")


@dataclass
class BreakpointRequest:
    """What CreateBreakpoint asks for; location fields in Delve's order of precedence."""

    bp: Breakpoint
    addr: int = 0
    addrs: list[int] | None = None
    loc_expr: str = ""
    suspended: bool = False


class Debugger:
    def __init__(self, binary: GoBinary, argv: list[str], cwd: str) -> None:
        self.binary = binary
        self.argv = argv
        self.cwd = cwd
        self.resolver = LocationResolver(binary)
        self.proc: TracedProcess | None = None
        self.breakpoints: BreakpointSet | None = None
        self.goroutines: GoroutineReader | None = None
        self.current_tid = 0
        self.selected_goroutine = 0
        self.stop_reason = ""
        self.launched = True
        self.calls: CallController | None = None
        self._call_return_tid = 0  # thread whose injected call just returned (CallReturn)
        self._call_opts: tuple[LoadCfg, bool] = (LOAD_FULL, False)  # the `call`'s ReturnInfoLoadConfig, unsafe
        self.queued_call: CallQueue | None = None  # `call` on a goroutine not running (fncall/deferred.py)
        self._cancelled_call: PendingCall | None = None  # the queued call a halt just dropped
        # Delve clears the threads' breakpoint state when a `call` resumes the target: the stop
        # shown after it (returned or refused by the runtime) has no breakpoint, until the next
        # user stop. Errors found before resuming keep it.
        self._breakpoint_cleared = False

    # ---- lifecycle ----------------------------------------------------------

    def launch(self) -> None:
        pid = launch_traced(self.argv, self.cwd)
        self.proc = TracedProcess(pid, launched=True)
        self.breakpoints = BreakpointSet(self.proc)
        self.goroutines = GoroutineReader(self.binary, self.proc)
        self.calls = CallController(self.binary, self.proc)
        self.queued_call = CallQueue(self.proc, self.goroutines, self.calls, self.breakpoints)
        self.current_tid = pid
        self.selected_goroutine = 0
        self.stop_reason = "launched"
        self._set_internal_breakpoints()

    def _set_internal_breakpoints(self) -> None:
        assert self.breakpoints is not None
        panic_fn = self.binary.function_named("runtime.fatalpanic")
        if panic_fn is not None:
            loc = self.resolver.for_function(panic_fn)
            self._add_internal(UNRECOVERED_PANIC_ID, "unrecovered-panic", [loc.pc], ["runtime.curg._panic.arg"])
        addrs = []
        for name in ("runtime.throw", "runtime.fatal", "runtime.fatalsignal"):
            fn = self.binary.function_named(name)
            if fn is not None:
                addrs.append(self.resolver.for_function(fn).pc)
        if addrs:
            self._add_internal(FATAL_THROW_ID, "runtime-fatal-throw", addrs, [])

    def _add_internal(self, bp_id: int, name: str, addrs: list[int], variables: list[str]) -> None:
        assert self.breakpoints is not None
        bp = Breakpoint(id=bp_id, name=name, addrs=addrs, variables=variables)
        self._describe(bp)
        try:
            self.breakpoints.add(bp)
        except BreakpointError as e:
            log.warning("internal breakpoint %s not set: %s", name, e)

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    @property
    def exited(self) -> bool:
        return self.proc is None or self.proc.exited

    def _live(self) -> TracedProcess:
        if self.proc is None or self.proc.exited:
            raise ProcessExitedError(self.pid, self.proc.exit_status if self.proc else 0)
        return self.proc

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()

    def detach(self, kill: bool) -> None:
        if self.proc is None or self.proc.exited:
            return
        if kill or self.launched:
            self.proc.kill()
        else:
            self.proc.detach()

    # ---- variables (scope.py) ------------------------------------------------

    def variables(self) -> VariableContext:
        """Types, variable DIEs and the value loader: built on first use, kept across stops."""
        ctx = getattr(self, "_variables", None)
        if ctx is None or ctx.proc is not self.proc:  # a restart makes a new process
            proc = self._live()
            assert self.goroutines is not None
            try:
                ctx = self._variables = VariableContext(self.binary, proc, self.goroutines)
            except ScopeError as e:
                raise DebuggerError(str(e)) from e
        return ctx

    def eval_scope(self, goroutine_id: int, frame: int, deferred_call: int = 0) -> EvalScope:
        """Delve's ConvertEvalScope: goroutine -1 is the selected one."""
        try:
            return self.variables().scope(goroutine_id, frame, deferred_call, self.selected_goroutine,
                                          self.current_tid)
        except ScopeError as e:
            raise DebuggerError(str(e)) from e

    # ---- state --------------------------------------------------------------

    def location(self, pc: int) -> Location:
        return location_at(self.binary, pc)

    def _thread_view(self, tid: int) -> ThreadView:
        proc = self._live()
        pc = proc.regs(tid).rip
        gid = self.goroutines.goroutine_id_of_thread(tid) if self.goroutines else 0
        th = ThreadView(tid, self.location(pc), gid)
        bp = self.breakpoints.at(pc) if self.breakpoints else None
        if bp is not None and proc.threads[tid].consumed_breakpoint == pc and not self._breakpoint_cleared:
            th.breakpoint = bp
        if tid == self._call_return_tid and self.calls is not None:
            th.call_return = True
            th.return_values = self.calls.result_values
        return th

    def state(self) -> StateView:
        if self.proc is None or self.proc.exited:
            raise ProcessExitedError(self.pid, self.proc.exit_status if self.proc else 0)
        proc = self.proc
        threads = [self._thread_view(tid) for tid in sorted(proc.threads, key=lambda t: (t != self.current_tid, t))]
        threads.sort(key=lambda t: t.tid)
        current = next((t for t in threads if t.tid == self.current_tid), None)
        gview = None
        if self.goroutines is not None and self.selected_goroutine:
            gview = self.goroutines.view(self.selected_goroutine)
        return StateView(
            pid=proc.pid,
            command_line=" ".join(self.argv),
            current_thread=current,
            selected_goroutine=gview,
            threads=threads,
            stop_reason=self.stop_reason,
        )

    def exited_state(self) -> StateView:
        status = self.proc.exit_status if self.proc else 0
        return StateView(pid=self.pid, command_line="", exited=True, exit_status=status)

    # ---- breakpoints --------------------------------------------------------

    def _describe(self, bp: Breakpoint) -> None:
        """Fill file/line/function of a breakpoint from its addresses."""
        if not bp.addrs:
            bp.file, bp.line, bp.function_name = "", 0, ""
            return
        locs = [self.location(a) for a in bp.addrs]
        names = {loc.function.name if loc.function else "" for loc in locs}
        if len(locs) > 1 and len({(loc.file, loc.line) for loc in locs}) > 1:
            bp.file, bp.line = "<multiple locations>", 0
        else:
            bp.file, bp.line = locs[0].file, locs[0].line
        bp.function_name = "(multiple functions)" if len(names) > 1 else names.pop()

    def _resolve_request(self, req: BreakpointRequest) -> list[int]:
        bp = req.bp
        try:
            if bp.file and bp.line:
                full = self.binary.resolve_file(bp.file)
                # every function holding the line (generic instantiations, inlined copies), as Delve
                return self.binary.line_pcs(full, bp.line)
            if bp.function_name:
                self.binary.resolve_function(bp.function_name)  # Delve's "could not find function X"
                # As FindLocation: every generic instantiation; a line counts from the func line.
                spec = LocSpec("func", bp.function_name, func=bp.function_name, line=bp.line)
                locs = self.resolver.resolve(spec, self._current_file_line())
                return [pc for loc in locs for pc in (loc.pcs or [loc.pc])]
        except (BinaryError, LocationError) as e:
            raise DebuggerError(str(e)) from None
        if req.addrs:
            return list(req.addrs)
        if req.addr:
            return [req.addr]
        if req.loc_expr:
            try:
                locs = self.resolver.resolve(parse_locspec(req.loc_expr), self._current_file_line())
            except LocationError:
                return []  # Delve keeps it as an unresolved (suspended-like) breakpoint
            return [pc for loc in locs for pc in (loc.pcs or [loc.pc])]
        return []

    def _current_file_line(self) -> tuple[str, int] | None:
        if self.proc is None or self.proc.exited:
            return None
        loc = self.location(self.proc.regs(self.current_tid).rip)
        return loc.file, loc.line

    def create_breakpoint(self, req: BreakpointRequest) -> Breakpoint:
        self._live()
        assert self.breakpoints is not None
        check_name(req.bp.name)
        self._check_cond(req.bp.cond)
        addrs = self._resolve_request(req)
        bp = req.bp
        bp.id = self.breakpoints.allocate_id(bp.id)
        bp.addrs = addrs
        bp.loc_expr = req.loc_expr
        bp.hit_count, bp.total_hit_count = {}, 0
        if not addrs:
            if not req.loc_expr:
                raise DebuggerError(f"breakpoint {bp.id} can not be enabled")
            bp.disabled = False
        self._describe(bp)
        try:
            self.breakpoints.add(bp)
        except BreakpointError as e:
            raise DebuggerError(str(e)) from None
        return bp

    def find_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        assert self.breakpoints is not None
        try:
            return self.breakpoints.find(bp_id, name)
        except BreakpointError as e:
            raise DebuggerError(str(e)) from None

    def clear_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        bp = self.find_breakpoint(bp_id, name)
        assert self.breakpoints is not None
        self.breakpoints.remove(bp)
        return bp

    def toggle_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        bp = self.find_breakpoint(bp_id, name)
        assert self.breakpoints is not None
        try:
            self.breakpoints.set_disabled(bp, not bp.disabled)
        except BreakpointError as e:
            raise DebuggerError(str(e)) from None
        return bp

    def amend_breakpoint(self, new: Breakpoint) -> None:
        assert self.breakpoints is not None
        bp = self.breakpoints.by_id.get(new.id)
        if bp is None:
            raise DebuggerError(f"no breakpoint with ID {new.id}")
        check_name(new.name)
        self._check_cond(new.cond)
        for attr in ("name", "cond", "hit_cond", "hit_cond_per_g", "tracepoint", "trace_return", "goroutine",
                     "stacktrace", "variables", "load_args", "load_locals", "custom_commands",
                     "root_func_name", "trace_follow_calls"):
            setattr(bp, attr, getattr(new, attr))
        try:
            self.breakpoints.set_disabled(bp, new.disabled)
        except BreakpointError as e:
            raise DebuggerError(str(e)) from None

    def list_breakpoints(self) -> list[Breakpoint]:
        return self.breakpoints.ordered() if self.breakpoints else []

    def find_location(self, text: str, include_non_executable: bool = False) -> list[ResolvedLocation]:
        try:
            return self.resolver.resolve(parse_locspec(text), self._current_file_line(), include_non_executable)
        except LocationError as e:
            raise DebuggerError(str(e)) from None

    # ---- selection (Command switchThread / switchGoroutine) -------------------

    def switch_thread(self, tid: int) -> StateView:
        proc = self._live()
        if tid not in proc.threads:
            raise DebuggerError(f"thread {tid} does not exist")
        self.current_tid = tid
        self.selected_goroutine = self.goroutines.goroutine_id_of_thread(tid) if self.goroutines else 0
        return self.state()

    def switch_goroutine(self, gid: int) -> StateView:
        self._live()
        g = self.goroutines.find(gid) if self.goroutines is not None and gid > 0 else None
        if g is None:
            raise DebuggerError(f"unknown goroutine {gid}")
        if g.thread_id:
            self.current_tid = g.thread_id
        self.selected_goroutine = gid
        return self.state()

    # ---- running ------------------------------------------------------------

    def halt(self) -> None:
        """Any thread: stop a running (or just starting) continue with a manual stop."""
        if self.proc is not None:
            self.proc.request_halt()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.running

    def continue_(self, on_resumed: Callable[[], None] = lambda: None) -> StateView:
        """Run until a user stop is due; returns the stopped (or exited) state."""
        proc = self._live()
        assert self.breakpoints is not None
        resumed_signalled = False
        self._call_return_tid = 0
        while True:
            if not resumed_signalled:
                on_resumed()
                resumed_signalled = True
            try:
                ev = proc.resume_until_event()
            except TargetExited:
                return self.exited_state()
            finally:
                if self.goroutines is not None:
                    self.goroutines.invalidate()
            if ev.kind is StopKind.EXITED:
                self.stop_reason = ""
                if self.queued_call is not None:
                    self.queued_call.pending = None
                return self.exited_state()
            self.current_tid = ev.tid
            if ev.kind is StopKind.TRAP and self.calls is not None and self.calls.is_protocol_trap(ev.tid):
                # A debugCall protocol step: advance the injection, keep running until it is over.
                finished = self.calls.on_trap(ev.tid)
                if finished is None:
                    continue
                return self._call_finished(finished)
            gid = self.goroutines.goroutine_id_of_thread(ev.tid) if self.goroutines else 0
            queued = self.queued_call.take(ev.addr, gid) if ev.kind is StopKind.BREAKPOINT and self.queued_call else None
            if queued is not None:
                self._start_queued(queued, ev.tid)
                continue
            if ev.kind is StopKind.BREAKPOINT:
                bp = self.breakpoints.at(ev.addr)
                proc.consume_breakpoint(ev.tid, ev.addr)
                if bp is None or not self._condition_holds(bp, ev.tid) or not self.breakpoints.record_hit(bp, gid):
                    continue
                self.stop_reason = "breakpoint"
            elif ev.kind is StopKind.MANUAL:
                self.stop_reason = "manual"
                # A halt drops a queued call: nothing has been injected yet (fncall/deferred.py).
                if self.queued_call is not None:
                    self._cancelled_call = self.queued_call.cancel()
            else:
                self.stop_reason = "hardcoded breakpoint"
            self._breakpoint_cleared = False
            self.selected_goroutine = gid
            return self.state()

    # ---- injected calls (fncall/) ---------------------------------------------

    def call(self, expr: str, goroutine_id: int, on_resumed: Callable[[], None] = lambda: None,
             cfg: LoadCfg = LOAD_FULL, unsafe: bool = False) -> StateView:
        """`call EXPR`: checks in Delve's order, inject, then the continue loop runs the call."""
        self._live()
        self._call_opts = (cfg, unsafe)
        assert self.goroutines is not None and self.calls is not None and self.proc is not None
        if goroutine_id > 0:
            g = self.goroutines.find(goroutine_id)
            if g is None:
                raise DebuggerError(f"unknown goroutine {goroutine_id}")
        elif self.selected_goroutine == 0:
            raise DebuggerError("no goroutine selected")
        else:
            g = self.goroutines.find(self.selected_goroutine)
        if self.queued_call is not None and self.queued_call.pending is not None:
            raise DebuggerError("cannot call function while another function call is already in progress")
        if g is not None and (not g.thread_id or g.status != G_RUNNING) and self.calls.active is None:
            return self._call_queued(expr, g, on_resumed)
        try:
            self.calls.check_goroutine(g)
            assert g is not None
            started = self._start_call(expr, g)
        except CallError as e:
            raise DebuggerError(str(e)) from None
        if started:
            self._breakpoint_cleared = True
            return self.continue_(on_resumed)
        # Nothing to inject (`call total`) or refused before any injection: the target never ran.
        if self.calls.error():
            raise DebuggerError(self.calls.error())
        self._call_return_tid = g.thread_id
        return self.state()

    def _start_call(self, expr: str, g: Goroutine) -> bool:
        """Start evaluating `expr` with calls on `g` (fncall/calls.py on a fncall/session.py
        worker); True once its first injection has begun."""
        assert self.calls is not None
        cfg, unsafe = self._call_opts
        proto, _ = self.calls.protocol()
        planner = CallPlanner(self.calls, proto, (g.stack_lo, g.stack_hi), not unsafe, cfg)
        ev = evaluator(self, g.id, 0, 0, cfg, planner.hook)
        session = CallSession(lambda inject: planner.evaluate(ev, expr, inject), self._live().cache_registers)
        return self.calls.start(session, g)

    def _call_queued(self, expr: str, g: Goroutine, on_resumed: Callable[[], None]) -> StateView:
        """`call` on a goroutine not running on a thread: queue it, run until it has run."""
        assert self.queued_call is not None
        try:
            pending = self.queued_call.arm(expr, g)
        except DeferError as e:
            raise DebuggerError(str(e)) from None
        self._cancelled_call = None
        view = self.continue_(on_resumed)
        if self._cancelled_call is pending:
            self._cancelled_call = None
            raise DebuggerError(f"call cancelled by halt: goroutine {g.id} had not returned to {pending.function}")
        return view

    def _start_queued(self, pending: PendingCall, tid: int) -> None:
        """The queued call's goroutine is back in user code on thread `tid`: inject now."""
        assert self.goroutines is not None and self.calls is not None
        g = self.goroutines.of_thread(tid)
        try:
            if g is None:
                raise CallError("selected goroutine not running")
            if not self._start_call(pending.expr, g):
                raise CallError(self.calls.error() or "nothing to call")
        except CallError as e:
            self.selected_goroutine = pending.goroutine_id
            self.stop_reason = ""
            raise DebuggerError(str(e)) from None

    def _call_finished(self, inj: Injection) -> StateView:
        self.current_tid = inj.final_tid
        self.selected_goroutine = inj.goroutine_id
        assert self.calls is not None
        err = self.calls.error()
        if err:
            # Delve leaves the stop reason unknown after a refused injection.
            self.stop_reason = ""
            self.calls.forget_result()
            raise DebuggerError(err)
        self.stop_reason = "call returned"
        self._breakpoint_cleared = True
        self._call_return_tid = inj.final_tid
        return self.state()

    def _condition_holds(self, bp: Breakpoint, tid: int) -> bool:
        holds, err = condition_holds(self, bp.cond, tid)
        if err:
            # Like Delve: a condition that can't be evaluated stops, so the user can look.
            log.info("breakpoint %d: condition %r: %s; stopping", bp.id, bp.cond, err)
        return holds

    @staticmethod
    def _check_cond(cond: str) -> None:
        try:
            check_condition(cond)
        except ParseError as e:
            raise DebuggerError(str(e)) from None

    def exists(self) -> bool:
        return self.proc is not None and os.path.exists(f"/proc/{self.proc.pid}")
