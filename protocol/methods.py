"""The 58 RPCServer methods of Delve's API v2: In/Out types, mode, locking, params decoding.

In/Out classes are Go's `rpc2.XxxIn`/`rpc2.XxxOut` (attribute = JSON key = Go field name).
`Command` takes `api.DebuggerCommand` itself; `GetVersion`/`SetApiVersion` live in Go's
`api` package (`api.GetVersionIn`, `api.SetAPIVersionIn`). See delve-rpc.md §2.
"""

from __future__ import annotations

from typing import Any

from ..records import record
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

@gostruct("rpc2.ProcessPidIn", shared_init=True)
class ProcessPidIn:
    pass


@gostruct("rpc2.ProcessPidOut", shared_init=True)
class ProcessPidOut:
    Pid: int = 0


@gostruct("rpc2.LastModifiedIn", shared_init=True)
class LastModifiedIn:
    pass


@gostruct("rpc2.LastModifiedOut", shared_init=True)
class LastModifiedOut:
    Time: str = gofield(go_type="time.Time", default="0001-01-01T00:00:00Z")  # RFC 3339 nano, preformatted


@gostruct("rpc2.DetachIn", shared_init=True)
class DetachIn:
    Kill: bool = False


@gostruct("rpc2.DetachOut", shared_init=True)
class DetachOut:
    pass


@gostruct("rpc2.RestartIn", shared_init=True)
class RestartIn:
    Position: str = ""
    ResetArgs: bool = False
    NewArgs: list[str] | None = None
    Rerecord: bool = False
    Rebuild: bool = False
    NewRedirects: list[str] = gofield(go_type="[3]string", default_factory=lambda: ["", "", ""])


@gostruct("rpc2.RestartOut", shared_init=True)
class RestartOut:
    DiscardedBreakpoints: list[DiscardedBreakpoint] | None = None


@gostruct("rpc2.StateIn", shared_init=True)
class StateIn:
    NonBlocking: bool = False


@gostruct("rpc2.StateOut", shared_init=True)
class StateOut:
    State: DebuggerState | None = None


@gostruct("rpc2.CommandOut", shared_init=True)
class CommandOut:
    State: DebuggerState = gofield(default_factory=DebuggerState)


@gostruct("rpc2.GetBufferedTracepointsIn", shared_init=True)
class GetBufferedTracepointsIn:
    LoadCfg: LoadConfig | None = None


@gostruct("rpc2.GetBufferedTracepointsOut", shared_init=True)
class GetBufferedTracepointsOut:
    TracepointResults: list[TracepointResult] | None = None


# ---- breakpoints -------------------------------------------------------------------------

@gostruct("rpc2.GetBreakpointIn", shared_init=True)
class GetBreakpointIn:
    Id: int = 0
    Name: str = ""


@gostruct("rpc2.GetBreakpointOut", shared_init=True)
class GetBreakpointOut:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.ListBreakpointsIn", shared_init=True)
class ListBreakpointsIn:
    All: bool = False


@gostruct("rpc2.ListBreakpointsOut", shared_init=True)
class ListBreakpointsOut:
    Breakpoints: list[Breakpoint | None] | None = None


@gostruct("rpc2.CreateBreakpointIn", shared_init=True)
class CreateBreakpointIn:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())
    LocExpr: str = ""
    SubstitutePathRules: list[list[str]] | None = gofield(go_type="[][2]string", default=None)
    Suspended: bool = False


@gostruct("rpc2.CreateBreakpointOut", shared_init=True)
class CreateBreakpointOut:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.CreateEBPFTracepointIn", shared_init=True)
class CreateEBPFTracepointIn:
    FunctionName: str = ""


@gostruct("rpc2.CreateEBPFTracepointOut", shared_init=True)
class CreateEBPFTracepointOut:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.ClearBreakpointIn", shared_init=True)
class ClearBreakpointIn:
    Id: int = 0
    Name: str = ""


@gostruct("rpc2.ClearBreakpointOut", shared_init=True)
class ClearBreakpointOut:
    Breakpoint: Breakpoint | None = None


@gostruct("rpc2.ToggleBreakpointIn", shared_init=True)
class ToggleBreakpointIn:
    Id: int = 0
    Name: str = ""


@gostruct("rpc2.ToggleBreakpointOut", shared_init=True)
class ToggleBreakpointOut:
    Breakpoint: Breakpoint | None = None


@gostruct("rpc2.AmendBreakpointIn", shared_init=True)
class AmendBreakpointIn:
    Breakpoint: Breakpoint = gofield(default_factory=lambda: api.Breakpoint())


