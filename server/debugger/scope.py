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
from dataclasses import field

from ..binary.dwarf_expr import ExprContext, LocationError, evaluate, pretty
from ..binary.dwarf_funcs import SignatureError, SignatureReader
from ..binary.dwarf_types import package_of
from ..binary.dwarf_vars import DwarfVars, FunctionDIE
from ..binary.gobinary import Function, GoBinary
from ..binary.gotypes import KIND_NAMES, GoType, Kind, type_string
from ..errors import error_text
from ..goruntime.model import Frame, FunctionRef, Location
from ..goruntime.values import (
    F_ARGUMENT,
    F_CONSTANT,
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
from ..records import record
from .errors import ScopeError
from .goregexp import GoRegexp
from .goroutines import GoroutineReader
from .inferior import Inferior
from .inlines import LogicalFrame
from .registers import xmm_registers
from .stacks import scope_frame

# DWARF register number -> user_regs_struct field (amd64).
_GP = ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
       "r14", "r15", "rip"]


# Other registers Delve's DWARF register set has (regnum.AMD64NameToDwarf), by DWARF number.
_OTHER_GP = {49: "eflags", 50: "es", 51: "cs", 52: "ss", 53: "ds", 54: "fs", 55: "gs", 58: "fs_base",
             59: "gs_base"}
_FP_CONTROL = {64: "mxcsr", 65: "cwd", 66: "swd"}
# Lower-case register name -> DWARF number (regnum.AMD64NameToDwarf).
REGISTER_NUMBERS: dict[str, int] = {
    **{name: i for i, name in enumerate(_GP)}, **{name: i for i, name in _OTHER_GP.items() if name != "eflags"},
    **{f"xmm{i}": 17 + i for i in range(16)}, **{f"xmm{16 + i}": 67 + i for i in range(16)},
    **{f"st({i})": 33 + i for i in range(8)}, **{f"st{i}": 33 + i for i in range(8)},
    **{f"k{i}": 118 + i for i in range(8)}, "eflags": 49, "rflags": 49, "mxcsr": 64, "cw": 65, "sw": 66,
}


# Delve's godwarf.FuncType{} of a function named as a value (`main.f`): it prints as "func()".
FUNC_VALUE_TYPE = GoType(-1, "", "DW_TAG_subroutine_type", Kind.Func, 0)


@record(slots=True)
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

    def register(self, n: int) -> bytes | None:
        """The bytes of DWARF register n as Delve's scope.Regs holds them (None: not known in
        this frame): the thread's whole register file in frame 0 (XMM registers with their
        YMM/ZMM upper parts), only pc/sp/bp elsewhere."""
        if not (self.top and self.tid):
            value = {6: self.frame.bp, 7: self.frame.sp, 16: self.frame.pc}.get(n)
            return None if value is None else value.to_bytes(8, "little")
        if n < len(_GP) or n in _OTHER_GP:
            field = _GP[n] if n < len(_GP) else _OTHER_GP[n]
            return (int(getattr(self.proc.regs(self.tid), field)) & (1 << 64) - 1).to_bytes(8, "little")
        fp = self.proc.fpregs(self.tid)
        if 17 <= n <= 32:
            return xmm_registers(bytes(fp.xmm_space), self.proc.xstate(self.tid))[n - 17]
        if 33 <= n <= 40:
            return bytes(fp.st_space)[16 * (n - 33):16 * (n - 33) + 10]
        if n in _FP_CONTROL:
            return int(getattr(fp, _FP_CONTROL[n])).to_bytes(8, "little")
        return None

    def set(self, n: int, data: bytes) -> None:
        if not (self.top and self.tid and n < len(_GP)):
            raise ScopeError("cannot set a register of this frame")
        regs = self.proc.regs(self.tid)
        old = int(getattr(regs, _GP[n])).to_bytes(8, "little")
        setattr(regs, _GP[n], int.from_bytes(data + old[len(data):], "little"))
        self.proc.set_regs(self.tid, regs)


