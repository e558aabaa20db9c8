"""Registers as Delve lists them (ListRegisters): names, DWARF numbers, value text.

Order and formatting follow Delve's amd64DwarfRegisterToString and
api.ConvertRegisters: Rip, Rsp, Rax, Rbx, Rcx, Rdx first, then DWARF order;
floating point registers (XMM, ST, MXCSR, CW, SW) only when asked for.
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from typing import Any

from ..records import record

_CANONICAL = {"rip": 0, "rsp": 1, "rax": 2, "rbx": 3, "rcx": 4, "rdx": 5}

# (name, DWARF number, user_regs_struct field)
_GP = [
    ("Rax", 0, "rax"), ("Rdx", 1, "rdx"), ("Rcx", 2, "rcx"), ("Rbx", 3, "rbx"), ("Rsi", 4, "rsi"),
    ("Rdi", 5, "rdi"), ("Rbp", 6, "rbp"), ("Rsp", 7, "rsp"), ("R8", 8, "r8"), ("R9", 9, "r9"),
    ("R10", 10, "r10"), ("R11", 11, "r11"), ("R12", 12, "r12"), ("R13", 13, "r13"), ("R14", 14, "r14"),
    ("R15", 15, "r15"), ("Rip", 16, "rip"), ("Rflags", 49, "eflags"), ("Es", 50, "es"), ("Cs", 51, "cs"),
    ("Ss", 52, "ss"), ("Ds", 53, "ds"), ("Fs", 54, "fs"), ("Gs", 55, "gs"), ("Fs_base", 58, "fs_base"),
    ("Gs_base", 59, "gs_base"),
]

_EFLAGS = [("CF", 1 << 0), ("", 1 << 1), ("PF", 1 << 2), ("AF", 1 << 4), ("ZF", 1 << 6), ("SF", 1 << 7),
           ("TF", 1 << 8), ("IF", 1 << 9), ("DF", 1 << 10), ("OF", 1 << 11), ("IOPL", 1 << 12 | 1 << 13),
           ("NT", 1 << 14), ("RF", 1 << 16), ("VM", 1 << 17), ("AC", 1 << 18), ("VIF", 1 << 19),
           ("VIP", 1 << 20), ("ID", 1 << 21)]
_MXCSR = [("FZ", 1 << 15), ("RZ/RN", 1 << 14 | 1 << 13), ("PM", 1 << 12), ("UM", 1 << 11), ("OM", 1 << 10),
          ("ZM", 1 << 9), ("DM", 1 << 8), ("IM", 1 << 7), ("DAZ", 1 << 6), ("PE", 1 << 5), ("UE", 1 << 4),
          ("OE", 1 << 3), ("ZE", 1 << 2), ("DE", 1 << 1), ("IE", 1 << 0)]


@record(frozen=True)
class RegisterValue:
    name: str
    value: str
    dwarf_number: int


def _describe(descr: list[tuple[str, int]], reg: int, bits: int) -> str:
    parts = []
    mask_all = 0
    for name, mask in descr:
        mask_all |= mask
        if not name:
            continue
        low = mask & -mask
        if low == mask:
            if reg & mask:
                parts.append(name)
        else:
            parts.append(f"{name}={(reg & mask) >> (low.bit_length() - 1):x}")
    if reg & ~mask_all:
        parts.append(f"unknown_flags={reg & ~mask_all:x}")
    return f"0x{reg:0{bits // 4}x}\t[{' '.join(parts)}]"


def go_g(x: float, bits: int = 64) -> str:
    """Go's %g: the shortest digits that round-trip (as float32 when bits is 32)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    text = repr(x) if bits == 64 else _shortest32(x)
    sign, digits, exp = Decimal(text).normalize().as_tuple()
    ds = "".join(map(str, digits))
    dp = len(ds) + int(exp)  # decimal point position
    neg = "-" if sign else ""
    e = dp - 1
    # strconv's shortest 'g' decides with precision 6: %e below 1e-4 or from 1e6 up.
    if e < -4 or e >= 6:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{neg}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if dp <= 0:
        return f"{neg}0.{'0' * -dp}{ds}"
    if dp >= len(ds):
        return f"{neg}{ds}{'0' * (dp - len(ds))}"
    return f"{neg}{ds[:dp]}.{ds[dp:]}"


def _shortest32(x: float) -> str:
    for p in range(1, 10):
        s = f"{x:.{p - 1}e}"
        if struct.unpack("<f", struct.pack("<f", float(s)))[0] == x:
            return s
    return repr(x)


def _f32(b: bytes) -> float:
    return struct.unpack("<f", b)[0]


def _sse(b: bytes) -> str:
    v = list(b)
    hx = "".join(f"{x:02x}" for x in reversed(v))
    out = ["0x" + hx]
    out.append("v2_int={ " + " ".join("".join(f"{x:02x}" for x in reversed(v[i:i + 8])) for i in (0, 8)) + " }")
    out.append("v4_int={ " + " ".join("".join(f"{x:02x}" for x in reversed(v[i:i + 4])) for i in range(0, 16, 4)) + " }")
    out.append("v8_int={ " + " ".join("".join(f"{x:02x}" for x in reversed(v[i:i + 2])) for i in range(0, 16, 2)) + " }")
    out.append("v16_int={ " + " ".join(f"{x:02x}" for x in v) + " }")
    d = struct.unpack("<2d", b)
    out.append(f"v2_float={{ {go_g(d[0])} {go_g(d[1])} }}")
    f = [_f32(b[i:i + 4]) for i in range(0, 16, 4)]
    out.append("v4_float={ " + " ".join(go_g(x, 32) for x in f) + " }")
    return "\t".join(out)


