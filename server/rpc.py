"""RPCServer.*: Delve's API v2 methods, turning API types into debugger calls and back.

Locking follows Delve (delve-rpc.md §1.4): one target lock; a resuming Command
holds it until the target stops; lock-free methods (GetVersion, State{NonBlocking},
Command{halt}, ...) answer while the target runs. Every debugger call runs on the
tracer thread.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import re
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import apiconv, apiconv_vars
from .binary.gobinary import GoBinary
from .debugger.debugger import Debugger, DebuggerError, ProcessExitedError
from .native.launch import check_executable
from .native.tracer_thread import TracerThread
from .protocol import api
from .protocol import methods as m
from .protocol.rpcerror import ErrorKind, RpcError
from .protocol.stream import Request
from .protocol.wire import DecodeError
from .rpc_eval import EvalMethods
from .rpc_stack import StackMethods
from .rpc_vars import VariableMethods
from .version import BUILD, MAX_SUPPORTED_GO, MIN_SUPPORTED_GO, VERSION

log = logging.getLogger("pydlv.rpc")
T = TypeVar("T")

RESUMING = {"continue", "next", "step", "stepOut", "stepInstruction", "nextInstruction", "call",
            "directionCongruentContinue"}
REWIND = {"rewind", "reverseNext", "reverseStep", "reverseStepOut", "reverseStepInstruction", "reverseNextInstruction"}


@dataclass
class SessionConfig:
    binary: str
    args: list[str] = field(default_factory=list)
    wd: str = "."
    accept_multiclient: bool = False


class RPCServer(StackMethods, VariableMethods, EvalMethods):
    def __init__(self, config: SessionConfig) -> None:
        self.config = config
        self.tracer = TracerThread()
        self.binary: GoBinary | None = None
        self.debugger: Debugger | None = None
        self._loaded: asyncio.Future[None] | None = None
        self._lock = asyncio.Lock()
        self._running_command = False
        self._ended = False
        self.on_detach: Callable[[], None] = lambda: None

    # ---- plumbing -----------------------------------------------------------

    async def load(self) -> None:
        """Open the binary and launch the target (after the listening line is out)."""
        loop = asyncio.get_running_loop()
        self._loaded = loop.create_future()
        try:
            check_executable(self.config.binary)
            self.binary = await self._on_tracer(GoBinary.open, self.config.binary)
            dbg = Debugger(self.binary, [self.config.binary, *self.config.args], self.config.wd)
            await self._on_tracer(dbg.launch)
            self.debugger = dbg
        except BaseException as e:
            self._loaded.set_exception(e)
            self._loaded.exception()  # retrieved: callers see it through dispatch
            raise
        self._loaded.set_result(None)

    def continue_on_start(self) -> None:
        async def run() -> None:
            async with self._lock:
                await self._resume(api.DebuggerCommand(name="continue"), lambda: None)

        asyncio.get_running_loop().create_task(run())

    def is_async(self, method: str) -> bool:
        spec = m.METHODS.get(method)
        return spec is not None and spec.is_async

    async def dispatch(self, req: Request, setup_done: Callable[[], None]) -> tuple[Any, RpcError | None]:
        spec = m.METHODS.get(req.method)
        if spec is None:
            return None, RpcError(f"unknown method: {req.method}", ErrorKind.METHOD)
        try:
            args = m.decode_params(spec, req.params)
        except DecodeError as e:
            return None, RpcError(f"malformed request body: {e}", ErrorKind.PARAMS)
        handler: Callable[..., Awaitable[Any]] | None = getattr(self, "rpc_" + spec.name.split(".", 1)[1], None)
        if handler is None:
            return None, RpcError(f"{spec.name} is not implemented by pydlv yet", ErrorKind.DEBUGGER)
        try:
            if self._loaded is not None:
                # Like Delve, requests that arrive during loading wait for it.
                await asyncio.shield(self._loaded)
            if not m.needs_lock(spec, args):
                return await handler(args, setup_done), None
            async with self._lock:
                return await handler(args, setup_done), None
        except DebuggerError as e:
            return None, RpcError(str(e), ErrorKind.DEBUGGER)
        except Exception as e:
            log.exception("internal error in %s", spec.name)
            tb = "".join(traceback.format_exception(e))
            return None, RpcError(f"Internal debugger error: {e}\n{tb}", ErrorKind.INTERNAL)

    async def end_session(self) -> None:
        """Halt if running, then kill a launched target (detach an attached one)."""
        if self._ended:
            return
        self._ended = True
        if self._loaded is not None and not self._loaded.done():
            # The client left during start-up: let loading finish, then end what it started.
            await asyncio.wait([self._loaded], timeout=60)
        dbg = self.debugger
        if dbg is not None:
            if self._running_command:
                dbg.halt()
            try:
                async with asyncio.timeout(10):
                    async with self._lock:
                        await self._on_tracer(dbg.detach, True)
            except (TimeoutError, Exception):
                log.exception("ending the session")
                await self._on_tracer(dbg.kill)
        self.tracer.stop()

    # ---- versions and session -----------------------------------------------

    async def rpc_GetVersion(self, args: m.GetVersionIn, _: Any) -> m.GetVersionOut:
        target = ""
        if self.binary is not None and not self._running_command:
            target = self.binary.producer
        return m.GetVersionOut(
            DelveVersion=f"Version: {VERSION}\nBuild: {BUILD}",
            APIVersion=2,
            Backend="native",
            TargetGoVersion=target,
            MinSupportedVersionOfGo=MIN_SUPPORTED_GO,
            MaxSupportedVersionOfGo=MAX_SUPPORTED_GO,
        )

    async def rpc_SetApiVersion(self, args: m.SetApiVersionIn, _: Any) -> m.SetApiVersionOut:
        if args.APIVersion != 2:
            raise DebuggerError("unknown API version")
        return m.SetApiVersionOut()

    async def rpc_IsMulticlient(self, args: m.IsMulticlientIn, _: Any) -> m.IsMulticlientOut:
        return m.IsMulticlientOut(IsMulticlient=self.config.accept_multiclient)

    async def rpc_AttachedToExistingProcess(self, args: Any, _: Any) -> m.AttachedToExistingProcessOut:
        return m.AttachedToExistingProcessOut(Answer=False)

    async def rpc_ProcessPid(self, args: m.ProcessPidIn, _: Any) -> m.ProcessPidOut:
        return m.ProcessPidOut(Pid=self._dbg().pid)

    async def rpc_ListTargets(self, args: Any, _: Any) -> m.ListTargetsOut:
        dbg = self._dbg()
        if dbg.exited:
            return m.ListTargetsOut(Targets=[])
        view = await self._on_tracer(dbg.state)
        cur = apiconv.thread(view.current_thread, False, dbg.pid) if view.current_thread else api.Thread()
        return m.ListTargetsOut(Targets=[api.Target(Pid=dbg.pid, CmdLine=view.command_line, CurrentThread=cur)])

    async def rpc_LastModified(self, args: m.LastModifiedIn, _: Any) -> m.LastModifiedOut:
        ns = os.stat(self.config.binary).st_mtime_ns
        return m.LastModifiedOut(Time=go_time(ns))

    async def rpc_Recorded(self, args: Any, _: Any) -> m.RecordedOut:
        return m.RecordedOut(Recorded=False, TraceDirectory="")

    async def rpc_FollowExecEnabled(self, args: Any, _: Any) -> m.FollowExecEnabledOut:
        return m.FollowExecEnabledOut(Enabled=False)

    async def rpc_Detach(self, args: m.DetachIn, _: Any) -> m.DetachOut:
        dbg = self._dbg()
        await self._on_tracer(dbg.detach, args.Kill)
        self._ended = True
        self.tracer.stop()
        asyncio.get_running_loop().call_soon(self.on_detach)
        return m.DetachOut()

    # ---- state and commands -------------------------------------------------

    async def rpc_State(self, args: m.StateIn, _: Any) -> m.StateOut:
        # Blocking State runs under the target lock (dispatch takes it); NonBlocking does not.
        if args.NonBlocking and self._running_command:
            return m.StateOut(State=apiconv.running_state())
        return m.StateOut(State=await self._state(with_bp_info=False))

    async def _state(self, with_bp_info: bool) -> api.DebuggerState:
        dbg = self._dbg()
        view = await self._on_tracer(dbg.state)
        return apiconv.state(view, with_bp_info)

    async def rpc_Command(self, args: api.DebuggerCommand, setup_done: Callable[[], None]) -> m.CommandOut:
        dbg = self._dbg()
        name = args.name
        if name == "halt":
            if self._running_command:  # halt while stopped is a no-op
                dbg.halt()
            setup_done()
            async with self._lock:
                if dbg.exited:
                    return m.CommandOut(State=apiconv.exited_state(dbg.exited_state()))
                return m.CommandOut(State=await self._state(with_bp_info=False))
        if name in REWIND:
            setup_done()
            raise DebuggerError("not a recording")
        # Everything but halt runs under the target lock, taken by dispatch.
        if name not in RESUMING:
            setup_done()
            if dbg.exited:
                return m.CommandOut(State=apiconv.exited_state(dbg.exited_state()))
            if name in ("switchThread", "switchGoroutine"):
                switch = dbg.switch_thread if name == "switchThread" else dbg.switch_goroutine
                target = args.threadID if name == "switchThread" else args.goroutineID
                return m.CommandOut(State=apiconv.state(await self._on_tracer(switch, target), False))
            return m.CommandOut(State=await self._state(with_bp_info=False))
        return await self._resume(args, setup_done)

    async def _resume(self, cmd: api.DebuggerCommand, setup_done: Callable[[], None]) -> m.CommandOut:
        dbg = self._dbg()
        if cmd.name == "call" and cmd.ReturnInfoLoadConfig is None:
            setup_done()  # Delve's rpc2 checks this before anything else
            raise DebuggerError("can not call function with nil ReturnInfoLoadConfig")
        if dbg.exited:
            setup_done()
            return m.CommandOut(State=apiconv.exited_state(dbg.exited_state()))
        if cmd.name not in ("continue", "directionCongruentContinue", "call"):
            setup_done()
            raise DebuggerError(f"{cmd.name} is not implemented by pydlv yet")
        loop = asyncio.get_running_loop()
        resumed = lambda: loop.call_soon_threadsafe(setup_done)  # noqa: E731
        self._running_command = True
        try:
            if cmd.name == "call":
                view = await self._on_tracer(dbg.call, cmd.expr, cmd.goroutineID, resumed,
                                             apiconv_vars.load_cfg(cmd.ReturnInfoLoadConfig), cmd.unsafeCall)
            else:
                view = await self._on_tracer(dbg.continue_, resumed)
        finally:
            self._running_command = False
            setup_done()
        if view.exited:
            return m.CommandOut(State=apiconv.exited_state(view))
        # ReturnValues only when this command asked for them (a continue finishing a call too).
        return m.CommandOut(State=apiconv.state(view, with_bp_info=True,
                                                with_return_values=cmd.ReturnInfoLoadConfig is not None))

    # ---- breakpoints --------------------------------------------------------

    async def rpc_CreateBreakpoint(self, args: m.CreateBreakpointIn, _: Any) -> m.CreateBreakpointOut:
        dbg = self._dbg()
        if dbg.exited:
            raise ProcessExitedError(dbg.pid, dbg.exited_state().exit_status)
        req = apiconv.breakpoint_request(args.Breakpoint or api.Breakpoint(), args.LocExpr, args.Suspended)
        bp = await self._on_tracer(dbg.create_breakpoint, req)
        return m.CreateBreakpointOut(Breakpoint=apiconv.breakpoint(bp, dbg.pid))

    async def rpc_GetBreakpoint(self, args: m.GetBreakpointIn, _: Any) -> m.GetBreakpointOut:
        dbg = self._dbg()
        bp = dbg.find_breakpoint(args.Id, args.Name)
        return m.GetBreakpointOut(Breakpoint=apiconv.breakpoint(bp, dbg.pid))

    async def rpc_ClearBreakpoint(self, args: m.ClearBreakpointIn, _: Any) -> m.ClearBreakpointOut:
        dbg = self._dbg()
        bp = await self._on_tracer(dbg.clear_breakpoint, args.Id, args.Name)
        return m.ClearBreakpointOut(Breakpoint=apiconv.breakpoint(bp, dbg.pid))

    async def rpc_ToggleBreakpoint(self, args: m.ToggleBreakpointIn, _: Any) -> m.ToggleBreakpointOut:
        dbg = self._dbg()
        bp = await self._on_tracer(dbg.toggle_breakpoint, args.Id, args.Name)
        return m.ToggleBreakpointOut(Breakpoint=apiconv.breakpoint(bp, dbg.pid))

    async def rpc_AmendBreakpoint(self, args: m.AmendBreakpointIn, _: Any) -> m.AmendBreakpointOut:
        dbg = self._dbg()
        req = apiconv.breakpoint_request(args.Breakpoint or api.Breakpoint(), "", False)
        await self._on_tracer(dbg.amend_breakpoint, req.bp)
        return m.AmendBreakpointOut()

    async def rpc_ListBreakpoints(self, args: m.ListBreakpointsIn, _: Any) -> m.ListBreakpointsOut:
        dbg = self._dbg()
        bps = [apiconv.breakpoint(bp, dbg.pid) for bp in dbg.list_breakpoints()]
        return m.ListBreakpointsOut(Breakpoints=bps)

    # ---- locations and symbols ----------------------------------------------

    async def rpc_FindLocation(self, args: m.FindLocationIn, _: Any) -> m.FindLocationOut:
        dbg = self._dbg()
        locs = await self._on_tracer(dbg.find_location, args.Loc, args.IncludeNonExecutableLines)
        out = [apiconv.found_location(loc, dbg.pid) for loc in locs]
        subst = ""
        if args.Loc[:1] in "+-" or args.Loc.isdigit():
            subst = f"{locs[0].file}:{locs[0].line}" if locs else ""
        return m.FindLocationOut(Locations=out, SubstituteLocExpr=subst)

    async def rpc_ListFunctions(self, args: m.ListFunctionsIn, _: Any) -> m.ListFunctionsOut:
        rx = _filter_regex(args.Filter)
        names = sorted({f.name for f in self._dbg().binary.functions() if rx.search(f.name)})
        return m.ListFunctionsOut(Funcs=names)

    async def rpc_ListSources(self, args: m.ListSourcesIn, _: Any) -> m.ListSourcesOut:
        rx = _filter_regex(args.Filter)
        return m.ListSourcesOut(Sources=[s for s in self._dbg().binary.sources() if rx.search(s)])

    # ---- threads -------------------------------------------------------------

    async def rpc_ListThreads(self, args: m.ListThreadsIn, _: Any) -> m.ListThreadsOut:
        view = await self._on_tracer(self._dbg().state)
        return m.ListThreadsOut(Threads=[apiconv.thread(t, False, view.pid) for t in view.threads or []])

    async def rpc_GetThread(self, args: m.GetThreadIn, _: Any) -> m.GetThreadOut:
        view = await self._on_tracer(self._dbg().state)
        for t in view.threads or []:
            if t.tid == args.Id:
                return m.GetThreadOut(Thread=apiconv.thread(t, False, view.pid))
        raise DebuggerError(f"no thread with id {args.Id}")



def _filter_regex(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as e:
        raise DebuggerError(f"invalid filter argument: error parsing regexp: {e}") from None


def go_time(ns: int) -> str:
    """A time as Go's time.Time marshals it: RFC 3339, nanoseconds, zeros trimmed, local zone."""
    secs, frac = divmod(ns, 1_000_000_000)
    dt = datetime.datetime.fromtimestamp(secs).astimezone()
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    off = dt.utcoffset() or datetime.timedelta(0)
    if not off:
        return text + "Z"
    mins = int(off.total_seconds()) // 60
    sign = "+" if mins >= 0 else "-"
    return f"{text}{sign}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"