@gostruct("rpc2.AmendBreakpointOut", shared_init=True)
class AmendBreakpointOut:
    pass


@gostruct("rpc2.CreateWatchpointIn", shared_init=True)
class CreateWatchpointIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Expr: str = ""
    Type: int = gofield(go_type="api.WatchType", default=0)


@gostruct("rpc2.CreateWatchpointOut", shared_init=True)
class CreateWatchpointOut:
    # Go embeds *api.Breakpoint: the breakpoint's keys at top level, no "Breakpoint" key.
    Breakpoint: Breakpoint | None = gofield(inline=True, default=None)


# ---- stepping / threads / goroutines -----------------------------------------------------

@gostruct("rpc2.CancelNextIn", shared_init=True)
class CancelNextIn:
    pass


@gostruct("rpc2.CancelNextOut", shared_init=True)
class CancelNextOut:
    pass


@gostruct("rpc2.StacktraceIn", shared_init=True)
class StacktraceIn:
    Id: int = gofield(go_type="int64", default=0)
    Depth: int = 0
    Full: bool = False
    Defers: bool = False
    Opts: int = gofield(go_type="api.StacktraceOptions", default=0)
    Cfg: LoadConfig | None = None
    Skip: int = 0


@gostruct("rpc2.StacktraceOut", shared_init=True)
class StacktraceOut:
    Locations: list[Stackframe] | None = None


@gostruct("rpc2.AncestorsIn", shared_init=True)
class AncestorsIn:
    GoroutineID: int = gofield(go_type="int64", default=0)
    NumAncestors: int = 0
    Depth: int = 0


@gostruct("rpc2.AncestorsOut", shared_init=True)
class AncestorsOut:
    Ancestors: list[Ancestor] | None = None


@gostruct("rpc2.ListThreadsIn", shared_init=True)
class ListThreadsIn:
    pass


@gostruct("rpc2.ListThreadsOut", shared_init=True)
class ListThreadsOut:
    Threads: list[ThreadT | None] | None = None


@gostruct("rpc2.GetThreadIn", shared_init=True)
class GetThreadIn:
    Id: int = 0


@gostruct("rpc2.GetThreadOut", shared_init=True)
class GetThreadOut:
    Thread: ThreadT | None = None


@gostruct("rpc2.ListGoroutinesIn", shared_init=True)
class ListGoroutinesIn:
    Start: int = 0
    Count: int = 0
    Filters: list[ListGoroutinesFilter] | None = None
    # Go embeds api.GoroutineGroupingOptions: its keys are flat in the object.
    GoroutineGroupingOptions: api.GoroutineGroupingOptions = gofield(
        inline=True, default_factory=lambda: api.GoroutineGroupingOptions())
    EvalScope: EvalScope | None = None


@gostruct("rpc2.ListGoroutinesOut", shared_init=True)
class ListGoroutinesOut:
    Goroutines: list[GoroutineT | None] | None = None
    Nextg: int = 0
    Groups: list[GoroutineGroup] | None = None
    TooManyGroups: bool = False


# ---- variables and evaluation ------------------------------------------------------------

@gostruct("rpc2.ListPackageVarsIn", shared_init=True)
class ListPackageVarsIn:
    Filter: str = ""
    Cfg: LoadConfig = gofield(default_factory=lambda: api.LoadConfig())


@gostruct("rpc2.ListPackageVarsOut", shared_init=True)
class ListPackageVarsOut:
    Variables: list[Variable] | None = None


@gostruct("rpc2.ListRegistersIn", shared_init=True)
class ListRegistersIn:
    ThreadID: int = 0
    IncludeFp: bool = False
    Scope: EvalScope | None = None


@gostruct("rpc2.ListRegistersOut", shared_init=True)
class ListRegistersOut:
    Registers: str = ""
    Regs: list[Register] | None = gofield(go_type="api.Registers", default=None)


@gostruct("rpc2.ListLocalVarsIn", shared_init=True)
class ListLocalVarsIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Cfg: LoadConfig = gofield(default_factory=lambda: api.LoadConfig())


@gostruct("rpc2.ListLocalVarsOut", shared_init=True)
class ListLocalVarsOut:
    Variables: list[Variable] | None = None


@gostruct("rpc2.ListFunctionArgsIn", shared_init=True)
class ListFunctionArgsIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Cfg: LoadConfig = gofield(default_factory=lambda: api.LoadConfig())


@gostruct("rpc2.ListFunctionArgsOut", shared_init=True)
class ListFunctionArgsOut:
    Args: list[Variable] | None = None


@gostruct("rpc2.EvalIn", shared_init=True)
class EvalIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Expr: str = ""
    Cfg: LoadConfig | None = None


