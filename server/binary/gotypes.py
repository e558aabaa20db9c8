"""Go types read from DWARF on demand, shaped the way Delve's godwarf sees them.

API (all lookups lazy and cached):
- `GoTypes(units, types_base).by_offset(off)` -> GoType for a type DIE (what DW_AT_type
  refers to);
- `by_name("main.Rect")`, `by_runtime_addr(addr)` (DW_AT_go_runtime_type: the dynamic type
  of an interface), `names()` (ListTypes). These three walk the top-level DIEs of the unit
  that holds the program's types (the last `runtime` unit that has any) once.

Kinds follow Delve's newVariable, not DW_AT_go_kind: every signed integer type is reported as
Kind.Int and every unsigned one as Kind.Uint, whatever its size, because Delve derives the
kind from the DWARF base-type encoding. Strings, slices and interfaces are DWARF
structures recognised by DW_AT_go_kind; maps and channels are typedefs of a pointer to the
runtime's hash/hchan structure, also recognised by DW_AT_go_kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field
from enum import IntEnum
from typing import TYPE_CHECKING

from ..records import record
from .dwarf_units import DwarfUnits, attributes, dwarf_text

if TYPE_CHECKING:
    from elftools.dwarf.die import DIE


class Kind(IntEnum):
    """reflect.Kind, with Go's names and numbers: api.Variable.kind on the wire, and the
    value of DW_AT_go_kind. An IntEnum so that it compares, hashes and encodes as the int."""

    Invalid = 0
    Bool = 1
    Int = 2
    Int8 = 3
    Int16 = 4
    Int32 = 5
    Int64 = 6
    Uint = 7
    Uint8 = 8
    Uint16 = 9
    Uint32 = 10
    Uint64 = 11
    Uintptr = 12
    Float32 = 13
    Float64 = 14
    Complex64 = 15
    Complex128 = 16
    Array = 17
    Chan = 18
    Func = 19
    Interface = 20
    Map = 21
    Pointer = 22
    Slice = 23
    String = 24
    Struct = 25
    UnsafePointer = 26


# reflect.Kind.String(), the names Delve's messages use: the member names in lower case,
# except for the two pointer kinds.
KIND_NAMES: dict[int, str] = {**{k: k.name.lower() for k in Kind},
                              Kind.Pointer: "ptr", Kind.UnsafePointer: "unsafe.Pointer"}

# Go's vendor attributes (cmd/internal/dwarf); pyelftools keys them by number.
AT_GO_KIND, AT_GO_KEY, AT_GO_ELEM, AT_GO_EMBEDDED, AT_GO_RUNTIME_TYPE = 0x2900, 0x2901, 0x2902, 0x2903, 0x2904
AT_GO_DICT_INDEX = 0x2906

_TYPE_TAGS = frozenset({"DW_TAG_base_type", "DW_TAG_pointer_type", "DW_TAG_structure_type", "DW_TAG_typedef",
                        "DW_TAG_array_type", "DW_TAG_subroutine_type", "DW_TAG_unspecified_type"})
_TYPE_TAG_LIST = tuple(sorted(_TYPE_TAGS))
GO_TYPEDEF = "go_typedef"  # tag of a map/chan/interface typedef (see _build)
# Kinds of DWARF base-type encodings (DW_ATE_*): 2 boolean, 5 signed, 6 signed_char, 7 unsigned,
# 8 unsigned_char. Floats (4) and complexes (3) are told apart by their size in _build.
_ATE_KINDS = {2: Kind.Bool, 5: Kind.Int, 6: Kind.Int, 7: Kind.Uint, 8: Kind.Int}


@record(slots=True)
class Field:
    name: str
    offset: int
    type: GoType
    embedded: bool = False


@record(eq=False, slots=True)
class GoType:
    """One DWARF type. `target` is what a typedef names or a pointer points to (None for
    unsafe.Pointer); `elem`/`key` are element and key types of arrays, slices, maps, chans."""

    offset: int
    name: str
    tag: str
    kind: Kind
    size: int
    target: GoType | None = None
    elem: GoType | None = None
    key: GoType | None = None
    count: int = 0
    fields: list[Field] = field(default_factory=list)
    runtime_addr: int = 0
    # Delve's ParametricType: a shape typedef of a generic function (`.param0`), whose real
    # type is the runtime type in slot `dict_index` of the frame's dictionary (-1: none).
    dict_index: int = -1
    go_kind: int = 0  # DW_AT_go_kind as written (Delve's CommonType.ReflectKind; 0 when absent)

    def resolved(self) -> GoType:
        """Delve's ResolveTypedef: the type a chain of typedefs names."""
        t = self
        for _ in range(64):
            if t.tag != "DW_TAG_typedef" or t.target is None:
                return t
            t = t.target
        return t

    @property
    def is_typedef(self) -> bool:
        return self.tag == "DW_TAG_typedef"

    def field(self, name: str) -> Field | None:
        for f in self.resolved().fields:
            if f.name == name:
                return f
        return None

    def direct_iface(self) -> bool:
        """Go's isdirectiface: values of this type are stored in an interface's data word."""
        r = self.resolved()
        if r.kind in (Kind.Pointer, Kind.UnsafePointer, Kind.Chan, Kind.Map, Kind.Func):
            return True
        if r.kind == Kind.Struct and len(r.fields) == 1:
            return r.fields[0].type.direct_iface()
        if r.kind == Kind.Array and r.count == 1 and r.elem is not None:
            return r.elem.direct_iface()
        return False