def _x87(b: bytes) -> str:
    mantissa = int.from_bytes(b[:8], "little")
    exponent = int.from_bytes(b[8:10], "little")
    sign = -1.0 if exponent & 0x8000 else 1.0
    exponent &= 0x7FFF
    f: float | None = None
    if exponent == 0:
        if mantissa == 0:
            f = sign * 0.0
        elif mantissa & (1 << 63):
            f = math.nan
    elif exponent == 0x7FFF:
        f = sign * math.inf if not mantissa & (1 << 63) else math.nan
    elif not mantissa & (1 << 63):
        f = math.nan
    if f is None:
        try:
            f = sign * math.ldexp(mantissa / (1 << 63), exponent - 16383)
        except OverflowError:
            f = sign * math.inf
    return f"0x{exponent:04x}{mantissa:016x}\t{go_g(f)}"


def _sse_full(name: str, b: bytes) -> str:
    """Delve's formatSSEReg: the XMM part, then the YMM upper half and the two ZMM upper
    quarters when the register carries them (32 or 64 bytes)."""
    out = _sse(b[:16])
    if len(b) >= 32:
        out += f"\n\t[Y{name[1:]}h] " + _sse(b[16:32])
    if len(b) >= 64:
        out += f"\n\t[Z{name[1:]}hl] " + _sse(b[32:48]) + f"\n\t[Z{name[1:]}hh] " + _sse(b[48:64])
    return out


# XSAVE layout (Intel SDM vol. 1, 13.4; Delve's amd64util.AMD64XstateRead).
_XSAVE_HEADER, _XSAVE_EXTENDED, _XCR0_OFFSET = 512, 576, 464


def xmm_registers(xmm_space: bytes, xstate: bytes | None) -> list[bytes]:
    """XMM0-15 as Delve sees them: 16 bytes each, plus the YMM upper half (32) when the XSAVE
    area holds AVX state, plus the ZMM upper 256 bits (64) when it holds AVX-512 state."""
    regs = [xmm_space[16 * i:16 * i + 16] for i in range(16)]
    if xstate is None or len(xstate) <= _XSAVE_HEADER + 64:
        return regs
    xcr0 = int.from_bytes(xstate[_XCR0_OFFSET:_XCR0_OFFSET + 8], "little")
    xstate_bv = int.from_bytes(xstate[_XSAVE_HEADER:_XSAVE_HEADER + 8], "little")
    xcomp_bv = int.from_bytes(xstate[_XSAVE_HEADER + 8:_XSAVE_HEADER + 16], "little")
    if xcomp_bv & (1 << 63) or not xstate_bv & (1 << 2):  # compacted format / no AVX state
        return regs
    ymm = xstate[_XSAVE_EXTENDED:_XSAVE_EXTENDED + 256].ljust(256, b"\0")
    regs = [regs[i] + ymm[16 * i:16 * i + 16] for i in range(16)]
    if not xstate_bv & (1 << 6):  # no ZMM_Hi256 state
        return regs
    # Delve's guess of the ZMM_Hi256 offset: AMD CPUs with PKRU use 896, Intel 1152.
    off = 896 if xcr0 & (1 << 9) and len(xstate) == 2440 else 1152
    zmm = xstate[off:off + 512].ljust(512, b"\0")
    return [regs[i] + zmm[32 * i:32 * i + 32] for i in range(16)]


def thread_registers(regs: Any, fpregs: Any | None, xstate: bytes | None = None) -> list[RegisterValue]:
    """All registers of a stopped thread (fpregs: user_fpregs_struct, or None for GP only;
    xstate: the XSAVE area, for the YMM/ZMM upper parts of the XMM registers)."""
    out = []
    for name, num, fld in _GP:
        v = getattr(regs, fld)
        text = _describe(_EFLAGS, v, 64) if name == "Rflags" else f"0x{v:016x}"
        out.append(RegisterValue(name, text, num))
    if fpregs is not None:
        for i, b in enumerate(xmm_registers(bytes(fpregs.xmm_space), xstate)):
            out.append(RegisterValue(f"XMM{i}", _sse_full(f"XMM{i}", b), 17 + i))
        st = bytes(fpregs.st_space)
        for i in range(8):
            out.append(RegisterValue(f"ST({i})", _x87(st[16 * i:16 * i + 10]), 33 + i))
        out.append(RegisterValue("MXCSR", _describe(_MXCSR, fpregs.mxcsr, 32), 64))
        out.append(RegisterValue("CW", f"0x{fpregs.cwd:04x}", 65))
        out.append(RegisterValue("SW", f"0x{fpregs.swd:04x}", 66))
    return canonical_order(out)


def frame_registers(pc: int, sp: int, bp: int) -> list[RegisterValue]:
    """What Delve knows of an outer frame after unwinding: pc, sp and bp."""
    return canonical_order([RegisterValue("Rbp", f"0x{bp:016x}", 6), RegisterValue("Rsp", f"0x{sp:016x}", 7),
                            RegisterValue("Rip", f"0x{pc:016x}", 16)])


def canonical_order(regs: list[RegisterValue]) -> list[RegisterValue]:
    return sorted(regs, key=lambda r: (_CANONICAL.get(r.name.lower(), 1000), r.dwarf_number))


def registers_text(regs: list[RegisterValue]) -> str:
    """api.Registers.String: `%*s = %s\\n`, names right-aligned to the longest."""
    width = max((len(r.name) for r in regs), default=0)
    return "".join(f"{r.name:>{width}} = {r.value}\n" for r in regs)
