"""Delve API v2 types (Go package `service/api`) with their exact JSON keys and order.

Attribute names are the JSON keys (Go's field names where untagged), so the wire
shape reads straight off the class. Field order is Go's declaration order, which is the
emission order. Defaults are Go's zero values, except where Delve always sends an
allocated empty container (`children: []`, `Defers: []`, `hitCount: {}`): those default
to an empty list/dict, and None gives Go's nil (`null`).
"""

from __future__ import annotations

import base64
from typing import Any

from .wire import gofield, gostruct, register_int_type

register_int_type("api.WatchType", "uint8")
register_int_type("api.StacktraceOptions", "uint16")
register_int_type("api.GoroutineField", "uint8")
register_int_type("api.AssemblyFlavour", "int")
register_int_type("api.VariableFlags", "uint16")
register_int_type("api.EventKind", "uint8")
register_int_type("reflect.Kind", "uint")

U64 = "uint64"


@gostruct("api.Function")
class Function:
    name: str = ""
    value: int = gofield(go_type=U64, default=0)
    type: int = gofield(go_type="uint8", default=0)
    goType: int = gofield(go_type=U64, default=0)
    optimized: bool = False


@gostruct("api.Location", shared=True)
class Location:
    pc: int = gofield(go_type=U64, default=0)
    file: str = ""
    line: int = 0
    function: Function | None = gofield(omitempty=True, default=None)
    pcs: list[int] | None = gofield(omitempty=True, go_type="[]uint64", default=None)
    pcpids: list[int] | None = gofield(omitempty=True, default=None)


@gostruct("api.LoadConfig")
class LoadConfig:
    FollowPointers: bool = False
    MaxVariableRecurse: int = 0
    MaxStringLen: int = 0
    MaxArrayValues: int = 0
    MaxStructFields: int = 0


def load_full_value() -> LoadConfig:
    """Delve's LoadFullValue: Eval with a null Cfg, Stacktrace Full, breakpoint `variables`."""
    return LoadConfig(True, 1, 64, 64, -1)


def load_connect_short() -> LoadConfig:
    """What `dlv connect` sends for locals/args/vars."""
    return LoadConfig(False, 0, 64, 0, 3)


KIND_STRING = 24  # reflect.String


@gostruct("api.Variable")
class Variable:
    name: str = ""
    addr: int = gofield(go_type=U64, default=0)
    onlyAddr: bool = False
    type: str = ""
    realType: str = ""
    flags: int = gofield(go_type="api.VariableFlags", default=0)
    kind: int = gofield(go_type="reflect.Kind", default=0)
    value: str = ""
    StringValueBytes: bytes | None = None
    len: int = gofield(go_type="int64", default=0)
    cap: int = gofield(go_type="int64", default=0)
    children: list[Variable] | None = gofield(default_factory=list)
    base: int = gofield(go_type=U64, default=0)
    unreadable: str = ""
    LocationExpr: str = ""
    DeclLine: int = gofield(go_type="int64", default=0)

    def go_encode_hook(self, d: dict[str, Any]) -> None:
        # Delve's Variable.MarshalJSON: a string value that is not valid UTF-8 also goes
        # out raw, base64'd. Raw bytes travel in `value` as surrogateescape'd text.
        if self.kind == KIND_STRING and self.StringValueBytes is None and not self.value.isascii():
            try:
                self.value.encode("utf-8")
            except UnicodeEncodeError:
                raw = self.value.encode("utf-8", "surrogateescape")
                d["StringValueBytes"] = base64.b64encode(raw).decode("ascii")


@gostruct("api.Breakpoint")
class Breakpoint:
    id: int = 0
    name: str = ""
    addr: int = gofield(go_type=U64, default=0)
    addrs: list[int] | None = gofield(go_type="[]uint64", default=None)
    addrpid: list[int] | None = None
    file: str = ""
    line: int = 0
    functionName: str = gofield(omitempty=True, default="")
    ExprString: str = ""
    Cond: str = ""
    HitCond: str = ""
    HitCondPerG: bool = False
    Tracepoint: bool = gofield(json="continue", default=False)
    traceReturn: bool = False
    goroutine: bool = False
    stacktrace: int = 0
    variables: list[str] | None = gofield(omitempty=True, default=None)
    LoadArgs: LoadConfig | None = None
    LoadLocals: LoadConfig | None = None
    customCommands: list[str] | None = gofield(omitempty=True, default=None)
    WatchExpr: str = ""
    WatchType: int = gofield(go_type="api.WatchType", default=0)
    VerboseDescr: list[str] | None = gofield(omitempty=True, default=None)
    hitCount: dict[str, int] | None = gofield(go_type="map[string]uint64", default_factory=dict)
    totalHitCount: int = gofield(go_type=U64, default=0)
    disabled: bool = False
    RootFuncName: str = ""
    TraceFollowCalls: int = 0


