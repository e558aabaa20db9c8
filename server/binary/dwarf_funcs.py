"""Function signatures from DWARF: the formal parameters of a subprogram and the shape
of their types, as much as a call needs (sizes, alignments, register classes).

Go's DWARF (cmd/internal/dwarf) lists a function's receiver, arguments and results as
DW_TAG_formal_parameter children in declaration order; results carry
DW_AT_variable_parameter=true and are named `~r0`, `~r1`... when unnamed. Types carry
Go's own kind in the vendor attribute DW_AT_go_kind (reflect.Kind numbering).

This is deliberately small: the full Go type model belongs to the value layer. Shapes
are built lazily per function and cached by DIE offset.
"""

from __future__ import annotations

import enum
from dataclasses import field

from elftools.dwarf.die import DIE

from ..records import record
from .dwarf_types import TRANSPARENT_TAGS, DwarfTypes, package_of
from .dwarf_units import attributes, dwarf_text
from .gotypes import AT_GO_KIND

_DW_ATE_FLOAT = 0x04
_DW_ATE_COMPLEX_FLOAT = 0x03
_DW_OP_FBREG = 0x91
_POINTER_LIKE_TAGS = ("DW_TAG_pointer_type", "DW_TAG_subroutine_type", "DW_TAG_unspecified_type")


class ShapeKind(enum.Enum):
    INT = "int"  # integer-class scalar: ints, bools, pointers, maps, chans, funcs
    FLOAT = "float"  # float32 / float64
    COMPLEX = "complex"  # two floats of size/2
    STRUCT = "struct"  # strings, slices, interfaces are structs in Go's DWARF too
    ARRAY = "array"


@record(frozen=True)
class TypeShape:
    """What the ABI needs to know about a Go type (abi-internal.md "Memory layout")."""

    name: str
    kind: ShapeKind
    size: int
    align: int
    go_kind: int = 0  # reflect.Kind, 0 if DWARF did not say
    fields: tuple[tuple[str, int, TypeShape], ...] = ()  # (name, offset, shape) for STRUCT
    elem: TypeShape | None = None  # ARRAY element
    count: int = 0  # ARRAY length
    pointee: str = ""  # for pointers: the pointed-to type's name (values need it)


@record(frozen=True)
class Param:
    name: str
    shape: TypeShape
    is_result: bool
    decl_line: int = 0
    frame_offset: int | None = None  # DW_OP_fbreg offset when the location is that simple
    type_offset: int = 0  # DIE offset of the type (GoTypes.by_offset): the value layer's view of it
    location: bytes = b""  # the DW_AT_location expression when it is a block (not a location list)


@record
class FuncSignature:
    name: str
    params: list[Param] = field(default_factory=list)

    @property
    def args(self) -> list[Param]:
        return [p for p in self.params if not p.is_result]

    @property
    def results(self) -> list[Param]:
        return [p for p in self.params if p.is_result]


class SignatureError(LookupError):
    pass


def scalar(name: str, kind: ShapeKind, size: int, go_kind: int = 0) -> TypeShape:
    """A base type; complex aligns to half its size (abi-internal.md table)."""
    align = size // 2 if kind is ShapeKind.COMPLEX else size
    return TypeShape(name, kind, size, max(align, 1), go_kind)


