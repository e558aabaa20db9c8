"""RPCServer.*: Delve's API v2 methods, converting API types to facade calls and back.

`dispatch` is the one way in: it decodes params, calls `rpc_<Name>` and maps errors once:
a `UserError` (Delve's wording) becomes a debugger error with its text; anything else is a
bug, logged with its traceback and answered with one line. The facade takes the target lock
itself (see debugger/facade.py for which operations answer while the target runs).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..debugger.errors import DebuggerError
from ..debugger.facade import Debugger, LaunchConfig, RestartOptions, ResumeCommand
from ..debugger.target import Redirects
from ..errors import UserError, internal_error_text
from ..protocol import api
from ..protocol import methods as m
from ..protocol.rpcerror import ErrorKind, RpcError
from ..protocol.stream import Request
from ..protocol.wire import DecodeError
from . import apiconv, apiconv_vars
from .stack import StackMethods
from .variables import VariableMethods
from .version import MAX_SUPPORTED_GO, MIN_SUPPORTED_GO, delve_version_text

log = logging.getLogger("pydlv.rpc")
NOT_RECORDED = "not a recording"  # Delve's ErrNotRecorded: the native backend records nothing

RESUMING = {"continue", "next", "step", "stepOut", "stepInstruction", "nextInstruction", "call",
            "directionCongruentContinue"}
REWIND = {"rewind", "reverseNext", "reverseStep", "reverseStepOut", "reverseStepInstruction", "reverseNextInstruction"}

Handler = Callable[[Any, Callable[[], None]], Awaitable[Any]]


class RPCServer(StackMethods, VariableMethods):
    def __init__(self, config: LaunchConfig, accept_multiclient: bool = False) -> None:
        self.dbg = Debugger(config)
        self.accept_multiclient = accept_multiclient
        self.on_detach: Callable[[], None] = lambda: None

    # ---- plumbing -----------------------------------------------------------

    async def load(self) -> None:
        await self.dbg.load()
        # GetVersion's text runs git: read it now, off the loop, while the client has not asked.
        asyncio.get_running_loop().run_in_executor(None, delve_version_text)

    def continue_on_start(self) -> None:
        self.dbg.continue_on_start()

    async def end_session(self) -> None:
        await self.dbg.end_session()

    def abandon(self) -> None:
        """pydlv failed outside the event loop: end the target now (any thread)."""
        self.dbg.abandon()

    def is_async(self, method: str) -> bool:
        spec = m.METHODS.get(method)
        return spec is not None and spec.is_async

    def _handler(self, spec: m.MethodSpec) -> Handler | None:
        fn = getattr(self, "rpc_" + spec.name.split(".", 1)[1], None)
        return fn if callable(fn) else None

    async def dispatch(self, req: Request, setup_done: Callable[[], None]) -> tuple[Any, RpcError | None]:
        spec = m.METHODS.get(req.method)
        if spec is None:
            return None, RpcError(f"unknown method: {req.method}", ErrorKind.METHOD)
        try:
            args = m.decode_params(spec, req.params)
        except DecodeError as e:
            return None, RpcError(f"malformed request body: {e}", ErrorKind.PARAMS)
        handler = self._handler(spec)
        if handler is None:
            return None, RpcError(f"unknown method: {spec.name}", ErrorKind.METHOD)  # as for names not in the table
        try:
            await self.dbg.wait_loaded()  # like Delve, requests that arrive during loading wait for it
            return await handler(args, setup_done), None
        except UserError as e:
            return None, RpcError(str(e), ErrorKind.DEBUGGER)
        except Exception as e:
            # A bug: the traceback goes to the log, the client gets one line.
            log.exception("internal error in %s", spec.name)
            return None, RpcError(internal_error_text(e), ErrorKind.INTERNAL)

    # ---- versions and session -----------------------------------------------

    async def rpc_GetVersion(self, args: m.GetVersionIn, _: Any) -> m.GetVersionOut:
        return m.GetVersionOut(
            DelveVersion=delve_version_text(),
            APIVersion=2,
            Backend="native",
            TargetGoVersion=await self.dbg.target_go_version(),
            MinSupportedVersionOfGo=MIN_SUPPORTED_GO,
            MaxSupportedVersionOfGo=MAX_SUPPORTED_GO,
        )

    async def rpc_SetApiVersion(self, args: m.SetApiVersionIn, _: Any) -> m.SetApiVersionOut:
        if args.APIVersion != 2:
            raise DebuggerError("unknown API version")
        return m.SetApiVersionOut()

    async def rpc_IsMulticlient(self, args: m.IsMulticlientIn, _: Any) -> m.IsMulticlientOut:
        return m.IsMulticlientOut(IsMulticlient=self.accept_multiclient)

    async def rpc_AttachedToExistingProcess(self, args: Any, _: Any) -> m.AttachedToExistingProcessOut:
        return m.AttachedToExistingProcessOut(Answer=self.dbg.attached)

    async def rpc_Restart(self, args: m.RestartIn, setup_done: Callable[[], None]) -> m.RestartOut:
        setup_done()  # Delve's Restart lets the connection read on at once
        r = args.NewRedirects or ["", "", ""]
        opts = RestartOptions(args.Position, args.ResetArgs, list(args.NewArgs or []),
                              Redirects(*(list(r) + ["", "", ""])[:3]), args.Rebuild)
        discarded = await self.dbg.restart(opts)
        pid = await self.dbg.pid()
        return m.RestartOut(DiscardedBreakpoints=[
            api.DiscardedBreakpoint(Breakpoint=apiconv.breakpoint(bp, pid), Reason=reason) for bp, reason in discarded])

    async def rpc_ProcessPid(self, args: m.ProcessPidIn, _: Any) -> m.ProcessPidOut:
        return m.ProcessPidOut(Pid=await self.dbg.pid())

    async def rpc_ListTargets(self, args: Any, _: Any) -> m.ListTargetsOut:
        targets = []
        for view in await self.dbg.targets():
            cur = apiconv.thread(view.current_thread, False, view.pid) if view.current_thread else api.Thread()
            targets.append(api.Target(Pid=view.pid, CmdLine=view.command_line, CurrentThread=cur))
        return m.ListTargetsOut(Targets=targets)

    async def rpc_LastModified(self, args: m.LastModifiedIn, _: Any) -> m.LastModifiedOut:
        return m.LastModifiedOut(Time=go_time(await self.dbg.last_modified_ns()))

    async def rpc_Recorded(self, args: Any, _: Any) -> m.RecordedOut:
        return m.RecordedOut(Recorded=False, TraceDirectory="")

    async def rpc_FollowExecEnabled(self, args: Any, _: Any) -> m.FollowExecEnabledOut:
        return m.FollowExecEnabledOut(Enabled=await self.dbg.follow_exec_enabled())

    async def rpc_FollowExec(self, args: m.FollowExecIn, _: Any) -> m.FollowExecOut:
        await self.dbg.follow_exec(args.Enable, args.Regex)
        return m.FollowExecOut()

    async def rpc_BuildID(self, args: m.BuildIDIn, _: Any) -> m.BuildIDOut:
        return m.BuildIDOut(BuildID=await self.dbg.build_id())

    async def rpc_DebugInfoDirectories(self, args: m.DebugInfoDirectoriesIn, _: Any) -> m.DebugInfoDirectoriesOut:
        if args.Set:
            self.dbg.debug_info_directories = list(args.List or [])
        return m.DebugInfoDirectoriesOut(List=list(self.dbg.debug_info_directories) or None)

    async def rpc_GuessSubstitutePath(self, args: m.GuessSubstitutePathIn, _: Any) -> m.GuessSubstitutePathOut:
        return m.GuessSubstitutePathOut()  # no guess: the paths in the binary are the ones on this machine

    async def rpc_GetEvents(self, args: m.GetEventsIn, setup_done: Callable[[], None]) -> m.GetEventsOut:
        setup_done()
        events = await self.dbg.events()
        return m.GetEventsOut(Events=[apiconv.event(ev) for ev in events] or None)

    async def rpc_CancelDownloads(self, args: m.CancelDownloadsIn, setup_done: Callable[[], None]) -> m.CancelDownloadsOut:
        setup_done()
        return m.CancelDownloadsOut()

    async def rpc_DownloadLibraryDebugInfo(self, args: m.DownloadLibraryDebugInfoIn,
                                           _: Any) -> m.DownloadLibraryDebugInfoOut:
        return m.DownloadLibraryDebugInfoOut()

    # -- what a native backend without recording, eBPF, core dumps or watchpoints answers, in Delve's words

    async def rpc_GetBufferedTracepoints(self, args: m.GetBufferedTracepointsIn,
                                         _: Any) -> m.GetBufferedTracepointsOut:
        return m.GetBufferedTracepointsOut()

    async def rpc_CreateEBPFTracepoint(self, args: m.CreateEBPFTracepointIn, _: Any) -> m.CreateEBPFTracepointOut:
        raise DebuggerError("eBPF is not supported")

    async def rpc_Checkpoint(self, args: m.CheckpointIn, _: Any) -> m.CheckpointOut:
        raise DebuggerError(NOT_RECORDED)

    async def rpc_ListCheckpoints(self, args: m.ListCheckpointsIn, _: Any) -> m.ListCheckpointsOut:
        raise DebuggerError(NOT_RECORDED)

    async def rpc_ClearCheckpoint(self, args: m.ClearCheckpointIn, _: Any) -> m.ClearCheckpointOut:
        raise DebuggerError(NOT_RECORDED)

    async def rpc_StopRecording(self, args: m.StopRecordingIn, setup_done: Callable[[], None]) -> m.StopRecordingOut:
        setup_done()
        raise DebuggerError("debugger is not recording")

    async def rpc_DumpStart(self, args: m.DumpStartIn, _: Any) -> m.DumpStartOut:
        raise DebuggerError("core dumping not supported")

    async def rpc_DumpWait(self, args: m.DumpWaitIn, _: Any) -> m.DumpWaitOut:
        return m.DumpWaitOut()

    async def rpc_DumpCancel(self, args: m.DumpCancelIn, _: Any) -> m.DumpCancelOut:
        return m.DumpCancelOut()

    async def rpc_CreateWatchpoint(self, args: m.CreateWatchpointIn, _: Any) -> m.CreateWatchpointOut:
        raise DebuggerError("hardware breakpoints not supported")

    async def rpc_Detach(self, args: m.DetachIn, _: Any) -> m.DetachOut:
        await self.dbg.detach(args.Kill)
        asyncio.get_running_loop().call_soon(self.on_detach)
        return m.DetachOut()

    # ---- state and commands -------------------------------------------------

    async def rpc_State(self, args: m.StateIn, _: Any) -> m.StateOut:
        view = await self.dbg.state(blocking=not args.NonBlocking)
        return m.StateOut(State=apiconv.state(view, with_bp_info=False))

    async def rpc_Command(self, args: api.DebuggerCommand, setup_done: Callable[[], None]) -> m.CommandOut:
        name = args.name
        if name in RESUMING:
            return await self._resume(args, setup_done)
        if name == "halt":
            await self.dbg.request_halt()
            setup_done()
            return m.CommandOut(State=apiconv.state(await self.dbg.stopped_state(), with_bp_info=False))
        setup_done()
        if name in REWIND:
            raise DebuggerError(NOT_RECORDED)
        if name == "switchThread":
            view = await self.dbg.switch_thread(args.threadID)
        elif name == "switchGoroutine":
            view = await self.dbg.switch_goroutine(args.goroutineID)
        else:
            view = await self.dbg.stopped_state()
        return m.CommandOut(State=apiconv.state(view, with_bp_info=False))

    async def _resume(self, cmd: api.DebuggerCommand, setup_done: Callable[[], None]) -> m.CommandOut:
        if cmd.name == "call" and cmd.ReturnInfoLoadConfig is None:
            setup_done()  # Delve's rpc2 checks this before anything else
            raise DebuggerError("can not call function with nil ReturnInfoLoadConfig")
        ret_cfg = apiconv_vars.load_cfg(cmd.ReturnInfoLoadConfig) if cmd.ReturnInfoLoadConfig is not None else None
        view = await self.dbg.resume(ResumeCommand(cmd.name, cmd.expr, cmd.goroutineID, ret_cfg, cmd.unsafeCall),
                                     setup_done)
        # ReturnValues only when this command asked for them (a continue finishing a call too).
        return m.CommandOut(State=apiconv.state(view, with_bp_info=True,
                                                with_return_values=cmd.ReturnInfoLoadConfig is not None))

    async def rpc_CancelNext(self, args: m.CancelNextIn, _: Any) -> m.CancelNextOut:
        await self.dbg.cancel_next()
        return m.CancelNextOut()

    # ---- breakpoints --------------------------------------------------------

    async def rpc_CreateBreakpoint(self, args: m.CreateBreakpointIn, _: Any) -> m.CreateBreakpointOut:
        req = apiconv.breakpoint_request(args.Breakpoint or api.Breakpoint(), args.LocExpr, args.Suspended,
                                         args.SubstitutePathRules)
        bp = await self.dbg.create_breakpoint(req)
        return m.CreateBreakpointOut(Breakpoint=apiconv.breakpoint(bp, await self.dbg.pid()))

    async def rpc_GetBreakpoint(self, args: m.GetBreakpointIn, _: Any) -> m.GetBreakpointOut:
        bp = await self.dbg.breakpoint(args.Id, args.Name)
        return m.GetBreakpointOut(Breakpoint=apiconv.breakpoint(bp, await self.dbg.pid()))

    async def rpc_ClearBreakpoint(self, args: m.ClearBreakpointIn, _: Any) -> m.ClearBreakpointOut:
        bp = await self.dbg.clear_breakpoint(args.Id, args.Name)
        return m.ClearBreakpointOut(Breakpoint=apiconv.breakpoint(bp, await self.dbg.pid()))

    async def rpc_ToggleBreakpoint(self, args: m.ToggleBreakpointIn, _: Any) -> m.ToggleBreakpointOut:
        bp = await self.dbg.toggle_breakpoint(args.Id, args.Name)
        # Delve converts the breakpoint between the two halves of the toggle: the new `disabled`,
        # the addresses as they were (transcripts: "ToggleBreakpoint 2 (disable/re-enable ...)").
        return m.ToggleBreakpointOut(Breakpoint=apiconv.breakpoint(bp, await self.dbg.pid(), armed=bp.disabled))

    async def rpc_AmendBreakpoint(self, args: m.AmendBreakpointIn, _: Any) -> m.AmendBreakpointOut:
        req = apiconv.breakpoint_request(args.Breakpoint or api.Breakpoint(), "", False)
        await self.dbg.amend_breakpoint(req.bp)
        return m.AmendBreakpointOut()

    async def rpc_ListBreakpoints(self, args: m.ListBreakpointsIn, _: Any) -> m.ListBreakpointsOut:
        pid = await self.dbg.pid()
        return m.ListBreakpointsOut(Breakpoints=[apiconv.breakpoint(bp, pid) for bp in await self.dbg.breakpoints()])

    # ---- locations and symbols ----------------------------------------------

    async def rpc_FindLocation(self, args: m.FindLocationIn, _: Any) -> m.FindLocationOut:
        sc = args.Scope
        found = await self.dbg.find_location(args.Loc, args.IncludeNonExecutableLines, sc.GoroutineID, sc.Frame,
                                             sc.DeferredCall, apiconv.substitute_rules(args.SubstitutePathRules))
        pid = await self.dbg.pid()
        return m.FindLocationOut(Locations=[apiconv.found_location(loc, pid) for loc in found.locations],
                                 SubstituteLocExpr=found.substitute)

    async def rpc_ListFunctions(self, args: m.ListFunctionsIn, _: Any) -> m.ListFunctionsOut:
        return m.ListFunctionsOut(Funcs=await self.dbg.functions(args.Filter, args.FollowCalls))

    async def rpc_FunctionReturnLocations(self, args: m.FunctionReturnLocationsIn,
                                          _: Any) -> m.FunctionReturnLocationsOut:
        return m.FunctionReturnLocationsOut(Addrs=await self.dbg.function_return_pcs(args.FnName))

    async def rpc_ListSources(self, args: m.ListSourcesIn, _: Any) -> m.ListSourcesOut:
        return m.ListSourcesOut(Sources=await self.dbg.sources(args.Filter))

    # ---- threads -------------------------------------------------------------

    async def rpc_ListThreads(self, args: m.ListThreadsIn, _: Any) -> m.ListThreadsOut:
        pid = await self.dbg.pid()
        return m.ListThreadsOut(Threads=[apiconv.thread(t, False, pid) for t in await self.dbg.threads()])

    async def rpc_GetThread(self, args: m.GetThreadIn, _: Any) -> m.GetThreadOut:
        pid = await self.dbg.pid()
        for t in await self.dbg.threads():
            if t.tid == args.Id:
                return m.GetThreadOut(Thread=apiconv.thread(t, False, pid))
        raise DebuggerError(f"no thread with id {args.Id}")


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
