"""Lazy struct layouts and subprogram flags from DWARF (.debug_info), via pyelftools.

One of the two readers of the executable's DWARF types, both owned by GoBinary and both
reading its one DWARFInfo (GoBinary.dwarf_types and GoBinary.go_types): this one serves
the runtime model (goroutines, defers, labels, runtime type descriptors, call signatures)
with field offsets, sizes and type names, found by name without walking a whole unit;
binary.gotypes.GoTypes builds the full Go type graph that values are loaded with.

pyelftools parses a DIE in tens of microseconds, and the runtime of a big binary
has hundreds of thousands of them, so nothing here walks all DIEs. A lookup
walks only the *top-level* DIEs of the compile units most likely to hold the
name, stops at the first match, and remembers every top-level name it passed so
later lookups in the same unit resume where the last one stopped.

Where Go puts things (cmd/link/internal/ld/dwarf.go): one compile unit per
package for its functions; every type of the program is appended to the last
unit the linker writes, which is one of the (several) units named "runtime".
So types are searched in the runtime units from the last one backwards, and
subprograms in the units named after their package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any

from ..records import record
from .dwarf_search import DieSearch
from .dwarf_units import DwarfUnits, attributes, dwarf_text
from .gotypes import AT_GO_EMBEDDED

if TYPE_CHECKING:
    from elftools.dwarf.compileunit import CompileUnit
    from elftools.dwarf.die import DIE

_STRUCT = "DW_TAG_structure_type"
_SUBPROGRAM = "DW_TAG_subprogram"
# Typedef-like wrappers to look through when sizing a field's type.
TRANSPARENT_TAGS = ("DW_TAG_typedef", "DW_TAG_const_type", "DW_TAG_volatile_type")


class DwarfTypeError(LookupError):
    """A type or function the caller asked for is not in the binary's DWARF."""


@record(frozen=True, slots=True)
class FieldInfo:
    offset: int
    size: int
    type_name: str
    embedded: bool = False


@record(frozen=True, slots=True)
class StructLayout:
    name: str
    size: int
    fields: dict[str, FieldInfo]

    def offset(self, name: str) -> int:
        return self.fields[name].offset

    def has(self, name: str) -> bool:
        return name in self.fields

    def first(self, *names: str) -> FieldInfo | None:
        """The first of several field names that exists (fields get renamed across Go releases)."""
        for n in names:
            f = self.fields.get(n)
            if f is not None:
                return f
        return None


@record(slots=True)
class _UnitIndex:
    """Top-level DIE names of one compile unit, filled incrementally."""

    cu: CompileUnit
    names: dict[tuple[str, str], DIE] = field(default_factory=dict)
    pending: Iterator[DIE] | None = None
    done: bool = False

    def find(self, tag: str, name: str) -> DIE | None:
        key = (tag, name)
        die = self.names.get(key)
        if die is not None or self.done:
            return die
        if self.pending is None:
            self.pending = self.cu.iter_DIE_children(self.cu.get_top_DIE())
        for child in self.pending:
            attr = child.attributes.get("DW_AT_name")
            if attr is None:
                continue
            child_key = (str(child.tag), dwarf_text(attr.value))
            # The first DIE of a name wins: later duplicates are not expected in Go.
            self.names.setdefault(child_key, child)
            if child_key == key:
                return child
        self.done = True
        self.pending = None
        return None


def package_of(symbol: str) -> str:
    """Package path of a Go symbol: "net/http.(*Server).Serve" -> "net/http"."""
    slash = symbol.rfind("/")
    dot = symbol.find(".", slash + 1)
    return symbol if dot < 0 else symbol[:dot]