def type_string(t: GoType) -> str:
    """godwarf's Type.String(): what Delve prints for a type in its messages (a named struct
    is `struct main.Point`, a pointer `*` + its target's, an unnamed function type `func()`)."""
    if t.tag == "DW_TAG_pointer_type" and t.target is not None:
        return "*" + type_string(t.target)
    if t.tag == "DW_TAG_array_type" and t.elem is not None:
        return f"[{t.count}]{type_string(t.elem)}"
    if t.tag == "DW_TAG_structure_type" and t.kind == Kind.Struct:
        return f"struct {t.name}" if t.name else "struct {}"
    if t.kind == Kind.Slice and not t.name and t.elem is not None:
        return "[]" + type_string(t.elem)
    if t.tag == "DW_TAG_subroutine_type" and not t.name:
        return "func()"
    return t.name or ("?" if t.tag == "DW_TAG_base_type" else "")


class GoTypes:
    """The Go types of values (variables, eval, calls), as Delve's godwarf builds them.

    One of the two readers of the executable's DWARF types, both owned by GoBinary and both
    reading its one DWARFInfo (GoBinary.go_types and GoBinary.dwarf_types): this one builds
    whole types, fields and elements included; binary.dwarf_types.DwarfTypes reads just the
    struct layouts of runtime internals, without building the types they refer to.
    """

    def __init__(self, units: DwarfUnits, types_base: int = 0, index: object = None) -> None:
        """index: what export_index gave in an earlier session of this binary (the on-disk
        index), else None or anything malformed (ignored)."""
        self._units = units
        self._dwarf = units.dwarf
        self._by_off: dict[int, GoType] = {}
        self._type_of: dict[int, GoType | None] = {}  # type_of by the variable DIE's offset
        self._names: dict[str, int] | None = None
        self._index_walk: Iterator[None] | None = None  # the walk that builds _names (index_steps)
        self._runtime: dict[int, int] = {}
        # Start of the runtime type data (runtime.types): DW_AT_go_runtime_type holds a type's
        # offset from there (absolute addresses are tried too).
        self.types_base = types_base
        self.index_walked = False  # built here (not from the on-disk index): export_index is new
        if isinstance(index, dict) and isinstance(index.get("names"), dict) and isinstance(index.get("runtime"), dict):
            self._names, self._runtime = index["names"], index["runtime"]

    def export_index(self) -> dict[str, dict[str, int] | dict[int, int]] | None:
        """The type-name index for the on-disk index (None before it exists)."""
        if self._names is None:
            return None
        return {"names": self._names, "runtime": self._runtime}

    # -- by offset --------------------------------------------------------

    def die_at(self, offset: int) -> DIE:
        return self._dwarf.get_DIE_from_refaddr(offset)

    def ref(self, die: DIE, attr: str | int) -> DIE | None:
        """The DIE an attribute refers to (CU-relative ref4 or absolute ref_addr)."""
        a = attributes(die).get(attr)
        if a is None:
            return None
        off = a.value if a.form == "DW_FORM_ref_addr" else a.value + die.cu.cu_offset
        return self._dwarf.get_DIE_from_refaddr(off)

    def type_of(self, die: DIE) -> GoType | None:
        """The GoType of a variable/member DIE's DW_AT_type (an inlined call's variable has it on
        its DW_AT_abstract_origin)."""
        # By the DIE's offset: following the reference through pyelftools (the unit holding it,
        # then the DIE) was a third of the calls of listing a frame's variables, after every stop.
        if die.offset in self._type_of:
            return self._type_of[die.offset]
        t = self.ref(die, "DW_AT_type")
        if t is None:
            origin = self.ref(die, "DW_AT_abstract_origin")
            t = self.ref(origin, "DW_AT_type") if origin is not None else None
        typ = self._type_of[die.offset] = None if t is None else self.by_offset(t.offset)
        return typ

    def by_offset(self, offset: int) -> GoType:
        t = self._by_off.get(offset)
        if t is None:
            t = self._build(self.die_at(offset))
        return t

    def _build(self, die: DIE) -> GoType:
        a = attributes(die)
        name = dwarf_text(a["DW_AT_name"].value) if "DW_AT_name" in a else ""
        size = a["DW_AT_byte_size"].value if "DW_AT_byte_size" in a else 0
        gokind = a[AT_GO_KIND].value if AT_GO_KIND in a else 0
        rt = a[AT_GO_RUNTIME_TYPE].value if AT_GO_RUNTIME_TYPE in a else 0
        t = GoType(die.offset, name, str(die.tag), Kind.Invalid, size, runtime_addr=rt, go_kind=gokind)
        # Registered before children are built: types refer to themselves through pointers.
        self._by_off[die.offset] = t
        tag = die.tag
        if tag == "DW_TAG_base_type":
            enc = a["DW_AT_encoding"].value if "DW_AT_encoding" in a else 0
            t.kind = _ATE_KINDS.get(enc, Kind.Invalid)
            if enc == 4:
                t.kind = Kind.Float32 if size == 4 else Kind.Float64
            elif enc == 3:
                t.kind = Kind.Complex64 if size == 8 else Kind.Complex128
        elif tag == "DW_TAG_pointer_type":
            target = self.ref(die, "DW_AT_type")
            t.size = size or 8
            if target is None:
                t.kind = Kind.UnsafePointer
            else:
                t.kind = Kind.Pointer
                t.target = self.by_offset(target.offset)
        elif tag == "DW_TAG_typedef":
            target = self.ref(die, "DW_AT_type")
            t.target = self.by_offset(target.offset) if target is not None else None
            if gokind == Kind.Map:
                t.kind = Kind.Map
                t.key = self._go_ref(die, AT_GO_KEY)
                t.elem = self._go_ref(die, AT_GO_ELEM)
            elif gokind == Kind.Chan:
                t.kind = Kind.Chan
                t.elem = self._go_ref(die, AT_GO_ELEM)
            elif gokind == Kind.Interface:
                t.kind = Kind.Interface
            else:
                t.kind = t.target.resolved().kind if t.target is not None else Kind.Invalid
                if AT_GO_DICT_INDEX in a:
                    t.dict_index = a[AT_GO_DICT_INDEX].value
            if not t.size and t.target is not None:
                t.size = t.target.resolved().size
            if gokind in (Kind.Map, Kind.Chan, Kind.Interface):
                # Delve's MapType/ChanType/InterfaceType: a typedef that is itself the Go type
                # (it resolves to itself; its target is the runtime's representation).
                t.tag = GO_TYPEDEF
                t.fields = t.target.resolved().fields if t.target is not None else []
        elif tag == "DW_TAG_structure_type":
            t.kind = Kind(gokind) if gokind in (Kind.Slice, Kind.String, Kind.Interface) else Kind.Struct
            for m in die.iter_children():
                if m.tag != "DW_TAG_member":
                    continue
                ma = attributes(m)
                loc = ma.get("DW_AT_data_member_location")
                mt = self.type_of(m)
                if mt is None:
                    continue
                emb = ma.get(AT_GO_EMBEDDED)
                t.fields.append(Field(dwarf_text(ma["DW_AT_name"].value) if "DW_AT_name" in ma else "",
                                      loc.value if loc is not None and isinstance(loc.value, int) else 0,
                                      mt, bool(emb is not None and emb.value)))
            if t.kind == Kind.Slice:
                t.elem = self._go_ref(die, AT_GO_ELEM)
                if t.elem is None and t.fields and t.fields[0].type.target is not None:
                    t.elem = t.fields[0].type.target
        elif tag == "DW_TAG_array_type":
            t.kind = Kind.Array
            t.elem = self.type_of(die)
            for sub in die.iter_children():
                if sub.tag == "DW_TAG_subrange_type":
                    sa = attributes(sub)
                    if "DW_AT_count" in sa:
                        t.count = sa["DW_AT_count"].value
                    elif "DW_AT_upper_bound" in sa:
                        t.count = sa["DW_AT_upper_bound"].value + 1
        elif tag == "DW_TAG_subroutine_type":
            t.kind = Kind.Func
            t.size = size or 8
        return t

    def _go_ref(self, die: DIE, attr: int) -> GoType | None:
        d = self.ref(die, attr)
        return None if d is None else self.by_offset(d.offset)

    # -- by name / runtime address -----------------------------------------

    def _index(self) -> dict[str, int]:
        if self._names is None:
            for _ in self.index_steps():
                pass
        assert self._names is not None  # index_steps sets it when it ends
        return self._names

    def index_steps(self, chunk: int = 25) -> Iterator[None]:
        """Build the type-name index, yielding every `chunk` DIEs: it walks every type DIE (~80
        ms on a small program), which the warm-up spreads over the client's think time
        (Engine._warm_up_steps) so that the first `call` or type lookup does not wait for it
        (a DIE takes ~0.1 ms).
        One walk, however many callers: a lookup that cannot wait finishes the warm-up's."""
        if self._index_walk is None:
            self._index_walk = self._walk_index(chunk)
        yield from self._index_walk

    def _walk_index(self, chunk: int) -> Iterator[None]:
        names: dict[str, int] = {}
        units = [self._units.die_unit(u) for u in self._units.units if u.name == "runtime"]
        count = 0
        for cu in reversed(units):
            found = False
            top = cu.get_top_DIE()
            yield
            for die in top.iter_children():
                count += 1
                if count % chunk == 0:
                    yield
                if die.tag not in _TYPE_TAGS:
                    continue
                found = True
                a = attributes(die)
                if "DW_AT_name" in a:
                    n = dwarf_text(a["DW_AT_name"].value)
                    # A named struct has a typedef and a structure DIE of the same name:
                    # the typedef is what variables refer to.
                    if n not in names or die.tag == "DW_TAG_typedef":
                        names[n] = die.offset
                if AT_GO_RUNTIME_TYPE in a:
                    self._runtime.setdefault(a[AT_GO_RUNTIME_TYPE].value, die.offset)
            if found:
                break
        self._names = names
        self.index_walked = True

    def by_name(self, name: str) -> GoType | None:
        if self._names is None and not self._may_exist(name):
            return None
        off = self._index().get(name)
        return None if off is None else self.by_offset(off)

    def _may_exist(self, name: str) -> bool:
        """False when no DIE of a type tag has this name, told by the bytes of .debug_info
        (dwarf_search.py: Go's linker writes type names inline), before the index of every type
        exists: an expression's first lookups (is `add` in `add(2,3)` a type?) must not wait for
        the index (~80 ms on a small program, seconds on a big one). A byte match may be a chance
        one: then the index answers."""
        search = self._units.search
        return not search.works() or bool(search.find(name, _TYPE_TAG_LIST))

    def by_runtime_addr(self, addr: int) -> GoType | None:
        self._index()
        off = self._runtime.get(addr - self.types_base) if addr >= self.types_base else None
        if off is None:
            off = self._runtime.get(addr)
        return None if off is None else self.by_offset(off)

    def names(self) -> list[str]:
        return sorted(self._index())
