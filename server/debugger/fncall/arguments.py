"""Constant arguments -> the memory image of a parameter of a given type, with
Delve's error texts for what does not fit (`can not convert "a" constant to int`)."""

from __future__ import annotations

import math

from ...binary.dwarf_funcs import ShapeKind, TypeShape
from .abi import pack_float
from .literal_args import Literal

KIND_BOOL = 1
SIGNED_KINDS = {2, 3, 4, 5, 6}  # int, int8..int64
UNSIGNED_KINDS = {7, 8, 9, 10, 11, 12}  # uint, uint8..uint64, uintptr
FLOAT_KINDS = {13, 14}


class ArgumentError(ValueError):
    pass


def _cannot(lit: Literal, shape: TypeShape) -> ArgumentError:
    return ArgumentError(f"can not convert {lit.text} constant to {shape.name}")


def constant_image(lit: Literal, shape: TypeShape) -> bytes:
    kind = shape.go_kind
    if kind == KIND_BOOL:
        if lit.kind != "bool":
            raise _cannot(lit, shape)
        return b"\x01" if lit.value else b"\x00"
    if kind in SIGNED_KINDS or kind in UNSIGNED_KINDS:
        if lit.kind == "int" or lit.kind == "float" and float(lit.value).is_integer():
            v = int(lit.value)
        else:
            raise _cannot(lit, shape)
        bits = 8 * shape.size
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if kind in SIGNED_KINDS else (0, (1 << bits) - 1)
        if not lo <= v <= hi:
            raise _cannot(lit, shape)
        return (v & ((1 << bits) - 1)).to_bytes(shape.size, "little")
    if kind in FLOAT_KINDS and shape.kind is ShapeKind.FLOAT:
        if lit.kind not in ("int", "float"):
            raise _cannot(lit, shape)
        v = float(lit.value)
        if shape.size == 4 and math.isfinite(v) and abs(v) > 3.4028234663852886e38:
            raise _cannot(lit, shape)
        return pack_float(v, shape.size)
    raise ArgumentError(f"can not use {lit.text} as an argument of type {shape.name} yet")
