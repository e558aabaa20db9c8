"""goruntime Values -> api.Variable, with Delve's ConvertVar rendering of values."""

from __future__ import annotations

import struct
from decimal import Decimal
from typing import TYPE_CHECKING

from ..goruntime.values import Kind, LoadCfg, Value
from ..protocol import api

if TYPE_CHECKING:
    from ..debugger.eval.evaluator import Operand


def load_cfg(cfg: api.LoadConfig | None) -> LoadCfg:
    if cfg is None:
        return LoadCfg()
    return LoadCfg(cfg.FollowPointers, cfg.MaxVariableRecurse, cfg.MaxStringLen, cfg.MaxArrayValues,
                   cfg.MaxStructFields)


def api_load_config(cfg: LoadCfg | None) -> api.LoadConfig | None:
    if cfg is None:
        return None
    return api.LoadConfig(FollowPointers=cfg.follow_pointers, MaxVariableRecurse=cfg.max_variable_recurse,
                          MaxStringLen=cfg.max_string_len, MaxArrayValues=cfg.max_array_values,
                          MaxStructFields=cfg.max_struct_fields)


def _shortest32(f: float) -> str:
    for p in range(1, 18):
        s = f"{f:.{p}g}"
        if struct.unpack("<f", struct.pack("<f", float(s)))[0] == f:
            return s
    return repr(f)


def format_float(f: float, bits: int = 64) -> str:
    """Go's strconv.FormatFloat(f, 'f', -1, bits): shortest digits, never an exponent."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    digits = repr(f) if bits == 64 else _shortest32(f)
    out = format(Decimal(digits), "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    if out == "-0" or (out == "0" and str(f).startswith("-")):
        return "-0"
    return out


def _g6(f: float) -> str:
    s = f"{f:.6g}"
    return s.replace("inf", "Inf").replace("nan", "NaN")


def _value_string(v: Value) -> str:
    x = v.value
    if x is None:
        return ""
    if v.kind in (Kind.Float32, Kind.Float64):
        return format_float(x, 32 if v.kind == Kind.Float32 else 64)
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, complex):
        # go/constant's String of a complex constant: each part as %.6g.
        return f"({_g6(x.real)} + {_g6(x.imag)}i)"
    if v.const_descr:
        return f"{v.const_descr} ({x})"
    return str(x)


def variable(v: Value) -> api.Variable:
    r = api.Variable(
        name=v.name, addr=v.addr, onlyAddr=v.only_addr, type=v.type_name, realType=v.real_type_name,
        flags=v.flags, kind=int(v.kind), value=_value_string(v), len=v.len, cap=v.cap, base=v.base,
        unreadable=v.unreadable, LocationExpr=v.location_expr, DeclLine=v.decl_line)
    if v.kind == Kind.Chan:
        # Delve never sets a channel's Cap, and its Len is the hchan field count once loaded
        # (the loader keeps qcount/dataqsiz in len/cap for the evaluator's len() and cap()).
        r.len, r.cap = (v.len if v.loaded else 0), 0
    if v.kind in (Kind.Complex64, Kind.Complex128):
        bits, kind = (32, Kind.Float32) if v.kind == Kind.Complex64 else (64, Kind.Float64)
        c = v.value if isinstance(v.value, complex) else None
        r.len = 2
        r.children = [
            api.Variable(name="real", kind=int(kind), value=format_float(c.real, bits) if c else "nil", children=None),
            api.Variable(name="imaginary", kind=int(kind), value=format_float(c.imag, bits) if c else "nil",
                         children=None),
        ]
    else:
        r.children = [variable(c) for c in v.children]
    return r


def operand_variable(r: Operand, expr: str) -> api.Variable:
    """An evaluation result (a loaded Value, a Constant or nil) as api.Variable."""
    from ..debugger.eval import Constant, constant_variable  # loaded by the evaluation itself

    if isinstance(r, Value):
        return variable(r)
    if isinstance(r, Constant):
        c = constant_variable(r)
        children = [api.Variable(name=name, kind=kind, value=val, children=[]) for name, kind, val in c.children]
        return api.Variable(name=expr, kind=c.kind, value=c.value, len=c.len, flags=c.flags, children=children)
    # Delve's nilVariable
    return api.Variable(name="nil", kind=int(Kind.Pointer), children=[api.Variable(onlyAddr=True, children=[])])