@gostruct("rpc2.EvalOut", shared_init=True)
class EvalOut:
    Variable: Variable | None = None


@gostruct("rpc2.SetIn", shared_init=True)
class SetIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Symbol: str = ""
    Value: str = ""


@gostruct("rpc2.SetOut", shared_init=True)
class SetOut:
    pass


@gostruct("rpc2.ExamineMemoryIn", shared_init=True)
class ExamineMemoryIn:
    Address: int = gofield(go_type="uint64", default=0)
    Length: int = 0


@gostruct("rpc2.ExaminedMemoryOut", shared_init=True)
class ExaminedMemoryOut:
    Mem: bytes | None = None
    IsLittleEndian: bool = False


ExamineMemoryOut = ExaminedMemoryOut


@gostruct("rpc2.TypeInfoIn", shared_init=True)
class TypeInfoIn:
    Name: str = ""


@gostruct("rpc2.TypeInfoOut", shared_init=True)
class TypeInfoOut:
    TypeInfo: TypeInfo | None = None


# ---- symbols and locations ---------------------------------------------------------------

@gostruct("rpc2.ListSourcesIn", shared_init=True)
class ListSourcesIn:
    Filter: str = ""


@gostruct("rpc2.ListSourcesOut", shared_init=True)
class ListSourcesOut:
    Sources: list[str] | None = None


@gostruct("rpc2.ListFunctionsIn", shared_init=True)
class ListFunctionsIn:
    Filter: str = ""
    FollowCalls: int = 0


@gostruct("rpc2.ListFunctionsOut", shared_init=True)
class ListFunctionsOut:
    Funcs: list[str] | None = None


@gostruct("rpc2.ListTypesIn", shared_init=True)
class ListTypesIn:
    Filter: str = ""


@gostruct("rpc2.ListTypesOut", shared_init=True)
class ListTypesOut:
    Types: list[str] | None = None


@gostruct("rpc2.FindLocationIn", shared_init=True)
class FindLocationIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    Loc: str = ""
    IncludeNonExecutableLines: bool = False
    SubstitutePathRules: list[list[str]] | None = gofield(go_type="[][2]string", default=None)


@gostruct("rpc2.FindLocationOut", shared_init=True)
class FindLocationOut:
    Locations: list[Location] | None = None
    SubstituteLocExpr: str = ""


@gostruct("rpc2.DisassembleIn", shared_init=True)
class DisassembleIn:
    Scope: EvalScope = gofield(default_factory=lambda: api.EvalScope())
    StartPC: int = gofield(go_type="uint64", default=0)
    EndPC: int = gofield(go_type="uint64", default=0)
    Flavour: int = gofield(go_type="api.AssemblyFlavour", default=0)


@gostruct("rpc2.DisassembleOut", shared_init=True)
class DisassembleOut:
    Disassemble: list[AsmInstruction] | None = gofield(go_type="api.AsmInstructions", default=None)


@gostruct("rpc2.FunctionReturnLocationsIn", shared_init=True)
class FunctionReturnLocationsIn:
    FnName: str = ""


@gostruct("rpc2.FunctionReturnLocationsOut", shared_init=True)
class FunctionReturnLocationsOut:
    Addrs: list[int] | None = gofield(go_type="[]uint64", default=None)


@gostruct("rpc2.ListDynamicLibrariesIn", shared_init=True)
class ListDynamicLibrariesIn:
    pass


@gostruct("rpc2.ListDynamicLibrariesOut", shared_init=True)
class ListDynamicLibrariesOut:
    List: list[Image] | None = None
    ExecutableTrimpath: bool = False


@gostruct("rpc2.ListPackagesBuildInfoIn", shared_init=True)
class ListPackagesBuildInfoIn:
    IncludeFiles: bool = False
    Filter: str = ""


@gostruct("rpc2.ListPackagesBuildInfoOut", shared_init=True)
class ListPackagesBuildInfoOut:
    List: list[PackageBuildInfo] | None = None


@gostruct("rpc2.BuildIDIn", shared_init=True)
class BuildIDIn:
    pass


@gostruct("rpc2.BuildIDOut", shared_init=True)
class BuildIDOut:
    BuildID: str = ""


@gostruct("rpc2.GuessSubstitutePathIn", shared_init=True)
class GuessSubstitutePathIn:
    Args: api.GuessSubstitutePathIn = gofield(default_factory=lambda: api.GuessSubstitutePathIn())


@gostruct("rpc2.GuessSubstitutePathOut", shared_init=True)
class GuessSubstitutePathOut:
    List: list[list[str]] | None = gofield(go_type="[][2]string", default=None)


# ---- recording, checkpoints, dumps -------------------------------------------------------

