"""Delve's proc.Ancestors and Ancestor.Stack: the goroutines that created a goroutine, as the
runtime records them in g.ancestors when GODEBUG=tracebackancestors=N is set.

Whether recording is on is read from the runtime's own `runtime.debug.tracebackancestors`, as
Delve does (the environment can differ from what the runtime parsed). Runs on the tracer thread.
"""

from __future__ import annotations

from dataclasses import field

from ..binary.gobinary import Function
from ..binary.gotypes import Kind
from ..errors import UserError
from ..goruntime.model import Goroutine, Location
from ..goruntime.unwind import location_at
from ..goruntime.values import LOAD_SINGLE, LoadCfg, Value
from ..records import record
from .target import Target


class AncestorsError(UserError):
    """Delve's wording; passed to the client unchanged."""


@record
class AncestorFrame:
    location: Location
    bottom: bool = False
    err: str = ""


@record
class AncestorView:
    id: int
    stack: list[AncestorFrame] = field(default_factory=list)
    unreadable: str = ""


def _member(v: Value, name: str, t: Target) -> Value | None:
    rt = v.real_type
    f = rt.field(name) if rt is not None else None
    return t.variables.loader.field(v, f) if f is not None else None


def _check_enabled(t: Target) -> None:
    ctx = t.variables
    debug = ctx.package_var("runtime.debug")
    tba = _member(debug, "tracebackancestors", t) if debug is not None else None
    if tba is None:
        return  # Delve goes on when the variable cannot be evaluated
    ctx.loader.load(tba, LOAD_SINGLE)
    if not tba.unreadable and tba.kind == Kind.Int and int(tba.value) == 0:
        raise AncestorsError("tracebackancestors is disabled")


def ancestors(t: Target, g: Goroutine, n: int, depth: int) -> list[AncestorView]:
    """At most n ancestors of g, each with at most depth saved pcs as frames."""
    _check_enabled(t)
    ctx = t.variables
    gtype = ctx.types.by_name("runtime.g")
    if gtype is None:
        raise AncestorsError("could not find type runtime.g")
    gv = ctx.loader.new("", g.addr, gtype)
    av = _member(gv, "ancestors", t)
    if av is None:
        raise AncestorsError("g has no member ancestors")
    av = ctx.loader.deref(av)
    ctx.loader.load(av, LoadCfg(max_array_values=n, max_variable_recurse=1, max_struct_fields=-1))
    if av.unreadable:
        raise AncestorsError(av.unreadable)
    if av.addr == 0:
        return []
    out: list[AncestorView] = []
    for child in av.children:
        if child.unreadable:
            out.append(AncestorView(0, unreadable=child.unreadable))
            continue
        fields = {c.name: c for c in child.children}
        goid, pcs = fields.get("goid"), fields.get("pcs")
        if goid is None or goid.unreadable:
            out.append(AncestorView(0, unreadable=goid.unreadable if goid else "no goid"))
            continue
        view = AncestorView(int(goid.value))
        if pcs is None or pcs.unreadable:
            view.unreadable = f"could not read ancestor stacktrace: {pcs.unreadable if pcs else 'no pcs'}"
        else:
            try:
                view.stack = _stack(t, pcs, depth)
            except AncestorsError as e:
                view.unreadable = f"could not read ancestor stacktrace: {e}"
        out.append(view)
    return out


def _function(t: Target, pc: int) -> Function | None:
    """Delve's PCToFunc, which knows a function's end from DWARF (pclntab's reaches the next
    function): a saved pc just past a 1-byte function (runtime.systemstack_switch is a lone
    RET) belongs to no function there."""
    fn = t.binary.function_at(pc)
    units = t.binary.dwarf_units
    if fn is None or units is None:
        return fn
    unit = units.unit_at(pc)
    if unit is None or t.variables.dwarf_vars.function_at(unit.index, pc) is None:
        return None
    return fn


def _stack(t: Target, pcs: Value, depth: int) -> list[AncestorFrame]:
    """Delve's Ancestor.Stack: one frame per saved pc (the return address; its line is the
    call's), Bottom on the last one when every pc was read."""
    loader = t.variables.loader
    pcs = loader.new(pcs.name, pcs.addr, pcs.type, pcs.mem)
    loader.load(pcs, LoadCfg(max_array_values=depth))
    if pcs.unreadable:
        raise AncestorsError(pcs.unreadable)
    frames: list[AncestorFrame] = []
    for item in pcs.children:
        if item.unreadable:
            frames.append(AncestorFrame(Location(0), err=item.unreadable))
            continue
        if item.kind != Kind.Uint:
            raise AncestorsError(f"wrong type for pcs item {len(frames)}: {item.kind}")
        pc = int(item.value)
        fn = _function(t, pc)
        frames.append(AncestorFrame(Location(pc) if fn is None else location_at(t.binary, pc, fn, call_site=True)))
    if frames:  # Delve indexes the last frame unconditionally (and panics on an empty stack)
        frames[-1].bottom = pcs.len == len(pcs.children)
    return frames