class DwarfTypes:
    """Struct layouts and function attributes read on demand from the binary's DWARF.

    `units` gives GoBinary's compile-unit index (None without DWARF). It is called on the
    first question, not here: the readers of the runtime model are made at launch, before
    anything needs DWARF.
    """

    def __init__(self, units: Callable[[], DwarfUnits | None], seed: dict[str, Any] | None = None) -> None:
        self._load_units = units
        self._units: list[tuple[str, _UnitIndex]] | None = None
        self.changed = False  # layouts found since the seed: export() has news
        self._search: DieSearch | None = None
        self._unit_rank: dict[int, int] = {}  # unit offset -> place in the type search order
        self._layouts: dict[str, StructLayout] = {}
        # Misses are cached too: a miss costs a walk over every unit.
        self._missing: set[str] = set()
        self._trampolines: dict[str, bool] = {}
        if seed:
            self._import(seed)

    # -- the on-disk index (binary/indexcache.py) ---------------------------

    def export(self) -> dict[str, Any]:
        """The layouts and misses found so far, as plain data (marshal-able)."""
        return {
            "layouts": {n: (lay.size, [(f, i.offset, i.size, i.type_name, i.embedded) for f, i in lay.fields.items()])
                        for n, lay in self._layouts.items()},
            "missing": sorted(self._missing),
        }

    def _import(self, seed: dict[str, Any]) -> None:
        try:
            layouts = {n: StructLayout(n, size, {f: FieldInfo(off, fsize, tname, emb) for f, off, fsize, tname, emb in fields})
                       for n, (size, fields) in seed["layouts"].items()}
            missing = {str(n) for n in seed["missing"]}
        except (KeyError, TypeError, ValueError):
            return  # a cache from another format: ignored
        self._layouts.update(layouts)
        self._missing |= missing

    # -- public API -------------------------------------------------------

    def struct_layout(self, name: str) -> StructLayout:
        layout = self._layouts.get(name)
        if layout is None:
            die = None if name in self._missing else self._find_type(name)
            if die is None:
                self._missing.add(name)
                self.changed = True
                raise DwarfTypeError(f"type {name} not found in DWARF")
            layout = self._layout_of(name, die)
            self._layouts[name] = layout
            self.changed = True
        return layout

    def try_struct_layout(self, name: str) -> StructLayout | None:
        try:
            return self.struct_layout(name)
        except DwarfTypeError:
            return None

    def is_trampoline(self, function: str) -> bool:
        """DW_AT_trampoline of a subprogram: the compiler's wrappers (go statement
        wrappers, method value wrappers), which Delve looks through for startLoc."""
        cached = self._trampolines.get(function)
        if cached is None:
            die = self._find_in_units(_SUBPROGRAM, function, self._units_for_package(package_of(function)))
            cached = bool(die is not None and die.attributes.get("DW_AT_trampoline") is not None
                          and die.attributes["DW_AT_trampoline"].value)
            self._trampolines[function] = cached
        return cached

    def find_subprogram(self, function: str, package: str) -> DIE | None:
        """The DW_TAG_subprogram of a function, searched in its package's units."""
        return self._find_in_units(_SUBPROGRAM, function, self._units_for_package(package))

    # -- lookup -----------------------------------------------------------

    def _all_units(self) -> list[tuple[str, _UnitIndex]]:
        if self._units is None:
            units = self._load_units()
            if units is None:
                raise DwarfTypeError("binary has no DWARF information")
            # The units' names come from the binary's index: no DIE is parsed here.
            self._units = [(u.name, _UnitIndex(units.die_unit(u))) for u in units.units]
            self._search = units.search
            self._unit_rank = {u.cu.cu_offset: i for i, u in enumerate(self._type_search_order())}
        return self._units

    def _units_for_package(self, package: str) -> list[_UnitIndex]:
        return [u for n, u in self._all_units() if n == package]

    def _type_search_order(self) -> list[_UnitIndex]:
        units = self._all_units()
        runtime = [u for n, u in reversed(units) if n == "runtime"]
        others = [u for n, u in reversed(units) if n != "runtime"]
        return runtime + others

    @staticmethod
    def _find_in_units(tag: str, name: str, units: list[_UnitIndex]) -> DIE | None:
        for unit in units:
            die = unit.find(tag, name)
            if die is not None:
                return die
        return None

    def _find_type(self, name: str) -> DIE | None:
        self._all_units()
        if self._search is not None:
            # By the bytes of the name (dwarf_search.py), in the walk's order: no unit walked.
            found = self._search.find(name, (_STRUCT,))
            if not found and not self._search.works():
                return self._find_in_units(_STRUCT, name, self._type_search_order())
            if not found:
                return None
            return min(found, key=lambda d: (self._unit_rank.get(d.cu.cu_offset, len(self._unit_rank)), d.offset))
        return self._find_in_units(_STRUCT, name, self._type_search_order())

    # -- decoding ---------------------------------------------------------

    def _layout_of(self, name: str, die: DIE) -> StructLayout:
        fields: dict[str, FieldInfo] = {}
        for member in die.iter_children():
            if member.tag != "DW_TAG_member":
                continue
            mname = dwarf_text(member.attributes["DW_AT_name"].value)
            loc = member.attributes.get("DW_AT_data_member_location")
            offset = loc.value if loc is not None and isinstance(loc.value, int) else 0
            tname, tsize = self._type_name_size(member)
            emb = attributes(member).get(AT_GO_EMBEDDED)
            embedded = bool(emb is not None and emb.value)
            fields[mname] = FieldInfo(offset, tsize, tname, embedded)
        size_attr = die.attributes.get("DW_AT_byte_size")
        return StructLayout(name, size_attr.value if size_attr is not None else 0, fields)

    @staticmethod
    def _type_name_size(die: DIE) -> tuple[str, int]:
        if "DW_AT_type" not in die.attributes:
            return "", 0
        tdie = die.get_DIE_from_attribute("DW_AT_type")
        attr = tdie.attributes.get("DW_AT_name")
        tname = dwarf_text(attr.value) if attr is not None else ""
        # Named Go types are typedefs without a size: size comes from what they name.
        for _ in range(16):
            size = tdie.attributes.get("DW_AT_byte_size")
            if size is not None:
                return tname, size.value
            if tdie.tag not in TRANSPARENT_TAGS or "DW_AT_type" not in tdie.attributes:
                break
            tdie = tdie.get_DIE_from_attribute("DW_AT_type")
        return tname, 8 if tdie.tag == "DW_TAG_pointer_type" else 0
