"""Read-only questions about the stopped target, answered as the engine's records: stacks,
ancestors, goroutine listings, registers, memory, code, variables, symbols and threads.

Each function takes the Target and the user's Selection (what the answer depends on) and
runs on the tracer thread; the facade (facade.py) calls them under the target lock.
Delve's counterparts are named in each docstring.
"""

from __future__ import annotations

from collections import deque

from ..binary.gobinary import Function, GoBinary
from ..binary.gotypes import GO_TYPEDEF, Kind
from ..errors import error_text
from ..goruntime.model import Goroutine
from ..goruntime.values import LoadCfg, Value
from ..records import record
from . import goregexp, inspect
from . import goroutine_list as gl
from .ancestors import AncestorView, ancestors
from .disasm import AsmLine, branches, call_target, disassemble, returns
from .errors import DebuggerError
from .model import FrameView, GoroutineView, TypeInfoView
from .registers import RegisterValue, frame_registers, thread_registers
from .stacks import goroutine_stack, resolve_goroutine, thread_stack
from .target import Selection, Target

MAX_EXAMINE = 1 << 16
# Bytes of code one Disassemble may cover (a whole function too: the largest in dlv's own binary is
# 35 KB): 64 KiB answer in ~0.5 s with ~6.6 MB of JSON here. Delve reads any range at once.
MAX_DISASSEMBLE = 1 << 17
# Goroutines in one ListGoroutines page, also when Count is 0 (all) or larger: Nextg then says
# where to go on. Delve's own terminal client asks for pages of this size.
MAX_GOROUTINES_PAGE = 10_000


def filter_regex(text: str) -> goregexp.GoRegexp:
    """A ListFunctions/ListSources/ListTypes/ListPackageVars filter (Go's regexp), Delve's error when it
    does not compile."""
    try:
        return goregexp.compile(text)
    except goregexp.RegexpError as e:
        raise DebuggerError(f"invalid filter argument: {e}") from None


# ---- goroutines and stacks -------------------------------------------------------------------

def find_goroutine(t: Target, sel: Selection, gid: int) -> Goroutine | None:
    """Delve's FindGoroutine (-1/0: the selected one; None: no goroutine)."""
    t.live()
    return resolve_goroutine(t.goroutines, sel.goroutine, gid)


def stacktrace(t: Target, sel: Selection, gid: int, depth: int, defers: bool) -> list[FrameView]:
    """Delve's Debugger.Stacktrace: the goroutine's stack, or the current thread's without one."""
    g = find_goroutine(t, sel, gid)
    if depth < 0:
        raise DebuggerError("negative maximum stack depth")
    if g is None:
        regs = t.proc.regs(sel.current_tid)
        return thread_stack(t.goroutines, regs.rip, regs.rsp, regs.rbp, depth, inlined=True)
    return goroutine_stack(t.goroutines, g, depth, defers, inlined=True)


def frames_variables(t: Target, sel: Selection, gid: int, frames: range,
                     cfg: LoadCfg) -> list[tuple[list[Value], list[Value]]]:
    """(locals, arguments) of each frame, loaded (Stacktrace with Full or Cfg)."""
    from .expressions import eval_scope  # the evaluator: imported on first use, not at start
    from .scope import ScopeError

    out: list[tuple[list[Value], list[Value]]] = []
    for i in frames:
        try:
            sc = eval_scope(t, sel, gid, i)
            local_vars = [sc.loader.load(v, cfg) for v in sc.locals()]
            arg_vars = [sc.loader.load(v, cfg) for v in sc.args()]
        except (ScopeError, DebuggerError):
            local_vars, arg_vars = [], []  # no debug info (runtime assembly): Delve shows none
        out.append((local_vars, arg_vars))
    return out


def goroutine_ancestors(t: Target, sel: Selection, gid: int, n: int, depth: int) -> list[AncestorView]:
    """Delve's Debugger.Ancestors."""
    g = find_goroutine(t, sel, gid)
    if g is None:
        raise DebuggerError("no selected goroutine")
    return ancestors(t, g, n, depth)


@record
class ChannelFilter:
    """ListGoroutines' channel filter: the waiters of the channel `expr` in a frame."""

    expr: str
    goroutine_id: int
    frame: int
    deferred_call: int


@record
class GoroutinePage:
    goroutines: list[GoroutineView]
    nextg: int
    groups: list[gl.Group] | None
    too_many_groups: bool


def list_goroutines(t: Target, sel: Selection, start: int, count: int, filters: list[gl.GoroutineFilter],
                    grouping: gl.Grouping, chan: ChannelFilter | None) -> GoroutinePage:
    """Delve's ListGoroutines: a page of allgs, filtered, then grouped."""
    t.live()
    reader = t.goroutines
    if count <= 0 or count > MAX_GOROUTINES_PAGE:
        count = MAX_GOROUTINES_PAGE
    if chan is not None:
        gs, nextg = _chan_goroutines(t, sel, chan, start, count)
    else:
        gs, nextg = reader.page(start, count)
    views = gl.filter_goroutines(reader.views_of(gs), filters)
    views, groups, too_many = gl.group_goroutines(views, grouping)
    return GoroutinePage(views, nextg, groups, too_many)


