"""Results of an injected call as variables (the shape of Delve's api.Variable).

SEAM: this renders only what `call` needs before the DWARF value model exists: scalars,
strings, and the `~panic` interface with its dynamic value. Once server/goruntime's
value model can load "a value of type T from these bytes / at this address", call it
from `result_value` and `panic_value` and drop the renderers here.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from ...binary.dwarf_funcs import TypeShape
from ...goruntime.rtype import RuntimeType
from .arguments import FLOAT_KINDS, KIND_BOOL, SIGNED_KINDS, UNSIGNED_KINDS
from .injection import RawResult

ReadMemory = Callable[[int, int], bytes]

FLAG_FAKE_ADDRESS = 32
FLAG_RETURN_ARGUMENT = 16
KIND_STRING = 24
KIND_INTERFACE = 20
DIRECT_KINDS = {18, 19, 21, 22, 26}  # chan, func, map, ptr, unsafe.Pointer: one pointer word
_DW_OP_FBREG_TEXT = "[block] DW_OP_fbreg {} "


@dataclass
class CallValue:
    name: str
    type: str
    kind: int
    value: str = ""
    addr: int = 0
    flags: int = 0
    len: int = 0
    cap: int = 0
    base: int = 0
    children: list[CallValue] = field(default_factory=list)
    unreadable: str = ""
    location_expr: str = ""
    decl_line: int = 0


def format_float(v: float, size: int = 8) -> str:
    """Go's strconv.FormatFloat(v, 'f', -1, bits): shortest digits, no exponent."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    text = repr(v)
    if size == 4:
        for prec in range(1, 18):
            cand = f"{v:.{prec}g}"
            if struct.unpack("<f", struct.pack("<f", float(cand)))[0] == v:
                text = cand
                break
    out = format(Decimal(text), "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") and not math.copysign(1, v) < 0 else out


def _fbreg_text(off: int | None) -> str:
    if off is None:
        return ""
    return _DW_OP_FBREG_TEXT.format(f"-{-off:#x}" if off < 0 else f"{off:#x}")


def render_scalar(out: CallValue, image: bytes, size: int, read: ReadMemory, max_string_len: int) -> None:
    kind = out.kind
    if kind == KIND_BOOL:
        out.value = "true" if image[0] else "false"
    elif kind in SIGNED_KINDS:
        out.value = str(int.from_bytes(image[:size], "little", signed=True))
    elif kind in UNSIGNED_KINDS:
        out.value = str(int.from_bytes(image[:size], "little"))
    elif kind in FLOAT_KINDS:
        v = struct.unpack("<f" if size == 4 else "<d", image[:size])[0]
        out.value = format_float(v, size)
    elif kind == KIND_STRING:
        ptr, n = int.from_bytes(image[:8], "little"), int.from_bytes(image[8:16], "little")
        out.len, out.base = n, ptr
        try:
            raw = read(ptr, min(n, max_string_len)) if n else b""
            out.value = raw.decode("utf-8", "surrogateescape")
        except OSError as e:
            out.unreadable = f"could not read string at {ptr:#x} due to {e}"
    elif kind in DIRECT_KINDS:
        out.value = str(int.from_bytes(image[:8], "little"))
        out.len = 1 if kind == 22 else 0


def result_value(res: RawResult, read: ReadMemory, max_string_len: int = 64) -> CallValue:
    p = res.param
    shape: TypeShape = p.shape
    out = CallValue(name=p.name, type=shape.name, kind=shape.go_kind, addr=res.addr,
                    flags=FLAG_RETURN_ARGUMENT | FLAG_FAKE_ADDRESS,
                    location_expr=_fbreg_text(p.frame_offset), decl_line=p.decl_line)
    render_scalar(out, res.image, shape.size, read, max_string_len)
    return out


def panic_value(type_word: int, data_word: int, rtype: RuntimeType | None, read: ReadMemory,
                max_string_len: int = 64) -> CallValue:
    """`~panic`: an interface{} whose one child `data` is the dynamic value."""
    out = CallValue(name="~panic", type="interface {}", kind=KIND_INTERFACE, flags=FLAG_FAKE_ADDRESS)
    if type_word == 0:
        out.value = "nil"
        return out
    if rtype is None:
        out.unreadable = "unknown dynamic type"
        return out
    child = CallValue(name="data", type=rtype.name, kind=rtype.kind, addr=data_word)
    try:
        if rtype.kind in DIRECT_KINDS:
            child.addr = 0
            render_scalar(child, data_word.to_bytes(8, "little"), 8, read, max_string_len)
        elif rtype.size <= 64:
            render_scalar(child, read(data_word, rtype.size), rtype.size, read, max_string_len)
    except OSError as e:
        child.unreadable = str(e)
    out.children.append(child)
    return out
