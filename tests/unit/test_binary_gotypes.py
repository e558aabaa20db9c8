"""binary.gotypes.Kind against Go's reflect.Kind, written out here independently."""

from __future__ import annotations

import orjson
from pydlv.binary.gotypes import KIND_NAMES, Kind
from pydlv.protocol import api, wire

# reflect.Kind's constants in their iota order (src/reflect/type.go), and Kind.String().
GO_KINDS = [
    ("Invalid", "invalid"), ("Bool", "bool"), ("Int", "int"), ("Int8", "int8"), ("Int16", "int16"),
    ("Int32", "int32"), ("Int64", "int64"), ("Uint", "uint"), ("Uint8", "uint8"), ("Uint16", "uint16"),
    ("Uint32", "uint32"), ("Uint64", "uint64"), ("Uintptr", "uintptr"), ("Float32", "float32"),
    ("Float64", "float64"), ("Complex64", "complex64"), ("Complex128", "complex128"), ("Array", "array"),
    ("Chan", "chan"), ("Func", "func"), ("Interface", "interface"), ("Map", "map"), ("Pointer", "ptr"),
    ("Slice", "slice"), ("String", "string"), ("Struct", "struct"), ("UnsafePointer", "unsafe.Pointer"),
]


def test_kind_numbers_and_names_are_go_s() -> None:
    assert [(k.name, int(k)) for k in Kind] == [(name, i) for i, (name, _) in enumerate(GO_KINDS)]
    assert [KIND_NAMES[i] for i in range(len(GO_KINDS))] == [s for _, s in GO_KINDS]


def test_kind_is_the_plain_int_on_the_wire() -> None:
    # api.Variable.kind is a reflect.Kind number: an enum member must encode exactly as its int.
    assert wire.encode(api.Variable(kind=Kind.Pointer)) == wire.encode(api.Variable(kind=22))
    assert orjson.dumps([Kind.String]) == b"[24]"
    assert f"{Kind.Map}" == "21" and Kind.Chan == 18 and hash(Kind.Slice) == hash(23)
