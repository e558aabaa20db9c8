"""The 58 RPCServer methods of Delve's API v2: In/Out types, mode, locking, params decoding.

In/Out classes are Go's `rpc2.XxxIn`/`rpc2.XxxOut` (attribute = JSON key = Go field name).
`Command` takes `api.DebuggerCommand` itself; `GetVersion`/`SetApiVersion` live in Go's
`api` package (`api.GetVersionIn`, `api.SetAPIVersionIn`). See delve-rpc.md §2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import api
from .api import (
    Ancestor,
    AsmInstruction,
    Breakpoint,
    Checkpoint,
    DebuggerCommand,
    DebuggerState,
    DiscardedBreakpoint,
    DumpState,
    EvalScope,
    Event,
    GoroutineGroup,
    Image,
    ListGoroutinesFilter,
    LoadConfig,
    Location,
    PackageBuildInfo,
    Register,
    Stackframe,
    Target,
    TracepointResult,
    TypeInfo,
    Variable,
)
from .api import Goroutine as GoroutineT
from .api import Thread as ThreadT
from .names import ASYNC_METHODS
from .wire import DecodeError, decode, gofield, gostruct, json_kind, type_error, zero_value

GetVersionIn = api.GetVersionIn
GetVersionOut = api.GetVersionOut
SetApiVersionIn = api.SetAPIVersionIn
SetApiVersionOut = api.SetAPIVersionOut


# ---- process / session -------------------------------------------------------------------

@gostruct("rpc2.ProcessPidIn")
class ProcessPidIn:
    pass


@gostruct("rpc2.ProcessPidOut")
class ProcessPidOut:
    Pid: int = 0


@gostruct("rpc2.LastModifiedIn")
class LastModifiedIn:
    pass


@gostruct("rpc2.LastModifiedOut")
class LastModifiedOut:
    Time: str = gofield(go_type="time.Time", default="0001-01-01T00:00:00Z")  # RFC 3339 nano, preformatted


@gostruct("rpc2.DetachIn")
class DetachIn:
    Kill: bool = False


@gostruct("rpc2.DetachOut")
class DetachOut:
    pass


@gostruct("rpc2.RestartIn")
class RestartIn:
    Position: str = ""
    ResetArgs: bool = False
    NewArgs: list[str] | None = None
    Rerecord: bool = False
    Rebuild: bool = False
    NewRedirects: list[str] = gofield(go_type="[3]string", default_factory=lambda: ["", "", ""])


@gostruct("rpc2.RestartOut")
class RestartOut:
    DiscardedBreakpoints: list[DiscardedBreakpoint] | None = None


@gostruct("rpc2.StateIn")
class StateIn:
    NonBlocking: bool = False


@gostruct("rpc2.StateOut")
class StateOut:
    State: DebuggerState | None = None


@gostruct("rpc2.CommandOut")
class CommandOut:
    State: DebuggerState = gofield(default_factory=DebuggerState)


@gostruct("rpc2.GetBufferedTracepointsIn")
class GetBufferedTracepointsIn:
    LoadCfg: LoadConfig | None = None


@gostruct("rpc2.GetBufferedTracepointsOut")
class GetBufferedTracepointsOut:
    TracepointResults: list[TracepointResult] | None = None


# ---- breakpoints -------------------------------------------------------------------------

@gostruct("rpc2.GetBreakpointIn")
class GetBreakpointIn:
    Id: int = 0
    Name: str = ""


@gostruct("rpc2.GetBreakpointOut")
class GetBreakpointOut:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.ListBreakpointsIn")
class ListBreakpointsIn:
    All: bool = False


@gostruct("rpc2.ListBreakpointsOut")
class ListBreakpointsOut:
    Breakpoints: list[Breakpoint | None] | None = None


@gostruct("rpc2.CreateBreakpointIn")
class CreateBreakpointIn:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())
    LocExpr: str = ""
    SubstitutePathRules: list[list[str]] | None = gofield(go_type="[][2]string", default=None)
    Suspended: bool = False


@gostruct("rpc2.CreateBreakpointOut")
class CreateBreakpointOut:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.CreateEBPFTracepointIn")
class CreateEBPFTracepointIn:
    FunctionName: str = ""


@gostruct("rpc2.CreateEBPFTracepointOut")
class CreateEBPFTracepointOut:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.ClearBreakpointIn")
class ClearBreakpointIn:
    Id: int = 0
    Name: str = ""


@gostruct("rpc2.ClearBreakpointOut")
class ClearBreakpointOut:
    Breakpoint: Breakpoint | None = None


@gostruct("rpc2.ToggleBreakpointIn")
class ToggleBreakpointIn:
    Id: int = 0
    Name: str = ""


@gostruct("rpc2.ToggleBreakpointOut")
class ToggleBreakpointOut:
    Breakpoint: Breakpoint | None = None


@gostruct("rpc2.AmendBreakpointIn")
class AmendBreakpointIn:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.AmendBreakpointOut")
class AmendBreakpointOut:
    pass


@gostruct("rpc2.CreateWatchpointIn")
class CreateWatchpointIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Expr: str = ""
    Type: int = gofield(go_type="api.WatchType", default=0)


@gostruct("rpc2.CreateWatchpointOut")
class CreateWatchpointOut:
    # Go embeds *api.Breakpoint: the breakpoint's keys at top level, no "Breakpoint" key.
    Breakpoint: Breakpoint | None = gofield(inline=True, default=None)


# ---- stepping / threads / goroutines -----------------------------------------------------

@gostruct("rpc2.CancelNextIn")
class CancelNextIn:
    pass


@gostruct("rpc2.CancelNextOut")
class CancelNextOut:
    pass


@gostruct("rpc2.StacktraceIn")
class StacktraceIn:
    Id: int = gofield(go_type="int64", default=0)
    Depth: int = 0
    Full: bool = False
    Defers: bool = False
    Opts: int = gofield(go_type="api.StacktraceOptions", default=0)
    Cfg: LoadConfig | None = None
    Skip: int = 0


@gostruct("rpc2.StacktraceOut")
class StacktraceOut:
    Locations: list[Stackframe] | None = None


@gostruct("rpc2.AncestorsIn")
class AncestorsIn:
    GoroutineID: int = gofield(go_type="int64", default=0)
    NumAncestors: int = 0
    Depth: int = 0


@gostruct("rpc2.AncestorsOut")
class AncestorsOut:
    Ancestors: list[Ancestor] | None = None


@gostruct("rpc2.ListThreadsIn")
class ListThreadsIn:
    pass


@gostruct("rpc2.ListThreadsOut")
class ListThreadsOut:
    Threads: list[ThreadT | None] | None = None


@gostruct("rpc2.GetThreadIn")
class GetThreadIn:
    Id: int = 0


@gostruct("rpc2.GetThreadOut")
class GetThreadOut:
    Thread: ThreadT | None = None


@gostruct("rpc2.ListGoroutinesIn")
class ListGoroutinesIn:
    Start: int = 0
    Count: int = 0
    Filters: list[ListGoroutinesFilter] | None = None
    # Go embeds api.GoroutineGroupingOptions: its keys are flat in the object.
    GoroutineGroupingOptions: api.GoroutineGroupingOptions = gofield(
        inline=True, default_factory=lambda: api.GoroutineGroupingOptions())
    EvalScope: EvalScope | None = None


@gostruct("rpc2.ListGoroutinesOut")
class ListGoroutinesOut:
    Goroutines: list[GoroutineT | None] | None = None
    Nextg: int = 0
    Groups: list[GoroutineGroup] | None = None
    TooManyGroups: bool = False


# ---- variables and evaluation ------------------------------------------------------------

@gostruct("rpc2.ListPackageVarsIn")
class ListPackageVarsIn:
    Filter: str = ""
    Cfg: LoadConfig = gofield(default_factory=lambda: api.LoadConfig())


@gostruct("rpc2.ListPackageVarsOut")
class ListPackageVarsOut:
    Variables: list[Variable] | None = None


@gostruct("rpc2.ListRegistersIn")
class ListRegistersIn:
    ThreadID: int = 0
    IncludeFp: bool = False
    Scope: EvalScope | None = None


@gostruct("rpc2.ListRegistersOut")
class ListRegistersOut:
    Registers: str = ""
    Regs: list[Register] | None = gofield(go_type="api.Registers", default=None)


@gostruct("rpc2.ListLocalVarsIn")
class ListLocalVarsIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Cfg: LoadConfig = gofield(default_factory=lambda: api.LoadConfig())


@gostruct("rpc2.ListLocalVarsOut")
class ListLocalVarsOut:
    Variables: list[Variable] | None = None


@gostruct("rpc2.ListFunctionArgsIn")
class ListFunctionArgsIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Cfg: LoadConfig = gofield(default_factory=lambda: api.LoadConfig())


@gostruct("rpc2.ListFunctionArgsOut")
class ListFunctionArgsOut:
    Args: list[Variable] | None = None


@gostruct("rpc2.EvalIn")
class EvalIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Expr: str = ""
    Cfg: LoadConfig | None = None


@gostruct("rpc2.EvalOut")
class EvalOut:
    Variable: Variable | None = None


@gostruct("rpc2.SetIn")
class SetIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Symbol: str = ""
    Value: str = ""


@gostruct("rpc2.SetOut")
class SetOut:
    pass


@gostruct("rpc2.ExamineMemoryIn")
class ExamineMemoryIn:
    Address: int = gofield(go_type="uint64", default=0)
    Length: int = 0


@gostruct("rpc2.ExaminedMemoryOut")
class ExaminedMemoryOut:
    Mem: bytes | None = None
    IsLittleEndian: bool = False


ExamineMemoryOut = ExaminedMemoryOut


@gostruct("rpc2.TypeInfoIn")
class TypeInfoIn:
    Name: str = ""


@gostruct("rpc2.TypeInfoOut")
class TypeInfoOut:
    TypeInfo: TypeInfo | None = None


# ---- symbols and locations ---------------------------------------------------------------

@gostruct("rpc2.ListSourcesIn")
class ListSourcesIn:
    Filter: str = ""


@gostruct("rpc2.ListSourcesOut")
class ListSourcesOut:
    Sources: list[str] | None = None


@gostruct("rpc2.ListFunctionsIn")
class ListFunctionsIn:
    Filter: str = ""
    FollowCalls: int = 0


@gostruct("rpc2.ListFunctionsOut")
class ListFunctionsOut:
    Funcs: list[str] | None = None


@gostruct("rpc2.ListTypesIn")
class ListTypesIn:
    Filter: str = ""


@gostruct("rpc2.ListTypesOut")
class ListTypesOut:
    Types: list[str] | None = None


@gostruct("rpc2.FindLocationIn")
class FindLocationIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Loc: str = ""
    IncludeNonExecutableLines: bool = False
    SubstitutePathRules: list[list[str]] | None = gofield(go_type="[][2]string", default=None)


@gostruct("rpc2.FindLocationOut")
class FindLocationOut:
    Locations: list[Location] | None = None
    SubstituteLocExpr: str = ""


@gostruct("rpc2.DisassembleIn")
class DisassembleIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    StartPC: int = gofield(go_type="uint64", default=0)
    EndPC: int = gofield(go_type="uint64", default=0)
    Flavour: int = gofield(go_type="api.AssemblyFlavour", default=0)


@gostruct("rpc2.DisassembleOut")
class DisassembleOut:
    Disassemble: list[AsmInstruction] | None = gofield(go_type="api.AsmInstructions", default=None)


@gostruct("rpc2.FunctionReturnLocationsIn")
class FunctionReturnLocationsIn:
    FnName: str = ""


@gostruct("rpc2.FunctionReturnLocationsOut")
class FunctionReturnLocationsOut:
    Addrs: list[int] | None = gofield(go_type="[]uint64", default=None)


@gostruct("rpc2.ListDynamicLibrariesIn")
class ListDynamicLibrariesIn:
    pass


@gostruct("rpc2.ListDynamicLibrariesOut")
class ListDynamicLibrariesOut:
    List: list[Image] | None = None
    ExecutableTrimpath: bool = False


@gostruct("rpc2.ListPackagesBuildInfoIn")
class ListPackagesBuildInfoIn:
    IncludeFiles: bool = False
    Filter: str = ""


@gostruct("rpc2.ListPackagesBuildInfoOut")
class ListPackagesBuildInfoOut:
    List: list[PackageBuildInfo] | None = None


@gostruct("rpc2.BuildIDIn")
class BuildIDIn:
    pass


@gostruct("rpc2.BuildIDOut")
class BuildIDOut:
    BuildID: str = ""


@gostruct("rpc2.GuessSubstitutePathIn")
class GuessSubstitutePathIn:
    Args: api.GuessSubstitutePathIn = gofield(default_factory=lambda: api.GuessSubstitutePathIn())


@gostruct("rpc2.GuessSubstitutePathOut")
class GuessSubstitutePathOut:
    List: list[list[str]] | None = gofield(go_type="[][2]string", default=None)


# ---- recording, checkpoints, dumps -------------------------------------------------------

@gostruct("rpc2.RecordedIn")
class RecordedIn:
    pass


@gostruct("rpc2.RecordedOut")
class RecordedOut:
    Recorded: bool = False
    TraceDirectory: str = ""


@gostruct("rpc2.CheckpointIn")
class CheckpointIn:
    Where: str = ""


@gostruct("rpc2.CheckpointOut")
class CheckpointOut:
    ID: int = 0


@gostruct("rpc2.ListCheckpointsIn")
class ListCheckpointsIn:
    pass


@gostruct("rpc2.ListCheckpointsOut")
class ListCheckpointsOut:
    Checkpoints: list[Checkpoint] | None = None


@gostruct("rpc2.ClearCheckpointIn")
class ClearCheckpointIn:
    ID: int = 0


@gostruct("rpc2.ClearCheckpointOut")
class ClearCheckpointOut:
    pass


@gostruct("rpc2.StopRecordingIn")
class StopRecordingIn:
    pass


@gostruct("rpc2.StopRecordingOut")
class StopRecordingOut:
    pass


@gostruct("rpc2.DumpStartIn")
class DumpStartIn:
    Destination: str = ""


@gostruct("rpc2.DumpStartOut")
class DumpStartOut:
    State: DumpState = gofield(default_factory=lambda: api.DumpState())


@gostruct("rpc2.DumpWaitIn")
class DumpWaitIn:
    Wait: int = 0


@gostruct("rpc2.DumpWaitOut")
class DumpWaitOut:
    State: DumpState = gofield(default_factory=lambda: api.DumpState())


@gostruct("rpc2.DumpCancelIn")
class DumpCancelIn:
    pass


@gostruct("rpc2.DumpCancelOut")
class DumpCancelOut:
    pass


# ---- client / server features ------------------------------------------------------------

@gostruct("rpc2.IsMulticlientIn")
class IsMulticlientIn:
    pass


@gostruct("rpc2.IsMulticlientOut")
class IsMulticlientOut:
    IsMulticlient: bool = False


@gostruct("rpc2.AttachedToExistingProcessIn")
class AttachedToExistingProcessIn:
    pass


@gostruct("rpc2.AttachedToExistingProcessOut")
class AttachedToExistingProcessOut:
    Answer: bool = False


@gostruct("rpc2.ListTargetsIn")
class ListTargetsIn:
    pass


@gostruct("rpc2.ListTargetsOut")
class ListTargetsOut:
    Targets: list[Target] | None = gofield(default_factory=list)  # never null in Delve


@gostruct("rpc2.FollowExecIn")
class FollowExecIn:
    Enable: bool = False
    Regex: str = ""


@gostruct("rpc2.FollowExecOut")
class FollowExecOut:
    pass


@gostruct("rpc2.FollowExecEnabledIn")
class FollowExecEnabledIn:
    pass


@gostruct("rpc2.FollowExecEnabledOut")
class FollowExecEnabledOut:
    Enabled: bool = False


@gostruct("rpc2.DebugInfoDirectoriesIn")
class DebugInfoDirectoriesIn:
    Set: bool = False
    List: list[str] | None = None


@gostruct("rpc2.DebugInfoDirectoriesOut")
class DebugInfoDirectoriesOut:
    List: list[str] | None = None


@gostruct("rpc2.GetEventsIn")
class GetEventsIn:
    pass


@gostruct("rpc2.GetEventsOut")
class GetEventsOut:
    Events: list[Event] | None = None


@gostruct("rpc2.CancelDownloadsIn")
class CancelDownloadsIn:
    pass


@gostruct("rpc2.CancelDownloadsOut")
class CancelDownloadsOut:
    pass


@gostruct("rpc2.DownloadLibraryDebugInfoIn")
class DownloadLibraryDebugInfoIn:
    N: int = 0


@gostruct("rpc2.DownloadLibraryDebugInfoOut")
class DownloadLibraryDebugInfoOut:
    pass


# ---- the method table --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str  # "RPCServer.State"
    in_type: type
    out_type: type
    is_async: bool  # runs outside the connection's reader (delve-rpc.md §1.4)



# (name, In, Out), in delve-rpc.md §2 order; which run asynchronously: names.ASYNC_METHODS. Which methods take the target lock is the
# debugger facade's business (server/debugger/facade.py), not the wire's.
_TABLE: list[tuple[str, type, type]] = [
    ("GetVersion", GetVersionIn, GetVersionOut),
    ("SetApiVersion", SetApiVersionIn, SetApiVersionOut),
    ("ProcessPid", ProcessPidIn, ProcessPidOut),
    ("LastModified", LastModifiedIn, LastModifiedOut),
    ("Detach", DetachIn, DetachOut),
    ("Restart", RestartIn, RestartOut),
    ("State", StateIn, StateOut),
    ("Command", DebuggerCommand, CommandOut),
    ("GetBufferedTracepoints", GetBufferedTracepointsIn, GetBufferedTracepointsOut),
    ("GetBreakpoint", GetBreakpointIn, GetBreakpointOut),
    ("Stacktrace", StacktraceIn, StacktraceOut),
    ("Ancestors", AncestorsIn, AncestorsOut),
    ("ListBreakpoints", ListBreakpointsIn, ListBreakpointsOut),
    ("CreateBreakpoint", CreateBreakpointIn, CreateBreakpointOut),
    ("CreateEBPFTracepoint", CreateEBPFTracepointIn, CreateEBPFTracepointOut),
    ("ClearBreakpoint", ClearBreakpointIn, ClearBreakpointOut),
    ("ToggleBreakpoint", ToggleBreakpointIn, ToggleBreakpointOut),
    ("AmendBreakpoint", AmendBreakpointIn, AmendBreakpointOut),
    ("CancelNext", CancelNextIn, CancelNextOut),
    ("ListThreads", ListThreadsIn, ListThreadsOut),
    ("GetThread", GetThreadIn, GetThreadOut),
    ("ListPackageVars", ListPackageVarsIn, ListPackageVarsOut),
    ("ListRegisters", ListRegistersIn, ListRegistersOut),
    ("ListLocalVars", ListLocalVarsIn, ListLocalVarsOut),
    ("ListFunctionArgs", ListFunctionArgsIn, ListFunctionArgsOut),
    ("Eval", EvalIn, EvalOut),
    ("Set", SetIn, SetOut),
    ("ListSources", ListSourcesIn, ListSourcesOut),
    ("ListFunctions", ListFunctionsIn, ListFunctionsOut),
    ("ListTypes", ListTypesIn, ListTypesOut),
    ("ListGoroutines", ListGoroutinesIn, ListGoroutinesOut),
    ("AttachedToExistingProcess", AttachedToExistingProcessIn, AttachedToExistingProcessOut),
    ("FindLocation", FindLocationIn, FindLocationOut),
    ("Disassemble", DisassembleIn, DisassembleOut),
    ("Recorded", RecordedIn, RecordedOut),
    ("Checkpoint", CheckpointIn, CheckpointOut),
    ("ListCheckpoints", ListCheckpointsIn, ListCheckpointsOut),
    ("ClearCheckpoint", ClearCheckpointIn, ClearCheckpointOut),
    ("IsMulticlient", IsMulticlientIn, IsMulticlientOut),
    ("FunctionReturnLocations", FunctionReturnLocationsIn, FunctionReturnLocationsOut),
    ("ListDynamicLibraries", ListDynamicLibrariesIn, ListDynamicLibrariesOut),
    ("ListPackagesBuildInfo", ListPackagesBuildInfoIn, ListPackagesBuildInfoOut),
    ("ExamineMemory", ExamineMemoryIn, ExaminedMemoryOut),
    ("StopRecording", StopRecordingIn, StopRecordingOut),
    ("DumpStart", DumpStartIn, DumpStartOut),
    ("DumpWait", DumpWaitIn, DumpWaitOut),
    ("DumpCancel", DumpCancelIn, DumpCancelOut),
    ("CreateWatchpoint", CreateWatchpointIn, CreateWatchpointOut),
    ("BuildID", BuildIDIn, BuildIDOut),
    ("ListTargets", ListTargetsIn, ListTargetsOut),
    ("FollowExec", FollowExecIn, FollowExecOut),
    ("FollowExecEnabled", FollowExecEnabledIn, FollowExecEnabledOut),
    ("DebugInfoDirectories", DebugInfoDirectoriesIn, DebugInfoDirectoriesOut),
    ("GuessSubstitutePath", GuessSubstitutePathIn, GuessSubstitutePathOut),
    ("GetEvents", GetEventsIn, GetEventsOut),
    ("CancelDownloads", CancelDownloadsIn, CancelDownloadsOut),
    # Crashes Delve 1.27.1 (its reply type is not a pointer); pydlv answers {} or an error.
    ("DownloadLibraryDebugInfo", DownloadLibraryDebugInfoIn, DownloadLibraryDebugInfoOut),
    ("TypeInfo", TypeInfoIn, TypeInfoOut),
]

METHODS: dict[str, MethodSpec] = {
    f"RPCServer.{name}": MethodSpec(f"RPCServer.{name}", in_t, out_t, f"RPCServer.{name}" in ASYNC_METHODS)
    for name, in_t, out_t in _TABLE
}


MISSING_PARAMS = "jsonrpc: request body missing params"


def decode_params(spec: MethodSpec, params: Any) -> Any:
    """The method's In value from a request's `params`, as Go's jsonrpc server codec does.

    params: the parsed JSON (None when absent or null). Raises DecodeError whose text is
    Go's error *without* Delve's "malformed request body: " prefix; the caller adds it
    (the full reply error is f"malformed request body: {e}").
    """
    if params is None:
        raise DecodeError(MISSING_PARAMS)
    if not isinstance(params, list):
        # Go decodes params into a [1]interface{} holding a pointer to the In struct.
        raise type_error(json_kind(params), "[1]interface {}", ())
    if not params or params[0] is None:
        return zero_value(spec.in_type)
    return decode(spec.in_type, params[0], ("0",))
