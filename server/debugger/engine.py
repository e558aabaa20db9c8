"""The engine: the target as a user sees it, on the tracer thread.

`Engine` holds one `Target` (always complete) and the user's selection, and does what the
facade (facade.py) asks, synchronously: breakpoints (bpcommands.py, a mixin), the continue
loop, calls, state.
Everything here runs on the tracer thread; only `halt` may be called from another thread.

With follow-exec the engine holds a target group (Delve's TargetGroup): every process the
target starts that runs a Go binary (matching the regex) joins `targets`, with the one set of
logical breakpoints armed wherever their locations exist; `t` is the current target, the one
whose thread stopped last (or the user switched to).
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..binary.gobinary import BinaryError, GoBinary
from ..errors import UserError
from ..goruntime.model import Goroutine
from ..goruntime.values import F_RETURN, LOAD_FULL, LoadCfg, Value
from . import goregexp, inspect
from .bpcommands import BreakpointCommands
from .breakpoints import BreakpointError
from .disasm import branches, returns
from .errors import DebuggerError
from .inferior import StopKind, TargetExited
from .model import (
    EVENT_BREAKPOINT_MATERIALIZED,
    EVENT_PROCESS_SPAWNED,
    FATAL_THROW_ID,
    UNRECOVERED_PANIC_ID,
    Breakpoint,
    EngineEvent,
    StateView,
    ThreadView,
)
from .stepping import (
    StepKind,
    Stepping,
    StepPoint,
    follow_call,
    follow_newproc,
    plan_next,
    plan_step_out,
    point_hit,
    return_values,
)
from .target import NO_REDIRECTS, Redirects, Selection, Target, cmdline, cwd_of

if TYPE_CHECKING:
    from .fncall.deferred import PendingCall
    from .fncall.injection import Injection

# The evaluator (expressions.py, eval/), call injection (fncall/) and location specs (locspec.py)
# are imported where they are first used: ~40 ms of imports the start of a session need not pay.

log = logging.getLogger("pydlv.debugger")
# Imported by the warm-up (Engine._warm_up_steps), leaves first so that each step is short:
# location specs and pyelftools (the first stop reads the runtime's layouts from DWARF), ...
_BREAKPOINT_MODULES = ("fractions", ".eval.tokens", ".eval.scanner", ".locspec", "elftools.construct",
                       "elftools.dwarf.constants", "elftools.dwarf.lineprogram", "elftools.dwarf.dwarfinfo",
                       "elftools.elf.elffile")
# ... the evaluator and breakpoint information (the variables an editor asks for at each stop), ...
_EVALUATOR_MODULES = (".eval.nodes", ".eval.constants", ".eval.parser", ".eval.printer",
                      "..binary.dwarf_expr", "..binary.dwarf_funcs", "..binary.dwarf_vars", ".scope",
                      ".eval.evaluator", ".expressions", ".bpinfo", ".chanwaiters")
# ... call injection, ...
_CALL_MODULES = (".fncall.abi", ".fncall.injection", ".fncall.controller", ".fncall.calls", ".fncall.session",
                 ".fncall.deferred")
# ... and, left to the client's think time (_THINK_TIME_ONLY), iced-x86: one import of 10-18 ms for
# stepping, a condition's hit that goes on, disassembly.
_INSTRUCTION_MODULES = ("iced_x86", "..native.emulate")
# What Delve shows on a thread stopped by runtime.Breakpoint(): its hardcodedBreakpoint, disabled.
HARDCODED_BREAKPOINT = Breakpoint(id=0, name="hardcoded-breakpoint", disabled=True)


class _Milestone:
    """A point of the warm-up (Engine._warm_up_steps yields it where it is reached)."""


# Where what a stop needs is done (the location specs, the runtime's layouts): the first stop
# finishes the warm-up up to here if the program stopped before it got there (cmd/go reaches
# main.main 9 ms after its start, with a new thread every millisecond meanwhile).
_FIRST_STOP = _Milestone()
# Before the warm-up's long steps: a continue's steps end there. The rest waits for a stopped
# target and a client that thinks, as a step during a continue delays an event that comes
# meanwhile by up to its length (iced-x86's import alone is 10-18 ms).
_THINK_TIME_ONLY = _Milestone()


class Engine(BreakpointCommands):
    def __init__(self, target: Target) -> None:
        self.t = target
        self.targets = [target]  # the target group: the launched (attached) process first
        self.sel = Selection(current_tid=target.pid)
        self.follow_exec_regex: str | None = None  # None: follow-exec off; "": every child
        self.on_event: Callable[[EngineEvent], None] = lambda ev: None  # Delve's eventsFn
        # (pid, tid, addr) -> the condition's verdict the breakpoint filter reached at that hit
        self._verdicts: dict[tuple[int, int, int], bool] = {}
        target.proc.set_breakpoint_filter(self._breakpoint_filter)
        self.stop_reason = "launched"
        self._call_return_tid = 0  # thread whose injected call just returned (CallReturn)
        self._hardcoded_tid = 0  # thread stopped by runtime.Breakpoint() (Delve shows a breakpoint there)
        self.stepping: Stepping | None = None  # a next/step/stepOut in progress (stepping.py)
        self._stepping_target = target  # the process it steps in
        self._step_cfg: LoadCfg | None = None  # its ReturnInfoLoadConfig
        self._stepped: tuple[int, list[Value]] | None = None  # (thread, results) of the step that just ended
        self._call_opts: tuple[LoadCfg, bool] = (LOAD_FULL, False)  # the `call`'s ReturnInfoLoadConfig, unsafe
        self._cancelled_call: PendingCall | None = None  # the queued call a halt just dropped
        # Delve clears the threads' breakpoint state when a `call` resumes the target: the stop
        # shown after it (returned or refused by the runtime) has no breakpoint, until the next
        # user stop. Errors found before resuming keep it.
        self._breakpoint_cleared = False
        self._set_internal_breakpoints(target)
        # Delve's PluginOpenBreakpoint: the RETs of plugin.Open, where loaded plugins are read
        # and suspended breakpoints looked for (never listed, never a stop of their own)
        self._plugin_open_pcs: set[int] = set()
        self._not_go_images: set[str] = set()
        target.binary.drop_images()  # a previous process's plugins
        self._set_plugin_open_breakpoint()
        # What the first stop will need, read while the target runs (continue_ sets it as the
        # process's idle work): the runtime's layouts, the inline callers.
        self._warm_up: Iterator[_Milestone | None] | None = self._warm_up_steps()
        self._reached: set[_Milestone] = set()  # the warm-up's milestones passed
        self._continued = False  # a continue ran (the warm-up runs beside the first one only)

    def _warm_up_steps(self) -> Iterator[_Milestone | None]:
        # What a session's start leaves to first use, a step of ~1-5 ms at a time, in the order a
        # client needs it: breakpoints, the first stop, names (an expression's first lookup), the
        # variables an editor asks for after the stop, calls; then instructions and types.
        binary = self.t.binary
        for module in _BREAKPOINT_MODULES:
            importlib.import_module(module, __package__)
            yield None
        yield from binary.warm_up_layouts()
        _ = self.t.goroutines.runtime.layout  # GLayout from the layouts just read
        yield _FIRST_STOP
        yield from binary.warm_up_names()
        for module in (*_EVALUATOR_MODULES, *_CALL_MODULES):
            importlib.import_module(module, __package__)
            yield None
        yield _THINK_TIME_ONLY
        for module in _INSTRUCTION_MODULES:
            importlib.import_module(module, __package__)
            yield None
        types = binary.go_types  # the type names (a `call` asks whether its function is a type)
        yield None
        if types is not None:
            yield from types.index_steps()

    def idle_when_stopped(self) -> bool:
        """One warm-up step while the tracer thread has no job (TracerThread.set_idle): the start
        of a session and each stop leave the client's think time to it. False: nothing to do now
        (over, or a call in progress, whose worker reads the binary meanwhile)."""
        if self.t.call_in_progress:
            return False
        return self._idle_step()

    def _idle_step(self, beside_continue: bool = False) -> bool:
        """One step of the warm-up; False once it is over (or failed: it is only a head start,
        whatever it did not do is done when first needed, and fails there if it must), and
        beside a continue at _THINK_TIME_ONLY (no more steps during that one)."""
        if self._warm_up is None:
            return False
        try:
            reached = next(self._warm_up)
        except StopIteration:
            pass
        except Exception:
            log.debug("warm-up stopped", exc_info=True)
        else:
            if reached is None:
                return True
            self._reached.add(reached)
            return reached is not _THINK_TIME_ONLY or not beside_continue
        self._warm_up = None
        return False

    def _warm_up_until(self, milestone: _Milestone) -> None:
        """The warm-up's steps up to `milestone`, at once (nothing if it is past it), never
        beyond _THINK_TIME_ONLY."""
        while not {milestone, _THINK_TIME_ONLY} & self._reached and self._idle_step(beside_continue=True):
            pass

    @classmethod
    def launch(cls, binary: GoBinary, argv: list[str], cwd: str, redirects: Redirects = NO_REDIRECTS) -> Engine:
        return cls(Target.launch(binary, argv, cwd, redirects))

    @classmethod
    def attach(cls, path: str, pid: int) -> Engine:
        """A Go program started outside (its executable at `path`), every thread stopped and traced."""
        eng = cls(Target.attach(path, pid))
        eng.stop_reason = "attached"
        return eng

    # ---- lifecycle ----------------------------------------------------------

    def _set_internal_breakpoints(self, t: Target) -> None:
        binary = t.binary
        panic_fn = binary.function_named("runtime.fatalpanic")
        if panic_fn is not None:
            pc = binary.function_breakpoint_pc(panic_fn)
            self._add_internal(t, UNRECOVERED_PANIC_ID, "unrecovered-panic", [pc], ["runtime.curg._panic.arg"])
        addrs = []
        for name in ("runtime.throw", "runtime.fatal", "runtime.fatalsignal"):
            fn = binary.function_named(name)
            if fn is not None:
                addrs.append(binary.function_breakpoint_pc(fn))
        if addrs:
            self._add_internal(t, FATAL_THROW_ID, "runtime-fatal-throw", addrs, [])

    def _set_plugin_open_breakpoint(self) -> None:
        fn = self.t.binary.function_named("plugin.Open")
        if fn is None:
            return
        for pc in returns(self.t.binary.file_bytes(fn.entry, fn.end - fn.entry), fn.entry):
            try:
                self.t.proc.breakpoints.insert(pc)
            except OSError as e:
                log.warning("plugin.Open breakpoint at %#x not set: %s", pc, e)
                continue
            self._plugin_open_pcs.add(pc)

    def _plugin_opened(self) -> None:
        """Delve's pluginOpenCallback: the Go objects the dynamic linker has loaded since are read
        (their functions, files and lines join the binary's), then suspended breakpoints are
        looked for again."""
        binary = self.t.binary
        known = {img.path for img in binary.images} | self._not_go_images
        for path, base in inspect.dynamic_libraries(binary, self.t.proc):
            if path in known:
                continue
            try:
                binary.add_image(path, base)
            except UserError:
                self._not_go_images.add(path)  # libc and other C objects
        for bp in self.materialize_suspended():
            log.info("suspended breakpoint %d enabled at %s", bp.id, [hex(a) for a in bp.addrs])

    def kill(self) -> None:
        for t in reversed(self.targets):
            t.proc.kill()

    def detach(self, kill: bool) -> None:
        """Kill (a launched target always, as Delve) or detach every process of the group (the
        children last started first, as Delve); nothing to do for those already gone."""
        try:
            for t in reversed(self.targets):
                if t.poll_exited():
                    continue
                if kill or t.launched:
                    t.proc.kill()
                else:
                    t.proc.detach()
        finally:
            for t in self.targets:
                t.binary.save_index()  # what this session read of each binary, for the next

    # ---- the target group (follow-exec) ---------------------------------------------------------

    def set_follow_exec(self, enable: bool, regex: str = "") -> None:
        """Delve's FollowExec: debug the children the target starts (those whose command line
        matches regex, when given) from their exec on."""
        if enable and regex:
            try:
                goregexp.compile(regex)
            except goregexp.RegexpError as e:
                raise DebuggerError(str(e)) from None
        self.follow_exec_regex = regex if enable else None
        for t in self.targets:
            if not t.exited:
                t.proc.set_follow_exec(enable)

    def _breakpoint_filter(self, pid: int, tid: int, addr: int) -> bool:
        """Whether a breakpoint hit must stop the world (native/group.py asks with only the
        trapping thread stopped). A conditional breakpoint whose condition is false needs no
        stop: the thread goes on at once (issue 14: the hit-to-hit cost of a false condition).
        Anything else (no condition, a step or a call in progress) is decided as before."""
        t = self.t if self.t.pid == pid else self._target_of(pid)
        if t is None or self.stepping is not None or t.call_in_progress:
            return True
        bp = t.breakpoints.at(addr, pid)
        if bp is None or not bp.cond:
            return True
        t.goroutines.invalidate()
        from .expressions import condition_holds

        try:
            holds, err = condition_holds(t, bp.cond, tid)
        except Exception as e:  # e.g. a register of a running thread: decided with the world stopped
            log.debug("breakpoint %d: condition %r with the other threads running: %s", bp.id, bp.cond, e)
            return True
        finally:
            t.goroutines.invalidate()  # read with the other threads running: not a stop's view
        if err:
            return True  # evaluated again with the world stopped, where the error is reported
        self._verdicts[(pid, tid, addr)] = holds
        return holds

    def _target_of(self, pid: int) -> Target | None:
        return next((t for t in self.targets if t.pid == pid), None)

    def _select(self, t: Target) -> None:
        """Make t the current target (its threads are what State shows)."""
        self.t = t

    def _live_targets(self) -> list[Target]:
        return [t for t in self.targets if not t.poll_exited()]

    def _select_live(self) -> None:
        """The current target has ended while others run on: the first live one is current."""
        if self.t.poll_exited():
            live = self._live_targets()
            if live:
                self._select(live[0])
                self.sel = Selection(current_tid=live[0].pid)

    def _child_started(self, pid: int) -> None:
        """A followed child ran execve (stopped at its entry): debug it if it is a Go program whose
        command line matches, else let it go (Delve's addTarget)."""
        proc = self.t.proc.group_process(pid)
        if proc is None:
            return
        argv = cmdline(pid)
        line = " ".join(argv)
        regex = self.follow_exec_regex
        will_follow = regex is not None and (not regex or goregexp.compile(regex).search(line))
        if will_follow:
            try:
                binary = GoBinary.open(os.readlink(f"/proc/{pid}/exe"))
            except (OSError, BinaryError) as e:
                log.warning("child target %d %r cannot be debugged: %s", pid, line, e)
                will_follow = False
        self.on_event(EngineEvent(EVENT_PROCESS_SPAWNED, pid=pid, tid=pid, cmdline=line, will_follow=will_follow))
        if not will_follow:
            proc.detach()
            return
        parent = self.targets[0]
        child = Target.of_process(binary, proc, argv, cwd_of(pid), launched=parent.launched,
                                  group_breakpoints=parent.breakpoints)
        self.targets.append(child)
        self._set_internal_breakpoints(child)
        for bp in child.breakpoints.ordered():
            if bp.internal or bp.disabled:
                continue
            was_suspended = not bp.addrs
            try:
                addrs = self._resolve_request(self._origin_request(bp), child)
            except UserError:
                continue
            if not addrs:
                continue
            try:
                child.breakpoints.extend(bp, addrs, pid)
            except BreakpointError as e:
                log.info("breakpoint %d not set in process %d: %s", bp.id, pid, e)
                continue
            self._describe(bp)
            if was_suspended:
                self.on_event(EngineEvent(EVENT_BREAKPOINT_MATERIALIZED, breakpoint=bp))
        log.info("following process %d %r", pid, line)

    def target_views(self) -> list[StateView]:
        """Delve's ListTargets: each live process of the group with its current thread."""
        out = []
        for t in self._live_targets():
            tid = self.sel.current_tid if t is self.t else t.pid
            if tid not in t.proc.threads:
                tid = next(iter(t.proc.threads))
            out.append(StateView(pid=t.pid, command_line=" ".join(t.argv),
                                 current_thread=self._thread_view(tid, target=t)))
        return out

    # ---- state --------------------------------------------------------------

    def _thread_view(self, tid: int, with_info: bool = False, target: Target | None = None) -> ThreadView:
        t = target or self.t
        pc = t.proc.regs(tid).rip
        th = ThreadView(tid, t.location(pc), t.goroutines.goroutine_id_of_thread(tid))
        bp = t.breakpoints.at(pc, t.pid)
        if bp is not None and t.proc.threads[tid].consumed_breakpoint == pc and not self._breakpoint_cleared:
            th.breakpoint = bp
            if with_info and bp.wants_info:
                from .bpinfo import breakpoint_info

                th.breakpoint_info = info = breakpoint_info(t, bp, tid)
                if bp.trace_return and info.arguments is not None:
                    # Delve's Command: a trace-return stop shows the function's results.
                    th.return_values = [v for v in info.arguments if v.flags & F_RETURN]
        if tid == self._hardcoded_tid and th.breakpoint is None:
            th.breakpoint = HARDCODED_BREAKPOINT
        if tid == self._call_return_tid:
            th.call_return = True
            th.return_values = t.calls.result_values
        elif self._stepped is not None and self._stepped[0] == tid:
            th.return_values = self._stepped[1]
        return th

    def state(self, with_info: bool = False) -> StateView:
        """The stopped target; with_info: breakpoints' breakPointInfo too (Command replies)."""
        proc = self.t.live()
        cur = self.sel.current_tid
        threads = [self._thread_view(tid, with_info) for tid in sorted(proc.threads, key=lambda t: (t != cur, t))]
        threads.sort(key=lambda t: t.tid)
        for th in threads:
            if th.loc.function is not None:
                # Answered here, on the tracer thread, not when the reply is converted on the
                # event loop: the first one reads the units' producers from DWARF.
                _ = th.loc.function.optimized
        current = next((t for t in threads if t.tid == self.sel.current_tid), None)
        gview = self.t.goroutines.view(self.sel.goroutine) if self.sel.goroutine else None
        return StateView(
            pid=proc.pid,
            command_line=" ".join(self.t.argv),
            current_thread=current,
            selected_goroutine=gview,
            threads=threads,
            next_in_progress=self.stepping is not None,
            stop_reason=self.stop_reason,
        )

    def exited_state(self) -> StateView:
        # With several processes Delve reports the status of the one that ended last.
        return StateView(pid=self.t.pid, command_line="", exited=True, exit_status=self.t.proc.last_exit_status)

    # ---- selection (Command switchThread / switchGoroutine) -------------------

    def switch_thread(self, tid: int) -> StateView:
        proc = self.t.live()
        if tid not in proc.threads:
            # A thread of another process of the group: that process becomes current (Delve).
            other = next((t for t in self._live_targets() if tid in t.proc.threads), None)
            if other is None:
                raise DebuggerError(f"thread {tid} does not exist")
            self._select(other)
        self.sel.current_tid = tid
        self.sel.goroutine = self.t.goroutines.goroutine_id_of_thread(tid)
        return self.state()

    def switch_goroutine(self, gid: int) -> StateView:
        self.t.live()
        g = self.t.goroutines.find(gid) if gid > 0 else None
        if g is None:
            raise DebuggerError(f"unknown goroutine {gid}")
        if g.thread_id:
            self.sel.current_tid = g.thread_id
        self.sel.goroutine = gid
        return self.state()

    # ---- running ------------------------------------------------------------

    def halt(self) -> None:
        """Any thread: stop a running (or just starting) continue with a manual stop."""
        self.t.proc.request_halt()

    def continue_(self, on_resumed: Callable[[], None] = lambda: None) -> StateView:
        """Run until a user stop is due; returns the stopped (or exited) state."""
        self._select_live()
        proc = self.t.proc
        # The warm-up runs during the first continue (the program's start-up pays for what its
        # first stop needs), never beside an injected call's worker; later it runs while the
        # target is stopped and the client thinks (idle_when_stopped): during a continue, each
        # step would delay the next hit by up to its length.
        if self._warm_up is not None and not self.t.call_in_progress and not self._continued:
            proc.idle = functools.partial(self._idle_step, beside_continue=True)
        self._continued = True
        try:
            view = self._continue(on_resumed)
            if self._warm_up is not None and not self.t.exited and not self.t.call_in_progress:
                self._warm_up_until(_FIRST_STOP)
            return view
        finally:
            proc.idle = None
            # A halt that lost its race to the stop this command reports ends with it (Delve's
            # Continue clears its manual-stop request on return); while the loop ran on past
            # hits that did not stop, it stayed requested and stopped the next resume. One flag
            # for the process group.
            self.t.proc.drop_halt()

    def _continue(self, on_resumed: Callable[[], None]) -> StateView:
        t = self.t
        proc = t.live()
        resumed_signalled = False
        self._call_return_tid = self._hardcoded_tid = 0
        self._stepped = None
        while True:
            if not resumed_signalled:
                on_resumed()
                resumed_signalled = True
            t.breakpoints.drop_unsatisfiable()
            self._verdicts.clear()
            try:
                ev = proc.resume_until_event()
            except TargetExited:
                return self.exited_state()
            finally:
                for each in self.targets:
                    each.goroutines.invalidate()
            if ev.kind is StopKind.EXITED:
                # Delve reports the process that ended last (the launched one, as a rule).
                self._select(self._target_of(ev.pid) or t)
                self.stop_reason = ""
                if (queue := t.queued_call_if_made) is not None:
                    queue.pending = None
                self.stepping = None
                return self.exited_state()
            if ev.kind is StopKind.EXEC:
                self._child_started(ev.pid)
                continue
            if len(self.targets) > 1:
                # Children that have ended leave the breakpoints' addresses (and ListTargets).
                for gone in [x for x in self.targets[1:] if x.exited]:
                    gone.breakpoints.forget_process(gone.pid)
                    self.targets.remove(gone)
                    if gone is self._stepping_target:
                        self.stepping = None  # its process is gone, and the step with it
            stopped_in = self._target_of(ev.pid) if ev.pid else t
            if stopped_in is not None and stopped_in is not t:
                # A stop in another process of the group: it becomes the current target.
                self._select(stopped_in)
                t, proc = stopped_in, stopped_in.proc
            self.sel.current_tid = ev.tid
            calls = t.calls_if_made
            if ev.kind is StopKind.TRAP and calls is not None and calls.is_protocol_trap(ev.tid):
                # A debugCall protocol step: advance the injection, keep running until it is over.
                finished = calls.on_trap(ev.tid)
                if finished is None:
                    continue
                return self._call_finished(finished)
            gid = t.goroutines.goroutine_id_of_thread(ev.tid)
            queue = t.queued_call_if_made
            queued = queue.take(ev.addr, gid) if ev.kind is StopKind.BREAKPOINT and queue is not None else None
            if queued is not None:
                self._start_queued(queued, ev.tid)
                continue
            if ev.kind is StopKind.BREAKPOINT and ev.addr in self._plugin_open_pcs and t is self.targets[0]:
                self._plugin_opened()
            if ev.kind is StopKind.BREAKPOINT:
                step = self._step_point_hit(ev.addr, ev.tid) if t is self._stepping_target else None
                bp = t.breakpoints.at(ev.addr, t.pid)
                proc.consume_breakpoint(ev.tid, ev.addr)
                user_stop = (bp is not None and self._condition_holds(bp, ev.tid, ev.addr)
                             and t.breakpoints.record_hit(bp, gid))
                if step is not None:
                    self._finish_step(step, ev.tid)
                    self.stop_reason = "next finished"
                elif user_stop:
                    self.stop_reason = "breakpoint"
                    if self.stepping is not None and self._is_stepping_goroutine(ev.tid, gid):
                        self.cancel_next()  # Delve: a breakpoint on the stepping goroutine ends the step
                else:
                    continue
            elif ev.kind is StopKind.MANUAL:
                self.stop_reason = "manual"
                self.cancel_next()
                # A halt drops a queued call: nothing has been injected yet (fncall/deferred.py).
                queue = t.queued_call_if_made
                self._cancelled_call = queue.cancel() if queue is not None else None
            else:
                self.stop_reason = "hardcoded breakpoint"
                self._hardcoded_tid = ev.tid
                self._leave_runtime_breakpoint(ev.tid)
                if self.stepping is not None and self._is_stepping_goroutine(ev.tid, gid):
                    self.cancel_next()
            self._breakpoint_cleared = False
            self.sel.goroutine = gid
            return self.state(with_info=True)

    # ---- stepping (stepping.py) -------------------------------------------------

    def next_(self, on_resumed: Callable[[], None] = lambda: None, cfg: LoadCfg | None = None) -> StateView:
        """Delve's Next: to the next line of this function on this goroutine."""
        return self._start_stepping(lambda: plan_next(self.t, self.sel, False), on_resumed, cfg)

    def step(self, on_resumed: Callable[[], None] = lambda: None, cfg: LoadCfg | None = None) -> StateView:
        """Delve's Step: like next, but into the functions called on this line."""
        return self._start_stepping(lambda: plan_next(self.t, self.sel, True), on_resumed, cfg)

    def step_out(self, on_resumed: Callable[[], None] = lambda: None, cfg: LoadCfg | None = None) -> StateView:
        """Delve's StepOut: to the return address in the caller (results read with cfg)."""
        return self._start_stepping(lambda: plan_step_out(self.t, self.sel), on_resumed, cfg)

    def _start_stepping(self, plan: Callable[[], Stepping], on_resumed: Callable[[], None],
                        cfg: LoadCfg | None) -> StateView:
        proc = self.t.live()
        if self.stepping is not None:
            raise DebuggerError("next while nexting")
        stepping = plan()
        stepping.arm(proc)
        self._stepping_target = self.t
        # With no point in place (nothing to step to, as before the runtime started) the
        # command is a plain continue, and no step is in progress: Delve's HasSteppingBreakpoints.
        self.stepping, self._step_cfg = (stepping if stepping.armed else None), cfg
        return self.continue_(on_resumed)

    def cancel_next(self) -> None:
        """Drop a step in progress (CancelNext; a halt or the stepping goroutine's breakpoint)."""
        if self.stepping is not None:
            self.stepping.disarm(self._stepping_target.proc)
            self.stepping = None

    def _is_stepping_goroutine(self, tid: int, gid: int) -> bool:
        s = self.stepping
        return s is not None and (gid == s.goroutine_id if s.goroutine_id else tid == s.thread_id)

    def _step_point_hit(self, addr: int, tid: int) -> StepPoint | None:
        """The stepping point that ends the step here, if any; a CALL point reached adds the
        call's target and lets the thread go on."""
        s = self.stepping
        if s is None:
            return None
        point = point_hit(self.t, s, addr, tid)
        if point is not None and point.kind is StepKind.CALL:
            follow_call(self.t, s, addr, tid)
            s.arm(self.t.proc)
            return None
        if point is not None and point.kind is StepKind.NEWPROC:
            from .expressions import thread_ints

            follow_newproc(self.t, s, thread_ints(self.t, tid, ("newg.goid", "newg.startpc")))
            return None
        return point

    def _finish_step(self, point: StepPoint, tid: int) -> None:
        s = self.stepping
        assert s is not None  # _step_point_hit found the point in it
        values: list[Value] | None = None
        if point.kind is StepKind.RETURN and self._step_cfg is not None:
            values = [self.t.variables.loader.load(v, self._step_cfg) for v in return_values(self.t, s, tid)]
        self.cancel_next()
        self._stepped = (tid, values) if values is not None else None

    def step_instruction(self, on_resumed: Callable[[], None] = lambda: None, skip_calls: bool = False,
                         cfg: LoadCfg | None = None) -> StateView:
        """Delve's StepInstruction: one instruction of the selected goroutine's thread (a parked
        goroutine: run it to where it stands); over a CALL with skip_calls (nextInstruction)."""
        t = self.t
        proc = t.live()
        g = t.goroutines.find(self.sel.goroutine) if self.sel.goroutine else None
        if g is not None and not g.thread_id:
            if self.stepping is not None:
                raise DebuggerError("next while nexting")
            parked = Stepping(g.id, 0)
            parked.add(StepPoint(g.sched_pc, StepKind.LINE))
            return self._start_stepping(lambda: parked, on_resumed, cfg)
        tid = g.thread_id if g is not None else self.sel.current_tid
        on_resumed()
        pc = proc.regs(tid).rip
        is_call = any(b.is_call and b.pc == pc for b in branches(inspect.read_code(proc, pc, 16), pc))
        proc.step_instruction(tid)
        t.goroutines.invalidate()
        self._call_return_tid, self._stepped = 0, None
        self.sel.current_tid = tid
        self.sel.goroutine = t.goroutines.goroutine_id_of_thread(tid)
        self.stop_reason = "next finished"
        new_pc = proc.regs(tid).rip
        if t.breakpoints.at(new_pc, t.pid) is not None:
            proc.consume_breakpoint(tid, new_pc)  # Delve's SetCurrentBreakpoint: resuming steps over it
        if skip_calls and is_call:
            return self.step_out(lambda: None, cfg)
        return self.state()

    def _leave_runtime_breakpoint(self, tid: int) -> None:
        """A stop in runtime.Breakpoint() is shown in its caller: step out of runtime.breakpoint
        instruction by instruction, as Delve's stepInstructionOut."""
        proc = self.t.proc
        for _ in range(64):
            fn = self.t.binary.function_at(proc.regs(tid).rip)
            if fn is None or fn.name not in ("runtime.breakpoint", "runtime.Breakpoint"):
                return
            proc.step_instruction(tid)
            self.t.goroutines.invalidate()  # the goroutine's registers moved

    # ---- injected calls (fncall/) ---------------------------------------------

    def call(self, expr: str, goroutine_id: int, on_resumed: Callable[[], None] = lambda: None,
             cfg: LoadCfg = LOAD_FULL, unsafe: bool = False) -> StateView:
        """`call EXPR`: checks in Delve's order, inject, then the continue loop runs the call."""
        t = self.t
        t.live()
        self._call_opts = (cfg, unsafe)
        if goroutine_id > 0:
            g = t.goroutines.find(goroutine_id)
            if g is None:
                raise DebuggerError(f"unknown goroutine {goroutine_id}")
        elif self.sel.goroutine == 0:
            raise DebuggerError("no goroutine selected")
        else:
            g = t.goroutines.find(self.sel.goroutine)
        if t.queued_call.pending is not None:
            raise DebuggerError("cannot call function while another function call is already in progress")
        from .fncall.controller import G_RUNNING

        if g is not None and (not g.thread_id or g.status != G_RUNNING) and t.calls.active is None:
            return self._call_queued(expr, g, on_resumed)
        g = t.calls.check_goroutine(g)
        if self._start_call(expr, g):
            self._breakpoint_cleared = True
            return self.continue_(on_resumed)
        # Nothing to inject (`call total`) or refused before any injection: the target never ran.
        err = t.calls.error()
        if err:
            self._call_failed(g.thread_id)
            raise DebuggerError(err)
        self._call_return_tid = g.thread_id
        return self.state()

    def _call_failed(self, tid: int) -> None:
        """After a failed `call`, as Delve's finishEvalExpressionWithCalls: the thread reports
        CallReturn (no values) once the expression compiled; when Delve would have resumed the
        target already (argument copies, the runtime's refusals) the stop reason and the
        thread's breakpoint are gone too."""
        calls = self.t.calls
        if calls.error_resumed():
            self.stop_reason = ""
            self._breakpoint_cleared = True
        if calls.error_compiled():
            self._call_return_tid = tid
        calls.forget_result()
        calls.result_values = None

    def _start_call(self, expr: str, g: Goroutine) -> bool:
        """Start evaluating `expr` with calls on `g` (fncall/calls.py on a fncall/session.py
        worker); True once its first injection has begun."""
        from .expressions import evaluator
        from .fncall.calls import CallPlanner
        from .fncall.session import CallSession

        calls = self.t.calls
        cfg, unsafe = self._call_opts
        proto, _ = calls.protocol()
        planner = CallPlanner(calls, proto, (g.stack_lo, g.stack_hi), not unsafe, cfg)
        ev = evaluator(self.t, self.sel, g.id, 0, 0, cfg, planner.hook)
        session = CallSession(lambda inject: planner.evaluate(ev, expr, inject), self.t.live().cache_registers)
        return calls.start(session, g)

    def _call_queued(self, expr: str, g: Goroutine, on_resumed: Callable[[], None]) -> StateView:
        """`call` on a goroutine not running on a thread: queue it, run until it has run.

        No queued call outlives its request: if the target stops for anything else before the
        goroutine is back in user code (a user breakpoint, a halt, the program's exit), the
        call is cancelled (its INT3 removed, nothing injected) and the request answers why.
        Once injected, the call is an ordinary one (a breakpoint inside the callee stops it, a
        later continue finishes it)."""
        queue = self.t.queued_call
        pending = queue.arm(expr, g)
        self._cancelled_call = None
        try:
            view = self.continue_(on_resumed)
        finally:
            queue.cancel_if(pending)
        if self._cancelled_call is pending:
            self._cancelled_call = None
            why = "halt"
        elif pending.started:
            return view
        else:
            why = self._stop_cause(view)
        raise DebuggerError(f"call cancelled by {why}: goroutine {g.id} had not returned to {pending.function}")

    @staticmethod
    def _stop_cause(view: StateView) -> str:
        """What ended a continue, for a cancelled queued call's message."""
        if view.exited:
            return f"the program's exit (status {view.exit_status})"
        th = view.current_thread
        if th is None:
            return view.stop_reason or "a stop"
        loc = th.loc
        where = f"{loc.function.name if loc.function else '?'} at {loc.file}:{loc.line}"
        if th.breakpoint is not None:
            bp = th.breakpoint
            return f"breakpoint {bp.id}{f' ({bp.name})' if bp.name else ''} in {where}"
        return f"{view.stop_reason or 'a stop'} in {where}"

    def _start_queued(self, pending: PendingCall, tid: int) -> None:
        """The queued call's goroutine is back in user code on thread `tid`: inject now."""
        from .fncall.controller import CallError

        g = self.t.goroutines.of_thread(tid)
        try:
            if g is None:
                raise CallError("selected goroutine not running")
            if not self._start_call(pending.expr, g):
                raise CallError(self.t.calls.error() or "nothing to call")
        except CallError:
            self.sel.goroutine = pending.goroutine_id
            self.stop_reason = ""
            raise

    def _call_finished(self, inj: Injection) -> StateView:
        calls = self.t.calls
        self.sel.current_tid = inj.final_tid
        self.sel.goroutine = inj.goroutine_id
        err = calls.error()
        if err:
            # Delve leaves the stop reason unknown after a refused injection.
            self.stop_reason = ""
            self._breakpoint_cleared = True
            self._call_return_tid = inj.final_tid
            calls.forget_result()
            calls.result_values = None
            raise DebuggerError(err)
        self.stop_reason = "call returned"
        self._breakpoint_cleared = True
        self._call_return_tid = inj.final_tid
        return self.state()

    def _condition_holds(self, bp: Breakpoint, tid: int, addr: int = 0) -> bool:
        verdict = self._verdicts.pop((self.t.pid, tid, addr), None)
        if verdict is not None:  # evaluated by the breakpoint filter at this very hit
            return verdict
        if not bp.cond:
            return True
        from .expressions import condition_holds

        holds, err = condition_holds(self.t, bp.cond, tid)
        if err:
            # Like Delve: a condition that can't be evaluated stops, so the user can look.
            log.info("breakpoint %d: condition %r: %s; stopping", bp.id, bp.cond, err)
        return holds
