"""The debugger facade, as Delve's service/debugger: one async method per operation.

It owns the tracer thread (every ptrace call, waitpid and target read runs there: native/
tracer_thread.py) and the target lock, which each method takes itself. The RPC layer calls
these methods and converts their records to API types; it never sees the thread or the lock.

Locking follows Delve (delve-rpc.md §1.4): a resuming command (continue, call) holds the lock
until the target stops; `state(blocking=False)`, `request_halt`, `target_go_version` and the
session questions answer while the target runs. Requests that arrive while the binary loads
and the target launches wait for it, as with Delve.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import field, replace
from typing import TYPE_CHECKING, TypeVar

from ..binary.gobinary import GoBinary
from ..errors import UserError
from ..goruntime.values import LoadCfg, Value, load_budget
from ..native.launch import check_executable
from ..native.tracer_thread import TracerThread
from ..records import record
from . import goroutine_list, inspect, queries
from .config import LaunchConfig
from .engine import Engine
from .errors import DebuggerError, ProcessExitedError
from .model import (
    EVENT_RESUMED,
    EVENT_STOPPED,
    Breakpoint,
    BreakpointRequest,
    EngineEvent,
    FrameView,
    StateView,
    ThreadView,
    TypeInfoView,
)
from .registers import RegisterValue
from .target import NO_REDIRECTS, Redirects

if TYPE_CHECKING:
    from .ancestors import AncestorView
    from .disasm import AsmLine
    from .eval.evaluator import Operand
    from .locspec import FindResult

log = logging.getLogger("pydlv.debugger")
# Delve's rpc2 eventBufferSize.
EVENT_BUFFER = 100
T = TypeVar("T")


@record
class RestartOptions:
    """RPCServer.Restart's In, as the facade takes it."""

    position: str = ""
    reset_args: bool = False
    new_args: list[str] = field(default_factory=list)
    new_redirects: Redirects = NO_REDIRECTS
    rebuild: bool = False


@record
class ResumeCommand:
    """A Command that runs the target: continue, call, next, step, stepOut, stepInstruction,
    nextInstruction."""

    name: str
    expr: str = ""
    goroutine_id: int = 0
    return_cfg: LoadCfg | None = None  # the ReturnInfoLoadConfig: return values are loaded with it
    unsafe: bool = False


@record
class Stack:
    frames: list[FrameView]
    # (locals, arguments) of each frame when asked for (Stacktrace Full/Cfg), else None
    variables: list[tuple[list[Value], list[Value]]] | None = None


