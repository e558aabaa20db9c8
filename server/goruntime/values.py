"""Go values in target memory, loaded the way Delve's proc.Variable loads them.

API for the evaluator (server/debugger/eval) and the RPC layer:
- `Value`: one variable (name, addr, GoType, kind, flags, loaded value, len/cap/base,
  children, only_addr, unreadable, location_expr, decl_line). `value` holds the Python
  scalar: int (ints, uints, bools as bool, pointers as the pointee address), float,
  complex, str (strings, func names).
- `ValueLoader(read, types, func_name)`:
  - `new(name, addr, typ, mem=None)` -> unloaded Value (Delve's newVariable: string/slice
    headers, array base/len, chan len/cap are read at once);
  - `load(v, cfg)` applies a LoadConfig exactly as loadValueInternal does;
  - `field(v, name)`, `index(v, i)`, `deref(v)`, `children are loaded by load`;
  - `write(v, data)` stores raw bytes (Set): into memory, or into registers for
    register-resident values (v.mem is a `CompositeMemory`).
- `LoadCfg`: the five LoadConfig limits (api.LoadConfig is converted in rpc_vars).
- `load_budget()`: while it is active (one request), all loads on this thread together load at
  most MAX_LOAD_VALUES values and MAX_LOAD_BYTES string bytes; past that they load like a
  LoadConfig of zeros (lengths and addresses only). Whatever the LoadConfig, a string reads at
  most MAX_STRING_LEN bytes and values nest at most MAX_RECURSE levels.
"""

from __future__ import annotations

import contextlib
import dataclasses
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

from ..binary.gotypes import GO_TYPEDEF, KIND_NAMES, Field, GoType, GoTypes, Kind, type_string
from ..errors import error_text
from ..records import record

# Delve's Variable flags.
F_ESCAPED, F_SHADOWED, F_CONSTANT, F_ARGUMENT, F_RETURN, F_FAKE_ADDRESS = 1, 2, 4, 8, 16, 32
F_CPU_REGISTER = 128
F_TRUST_LEN = 256  # proc.variableTrustLen: a reslice with literal bounds loads all its elements
F_SAVED = 512  # proc.variableSaved: in the target's memory when a later call was injected
FAKE_ADDRESS_BASE = 0xBEEF000000000000
# Delve's fakeAddressUnresolv: the address of values that live in no memory (CPU registers).
FAKE_ADDRESS_UNRESOLV = 0xBEED000000000000
_MAX_ERR = 3


@record(frozen=True, slots=True)
class LoadCfg:
    follow_pointers: bool = True
    max_variable_recurse: int = 1
    max_string_len: int = 64
    max_array_values: int = 64
    max_struct_fields: int = -1


LOAD_FULL = LoadCfg()
LOAD_SINGLE = LoadCfg(False, 0, 64, 0, 0)
_STARVED = LoadCfg(False, -1, 0, 0, 0)  # a budget ran out: lengths and addresses only

# Bounds on what one request may load, whatever LoadConfig it sends (Delve has none). About
# 30 µs and 300 bytes of JSON per value here: 50,000 values answer in ~1.5 s with ~12 MB.
MAX_LOAD_VALUES = 50_000
MAX_LOAD_BYTES = 4 << 20  # string bytes (a byte may take 6 in JSON: \u00XX)
MAX_STRING_LEN = 1 << 20  # one string
MAX_RECURSE = 32  # nesting levels (each takes a few Python frames; Python stops at 1000)


@record(slots=True)
class LoadBudget:
    values: int = MAX_LOAD_VALUES
    string_bytes: int = MAX_LOAD_BYTES


_budget = threading.local()


@contextlib.contextmanager
def load_budget(values: int = MAX_LOAD_VALUES, string_bytes: int = MAX_LOAD_BYTES) -> Iterator[LoadBudget]:
    """A fresh budget for the loads this thread makes inside the block (one request, one stop)."""
    previous = getattr(_budget, "current", None)
    budget = _budget.current = LoadBudget(values, string_bytes)
    try:
        yield budget
    finally:
        _budget.current = previous