@gostruct("api.Goroutine")
class Goroutine:
    id: int = gofield(go_type="int64", default=0)
    currentLoc: Location = gofield(default_factory=Location)
    userCurrentLoc: Location = gofield(default_factory=Location)
    goStatementLoc: Location = gofield(default_factory=Location)
    startLoc: Location = gofield(default_factory=Location)
    threadID: int = 0
    status: int = gofield(go_type=U64, default=0)
    waitSince: int = gofield(go_type="int64", default=0)
    waitReason: int = gofield(go_type="int64", default=0)
    unreadable: str = ""
    labels: dict[str, str] | None = gofield(omitempty=True, default=None)


@gostruct("api.Defer")
class Defer:
    DeferredLoc: Location = gofield(default_factory=Location)
    DeferLoc: Location = gofield(default_factory=Location)
    SP: int = gofield(go_type=U64, default=0)
    Unreadable: str = ""


@gostruct("api.Stackframe")
class Stackframe:
    Location: Location = gofield(inline=True, default_factory=lambda: Location())  # Go embeds api.Location
    Locals: list[Variable] | None = None
    Arguments: list[Variable] | None = None
    FrameOffset: int = gofield(go_type="int64", default=0)
    FramePointerOffset: int = gofield(go_type="int64", default=0)
    Defers: list[Defer] | None = gofield(default_factory=list)
    Bottom: bool = gofield(omitempty=True, default=False)
    Err: str = ""


@gostruct("api.BreakpointInfo")
class BreakpointInfo:
    stacktrace: list[Stackframe] | None = gofield(omitempty=True, default=None)
    goroutine: Goroutine | None = gofield(omitempty=True, default=None)
    variables: list[Variable] | None = gofield(omitempty=True, default=None)
    arguments: list[Variable] | None = gofield(omitempty=True, default=None)
    locals: list[Variable] | None = gofield(omitempty=True, default=None)


@gostruct("api.Thread")
class Thread:
    id: int = 0
    pc: int = gofield(go_type=U64, default=0)
    file: str = ""
    line: int = 0
    function: Function | None = gofield(omitempty=True, default=None)
    goroutineID: int = gofield(go_type="int64", default=0)
    breakPoint: Breakpoint | None = gofield(omitempty=True, default=None)
    breakPointInfo: BreakpointInfo | None = gofield(omitempty=True, default=None)
    ReturnValues: list[Variable] | None = None
    CallReturn: bool = False


@gostruct("api.DebuggerState")
class DebuggerState:
    Pid: int = 0
    TargetCommandLine: str = ""
    Running: bool = False
    Recording: bool = False
    CoreDumping: bool = False
    currentThread: Thread | None = gofield(omitempty=True, default=None)
    currentGoroutine: Goroutine | None = gofield(omitempty=True, default=None)
    Threads: list[Thread | None] | None = None
    NextInProgress: bool = False
    WatchOutOfScope: list[Breakpoint | None] | None = None
    exited: bool = False
    exitStatus: int = 0
    When: str = ""
    stopReason: str = gofield(omitempty=True, default="")


def running_state() -> DebuggerState:
    """The State{NonBlocking:true} answer while the target runs (delve-rpc.md §1.4)."""
    return DebuggerState(Running=True)


def exited_state(pid: int, status: int) -> DebuggerState:
    """The Command answer when the process exited (delve-rpc.md §3.1)."""
    return DebuggerState(Pid=pid, exited=True, exitStatus=status)


@gostruct("api.TracepointResult")
class TracepointResult:
    addr: int = gofield(go_type=U64, default=0)
    file: str = ""
    line: int = 0
    is_ret: bool = False
    functionName: str = gofield(omitempty=True, default="")
    goroutineID: int = 0
    inputParams: list[Variable] | None = gofield(omitempty=True, default=None)
    returnParams: list[Variable] | None = gofield(omitempty=True, default=None)


@gostruct("api.DebuggerCommand")
class DebuggerCommand:
    name: str = ""
    threadID: int = gofield(omitempty=True, default=0)
    goroutineID: int = gofield(omitempty=True, go_type="int64", default=0)
    ReturnInfoLoadConfig: LoadConfig | None = None
    expr: str = gofield(omitempty=True, default="")
    WithEvents: bool = False
    unsafeCall: bool = gofield(omitempty=True, default=False)


@gostruct("api.EvalScope")
class EvalScope:
    GoroutineID: int = gofield(go_type="int64", default=0)
    Frame: int = 0
    DeferredCall: int = 0


@gostruct("api.AsmInstruction")
class AsmInstruction:
    Loc: Location = gofield(default_factory=Location)
    DestLoc: Location | None = None
    Text: str = ""
    Bytes: bytes | None = None
    Breakpoint: bool = False
    AtPC: bool = False