@gostruct("rpc2.RecordedIn", shared_init=True)
class RecordedIn:
    pass


@gostruct("rpc2.RecordedOut", shared_init=True)
class RecordedOut:
    Recorded: bool = False
    TraceDirectory: str = ""


@gostruct("rpc2.CheckpointIn", shared_init=True)
class CheckpointIn:
    Where: str = ""


@gostruct("rpc2.CheckpointOut", shared_init=True)
class CheckpointOut:
    ID: int = 0


@gostruct("rpc2.ListCheckpointsIn", shared_init=True)
class ListCheckpointsIn:
    pass


@gostruct("rpc2.ListCheckpointsOut", shared_init=True)
class ListCheckpointsOut:
    Checkpoints: list[Checkpoint] | None = None


@gostruct("rpc2.ClearCheckpointIn", shared_init=True)
class ClearCheckpointIn:
    ID: int = 0


@gostruct("rpc2.ClearCheckpointOut", shared_init=True)
class ClearCheckpointOut:
    pass


@gostruct("rpc2.StopRecordingIn", shared_init=True)
class StopRecordingIn:
    pass


@gostruct("rpc2.StopRecordingOut", shared_init=True)
class StopRecordingOut:
    pass


@gostruct("rpc2.DumpStartIn", shared_init=True)
class DumpStartIn:
    Destination: str = ""


@gostruct("rpc2.DumpStartOut", shared_init=True)
class DumpStartOut:
    State: DumpState = gofield(default_factory=lambda: api.DumpState())


@gostruct("rpc2.DumpWaitIn", shared_init=True)
class DumpWaitIn:
    Wait: int = 0


@gostruct("rpc2.DumpWaitOut", shared_init=True)
class DumpWaitOut:
    State: DumpState = gofield(default_factory=lambda: api.DumpState())


@gostruct("rpc2.DumpCancelIn", shared_init=True)
class DumpCancelIn:
    pass


@gostruct("rpc2.DumpCancelOut", shared_init=True)
class DumpCancelOut:
    pass


# ---- client / server features ------------------------------------------------------------

@gostruct("rpc2.IsMulticlientIn", shared_init=True)
class IsMulticlientIn:
    pass


@gostruct("rpc2.IsMulticlientOut", shared_init=True)
class IsMulticlientOut:
    IsMulticlient: bool = False


@gostruct("rpc2.AttachedToExistingProcessIn", shared_init=True)
class AttachedToExistingProcessIn:
    pass


@gostruct("rpc2.AttachedToExistingProcessOut", shared_init=True)
class AttachedToExistingProcessOut:
    Answer: bool = False


@gostruct("rpc2.ListTargetsIn", shared_init=True)
class ListTargetsIn:
    pass


@gostruct("rpc2.ListTargetsOut", shared_init=True)
class ListTargetsOut:
    Targets: list[Target] | None = gofield(default_factory=list)  # never null in Delve


@gostruct("rpc2.FollowExecIn", shared_init=True)
class FollowExecIn:
    Enable: bool = False
    Regex: str = ""


@gostruct("rpc2.FollowExecOut", shared_init=True)
class FollowExecOut:
    pass


@gostruct("rpc2.FollowExecEnabledIn", shared_init=True)
class FollowExecEnabledIn:
    pass


@gostruct("rpc2.FollowExecEnabledOut", shared_init=True)
class FollowExecEnabledOut:
    Enabled: bool = False


@gostruct("rpc2.DebugInfoDirectoriesIn", shared_init=True)
class DebugInfoDirectoriesIn:
    Set: bool = False
    List: list[str] | None = None


@gostruct("rpc2.DebugInfoDirectoriesOut", shared_init=True)
class DebugInfoDirectoriesOut:
    List: list[str] | None = None


@gostruct("rpc2.GetEventsIn", shared_init=True)
class GetEventsIn:
    pass


@gostruct("rpc2.GetEventsOut", shared_init=True)
class GetEventsOut:
    Events: list[Event] | None = None


@gostruct("rpc2.CancelDownloadsIn", shared_init=True)
class CancelDownloadsIn:
    pass


@gostruct("rpc2.CancelDownloadsOut", shared_init=True)
class CancelDownloadsOut:
    pass


@gostruct("rpc2.DownloadLibraryDebugInfoIn", shared_init=True)
class DownloadLibraryDebugInfoIn:
    N: int = 0


@gostruct("rpc2.DownloadLibraryDebugInfoOut", shared_init=True)
class DownloadLibraryDebugInfoOut:
    pass


# ---- the method table --------------------------------------------------------------------

@record(frozen=True, slots=True)
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
