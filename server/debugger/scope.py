"""Evaluation scopes: the variables of one frame of one goroutine, and package variables.

API for the RPC layer and the expression evaluator (server/debugger/eval):
- `VariableContext(binary, proc, goroutines)`: static DWARF knowledge (types, variable DIEs)
  plus a `ValueLoader`; one per Debugger (`Debugger.variables()`), valid across stops.
  - `scope(goroutine_id, frame, deferred_call, selected_goroutine, current_tid)` -> `EvalScope`;
    errors (DebuggerError) read as Delve's: `unknown goroutine N`,
    `Frame N does not exist in goroutine G`;
  - `package_vars(regexp)` -> unloaded Values named `pkg.Name`;
  - `package_var(name, package)` -> Value of `pkg.Var`, or of bare `Var` in `package`.
  - `types`: the binary's GoTypes, GoBinary.go_types (by_name for `x.(main.Rect)`, names()
    for ListTypes).
  - `loader`: goruntime.values.ValueLoader (load/field/index/deref/write).
- `EvalScope`: `pc`, `line`, `function` (name), `locals()`, `args()`, `variables()` (both, in
  Delve's order, with flags Argument/ReturnArgument/Escaped/Shadowed/FakeAddress),
  `lookup(name)` (the visible local/arg named so, innermost wins, else a package variable of
  the function's package, else None). Values come back unloaded: call
  `scope.loader.load(v, cfg)`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property

from ..binary.dwarf_expr import ExprContext, LocationError, evaluate, pretty
from ..binary.dwarf_types import package_of
from ..binary.dwarf_vars import DwarfVars, FunctionDIE
from ..binary.gobinary import Function, GoBinary
from ..binary.gotypes import GoType, Kind
from ..errors import UserError
from ..goruntime.model import Frame, FunctionRef, Location
from ..goruntime.values import (
    F_ARGUMENT,
    F_ESCAPED,
    F_FAKE_ADDRESS,
    F_RETURN,
    F_SHADOWED,
    FAKE_ADDRESS_BASE,
    CompositeMemory,
    RegPiece,
    Value,
    ValueLoader,
)
from .goregexp import GoRegexp
from .goroutines import GoroutineReader
from .inferior import Inferior
from .inlines import expand

# DWARF register number -> user_regs_struct field (amd64).
_GP = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
       "r14", "r15", "rip"]


# The type Delve gives a function named in an expression (an empty godwarf.FuncType).
_FUNC_TYPE = GoType(-1, "func()", "DW_TAG_subroutine_type", Kind.Func, 8)


class ScopeError(UserError):
    """Delve's wording; the RPC layer passes the text to the client unchanged."""


@dataclass(slots=True)
class _Regs:
    """Registers of a frame: the thread's for frame 0, else what unwinding recovered."""

    proc: Inferior
    tid: int
    frame: Frame
    top: bool

    def get(self, n: int) -> int:
        if self.top and self.tid:
            if n < len(_GP):
                return int(getattr(self.proc.regs(self.tid), _GP[n]))
            if 17 <= n <= 32:
                xmm = self.proc.fpregs(self.tid).xmm_space
                i = (n - 17) * 4
                return xmm[i] | xmm[i + 1] << 32
        if n == 7:
            return self.frame.sp
        if n == 6:
            return self.frame.bp
        if n == 16:
            return self.frame.pc
        raise LocationError(f"register {n} not available in frame")

    def set(self, n: int, data: bytes) -> None:
        if not (self.top and self.tid and n < len(_GP)):
            raise ScopeError("cannot set a register of this frame")
        regs = self.proc.regs(self.tid)
        old = int(getattr(regs, _GP[n])).to_bytes(8, "little")
        setattr(regs, _GP[n], int.from_bytes(data + old[len(data):], "little"))
        self.proc.set_regs(self.tid, regs)