def _chan_goroutines(t: Target, sel: Selection, chan: ChannelFilter, start: int,
                     count: int) -> tuple[list[Goroutine], int]:
    """Delve's Debugger.ChanGoroutines: waiters of the channel, in the scope's frame."""
    from .chanwaiters import chan_goroutine_ids

    try:
        ids = chan_goroutine_ids(t, sel, chan.goroutine_id, chan.frame, chan.deferred_call, chan.expr, start, count)
    except OSError as e:
        raise DebuggerError(error_text(e)) from None
    gs = [t.goroutines.find(i) or Goroutine.unreadable_at(0, f"unknown goroutine {i}") for i in ids]
    return gs, start + len(gs) if len(gs) == count else -1


# ---- registers, memory, code -------------------------------------------------------------------

def scope_registers(t: Target, sel: Selection, gid: int, frame: int, fp: bool) -> list[RegisterValue]:
    """Delve's ScopeRegisters: a running goroutine's thread registers in frame 0, else what
    unwinding recovered for the frame."""
    proc = t.live()
    g = find_goroutine(t, sel, gid)
    if frame == 0 and (g is None or g.thread_id):
        tid = g.thread_id if g is not None else sel.current_tid
        return thread_registers(proc.regs(tid), proc.fpregs(tid) if fp else None, proc.xstate(tid) if fp else None)
    frames = stacktrace(t, sel, gid, frame, False)
    if frame >= len(frames):
        raise DebuggerError(f"Frame {frame} does not exist in goroutine {g.id if g else 0}")
    f = frames[frame].frame
    return frame_registers(f.pc, f.sp, f.bp)


def thread_registers_of(t: Target, sel: Selection, tid: int, fp: bool) -> list[RegisterValue]:
    """Delve's ThreadRegisters (thread 0: the current thread)."""
    proc = t.live()
    tid = tid or sel.current_tid
    if tid not in proc.threads:
        raise DebuggerError(f"couldn't find thread {tid}")
    return thread_registers(proc.regs(tid), proc.fpregs(tid) if fp else None, proc.xstate(tid) if fp else None)


def examine_memory(t: Target, addr: int, length: int) -> bytes:
    if length > MAX_EXAMINE:
        raise DebuggerError(f"len must be less than or equal to {MAX_EXAMINE}")
    return inspect.examine_memory(t.live(), addr, length)


def disassemble_range(t: Target, sel: Selection, start: int, end: int, flavour: int, gid: int) -> list[AsmLine]:
    """Delve's Disassemble: [start, end), or the whole function holding start when end is 0."""
    proc = t.live()
    binary = t.binary
    if end == 0:
        fn = binary.function_at(start)
        if fn is None:
            raise DebuggerError(f"address {start:#x} does not belong to any function")
        start, end = fn.entry, fn.end
    if start > end:
        raise DebuggerError(f"start address({start:x}) should be less than end address({end:x})")
    if end - start > MAX_DISASSEMBLE:
        raise DebuggerError(f"disassembling {end - start} bytes is over pydlv's limit of {MAX_DISASSEMBLE} "
                            "bytes per request: ask for smaller ranges")
    g = find_goroutine(t, sel, gid)
    tid = g.thread_id if g is not None and g.thread_id else sel.current_tid
    pc = proc.regs(tid).rip
    code = inspect.read_code(proc, start, end - start)

    def symbol(addr: int) -> str | None:
        fn = binary.function_at(addr)
        return fn.name if fn is not None and fn.entry == addr else None

    regs = proc.regs(tid)

    def word(a: int) -> int:
        return int.from_bytes(proc.read_memory(a, 8), "little")

    # The CALL the thread stands at: its destination from the registers, as Delve resolves it.
    def indirect(code_at_pc: bytes) -> int | None:
        try:
            return call_target(code_at_pc, pc, lambda name: int(getattr(regs, name)), word)
        except OSError:
            return None

    return disassemble(code, start, flavour, t.location, symbol, t.breakpoints.addresses(t.pid), pc, indirect)


# ---- variables and symbols ---------------------------------------------------------------------

def scope_variables(t: Target, sel: Selection, gid: int, frame: int, deferred_call: int, cfg: LoadCfg,
                    want_args: bool) -> list[Value]:
    """Delve's LocalVariables / FunctionArguments, loaded under cfg."""
    from .expressions import eval_scope

    sc = eval_scope(t, sel, gid, frame, deferred_call)
    vals = sc.args() if want_args else sc.locals()
    return [sc.loader.load(v, cfg) for v in vals]