@gostruct("api.GetVersionIn")
class GetVersionIn:
    pass


@gostruct("api.GetVersionOut")
class GetVersionOut:
    DelveVersion: str = ""
    APIVersion: int = 0
    Backend: str = ""
    TargetGoVersion: str = ""
    MinSupportedVersionOfGo: str = ""
    MaxSupportedVersionOfGo: str = ""


@gostruct("api.SetAPIVersionIn")
class SetAPIVersionIn:
    APIVersion: int = 0


@gostruct("api.SetAPIVersionOut")
class SetAPIVersionOut:
    pass


@gostruct("api.Register")
class Register:
    Name: str = ""
    Value: str = ""
    DwarfNumber: int = 0


@gostruct("api.DiscardedBreakpoint")
class DiscardedBreakpoint:
    Breakpoint: Breakpoint | None = None
    Reason: str = ""


@gostruct("api.Checkpoint")
class Checkpoint:
    ID: int = 0
    When: str = ""
    Where: str = ""


@gostruct("api.Image")
class Image:
    Path: str = ""
    Address: int = gofield(go_type=U64, default=0)
    LoadError: str = ""
    Trimpath: bool = False


@gostruct("api.Ancestor")
class Ancestor:
    ID: int = gofield(go_type="int64", default=0)
    Stack: list[Stackframe] | None = None
    Unreadable: str = ""


@gostruct("api.PackageBuildInfo")
class PackageBuildInfo:
    ImportPath: str = ""
    DirectoryPath: str = ""
    Files: list[str] | None = None


@gostruct("api.DumpState")
class DumpState:
    Dumping: bool = False
    AllDone: bool = False
    ThreadsDone: int = 0
    ThreadsTotal: int = 0
    MemDone: int = gofield(go_type=U64, default=0)
    MemTotal: int = gofield(go_type=U64, default=0)
    Err: str = ""


@gostruct("api.ListGoroutinesFilter")
class ListGoroutinesFilter:
    Kind: int = gofield(go_type="api.GoroutineField", default=0)
    Negated: bool = False
    Arg: str = ""


@gostruct("api.GoroutineGroup")
class GoroutineGroup:
    Name: str = ""
    Offset: int = 0
    Count: int = 0
    Total: int = 0


@gostruct("api.GoroutineGroupingOptions")
class GoroutineGroupingOptions:
    GroupBy: int = gofield(go_type="api.GoroutineField", default=0)
    GroupByKey: str = ""
    MaxGroupMembers: int = 0
    MaxGroups: int = 0


@gostruct("api.Target")
class Target:
    Pid: int = 0
    CmdLine: str = ""
    CurrentThread: Thread | None = None


@gostruct("api.GuessSubstitutePathIn")
class GuessSubstitutePathIn:
    ImportPathOfMainPackage: str = ""
    ClientGOROOT: str = ""
    ClientModuleDirectories: dict[str, str] | None = None


@gostruct("api.BinaryInfoDownloadEventDetails")
class BinaryInfoDownloadEventDetails:
    ImagePath: str = ""
    Progress: str = ""


@gostruct("api.BreakpointMaterializedEventDetails")
class BreakpointMaterializedEventDetails:
    Breakpoint: Breakpoint | None = None


@gostruct("api.ProcessSpawnedEventDetails")
class ProcessSpawnedEventDetails:
    PID: int = 0
    ThreadID: int = 0
    Cmdline: str = ""
    WillFollow: bool = False


EVENT_RESUMED, EVENT_STOPPED, EVENT_BINARY_INFO_DOWNLOAD, EVENT_BREAKPOINT_MATERIALIZED, EVENT_PROCESS_SPAWNED = range(5)


@gostruct("api.Event")
class Event:
    Kind: int = gofield(go_type="api.EventKind", default=0)
    # Go embeds three pointers: only the one that is set adds its keys.
    BinaryInfoDownloadEventDetails: BinaryInfoDownloadEventDetails | None = gofield(inline=True, default=None)
    BreakpointMaterializedEventDetails: BreakpointMaterializedEventDetails | None = gofield(inline=True, default=None)
    ProcessSpawnedEventDetails: ProcessSpawnedEventDetails | None = gofield(inline=True, default=None)


@gostruct("api.TypeInfoField")
class TypeInfoField:
    Name: str = ""
    Type: str = ""


@gostruct("api.TypeInfoMethod")
class TypeInfoMethod:
    Name: str = ""


@gostruct("api.TypeInfo")
class TypeInfo:
    Kind: int = gofield(go_type="reflect.Kind", default=0)
    Size: int = gofield(go_type="int64", default=0)
    RealType: str = ""
    Fields: list[TypeInfoField] | None = None
    Methods: list[TypeInfoMethod] | None = None