@dataclass
class EvalScope:
    ctx: VariableContext
    goroutine_id: int
    frame_index: int
    frame: Frame
    pc: int
    line: int
    function: str
    regs: _Regs
    fn_die: FunctionDIE | None
    _vars: list[Value] | None = field(default=None, repr=False)
    _dict: int | None = field(default=None, repr=False)

    @property
    def loader(self) -> ValueLoader:
        return self.ctx.loader

    @property
    def package(self) -> str:
        return package_of(self.function) if self.function else ""

    def variables(self) -> list[Value]:
        if self._vars is None:
            self._vars = self._read_vars()
        return self._vars

    def locals(self) -> list[Value]:
        return [v for v in self.variables() if not v.flags & (F_ARGUMENT | F_RETURN)]

    def args(self) -> list[Value]:
        return [v for v in self.variables() if v.flags & (F_ARGUMENT | F_RETURN)]

    def lookup(self, name: str) -> Value | None:
        found = None
        for v in self.variables():
            if v.name == name:
                found = v  # the last one is the innermost (the others are Shadowed)
        if found is not None:
            return found
        return self.ctx.package_var(name, self.package)

    def dict_addr(self) -> int:
        """Address of the generic function's dictionary (its hidden `.dict` argument), 0 if none."""
        if self._dict is None:
            self._dict = 0
            die = self.ctx.dwarf_vars.top_var(self.fn_die, ".dict") if self.fn_die is not None else None
            v = self.ctx.value_of_die(die, ".dict", self.pc, self.frame.cfa, self.regs) if die is not None else None
            if v is not None and not v.unreadable:
                with suppress(OSError):  # Delve logs it and goes on with the shape types
                    self._dict = int.from_bytes(v.mem.read(v.addr, 8), "little")
        return self._dict

    def _read_vars(self) -> list[Value]:
        if self.fn_die is None:
            return []
        dv = self.ctx.dwarf_vars
        out: list[Value] = []
        for e in dv.function_vars(self.fn_die, self.pc, self.line):
            v = self.ctx.value_of_die(e.die, e.name, self.pc, self.frame.cfa, self.regs, self.dict_addr)
            if v is None:
                continue
            v.decl_line = e.decl_line
            if e.is_param:
                v.flags |= F_RETURN if e.is_return else F_ARGUMENT
            if len(e.name) > 1 and e.name[0] == "&":
                loc, dl, flags = v.location_expr, v.decl_line, v.flags
                v = self.loader.deref(v)
                if v.addr == 0 and not v.unreadable:
                    v.unreadable = "no address for escaped variable"
                v.name = e.name[1:]
                v.flags |= flags | F_ESCAPED
                v.location_expr = loc + " (escaped)"
                v.decl_line = dl
            out.append(v)
        last: dict[str, Value] = {}
        for v in out:
            prev = last.get(v.name)
            if prev is not None:
                prev.flags |= F_SHADOWED
            last[v.name] = v
        return out