def package_variables(t: Target, filter_text: str, cfg: LoadCfg) -> list[Value]:
    rx = filter_regex(filter_text)
    ctx = t.variables
    vals = ctx.package_vars(rx if filter_text else None)
    return [ctx.loader.load(v, cfg) for v in vals]


def type_names(t: Target, filter_text: str) -> list[str]:
    """Delve's Types: from the binary, so also after the process exited."""
    rx = filter_regex(filter_text)
    types = t.binary.go_types
    if types is None:
        raise DebuggerError("could not find DWARF information")
    return [n for n in types.names() if rx.search(n)]


def type_info(t: Target, name: str) -> TypeInfoView:
    """Delve's Debugger.TypeInfo (1.27): the type named `name` as the binary's DWARF has it
    first (a named struct's structure DIE, not the typedef after it)."""
    types = t.binary.go_types
    name = name.replace("interface{", "interface {").replace("struct{", "struct {")
    typ = types.by_name(name) if types is not None else None
    if typ is None:
        raise DebuggerError("no type entry found, use 'types' for a list of valid types")
    if typ.tag == "DW_TAG_typedef" and typ.target is not None and typ.target.name == typ.name:
        typ = typ.target
    # godwarf's Map/Chan/InterfaceType carry no reflect kind; every other type DW_AT_go_kind's
    info = TypeInfoView(0 if typ.tag == GO_TYPEDEF else typ.go_kind, typ.size)
    if typ.tag == "DW_TAG_structure_type" and typ.kind == Kind.Struct:  # not godwarf's Slice/String/Interface
        info.fields = [(f.name, f.type.name) for f in typ.fields]
    elif typ.tag == "DW_TAG_typedef" and typ.target is not None:
        info.real_type = typ.target.name
    plain = name + "."
    dot = name.rfind(".")
    ptr = name[:dot] + ".(*" + name[dot + 1:] + ")." if dot > 0 else ""
    binary = t.binary
    info.methods = [n for n in binary.inline_only_names() if n.startswith(plain) or (ptr and n.startswith(ptr))]
    info.methods += [fn.name for fn in binary.functions()
                     if (fn.name.startswith(plain) or (ptr and fn.name.startswith(ptr))) and not binary.is_wrapper(fn)]
    return info


def function_return_pcs(t: Target, name: str) -> list[int]:
    """Delve's FunctionReturnLocations: the RET instructions of the function (each instantiation)."""
    proc = t.live()
    fns = t.binary.functions_named(name)
    if not fns:
        raise DebuggerError(f"could not find function {name}\n")
    return [pc for fn in fns for pc in returns(inspect.read_code(proc, fn.entry, fn.end - fn.entry), fn.entry)]


def function_names(t: Target, filter_text: str, follow_calls: int = 0) -> list[str]:
    """Delve's Debugger.Functions: the functions whose name matches, sorted; with follow_calls > 0
    each one's callees too, down to that depth (traverse)."""
    rx = filter_regex(filter_text)
    binary = t.binary
    # Delve's functions are DWARF's: those that exist only inlined are listed, the linker's
    # own go:* symbols of the pclntab are not
    matched = [f for f in binary.functions() if not f.name.startswith("go:") and rx.search(f.name)]
    names = {n for n in binary.inline_only_names() if rx.search(n)}
    if follow_calls <= 0:
        return sorted(names | {f.name for f in matched})
    for fn in matched:
        names.update(_traverse(binary, fn, follow_calls))
    return sorted(names)


# Runtime functions a traversal follows anyway (Delve's traverse).
_FOLLOWED_RUNTIME = frozenset({"runtime.deferreturn", "runtime.gorecover", "runtime.gopanic"})


def _traverse(binary: GoBinary, root: Function, follow_calls: int) -> list[str]:
    """Delve's traverse, breadth first from `root` (depth 1): the functions called directly (CALL
    to a known function) down to depth follow_calls, each once at the depth it is first met;
    runtime functions are not followed but for deferreturn, gorecover and gopanic. Calls through
    registers or memory are left out (Delve finds those only while the target runs, through
    breakpoints a `trace --follow-calls` sets)."""
    seen = {root.name}
    queue: deque[tuple[Function, int]] = deque([(root, 1)])
    out: list[str] = []
    while queue:
        fn, depth = queue.popleft()
        out.append(fn.name)
        if depth + 1 > follow_calls:
            continue
        code = binary.file_bytes(fn.entry, fn.end - fn.entry)
        for br in branches(code, fn.entry):
            callee = binary.function_at(br.target) if br.target is not None else None
            if callee is None or callee.name in seen:
                continue
            if callee.name.startswith(("runtime.", "runtime/internal")) and callee.name not in _FOLLOWED_RUNTIME:
                continue
            seen.add(callee.name)
            queue.append((callee, depth + 1))
    return out


def source_files(t: Target, filter_text: str) -> list[str]:
    rx = filter_regex(filter_text)
    return [s for s in t.binary.sources() if rx.search(s)]