class Debugger:
    def __init__(self, config: LaunchConfig) -> None:
        self.config = config
        self._tracer = TracerThread()
        self._lock = asyncio.Lock()
        self._engine: Engine | None = None
        self._binary: GoBinary | None = None
        self._loaded: asyncio.Future[Engine] | None = None
        self._running = False  # a resuming command is in progress
        self._ended = False
        self._ended_event = asyncio.Event()  # GetEvents' long poll ends with the session
        self._events: asyncio.Queue[EngineEvent] = asyncio.Queue()  # Delve's eventsChan
        self.debug_info_directories = ["/usr/lib/debug/.build-id"]  # Delve's default configuration

    # ---- plumbing -------------------------------------------------------------------------

    async def _on_tracer(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()

        def done(result: T | None, error: BaseException | None) -> None:  # on the tracer thread
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
                loop.call_soon_threadsafe(_settle, fut, result, error)

        # One wake-up of the loop when the job ends (wrap_future's concurrent Future costs
        # about 20 us more per request in locks and callbacks).
        self._tracer.post(fn, args, done, wanted=lambda: not fut.cancelled())
        return await fut

    async def _ready(self) -> Engine:
        """The engine, once loading is over (its error if it failed)."""
        if self._engine is not None:
            return self._engine
        if self._loaded is None:
            raise DebuggerError("the target is not loaded")
        return await asyncio.shield(self._loaded)

    async def wait_loaded(self) -> None:
        await self._ready()

    async def _locked(self, fn: Callable[[Engine], T]) -> T:
        """Run fn(engine) on the tracer thread under the target lock, within one load budget
        (goruntime.values.load_budget: what one request may load)."""
        eng = await self._ready()
        async with self._lock:
            return await self._on_tracer(_exit_aware, fn, eng)

    # ---- lifecycle ------------------------------------------------------------------------

    async def load(self) -> None:
        """Open the binary and launch the target (after the listening line is out)."""
        loaded = self._loaded = asyncio.get_running_loop().create_future()
        try:
            cfg = self.config
            if cfg.attach_pid:
                # Attached first, the binary read next: Delve's order, so its refusals come first.
                eng = await self._on_tracer(Engine.attach, cfg.binary, cfg.attach_pid)
                self._binary = eng.t.binary
            else:
                check_executable(cfg.binary)
                self._binary = await self._on_tracer(GoBinary.open, cfg.binary)
                argv = [cfg.binary, *cfg.args]
                eng = await self._on_tracer(Engine.launch, self._binary, argv, cfg.wd, cfg.redirects)
            if cfg.follow_exec:
                await self._on_tracer(eng.set_follow_exec, True, cfg.follow_exec_regex)
            self._engine = self._engine_events(eng)
        except BaseException as e:
            loaded.set_exception(e)
            loaded.exception()  # retrieved: requests see it through _ready
            raise
        loaded.set_result(self._engine)

    @property
    def running(self) -> bool:
        """A resuming command (continue, call) is in progress."""
        return self._running

    async def end_session(self) -> None:
        """Halt if running, then kill a launched target (with its process group) or detach an
        attached one: it is never left stopped or traced."""
        if self._ended:
            return
        self._ended = True
        self._ended_event.set()
        if self._loaded is not None and not self._loaded.done():
            # The client left during start-up: let loading finish, then end what it started.
            await asyncio.wait([self._loaded], timeout=60)
        eng = self._engine
        if eng is not None:
            if self._running:
                eng.halt()
            try:
                async with asyncio.timeout(10):
                    async with self._lock:
                        await self._on_tracer(eng.detach, False)  # kills a launched target
            except Exception:
                log.exception("ending the session")
                if eng.t.launched:
                    await self._on_tracer(eng.kill)
        self._tracer.stop()

    def abandon(self) -> None:
        """Last resort when pydlv itself fails (cli.py's top level, outside the event loop): end
        the target as end_session would, from any thread, without the lock."""
        if self._ended:
            return
        self._ended = True
        eng = self._engine
        if eng is not None:
            if self._running:
                eng.halt()
            try:
                self._tracer.submit(eng.detach, False).result(timeout=10)
            except Exception:
                log.exception("ending the session")
                if eng.t.launched and not eng.targets[0].exited:
                    # Signals may come from any thread; the kernel reaps it once we are gone.
                    with contextlib.suppress(OSError):
                        os.killpg(eng.targets[0].pid, signal.SIGKILL)
        self._tracer.stop(timeout=2)

    async def detach(self, kill: bool) -> None:
        eng = await self._ready()
        async with self._lock:
            await self._on_tracer(eng.detach, kill)
        self._ended = True
        self._tracer.stop()

    async def restart(self, opts: RestartOptions) -> list[tuple[Breakpoint, str]]:
        """Delve's Restart: a new process of the same program (rebuilt, with new arguments or
        redirects if asked); breakpoints are found again in it, those that can't be come back as
        (breakpoint, reason). Waits for a running command to stop, as Delve's lock does."""
        eng = await self._ready()
        if self.config.attach_pid:
            raise DebuggerError("cannot restart process Delve did not create")
        if opts.position:
            raise DebuggerError("not a recording")
        async with self._lock:
            cfg = self.config
            await self._on_tracer(eng.detach, True)
            if opts.reset_args:
                # --tty stays: Delve's Restart replaces only the three redirects.
                cfg.args, cfg.redirects = list(opts.new_args), replace(opts.new_redirects, tty=cfg.redirects.tty)
            binary = eng.t.binary
            if opts.rebuild:
                if cfg.rebuild is None:
                    raise DebuggerError("cannot rebuild a binary")
                await asyncio.get_running_loop().run_in_executor(None, cfg.rebuild)
                binary = await self._on_tracer(GoBinary.open, cfg.binary)
            try:
                new = await self._on_tracer(Engine.launch, binary, [cfg.binary, *cfg.args], cfg.wd, cfg.redirects)
            except UserError as e:
                text = str(e)
                raise DebuggerError(text if text.startswith("could not launch process") else
                                    f"could not launch process: {text}") from None
            discarded = await self._on_tracer(new.restore_breakpoints, eng.list_breakpoints(),
                                              eng.next_breakpoint_id())
            if eng.follow_exec_regex is not None:  # Delve's Restart keeps follow-exec as it was
                await self._on_tracer(new.set_follow_exec, True, eng.follow_exec_regex)
            self._engine, self._binary = self._engine_events(new), binary
            self._loaded = asyncio.get_running_loop().create_future()
            self._loaded.set_result(new)
            return discarded

    @property
    def attached(self) -> bool:
        """Attached to a process started outside (not launched)."""
        return bool(self.config.attach_pid)

    # ---- session questions (no lock) -----------------------------------------------------------

    async def target_go_version(self) -> str:
        """Delve's TargetGoVersion ("" while the target runs, as Delve's lock-free answer)."""
        await self._ready()
        return self._binary.producer if self._binary is not None and not self._running else ""

    async def pid(self) -> int:
        return (await self._ready()).t.pid

    async def build_id(self) -> str:
        return (await self._ready()).t.binary.gnu_build_id

    def _event(self, event: EngineEvent | int) -> None:
        """Delve's eventsFn: into a buffer of EVENT_BUFFER; dropped when nobody reads and it is full."""
        if self._events.qsize() < EVENT_BUFFER:
            self._events.put_nowait(event if isinstance(event, EngineEvent) else EngineEvent(event))

    def _engine_events(self, eng: Engine) -> Engine:
        """The engine's events (a followed child, a breakpoint it materialized) reach GetEvents
        from the tracer thread."""
        loop = asyncio.get_running_loop()

        def on_event(ev: EngineEvent) -> None:
            loop.call_soon_threadsafe(self._event, ev)

        eng.on_event = on_event
        self._tracer.set_idle(eng.idle_when_stopped)  # the warm-up, while the client thinks
        return eng

    async def events(self) -> list[EngineEvent]:
        """Delve's GetEvents long poll: the next event (resumed, stopped, a breakpoint
        materialized or a process spawned with follow-exec; pydlv downloads no debug info),
        then all that are waiting. [] when the session ends first."""
        getter = asyncio.ensure_future(self._events.get())
        ended = asyncio.ensure_future(self._ended_event.wait())
        try:
            await asyncio.wait({getter, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            if not getter.done():
                getter.cancel()
        if getter.cancelled():
            return []
        out = [getter.result()]
        while len(out) < EVENT_BUFFER and not self._events.empty():
            out.append(self._events.get_nowait())
        return out

    async def last_modified_ns(self) -> int:
        await self._ready()
        return os.stat(self.config.binary).st_mtime_ns

    # ---- state and commands ---------------------------------------------------------------

    @staticmethod
    def _state_or_exit(eng: Engine) -> StateView:
        return eng.exited_state() if eng.t.exited else eng.state()

    async def state(self, blocking: bool) -> StateView:
        """The target's state; a non-blocking question while it runs gets `running`."""
        eng = await self._ready()
        if not blocking and self._running:
            return StateView(pid=eng.t.pid, command_line="", running=True)
        return await self._locked(Engine.state)

    async def request_halt(self) -> None:
        """Stop a running command (a halt while stopped is a no-op). No lock: it must reach a
        continue that holds it."""
        eng = await self._ready()
        if self._running:
            eng.halt()

    async def stopped_state(self) -> StateView:
        """The state once no command runs (an exited target's too): halt's and the
        non-resuming commands' answer."""
        return await self._locked(self._state_or_exit)

    async def switch_thread(self, tid: int) -> StateView:
        return await self._locked(lambda e: self._state_or_exit(e) if e.t.exited else e.switch_thread(tid))

    async def switch_goroutine(self, gid: int) -> StateView:
        return await self._locked(lambda e: self._state_or_exit(e) if e.t.exited else e.switch_goroutine(gid))

    async def resume(self, cmd: ResumeCommand, setup_done: Callable[[], None]) -> StateView:
        """continue / call: runs until the target stops (or exits); setup_done is called once
        the target has resumed (or the command failed before that)."""
        eng = await self._ready()
        async with self._lock:
            if eng.t.exited:
                setup_done()
                return eng.exited_state()
            run = self._resume_job(eng, cmd)
            if run is None:
                setup_done()
                raise DebuggerError(f"unknown command {cmd.name}")  # the RPC layer sends only these names
            loop = asyncio.get_running_loop()

            def resumed() -> None:
                loop.call_soon_threadsafe(setup_done)

            def job(resumed: Callable[[], None]) -> StateView:
                if eng.t.poll_exited():  # killed from outside while stopped
                    return eng.exited_state()
                return run(resumed)

            self._running = True
            self._event(EVENT_RESUMED)
            try:
                return await self._on_tracer(job, resumed)
            finally:
                self._running = False
                self._event(EVENT_STOPPED)
                setup_done()
                self._tracer.set_idle(eng.idle_when_stopped)  # what a call left of the warm-up

    @staticmethod
    def _resume_job(eng: Engine, cmd: ResumeCommand) -> Callable[[Callable[[], None]], StateView] | None:
        """The engine call that runs cmd (given the resumed callback), None for unknown names."""
        cfg = cmd.return_cfg
        match cmd.name:
            case "continue" | "directionCongruentContinue":
                return eng.continue_
            case "call":
                return lambda resumed: eng.call(cmd.expr, cmd.goroutine_id, resumed, cfg or LoadCfg(), cmd.unsafe)
            case "next":
                return lambda resumed: eng.next_(resumed, cfg)
            case "step":
                return lambda resumed: eng.step(resumed, cfg)
            case "stepOut":
                return lambda resumed: eng.step_out(resumed, cfg)
            case "stepInstruction" | "nextInstruction":
                skip = cmd.name == "nextInstruction"
                return lambda resumed: eng.step_instruction(resumed, skip, cfg)
        return None

    async def cancel_next(self) -> None:
        await self._locked(Engine.cancel_next)

    def continue_on_start(self) -> None:
        """`--continue`: resume as soon as the target is loaded."""
        async def run() -> None:
            await self.resume(ResumeCommand("continue"), lambda: None)

        asyncio.get_running_loop().create_task(run())

    async def targets(self) -> list[StateView]:
        """Delve's ListTargets: every live process of the group (none after they all ended)."""
        return await self._locked(Engine.target_views)

    async def follow_exec(self, enable: bool, regex: str) -> None:
        await self._locked(lambda e: e.set_follow_exec(enable, regex))

    async def follow_exec_enabled(self) -> bool:
        return (await self._ready()).follow_exec_regex is not None

    async def threads(self) -> list[ThreadView]:
        return await self._locked(lambda e: e.state().threads or [])

    # ---- breakpoints ----------------------------------------------------------------------

    async def create_breakpoint(self, req: BreakpointRequest) -> Breakpoint:
        return await self._locked(lambda e: e.create_breakpoint(req))

    async def breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        return await self._locked(lambda e: e.find_breakpoint(bp_id, name))

    async def clear_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        return await self._locked(lambda e: e.clear_breakpoint(bp_id, name))

    async def toggle_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        return await self._locked(lambda e: e.toggle_breakpoint(bp_id, name))

    async def amend_breakpoint(self, bp: Breakpoint) -> None:
        await self._locked(lambda e: e.amend_breakpoint(bp))

    async def breakpoints(self) -> list[Breakpoint]:
        return await self._locked(Engine.list_breakpoints)

    # ---- locations and symbols ------------------------------------------------------------

    async def find_location(self, text: str, include_non_executable: bool, goroutine_id: int = -1, frame: int = 0,
                            deferred_call: int = 0,
                            substitute_rules: list[tuple[str, str]] | None = None) -> FindResult:
        return await self._locked(lambda e: e.find_location(text, include_non_executable, goroutine_id, frame,
                                                            deferred_call, substitute_rules))

    async def function_return_pcs(self, name: str) -> list[int]:
        return await self._locked(lambda e: queries.function_return_pcs(e.t, name))

    async def functions(self, filter_text: str, follow_calls: int = 0) -> list[str]:
        return await self._locked(lambda e: queries.function_names(e.t, filter_text, follow_calls))

    async def sources(self, filter_text: str) -> list[str]:
        return await self._locked(lambda e: queries.source_files(e.t, filter_text))

    async def type_info(self, name: str) -> TypeInfoView:
        return await self._locked(lambda e: queries.type_info(e.t, name))

    async def types(self, filter_text: str) -> list[str]:
        return await self._locked(lambda e: queries.type_names(e.t, filter_text))

    # ---- stacks and goroutines ------------------------------------------------------------

    async def stacktrace(self, gid: int, depth: int, defers: bool, skip: int, cfg: LoadCfg | None) -> Stack:
        """Delve's Stacktrace, frames from `skip` on, with their variables when cfg is given."""
        def stack(e: Engine) -> Stack:
            frames = queries.stacktrace(e.t, e.sel, gid, depth, defers)
            if skip > 0:
                frames = frames[skip:]
            if cfg is None:
                return Stack(frames)
            first = max(skip, 0)
            return Stack(frames, queries.frames_variables(e.t, e.sel, gid, range(first, first + len(frames)), cfg))

        return await self._locked(stack)

    async def ancestors(self, gid: int, n: int, depth: int) -> list[AncestorView]:
        return await self._locked(lambda e: queries.goroutine_ancestors(e.t, e.sel, gid, n, depth))

    async def goroutines(self, start: int, count: int, filters: list[goroutine_list.GoroutineFilter],
                         grouping: goroutine_list.Grouping,
                         chan: queries.ChannelFilter | None) -> queries.GoroutinePage:
        return await self._locked(lambda e: queries.list_goroutines(e.t, e.sel, start, count, filters, grouping,
                                                                    chan))

    # ---- registers, memory, code ----------------------------------------------------------

    async def scope_registers(self, gid: int, frame: int, fp: bool) -> list[RegisterValue]:
        return await self._locked(lambda e: queries.scope_registers(e.t, e.sel, gid, frame, fp))

    async def thread_registers(self, tid: int, fp: bool) -> list[RegisterValue]:
        return await self._locked(lambda e: queries.thread_registers_of(e.t, e.sel, tid, fp))

    async def examine_memory(self, addr: int, length: int) -> bytes:
        return await self._locked(lambda e: queries.examine_memory(e.t, addr, length))

    async def disassemble(self, start: int, end: int, flavour: int, gid: int) -> list[AsmLine]:
        return await self._locked(lambda e: queries.disassemble_range(e.t, e.sel, start, end, flavour, gid))

    async def dynamic_libraries(self) -> list[tuple[str, int]]:
        return await self._locked(lambda e: inspect.dynamic_libraries(e.t.binary, e.t.live()))

    async def packages_build_info(self, include_files: bool, filter_text: str) -> list[inspect.PackageInfo]:
        return await self._locked(lambda e: inspect.packages_build_info(e.t.binary, include_files, filter_text))

    # ---- variables and expressions --------------------------------------------------------

    async def scope_variables(self, gid: int, frame: int, deferred_call: int, cfg: LoadCfg,
                              want_args: bool) -> list[Value]:
        return await self._locked(lambda e: queries.scope_variables(e.t, e.sel, gid, frame, deferred_call, cfg,
                                                                    want_args))

    async def package_variables(self, filter_text: str, cfg: LoadCfg) -> list[Value]:
        return await self._locked(lambda e: queries.package_variables(e.t, filter_text, cfg))

    async def evaluate(self, gid: int, frame: int, deferred_call: int, expr: str, cfg: LoadCfg) -> Operand:
        from . import expressions  # the evaluator: imported by the first request that needs it

        return await self._locked(lambda e: expressions.evaluate(e.t, e.sel, gid, frame, deferred_call, expr, cfg))

    async def set_variable(self, gid: int, frame: int, deferred_call: int, symbol: str, value: str) -> None:
        from . import expressions

        await self._locked(lambda e: expressions.set_variable(e.t, e.sel, gid, frame, deferred_call, symbol, value))


def _settle(fut: asyncio.Future[T], result: T | None, error: BaseException | None) -> None:
    """A tracer job's outcome, on the event loop."""
    if fut.cancelled():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(result)  # type: ignore[arg-type]  # None only with an error


def _exit_aware(fn: Callable[[Engine], T], eng: Engine) -> T:
    """fn(eng) on the tracer thread, within one request's load budget; a failure because the
    process died under us (killed from outside while stopped: its memory and registers are
    gone) becomes Delve's exit error."""
    try:
        with load_budget():
            return fn(eng)
    except ProcessExitedError:
        raise
    except Exception as e:
        if eng.t.proc.reap_if_dead():
            raise ProcessExitedError(eng.t.pid, eng.t.proc.exit_status) from e
        raise