@record
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

    def may_have(self, name: str) -> bool:
        """Whether a variable of this scope may be called `name`, from the names in DWARF alone
        (no value built): an expression naming a global, or nothing (`print pt` out of scope),
        does not build every local first (most of a failed lookup's time after the first)."""
        if self._vars is not None:
            return any(v.name == name for v in self._vars)
        if self.fn_die is None:
            return False
        escaped = "&" + name  # _read_vars names such a variable without its '&'
        return any(e.name in (name, escaped) for e in self.ctx.dwarf_vars.function_vars(self.fn_die, self.pc, self.line))

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
        units = binary.dwarf_units
        self.dwarf_vars = DwarfVars(dwarf, units.search if units is not None else None)

        def func_name(pc: int) -> str | None:
            fn = binary.function_at(pc)
            return fn.name if fn is not None else None

        self.loader = ValueLoader(proc.read_memory, self.types, func_name, proc.write_memory)
        self.loader.constants = self.dwarf_vars.constants  # Delve's ConstDescr of named ints
        # Delve's fakeMemoryRegistry: register-resident values get fake addresses, the same
        # one for the same variable of the same frame until the target runs again.
        self._fake_mems: list[CompositeMemory] = []
        self._fake_keys: dict[str, CompositeMemory] = {}
        self._fake_gen = -1
        self._signatures: SignatureReader | None = None

    # -- scopes -------------------------------------------------------------

    def scope(self, goroutine_id: int, frame: int, deferred_call: int, selected_goroutine: int,
              current_tid: int) -> EvalScope:
        lf, top, tid = self._scope_frame(goroutine_id, frame, deferred_call, selected_goroutine, current_tid)
        fr = lf.frame
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

    def _scope_frame(self, goroutine_id: int, frame: int, deferred_call: int, selected_goroutine: int,
                     current_tid: int) -> tuple[LogicalFrame, bool, int]:
        return scope_frame(self.binary, self.proc, self.goroutines, goroutine_id, frame, deferred_call,
                           selected_goroutine, current_tid)

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
            v.unreadable = error_text(e)
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
            key = f"{cfa:#x} {text}" if cfa else ""
            mem = self._fake_keys.get(key) if key and self._fake_fresh() else None
            if mem is None:
                mem = CompositeMemory(self.loader.mem, 0, pieces, regs.set if regs is not None else None)
                if 0 < size - len(mem.data) < 8:
                    mem.data.extend(bytes(size - len(mem.data)))
                self.register_fake_memory(mem, key)
            v = self.loader.new(name, mem.base, typ, mem)
            v.flags |= F_FAKE_ADDRESS
        v.location_expr = text
        return v

    # -- fake memory (Delve's Target.registerFakeMemory / findFakeMemory) ------------

    def _fake_fresh(self) -> bool:
        """Forget the fake memories of an earlier stop (Delve's ClearCaches); True if kept."""
        if self._fake_gen != self.goroutines.generation:
            self._fake_gen = self.goroutines.generation
            self._fake_mems.clear()
            self._fake_keys.clear()
            return False
        return True

    def register_fake_memory(self, mem: CompositeMemory, key: str = "") -> int:
        """Give `mem` the next fake address: FakeAddressBase, then each after the previous
        one's end, aligned to 0x100."""
        self._fake_fresh()
        base = FAKE_ADDRESS_BASE
        if self._fake_mems:
            prev = self._fake_mems[-1]
            base = (prev.base + len(prev.data) + 0xFF) & ~0xFF
        mem.base = base
        self._fake_mems.append(mem)
        if key:
            self._fake_keys[key] = mem
        return base

    def find_fake_memory(self, addr: int) -> CompositeMemory | None:
        """The registered fake memory holding `addr` (a pointer cast reads through it)."""
        if not self._fake_fresh():
            return None
        for mem in self._fake_mems:
            if mem.base <= addr < mem.base + len(mem.data):
                return mem
        return None

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

    def method_type_name(self, function: str) -> str:
        """Delve's fakeType of a method value: `func(k int) int`, the receiver left out,
        results named `~rN` shown by their type only."""
        if self._signatures is None:
            self._signatures = SignatureReader(self.binary.dwarf_types)
        try:
            params = self._signatures.signature(function).params
        except SignatureError:
            return "func()"
        args: list[str] = []
        rets: list[str] = []
        for i, p in enumerate(params):
            if i == 0 and not p.is_result:
                continue  # the receiver
            t = type_string(self.types.by_offset(p.type_offset)) if p.type_offset else p.shape.name
            (rets if p.is_result else args).append(t if p.name.startswith("~") else f"{p.name} {t}")
        ret = "" if not rets else f" {rets[0]}" if len(rets) == 1 else f" ({', '.join(rets)})"
        return f"func({', '.join(args)}){ret}"

    def find_global(self, package: str, name: str) -> Value | None:
        """Delve's findGlobal: package variable, function or constant `name` of the package
        called `package` (a name or a path), None if there is none."""
        for path in self.binary.package_paths(package):
            v = self._find_global(f"{path}.{name}")
            if v is not None:
                return v
        return self._find_global(f"{package}.{name}")

    def _find_global(self, qname: str) -> Value | None:
        pvars, consts = self.dwarf_vars.globals_named(qname)
        if pvars:
            vname, die = pvars[0]
            return self.value_of_die(die, vname, 0, 0, None)
        fv = self.function_value(qname)
        if fv is not None:
            return fv
        for type_off, _cname, cval in consts[:1]:
            typ = self.types.by_offset(type_off)
            v = self.loader.new(qname, 0, typ)
            if v.kind == Kind.Int:
                v.value = cval
            elif v.kind == Kind.Uint:
                v.value = cval & (1 << 64) - 1
            else:
                raise ScopeError(f"unsupported constant kind {KIND_NAMES.get(v.kind, v.kind)}")
            v.flags |= F_CONSTANT
            v.loaded = True
            return v
        return None

    def package_var(self, name: str, package: str = "") -> Value | None:
        wanted = [name] if "." in name else []
        if package:
            wanted.append(f"{package}.{name}")
        for qname, die in self.dwarf_vars.package_vars():
            if qname in wanted:
                return self.value_of_die(die, qname, 0, 0, None)
        return next((v for w in wanted if (v := self.function_value(w)) is not None), None)

    def function_value(self, name: str) -> Value | None:
        """Delve's findGlobalInternal for a function: a func value at its entry, named after it
        (`main.afunction`, or `afunction` in package main, `rand.Intn` for math/rand.Intn); its
        type is Delve's empty FuncType, its value the name."""
        fn = self.binary.function_named(name) or self.binary.function_by_suffix(name)
        if fn is None:
            # A function that exists only inlined: Delve lists it with entry 0, unreadable.
            inlined = self.binary.inline_only_named(name)
            if inlined is None:
                return None
            v = self.loader.new(inlined, 0, FUNC_VALUE_TYPE)
            v.value, v.loaded, v.unreadable = inlined, True, f"function {inlined} is inlined"
            return v
        v = self.loader.new(fn.name, fn.entry, FUNC_VALUE_TYPE)
        v.value, v.base, v.loaded = fn.name, fn.entry, True
        return v