def _bounded(cfg: LoadCfg) -> LoadCfg:
    """cfg within the hard limits, and _STARVED once this thread's budget is spent."""
    budget: LoadBudget | None = getattr(_budget, "current", None)
    if budget is not None:
        if budget.values <= 0:
            return _STARVED
        budget.values -= 1
    if cfg.max_variable_recurse > MAX_RECURSE or cfg.max_string_len > MAX_STRING_LEN:
        cfg = dataclasses.replace(cfg, max_variable_recurse=min(cfg.max_variable_recurse, MAX_RECURSE),
                                  max_string_len=min(cfg.max_string_len, MAX_STRING_LEN))
    return cfg


def _spent() -> bool:
    budget: LoadBudget | None = getattr(_budget, "current", None)
    return budget is not None and budget.values <= 0


def _string_bytes(n: int) -> int:
    """How many of a string's n wanted bytes this thread's budget still allows (and takes them)."""
    budget: LoadBudget | None = getattr(_budget, "current", None)
    if budget is None:
        return n
    n = min(n, max(budget.string_bytes, 0))
    budget.string_bytes -= n
    return n


class Memory(Protocol):
    def read(self, addr: int, size: int) -> bytes: ...
    def write(self, addr: int, data: bytes) -> None: ...


class ProcessMemory:
    def __init__(self, read: Callable[[int, int], bytes], write: Callable[[int, bytes], None] | None = None) -> None:
        self._read = read
        self._write = write

    def read(self, addr: int, size: int) -> bytes:
        return self._read(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        if self._write is None:
            raise OSError("memory is read-only")
        self._write(addr, data)


@record(slots=True)
class RegPiece:
    """Part of a register-resident value: `size` bytes from DWARF register `reg`
    (or a constant/memory part when reg is None)."""

    size: int
    reg: int | None
    data: bytes


class CompositeMemory:
    """A value assembled from registers (and memory) served at a fake address, as Delve's
    compositeMemory: reads inside [base, base+len) come from the assembled bytes."""

    def __init__(self, inner: Memory, base: int, pieces: list[RegPiece],
                 set_reg: Callable[[int, bytes], None] | None = None) -> None:
        self.inner = inner
        self.base = base
        self.pieces = pieces
        self.data = bytearray(b"".join(p.data for p in pieces))
        self._set_reg = set_reg

    def read(self, addr: int, size: int) -> bytes:
        if self.base <= addr and addr + size <= self.base + len(self.data):
            off = addr - self.base
            return bytes(self.data[off:off + size])
        return self.inner.read(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        if not (self.base <= addr and addr + len(data) <= self.base + len(self.data)):
            self.inner.write(addr, data)
            return
        off = addr - self.base
        self.data[off:off + len(data)] = data
        if self._set_reg is None:
            raise OSError("cannot write register-resident value")
        pos = 0
        for p in self.pieces:
            if p.reg is not None:
                self._set_reg(p.reg, bytes(self.data[pos:pos + p.size]))
            pos += p.size


@record(eq=False, slots=True)
class Value:
    name: str
    addr: int
    type: GoType | None
    kind: Kind
    mem: Memory
    flags: int = 0
    value: Any = None
    len: int = 0
    cap: int = 0
    base: int = 0
    children: list[Value] = field(default_factory=list)
    only_addr: bool = False
    unreadable: str = ""
    location_expr: str = ""
    decl_line: int = 0
    loaded: bool = False
    # internal: element type/stride of strings, slices and arrays
    elem: GoType | None = None
    stride: int = 0
    real_override: GoType | None = None  # chan with its buf retyped, fake arrays
    # Delve's ConstDescr of a named integer value ("Green", "Read|Exec"), set by load
    const_descr: str = ""
    # The bytes of a CPU register value (flag F_CPU_REGISTER), Delve's Variable.reg
    reg: bytes | None = None

    @property
    def real_type(self) -> GoType | None:
        if self.real_override is not None:
            return self.real_override
        return None if self.type is None else self.type.resolved()

    @property
    def type_name(self) -> str:
        """Delve's prettyTypeName: the type's name, else its godwarf string (`func()`)."""
        return "" if self.type is None else (self.type.name or type_string(self.type))

    @property
    def real_type_name(self) -> str:
        rt = self.real_type
        if rt is None:
            return ""
        return rt.name or type_string(rt)


def fake_array(elem: GoType, n: int) -> GoType:
    """Delve's fakeArrayType: named `[n]` + the element type's godwarf string."""
    return GoType(-1, f"[{n}]{type_string(elem)}", "DW_TAG_array_type", Kind.Array, elem.resolved().size * n,
                  elem=elem, count=n)


# Delve's godwarf.VoidType: what an unsafe.Pointer or a nil interface points to.
VOID = GoType(-1, "void", "DW_TAG_unspecified_type", Kind.Invalid, 0)


def package_name(name: str) -> str:
    """Delve's packageName: "main" for "main.Color", "a/b/c" for "a/b/c.T"."""
    pathend = max(name.rfind("/"), 0)
    i = name.find(".", pathend)
    return name[:i] if i >= 0 else ""


def pointer_to(t: GoType) -> GoType:
    return GoType(-1, "*" + t.name, "DW_TAG_pointer_type", Kind.Pointer, 8, target=t)


def _uint(b: bytes) -> int:
    return int.from_bytes(b, "little")


def _int(b: bytes) -> int:
    return int.from_bytes(b, "little", signed=True)


class ValueLoader:
    def __init__(self, read: Callable[[int, int], bytes], types: GoTypes,
                 func_name: Callable[[int], str | None],
                 write: Callable[[int, bytes], None] | None = None) -> None:
        self.mem = ProcessMemory(read, write)
        self.types = types
        self.func_name = func_name
        # (type DIE offset) -> [(qualified name, value)] of the Go constants of that type
        # (DwarfVars.constants); None: no constant descriptions.
        self.constants: Callable[[int], list[tuple[str, int]] | None] | None = None
        self._const_types: dict[int, list[tuple[str, int, bool]]] = {}

    # -- construction (Delve's newVariable) ---------------------------------

    def new(self, name: str, addr: int, typ: GoType | None, mem: Memory | None = None) -> Value:
        mem = mem or self.mem
        if typ is None:
            return Value(name, addr, None, Kind.Invalid, mem, unreadable="unknown type")
        rt = typ.resolved()
        v = Value(name, addr, typ, rt.kind, mem)
        try:
            if rt.kind == Kind.String and addr:
                v.stride = 1
                try:
                    hdr = mem.read(addr, 16)
                except OSError as e:
                    v.unreadable = f"could not read string pointer {error_text(e)}"
                    return v
                v.base, v.len = _uint(hdr[:8]), _int(hdr[8:16])
                if v.len < 0:
                    v.base, v.len, v.unreadable = 0, 0, f"invalid length: {v.len}"
            elif rt.kind == Kind.Slice and addr:
                self._slice_info(v, rt)
            elif rt.kind == Kind.Array:
                v.base, v.len, v.cap, v.elem = addr, rt.count, rt.count, rt.elem
                v.stride = rt.size // rt.count if rt.count else 0
            elif rt.kind == Kind.Chan and addr:
                self._chan_info(v, rt)
        except OSError as e:
            v.unreadable = error_text(e)
        return v

    def _slice_info(self, v: Value, rt: GoType) -> None:
        for f in rt.fields:
            raw = v.mem.read(v.addr + f.offset, 8)
            if f.name == "array":
                v.base = _uint(raw)
                v.elem = f.type.target
            elif f.name == "len":
                v.len = _int(raw)
            elif f.name == "cap":
                v.cap = _int(raw)
        if v.elem is not None:
            v.stride = (8 if v.elem.kind == Kind.Pointer and v.elem.tag == "DW_TAG_pointer_type"
                        else v.elem.resolved().size)

    def _hchan(self, v: Value, rt: GoType) -> tuple[int, GoType | None]:
        ptr = rt.target
        if ptr is None or ptr.target is None:
            return 0, None
        return self._word_or_zero(v.mem, v.addr), ptr.target.resolved()

    def _chan_info(self, v: Value, rt: GoType) -> None:
        haddr, hstruct = self._hchan(v, rt)
        if not haddr or hstruct is None:
            return
        v.base = haddr
        qcount = _uint(v.mem.read(haddr + hstruct.fields[0].offset, 8))
        dataqsiz = _uint(v.mem.read(haddr + hstruct.fields[1].offset, 8))
        v.len, v.cap = qcount, dataqsiz
        if rt.elem is None:
            return
        fields = [Field(f.name, f.offset, pointer_to(fake_array(rt.elem, dataqsiz)) if f.name == "buf" else f.type,
                        f.embedded) for f in hstruct.fields]
        fake_struct = GoType(-1, hstruct.name, "DW_TAG_structure_type", Kind.Struct, hstruct.size,
                             fields=fields)
        v.real_override = GoType(-1, rt.name, GO_TYPEDEF, Kind.Chan, 8,
                                 target=pointer_to(fake_struct), elem=rt.elem)

    # -- navigation ---------------------------------------------------------

    def field(self, v: Value, f: Field) -> Value:
        return self.new(f.name, v.addr + f.offset, f.type, v.mem)

    def deref(self, v: Value) -> Value:
        """Delve's maybeDereference: the pointee of a pointer value (name "")."""
        rt = v.real_type
        if rt is None or rt.kind != Kind.Pointer:
            return v
        if (v.addr == 0 or v.flags & F_FAKE_ADDRESS) and len(v.children) == 1 and v.loaded:
            return v.children[0]
        try:
            ptr = _uint(v.mem.read(v.addr, 8))
        except OSError as e:
            r = self.new("", 0, rt.target, self.mem)
            r.unreadable = error_text(e)
            return r
        return self.new("", ptr, rt.target, self.mem)

    def index(self, v: Value, i: int) -> Value:
        mem = v.mem if v.kind == Kind.Array else self.mem
        return self.new("", v.base + i * v.stride, v.elem, mem)

    # -- loading (Delve's loadValueInternal) --------------------------------

    def load(self, v: Value, cfg: LoadCfg, level: int = 0) -> Value:
        try:
            self._load(v, level, _bounded(cfg))
        except OSError as e:
            v.unreadable = error_text(e)
            if v.kind in (Kind.Int, Kind.Uint, Kind.Float32, Kind.Float64) and v.value is None:
                v.value = 0  # Delve keeps the zero its failed read returned
        return v

    def _load(self, v: Value, level: int, cfg: LoadCfg) -> None:
        if v.unreadable or v.loaded or (v.addr == 0 and v.base == 0):
            return
        v.loaded = True
        k = v.kind
        rt = v.real_type
        assert rt is not None
        if k in (Kind.Pointer, Kind.UnsafePointer):
            self._load_ptr(v, rt)
            child = v.children[0]
            if cfg.follow_pointers:
                nxt, check = level, False
                if child.kind == Kind.Interface:
                    nxt += 1
                elif rt.kind == Kind.Pointer and rt.target is not None \
                        and rt.target.resolved().kind == Kind.Pointer \
                        and rt.target.resolved().tag == "DW_TAG_pointer_type":
                    nxt += 1
                    check = True
                if check and level > cfg.max_variable_recurse:
                    child.only_addr = True
                else:
                    self.load(child, cfg, nxt)
            else:
                child.only_addr = True
        elif k == Kind.Chan:
            haddr, _ = self._hchan(v, rt)
            if haddr and rt.target is not None and rt.target.target is not None:
                sv = self.new("", haddr, rt.target.target, v.mem)
                self.load(sv, LOAD_FULL, 0)
                v.children, v.len, v.base = sv.children, sv.len, sv.addr
        elif k == Kind.Map:
            if level <= cfg.max_variable_recurse:
                self._load_map(v, rt, level, cfg)
            else:
                self._map_header(v, rt)
        elif k == Kind.String and v.flags & F_CPU_REGISTER and v.reg is not None:
            # a vector register: its bytes in hex, sliced as the value was (never cut to the
            # load limit)
            val = v.reg.hex()
            s = v.base - FAKE_ADDRESS_UNRESOLV
            if 0 <= s < len(val):
                val = val[s:]
                if 0 <= v.len < len(val):
                    val = val[:v.len]
            v.value = val
        elif k == Kind.String:
            n = _string_bytes(min(v.len, cfg.max_string_len))
            try:
                raw = v.mem.read(v.base, n) if n > 0 else b""
            except OSError as e:
                v.value = ""
                v.unreadable = f"could not read string at {v.base:#x} due to {error_text(e)}"
                return
            v.value = raw.decode("utf-8", "surrogateescape")
        elif k in (Kind.Slice, Kind.Array):
            self._load_array(v, level, cfg)
        elif k == Kind.Struct:
            v.len = len(rt.fields)
            if level <= cfg.max_variable_recurse:
                for f in rt.fields:
                    if 0 <= cfg.max_struct_fields <= len(v.children):
                        break
                    c = self.field(v, f)
                    if not rt.name and f.name.startswith("&") and c.kind == Kind.Pointer:
                        c = self.deref(c)
                        c.flags |= F_ESCAPED
                        c.name = f.name[1:]
                    v.children.append(c)
                    self.load(c, cfg, level + 1)
            if rt.name == "time.Time":
                self._format_time(v)
        elif k == Kind.Interface:
            self._load_interface(v, rt, level, cfg)
        elif k in (Kind.Complex64, Kind.Complex128):
            fs = 4 if k == Kind.Complex64 else 8
            raw = v.mem.read(v.addr, 2 * fs)
            fmt = "<ff" if fs == 4 else "<dd"
            re_, im = struct.unpack(fmt, raw)
            v.value = complex(re_, im)
        elif k == Kind.Int:
            v.value = _int(v.mem.read(v.addr, rt.size))
            v.const_descr = self._const_descr(v)
        elif k == Kind.Uint and v.flags & F_CPU_REGISTER and v.reg is not None:
            v.value = _uint(v.reg[:8])
        elif k == Kind.Uint:
            v.value = _uint(v.mem.read(v.addr, rt.size))
            v.const_descr = self._const_descr(v)
        elif k == Kind.Bool:
            v.value = v.mem.read(v.addr, 1)[0] != 0
        elif k in (Kind.Float32, Kind.Float64):
            raw = v.mem.read(v.addr, rt.size)
            v.value = struct.unpack("<f" if rt.size == 4 else "<d", raw)[0]
        elif k == Kind.Func:
            self._load_func(v)
        else:
            v.unreadable = f'unknown or unsupported kind: "{KIND_NAMES.get(k, k)}"'

    def _load_ptr(self, v: Value, rt: GoType) -> None:
        if v.children:
            return
        v.len = 1
        try:
            ptr = _uint(v.mem.read(v.addr, 8))
            # unsafe.Pointer: Delve's pointee is a void value
            child = self.new("", ptr, rt.target or VOID, self.mem)
        except OSError as e:
            v.unreadable = error_text(e)
            child = self.new("", 0, rt.target or VOID, self.mem)
            child.unreadable = f"parent pointer unreadable: {error_text(e)}"
        v.children = [child]
        v.value = child.addr

    def _load_array(self, v: Value, level: int, cfg: LoadCfg) -> None:
        if v.len < 0:
            v.unreadable = "Negative array length"
            return
        if v.base == 0 and v.len > 0:
            v.unreadable = "non-zero length array with nil base"
            return
        count = v.len if v.flags & F_TRUST_LEN else min(v.len, cfg.max_array_values)
        errs = 0
        for i in range(count):
            if _spent():
                break  # the request's budget: the client sees a shorter array, as with MaxArrayValues
            c = self.index(v, i)
            self.load(c, cfg, level + 1)
            errs += bool(c.unreadable)
            v.children.append(c)
            if errs > _MAX_ERR:
                break

    def _load_func(self, v: Value) -> None:
        closure = _uint(v.mem.read(v.addr, 8))
        if closure == 0:
            v.base, v.value = 0, ""
            return
        pc = _uint(self.mem.read(closure, 8))
        v.base = pc
        name = self.func_name(pc)
        if name is None:
            v.unreadable = f"could not find function for {pc:#x}"
            return
        v.value = name

    def _load_interface(self, v: Value, rt: GoType, level: int, cfg: LoadCfg) -> None:
        typ_addr = 0
        data_f = None
        isnil = True
        for f in rt.fields:
            if f.name == "tab":
                tab = self._word_or_zero(v.mem, v.addr + f.offset)
                isnil = tab == 0
                if not isnil and f.type.target is not None:
                    itab = f.type.target.resolved()
                    tf = itab.field("Type") or itab.field("_type")
                    if tf is None:
                        v.unreadable = "invalid interface type"
                        return
                    typ_addr = _uint(self.mem.read(tab + tf.offset, 8))
            elif f.name == "_type":
                typ_addr = self._word_or_zero(v.mem, v.addr + f.offset)
                isnil = typ_addr == 0
            elif f.name == "data":
                data_f = f
        if data_f is None:
            v.unreadable = "invalid interface type"
            return
        data = self.field(v, data_f)
        if isnil:
            data = self.deref(data) if data.kind == Kind.Pointer else self._void_at(data)
            v.children = [data]
            self.load(data, cfg, level)
            return
        dyn = self.types.by_runtime_addr(typ_addr)
        if dyn is None:
            v.unreadable = "could not resolve interface type"
            return
        ptr = _uint(v.mem.read(data.addr, 8))
        if dyn.direct_iface():
            child = self.new("data", data.addr, dyn, v.mem)
        else:
            child = self.new("data", ptr, dyn, self.mem)
        v.children = [child]
        if level <= cfg.max_variable_recurse:
            self.load(child, cfg, level)
        else:
            child.only_addr = True

    def _void_at(self, data: Value) -> Value:
        try:
            ptr = _uint(data.mem.read(data.addr, 8))
        except OSError as e:
            return Value("", 0, VOID, Kind.Invalid, self.mem, unreadable=error_text(e))
        return Value("", ptr, VOID, Kind.Invalid, self.mem)

    @staticmethod
    def _word_or_zero(mem: Memory, addr: int) -> int:
        """A pointer as Delve's maybeDereference reads it: 0 when the read fails (a map, chan
        or interface whose header cannot be read is then shown as nil, without an error; an
        interface's unreadable data word says why)."""
        try:
            return _uint(mem.read(addr, 8))
        except OSError:
            return 0

    # -- Delve's special renderings ------------------------------------------

    def _const_descr(self, v: Value) -> str:
        """Delve's ConstDescr: the value as the name of a constant of its type, or as an
        `A|B` set of single-bit constants; only for named types of a Go package."""
        if self.constants is None or v.type is None or v.flags & F_CONSTANT:
            return ""
        name = v.type.name
        if "." not in name or name.startswith("C."):
            return ""  # a plain int with value 1 must not read as some package's constant
        vals = self._const_types.get(v.type.offset)
        if vals is None:
            pkg = package_name(name) + "."
            raw = self.constants(v.type.offset) or []
            vals = [(n.removeprefix(pkg), x, x.bit_count() == 1 if x >= 0 else x == -(1 << 63))
                    for n, x in sorted(raw, key=lambda c: c[1])]
            self._const_types[v.type.offset] = vals
        if not vals:
            return ""
        n = v.value
        n = ((n + (1 << 63)) % (1 << 64)) - (1 << 63)  # constant.Int64Val: the value as int64
        for cname, x, _ in vals:
            if x == n:
                return cname
        if n == 0:
            return ""
        parts = []
        for cname, x, single in vals:
            if single and n & x:
                parts.append(cname)
                n &= ~x
        return "|".join(parts) if n == 0 else ""

    def _format_time(self, v: Value) -> None:
        """Delve's formatTime: a time.Time's value is its RFC 3339 text (with the monotonic
        reading appended when the wall field has one)."""
        fields = {c.name: c for c in v.children}
        wall, ext = fields.get("wall"), fields.get("ext")
        if wall is None or ext is None or wall.unreadable or ext.unreadable \
                or wall.value is None or ext.value is None:
            return
        tz = self._time_location(fields.get("loc"))
        w, e = wall.value, ext.value
        try:
            if w & (1 << 63):  # hasMonotonic: 33-bit seconds since 1885 in wall, monotonic ns in ext
                sec = (w & ((1 << 63) - 1)) >> 30
                t = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=sec - 2682288000)
                suffix = f", {e:+d}"
            else:  # seconds since Jan 1 year 1 in ext
                t = datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=e)
                suffix = ""
            t = t.astimezone(tz) if tz is not None else t
        except (OverflowError, ValueError):
            return
        off = t.utcoffset() or timedelta(0)
        mins = int(off.total_seconds()) // 60
        zone = "Z" if mins == 0 else f"{'+' if mins > 0 else '-'}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"
        v.value = t.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0") + zone + suffix

    def _time_location(self, loc: Value | None) -> tzinfo | None:
        """time.LoadLocation(loc.name) as Delve (the debugger's own zone database) does it;
        None (UTC) when loc is nil or the zone is unknown."""
        if loc is None or loc.unreadable or loc.kind != Kind.Pointer:
            return None
        target = self.deref(loc)
        f = target.type.field("name") if target.type is not None and target.addr else None
        if f is None:
            return None
        nv = self.load(self.field(target, f), LOAD_FULL)
        name = nv.value if isinstance(nv.value, str) else ""
        if name in ("", "UTC"):
            return UTC
        if name == "Local":
            return datetime.now().astimezone().tzinfo
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only for a time.Time value

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    # -- maps ---------------------------------------------------------------

    def _map_header(self, v: Value, rt: GoType) -> tuple[int, GoType | None]:
        """Reads count/used into v.len and sets base; returns (hmap addr, hmap struct type)."""
        if rt.target is None or rt.target.target is None:
            v.unreadable = "wrong real type for map"
            return 0, None
        haddr = self._word_or_zero(v.mem, v.addr)
        v.base = haddr
        hs = rt.target.target.resolved()
        if haddr == 0:
            return 0, hs
        f = hs.field("count") or hs.field("used")
        if f is not None:
            v.len = _uint(self.mem.read(haddr + f.offset, f.type.resolved().size))
        return haddr, hs

    def _load_map(self, v: Value, rt: GoType, level: int, cfg: LoadCfg) -> None:
        haddr, hs = self._map_header(v, rt)
        if not haddr or hs is None or v.len == 0 or cfg.max_array_values == 0:
            return
        entries = self._swiss_entries(haddr, hs) if hs.field("dirPtr") else self._classic_entries(haddr, hs)
        errs = 0
        key_ptr = rt.key is not None and rt.key.resolved().kind == Kind.Pointer
        elem_ptr = rt.elem is not None and rt.elem.resolved().kind == Kind.Pointer
        for count, (key, val) in enumerate(entries, 1):
            if _spent():
                break
            if key.kind == Kind.Pointer and not key_ptr:
                key = self.deref(key)
            if val.kind == Kind.Pointer and not elem_ptr:
                val = self.deref(val)
            self.load(key, cfg, level + 1)
            self.load(val, cfg, level + 1)
            errs += bool(key.unreadable or val.unreadable)
            v.children += [key, val]
            if errs > _MAX_ERR or count >= cfg.max_array_values or count >= v.len:
                break

    def map_entries(self, v: Value) -> Iterator[tuple[Value, Value]]:
        """The (key, value) pairs of map `v`, unloaded: what the evaluator's `m[k]` scans."""
        rt = v.real_type
        if rt is None:
            return
        haddr, hs = self._map_header(v, rt)
        if not haddr or hs is None:
            return
        entries = self._swiss_entries(haddr, hs) if hs.field("dirPtr") else self._classic_entries(haddr, hs)
        key_ptr = rt.key is not None and rt.key.resolved().kind == Kind.Pointer
        elem_ptr = rt.elem is not None and rt.elem.resolved().kind == Kind.Pointer
        for key, val in entries:
            yield (self.deref(key) if key.kind == Kind.Pointer and not key_ptr else key,
                   self.deref(val) if val.kind == Kind.Pointer and not elem_ptr else val)

    def _classic_entries(self, haddr: int, hs: GoType):  # noqa: ANN202 - generator of (key, value)
        fb, fbuckets = hs.field("B"), hs.field("buckets")
        if fb is None or fbuckets is None or fbuckets.type.target is None:
            return
        nb = 1 << self.mem.read(haddr + fb.offset, 1)[0]
        bucket_t = fbuckets.type.target.resolved()
        ft, fk, fv, fo = (bucket_t.field(n) for n in ("tophash", "keys", "values", "overflow"))
        if ft is None or fk is None or fv is None or fo is None:
            return
        kt, vt = fk.type.resolved(), fv.type.resolved()
        kstride, vstride = kt.size // max(kt.count, 1), vt.size // max(vt.count, 1)
        buckets = _uint(self.mem.read(haddr + fbuckets.offset, 8))
        fold = hs.field("oldbuckets")
        old = _uint(self.mem.read(haddr + fold.offset, 8)) if fold is not None else 0
        oldmask = (nb >> 1) - 1  # Delve's (1 << (B-1)) - 1, also for same-size grows
        for bi in range(nb):
            b = buckets + bi * bucket_t.size
            if old:
                # Mid-grow (Delve's nextBucket): an old bucket not yet evacuated holds the
                # entries of both new buckets it splits into; read it once, for the first.
                ob = old + (bi & oldmask) * bucket_t.size
                if not 1 < self.mem.read(ob + ft.offset, 1)[0] < 5:  # not evacuatedX/Y/Empty
                    if bi & oldmask != bi:
                        continue
                    b = ob
            while b:
                tophash = self.mem.read(b + ft.offset, 8)
                for i in range(8):
                    if tophash[i] in (0, 1):  # emptyRest, emptyOne
                        continue
                    yield (self.new("", b + fk.offset + i * kstride, kt.elem),
                           self.new("", b + fv.offset + i * vstride, vt.elem))
                b = _uint(self.mem.read(b + fo.offset, 8))

    def _swiss_entries(self, haddr: int, hs: GoType):  # noqa: ANN202 - generator of (key, value)
        fdir, flen = hs.field("dirPtr"), hs.field("dirLen")
        if fdir is None or flen is None or fdir.type.target is None or fdir.type.target.target is None:
            return
        table_t = fdir.type.target.target.resolved()
        fidx, fgroups = table_t.field("index"), table_t.field("groups")
        if fidx is None or fgroups is None:
            return
        gs = fgroups.type.resolved()
        fdata, fmask = gs.field("data"), gs.field("lengthMask")
        if fdata is None or fmask is None or fdata.type.target is None:
            return
        group_t = fdata.type.target.resolved()
        fctrl, fslots = group_t.field("ctrl"), group_t.field("slots")
        fkeys, felems = group_t.field("keys"), group_t.field("elems")
        if fctrl is None:
            return
        ctrl_off = fctrl.offset

        def group_entries(g: int):  # noqa: ANN202
            ctrl = self.mem.read(g + ctrl_off, 8)
            if fslots is not None:
                st = fslots.type.resolved()
                slot = st.elem.resolved() if st.elem else None
                if slot is None:
                    return
                fk, fe = slot.field("key"), slot.field("elem")
                if fk is None or fe is None:
                    return
                for i in range(st.count):
                    if ctrl[i] & 0x80:
                        continue
                    s = g + fslots.offset + i * slot.size
                    yield self.new("", s + fk.offset, fk.type), self.new("", s + fe.offset, fe.type)
            elif fkeys is not None and felems is not None:
                kt, et = fkeys.type.resolved(), felems.type.resolved()
                for i in range(kt.count):
                    if ctrl[i] & 0x80:
                        continue
                    yield (self.new("", g + fkeys.offset + i * (kt.size // kt.count), kt.elem),
                           self.new("", g + felems.offset + i * (et.size // et.count), et.elem))

        if fctrl is None:
            return
        dir_ptr = _uint(self.mem.read(haddr + fdir.offset, 8))
        dir_len = _int(self.mem.read(haddr + flen.offset, 8))
        if dir_len <= 0:
            yield from group_entries(dir_ptr)
            return
        for d in range(dir_len):
            tab = _uint(self.mem.read(dir_ptr + 8 * d, 8))
            if _int(self.mem.read(tab + fidx.offset, 8)) != d:
                continue  # a table spanning several directory slots is visited once
            groups = _uint(self.mem.read(tab + fgroups.offset + fdata.offset, 8))
            mask = _uint(self.mem.read(tab + fgroups.offset + fmask.offset, 8))
            for gi in range(mask + 1):
                yield from group_entries(groups + gi * group_t.size)

    # -- writing (Set) ------------------------------------------------------

    def write(self, v: Value, data: bytes) -> None:
        v.mem.write(v.addr, data)