class SignatureReader:
    """function signatures of one binary, read from its DWARF on demand."""

    def __init__(self, types: DwarfTypes) -> None:
        self.types = types
        self._shapes: dict[int, TypeShape] = {}
        self._sigs: dict[str, FuncSignature | None] = {}

    def signature(self, function: str) -> FuncSignature:
        if function not in self._sigs:
            die = self.types.find_subprogram(function, package_of(function))
            self._sigs[function] = None if die is None else self._read(function, die)
        sig = self._sigs[function]
        if sig is None:
            raise SignatureError(f"no DWARF information for function {function}")
        return sig

    def _read(self, function: str, die: DIE) -> FuncSignature:
        sig = FuncSignature(function)
        for child in die.iter_children():
            if child.tag != "DW_TAG_formal_parameter":
                continue
            name_attr = child.attributes.get("DW_AT_name")
            var = child.attributes.get("DW_AT_variable_parameter")
            line = child.attributes.get("DW_AT_decl_line")
            type_die = child.get_DIE_from_attribute("DW_AT_type")
            sig.params.append(Param(
                name=dwarf_text(name_attr.value) if name_attr is not None else "",
                shape=self.shape_of(type_die),
                is_result=bool(var is not None and var.value),
                decl_line=line.value if line is not None else 0,
                frame_offset=_fbreg(child),
                type_offset=type_die.offset,
                location=_block(child),
            ))
        return sig

    def shape_of(self, die: DIE) -> TypeShape:
        cached = self._shapes.get(die.offset)
        if cached is None:
            cached = self._build(die)
            self._shapes[die.offset] = cached
        return cached

    def _build(self, die: DIE) -> TypeShape:
        name_attr = die.attributes.get("DW_AT_name")
        name = dwarf_text(name_attr.value) if name_attr is not None else ""
        kind_attr = attributes(die).get(AT_GO_KIND)
        go_kind = kind_attr.value if kind_attr is not None else 0
        tag = die.tag
        if tag in TRANSPARENT_TAGS:
            if "DW_AT_type" not in die.attributes:
                return TypeShape(name, ShapeKind.STRUCT, 0, 1, go_kind)
            inner = self.shape_of(die.get_DIE_from_attribute("DW_AT_type"))
            # A named type keeps its own name and Go kind over what it names.
            return TypeShape(name or inner.name, inner.kind, inner.size, inner.align, go_kind or inner.go_kind,
                             inner.fields, inner.elem, inner.count, inner.pointee)
        size_attr = die.attributes.get("DW_AT_byte_size")
        size = size_attr.value if size_attr is not None else 0
        if tag == "DW_TAG_base_type":
            enc = die.attributes["DW_AT_encoding"].value
            if enc == _DW_ATE_FLOAT:
                return scalar(name, ShapeKind.FLOAT, size, go_kind)
            if enc == _DW_ATE_COMPLEX_FLOAT:
                return scalar(name, ShapeKind.COMPLEX, size, go_kind)
            return scalar(name, ShapeKind.INT, size, go_kind)
        if tag in _POINTER_LIKE_TAGS:
            pointee = ""
            if tag == "DW_TAG_pointer_type" and "DW_AT_type" in die.attributes:
                target = die.get_DIE_from_attribute("DW_AT_type").attributes.get("DW_AT_name")
                pointee = dwarf_text(target.value) if target is not None else ""
            return TypeShape(name, ShapeKind.INT, 8, 8, go_kind, pointee=pointee)
        if tag == "DW_TAG_structure_type":
            fields = []
            for member in die.iter_children():
                if member.tag != "DW_TAG_member":
                    continue
                loc = member.attributes.get("DW_AT_data_member_location")
                off = loc.value if loc is not None and isinstance(loc.value, int) else 0
                mname = member.attributes.get("DW_AT_name")
                fields.append((dwarf_text(mname.value) if mname is not None else "", off,
                               self.shape_of(member.get_DIE_from_attribute("DW_AT_type"))))
            align = max((f[2].align for f in fields), default=1)
            return TypeShape(name, ShapeKind.STRUCT, size, align, go_kind, tuple(fields))
        if tag == "DW_TAG_array_type":
            elem = self.shape_of(die.get_DIE_from_attribute("DW_AT_type"))
            count = 0
            for sub in die.iter_children():
                if sub.tag == "DW_TAG_subrange_type":
                    c = sub.attributes.get("DW_AT_count")
                    ub = sub.attributes.get("DW_AT_upper_bound")
                    count = c.value if c is not None else (ub.value + 1 if ub is not None else 0)
            return TypeShape(name, ShapeKind.ARRAY, size or elem.size * count, elem.align, go_kind,
                             elem=elem, count=count)
        raise SignatureError(f"unsupported DWARF type {tag} for {name or '?'}")


def _block(die: DIE) -> bytes:
    loc = die.attributes.get("DW_AT_location")
    return bytes(loc.value) if loc is not None and isinstance(loc.value, list) else b""


def _fbreg(die: DIE) -> int | None:
    """The offset of a `DW_OP_fbreg N` location, the only form -N -l results use."""
    loc = die.attributes.get("DW_AT_location")
    if loc is None or not isinstance(loc.value, list) or not loc.value or loc.value[0] != _DW_OP_FBREG:
        return None
    value, shift = 0, 0
    for i, b in enumerate(loc.value[1:]):
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            if b & 0x40:
                value -= 1 << shift
            return value if i + 2 == len(loc.value) else None
    return None