class VariableContext:
    def __init__(self, binary: GoBinary, proc: Inferior, goroutines: GoroutineReader) -> None:
        types, dwarf = binary.go_types, binary.dwarf_info
        if types is None or dwarf is None:
            raise ScopeError("could not find DWARF information")
        self.binary = binary
        self.proc = proc
        self.goroutines = goroutines
        self.types = types  # the binary's: types outlive a restart of the process
        self.dwarf_vars = DwarfVars(dwarf)

        def func_name(pc: int) -> str | None:
            fn = binary.function_at(pc)
            return fn.name if fn is not None else None

        self.loader = ValueLoader(proc.read_memory, self.types, func_name, proc.write_memory)
        self.loader.constants = self.dwarf_vars.constants  # Delve's ConstDescr of named ints
        self._fake_next = FAKE_ADDRESS_BASE

    # -- scopes -------------------------------------------------------------

    def scope(self, goroutine_id: int, frame: int, deferred_call: int, selected_goroutine: int,
              current_tid: int) -> EvalScope:
        gid = selected_goroutine if goroutine_id == -1 else goroutine_id
        g = self.goroutines.find(gid) if gid else None
        if g is None and goroutine_id not in (-1, 0):
            raise ScopeError(f"unknown goroutine {goroutine_id}")
        rt = self.goroutines.runtime
        if g is not None:
            frames = rt.goroutine_frames(g, frame + 1)
            tid = g.thread_id
        else:
            r = self.proc.regs(current_tid)
            frames = rt.frames(r.rip, r.rsp, r.rbp, frame + 1)
            tid = current_tid
        # frames numbered as Stacktrace numbers them: inlined calls are frames of their own
        logical, _ = expand(self.binary, frames)
        if frame < 0 or frame >= len(logical):
            raise ScopeError(f"Frame {frame} does not exist in goroutine {goroutine_id}")
        if deferred_call > 0:
            raise ScopeError(f"Frame {frame} only has 0 deferred calls")
        lf = logical[frame]
        fr = lf.frame
        top = fr is frames[0]
        fn = fr.function
        fn_die = None
        units = self.binary.dwarf_units
        name = fn.name if fn is not None else ""
        if lf.inlined is not None:
            # the inlined call's own variables (Delve: the scope's function is the inlined entry)
            fn_die = self.dwarf_vars.inlined_function(lf.inlined.offset, lf.inlined.name, lf.inlined.ranges)
            name = lf.inlined.name
        elif units is not None:
            unit = units.unit_at(fr.pc if top else fr.pc - 1)
            if unit is not None:
                fn_die = self.dwarf_vars.function_at(unit.index, fr.pc if top else fr.pc - 1)
        regs = _Regs(self.proc, tid, fr, top)
        return EvalScope(self, goroutine_id, frame, fr, fr.pc, lf.location.line, name, regs, fn_die)

    def function_entry_scope(self, fn: Function, cfa: int, goroutine_id: int) -> EvalScope:
        """fn's frame as at its entry, its CFA given: Delve's fakeFunctionEntryScope, where a
        return breakpoint reads the results of the function that just returned."""
        file, line = self.binary.pc_to_line(fn.entry)
        fr = Frame(fn.entry, cfa - 8, cfa, 0, fn, Location(fn.entry, file, line, FunctionRef(fn.name, fn.entry, fn)))
        fn_die = None
        units = self.binary.dwarf_units
        unit = units.unit_at(fn.entry) if units is not None else None
        if unit is not None:
            fn_die = self.dwarf_vars.function_at(unit.index, fn.entry)
        return EvalScope(self, goroutine_id, 0, fr, fn.entry, line, fn.name, _Regs(self.proc, 0, fr, False), fn_die)

    # -- values of DIEs -------------------------------------------------------

    def value_of_die(self, die, name: str, pc: int, cfa: int, regs: _Regs | None,  # noqa: ANN001
                     dict_addr: Callable[[], int] | None = None) -> Value | None:
        typ = self.types.type_of(die)
        expr, prefix = self.dwarf_vars.location_of(die, pc)
        if typ is None:
            return None
        if typ.dict_index >= 0 and dict_addr is not None:
            typ = self._parametric(typ, dict_addr())
        if expr is None:
            v = self.loader.new(name, 0, typ)
            at = die.attributes.get("DW_AT_location")
            v.unreadable = f"could not find loclist entry at {at.value if at else 0:#x} for address {pc:#x}"
            v.location_expr = prefix
            return v
        text = prefix + pretty(expr)

        def reg(n: int) -> int:
            if regs is None:
                raise LocationError("no registers")
            return regs.get(n)

        try:
            loc = evaluate(expr, ExprContext(cfa, reg, lambda a: int.from_bytes(self.proc.read_memory(a, 8), "little")))
        except (LocationError, OSError, IndexError) as e:
            v = self.loader.new(name, 0, typ)
            v.unreadable = str(e)
            v.location_expr = text
            return v
        if not loc.pieces:
            v = self.loader.new(name, loc.addr, typ)
        else:
            size = typ.resolved().size
            pieces: list[RegPiece] = []
            for p in loc.pieces:
                n = p.size or size
                if p.reg is not None:
                    try:
                        raw = regs.get(p.reg).to_bytes(8, "little") if regs is not None else b""
                    except LocationError:
                        raw = b""
                    pieces.append(RegPiece(n, p.reg, (raw + bytes(n))[:n]))
                elif p.value is not None:
                    pieces.append(RegPiece(n, None, (p.value & ((1 << 64) - 1)).to_bytes(8, "little")[:n]
                                           .ljust(n, b"\0")))
                else:
                    pieces.append(RegPiece(n, None, self.proc.read_memory(p.addr, n)))
            base = self._fake_next
            self._fake_next += max(size, 8) + 8
            mem = CompositeMemory(self.loader.mem, base, pieces, regs.set if regs is not None else None)
            v = self.loader.new(name, base, typ, mem)
            v.flags |= F_FAKE_ADDRESS
        v.location_expr = text
        return v

    def _parametric(self, typ: GoType, dict_addr: int) -> GoType:
        """Delve's resolveParametricType: the runtime type in the dictionary's slot, as a DWARF
        type; the shape type (what the typedef names) when that cannot be read."""
        if not dict_addr:
            return typ.target or typ
        try:
            rtype = int.from_bytes(self.proc.read_memory(dict_addr + 8 * typ.dict_index, 8), "little")
        except OSError:
            return typ.target or typ
        return self.types.by_runtime_addr(rtype) or typ.target or typ

    # -- package variables ----------------------------------------------------

    def package_vars(self, rx: GoRegexp | None = None) -> list[Value]:
        out: list[Value] = []
        for name, die in self.dwarf_vars.package_vars():
            if rx is not None and not rx.search(name):
                continue
            v = self.value_of_die(die, name, 0, 0, None)
            if v is not None:
                out.append(v)
        return out

    def package_var(self, name: str, package: str = "") -> Value | None:
        wanted = [name] if "." in name else []
        if package:
            wanted.append(f"{package}.{name}")
        for qname, die in self.dwarf_vars.package_vars():
            if qname in wanted:
                return self.value_of_die(die, qname, 0, 0, None)
        return next((v for w in wanted if (v := self.function_value(w)) is not None), None)

    @cached_property
    def _functions_by_suffix(self) -> dict[str, Function]:
        """Functions by each tail of their name after a '/' (Delve: HasSuffix(fn.Name, "/"+name)),
        the first in address order."""
        out: dict[str, Function] = {}
        for fn in self.binary.functions():
            i = fn.name.find("/")
            while i >= 0:
                out.setdefault(fn.name[i + 1:], fn)
                i = fn.name.find("/", i + 1)
        return out

    def function_value(self, name: str) -> Value | None:
        """Delve's findGlobalInternal for a function: a func value at its entry, named after it
        (`main.afunction`, or `afunction` in package main, `rand.Intn` for math/rand.Intn)."""
        fn = self.binary.function_named(name) or self._functions_by_suffix.get(name)
        if fn is None:
            return None
        return Value(fn.name, fn.entry, _FUNC_TYPE, Kind.Func, self.loader.mem, value=fn.name, base=fn.entry,
                     loaded=True)
