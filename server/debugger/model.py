"""The target as the debugger layer describes it: plain records, no wire format.

rpc.py turns these into Delve API types; nothing here knows JSON.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from ..goruntime.model import Frame, Goroutine, Location
from ..goruntime.values import LoadCfg, Value
from ..records import record

# Ids of the breakpoints Delve sets itself.
UNRECOVERED_PANIC_ID = -1
FATAL_THROW_ID = -2


@record(frozen=True)
class BreakpointOrigin:
    """Where the user asked for a breakpoint (Delve's SetBreakpoint), to find it again in a
    restarted process; addresses alone cannot be (Delve drops them too)."""

    file: str = ""
    line: int = 0
    function_name: str = ""
    loc_expr: str = ""
    substitute_rules: tuple[tuple[str, str], ...] = ()  # of loc_expr


@record
class Breakpoint:
    """A logical breakpoint: what the user asked for, over one or more addresses."""

    id: int
    name: str = ""
    addrs: list[int] = field(default_factory=list)
    # The process of each address (Delve's AddrPid): with follow-exec a breakpoint is in every
    # process whose binary has its location. Empty: all in the set's first process.
    addr_pids: list[int] = field(default_factory=list)
    file: str = ""
    line: int = 0
    function_name: str = ""
    loc_expr: str = ""
    cond: str = ""
    hit_cond: str = ""
    hit_cond_per_g: bool = False
    tracepoint: bool = False
    trace_return: bool = False
    goroutine: bool = False
    stacktrace: int = 0
    variables: list[str] = field(default_factory=list)
    load_args: LoadCfg | None = None  # arguments/locals to load on every stop (breakPointInfo)
    load_locals: LoadCfg | None = None
    custom_commands: list[str] = field(default_factory=list)
    root_func_name: str = ""
    trace_follow_calls: int = 0
    hit_count: dict[int, int] = field(default_factory=dict)  # goroutine id -> hits
    total_hit_count: int = 0
    disabled: bool = False
    unsatisfiable: bool = False  # its hit condition can no longer hold: no addresses armed
    origin: BreakpointOrigin = field(default_factory=BreakpointOrigin)

    @property
    def wants_info(self) -> bool:
        """Whether a stop here reads Delve's breakpoint information (debugger/bpinfo.py)."""
        return bool(self.goroutine or self.stacktrace > 0 or self.variables or self.load_args or self.load_locals)

    @property
    def internal(self) -> bool:
        return self.id < 0


# Delve's proc.EventKind values.
EVENT_RESUMED, EVENT_STOPPED, EVENT_BINARY_INFO_DOWNLOAD, EVENT_BREAKPOINT_MATERIALIZED, EVENT_PROCESS_SPAWNED = range(5)


@record
class EngineEvent:
    """What Delve's eventsFn reports to GetEvents: the target resumed or stopped, a suspended
    breakpoint found its location (breakpoint), a child process started (pid... will_follow)."""

    kind: int
    breakpoint: Breakpoint | None = None
    pid: int = 0
    tid: int = 0
    cmdline: str = ""
    will_follow: bool = False


@record
class GoroutineView:
    id: int
    current: Location
    user_current: Location
    go_statement: Location
    start: Location
    thread_id: int
    status: int
    wait_since: int
    wait_reason: int
    unreadable: str = ""
    labels: dict[str, str] = field(default_factory=dict)


@record
class DeferView:
    deferred: Location
    defer_loc: Location
    sp: int
    unreadable: str = ""


@record
class FrameView:
    frame: Frame
    frame_offset: int
    frame_pointer_offset: int
    bottom: bool = False
    defers: list[DeferView] = field(default_factory=list)
    err: str = ""
    # The goroutine the frame belongs to (None for a thread stack): scope needs it.
    goroutine: Goroutine | None = None
    # A frame of an inlined call (debugger/inlines.py): its own location; None for a frame as unwound
    inlined_location: Location | None = None
    inlined: bool = False

    @property
    def location(self) -> Location:
        return self.inlined_location or self.frame.location


@record
class BreakpointInfoView:
    """What a breakpoint asks to be shown at each stop (Delve's api.BreakpointInfo), loaded.
    `variables` pairs each expression with its result: an eval.evaluator.Operand (a Value, a
    Constant or nil; typed Any: eval imports this module), or an unreadable Value."""

    goroutine: GoroutineView | None = None
    stacktrace: list[FrameView] = field(default_factory=list)
    variables: list[tuple[str, Any]] = field(default_factory=list)
    arguments: list[Value] | None = None
    locals: list[Value] | None = None


@record
class ThreadView:
    tid: int
    loc: Location
    goroutine_id: int
    breakpoint: Breakpoint | None = None
    call_return: bool = False
    # Results of the call or stepOut that just finished on this thread, loaded.
    return_values: list[Value] | None = None
    breakpoint_info: BreakpointInfoView | None = None


@record
class StateView:
    pid: int
    command_line: str
    running: bool = False
    exited: bool = False
    exit_status: int = 0
    current_thread: ThreadView | None = None
    selected_goroutine: GoroutineView | None = None
    threads: list[ThreadView] | None = None
    next_in_progress: bool = False
    stop_reason: str = ""


@record
class BreakpointRequest:
    """What CreateBreakpoint asks for; location fields in Delve's order of precedence."""

    bp: Breakpoint
    addr: int = 0
    addrs: list[int] | None = None
    loc_expr: str = ""
    suspended: bool = False
    substitute_rules: list[tuple[str, str]] = field(default_factory=list)  # for loc_expr


@record
class TypeInfoView:
    """Delve's api.TypeInfo: a type's reflect kind and size, its fields (name, type name) when a
    struct, what it names when a typedef, and the functions with it as receiver."""

    kind: int
    size: int
    real_type: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
