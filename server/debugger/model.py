"""The target as the debugger layer describes it: plain records, no wire format.

rpc.py turns these into Delve API types; nothing here knows JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..goruntime.model import Location

# Ids of the breakpoints Delve sets itself.
UNRECOVERED_PANIC_ID = -1
FATAL_THROW_ID = -2


@dataclass
class Breakpoint:
    """A logical breakpoint: what the user asked for, over one or more addresses."""

    id: int
    name: str = ""
    addrs: list[int] = field(default_factory=list)
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
    load_args: Any = None  # opaque: the rpc layer's load configuration, handed back as given
    load_locals: Any = None
    custom_commands: list[str] = field(default_factory=list)
    root_func_name: str = ""
    trace_follow_calls: int = 0
    hit_count: dict[int, int] = field(default_factory=dict)  # goroutine id -> hits
    total_hit_count: int = 0
    disabled: bool = False

    @property
    def internal(self) -> bool:
        return self.id < 0


@dataclass
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


@dataclass
class ThreadView:
    tid: int
    loc: Location
    goroutine_id: int
    breakpoint: Breakpoint | None = None
    call_return: bool = False
    # Results of the injected call that just finished on this thread (goruntime.values.Value, loaded).
    return_values: list[Any] | None = None


@dataclass
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


@dataclass
class BreakpointRequest:
    """What CreateBreakpoint asks for; location fields in Delve's order of precedence."""

    bp: Breakpoint
    addr: int = 0
    addrs: list[int] | None = None
    loc_expr: str = ""
    suspended: bool = False
