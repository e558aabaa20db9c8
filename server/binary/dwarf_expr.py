"""DWARF location expressions (amd64): evaluation and Delve's printed form.

`evaluate(expr, ctx)` runs the stack machine for the operations Go compilers emit
(DW_OP_addr, fbreg, call_frame_cfa, reg*/regx, breg*/bregx, piece, plus_uconst, consts,
stack_value, deref) and returns a `Location`: an address, or pieces (register or memory
parts) when the value lives in registers.

`pretty(expr)` is Delve's op.PrettyPrint: each opcode's name (register ops with the Delve
register name in parentheses), then each operand as %#x, every item followed by a space.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from ..records import record
from .leb128 import sleb as _sleb
from .leb128 import uleb as _uleb

# Delve's amd64 DWARF register names (pkg/proc/amd64util / arch regnum table).
_REG_NAMES = ["Rax", "Rdx", "Rcx", "Rbx", "Rsi", "Rdi", "Rbp", "Rsp", "R8", "R9", "R10", "R11", "R12",
              "R13", "R14", "R15", "Rip"] + [f"X{i}" for i in range(16)]


def reg_name(n: int) -> str:
    return _REG_NAMES[n] if n < len(_REG_NAMES) else f"unknown{n}"


_OPS: dict[int, tuple[str, str]] = {
    0x03: ("DW_OP_addr", "8"), 0x06: ("DW_OP_deref", ""), 0x08: ("DW_OP_const1u", "1"),
    0x09: ("DW_OP_const1s", "1"), 0x0a: ("DW_OP_const2u", "2"), 0x0b: ("DW_OP_const2s", "2"),
    0x0c: ("DW_OP_const4u", "4"), 0x0d: ("DW_OP_const4s", "4"), 0x0e: ("DW_OP_const8u", "8"),
    0x0f: ("DW_OP_const8s", "8"), 0x10: ("DW_OP_constu", "u"), 0x11: ("DW_OP_consts", "s"),
    0x12: ("DW_OP_dup", ""), 0x13: ("DW_OP_drop", ""), 0x1c: ("DW_OP_minus", ""),
    0x22: ("DW_OP_plus", ""), 0x23: ("DW_OP_plus_uconst", "u"), 0x90: ("DW_OP_regx", "u"),
    0x91: ("DW_OP_fbreg", "s"), 0x92: ("DW_OP_bregx", "us"), 0x93: ("DW_OP_piece", "u"),
    0x96: ("DW_OP_nop", ""), 0x9c: ("DW_OP_call_frame_cfa", ""), 0x9f: ("DW_OP_stack_value", ""),
}
for _i in range(32):
    _OPS[0x30 + _i] = (f"DW_OP_lit{_i}", "")
    _OPS[0x50 + _i] = (f"DW_OP_reg{_i}", "")
    _OPS[0x70 + _i] = (f"DW_OP_breg{_i}", "s")


class LocationError(Exception):
    pass


@record(frozen=True, slots=True)
class Piece:
    size: int
    reg: int | None = None  # DWARF register number, or None for memory at `addr`
    addr: int = 0
    value: int | None = None  # DW_OP_stack_value / implicit value


@record(slots=True)
class Location:
    addr: int = 0
    pieces: list[Piece] = field(default_factory=list)


@record(slots=True)
class ExprContext:
    cfa: int
    reg: Callable[[int], int]  # DWARF register number -> value
    read_word: Callable[[int], int] | None = None


def _operand(b: bytes, i: int, kind: str) -> tuple[int, int]:
    if kind == "u":
        return _uleb(b, i)
    if kind == "s":
        return _sleb(b, i)
    n = int(kind)
    return int.from_bytes(b[i:i + n], "little"), i + n


def pretty(expr: bytes) -> str:
    out: list[str] = []
    i = 0
    while i < len(expr):
        op = expr[i]
        i += 1
        info = _OPS.get(op)
        if info is None:
            out.append(f"{op:#x} ")
            continue
        name, args = info
        if 0x50 <= op <= 0x6F:
            name += f"({reg_name(op - 0x50)})"
        elif 0x70 <= op <= 0x8F:
            name += f"({reg_name(op - 0x70)})"
        out.append(name + " ")
        for a in args:
            v, i = _operand(expr, i, a)
            out.append(f"{v:#x} " if v >= 0 else f"-{-v:#x} ")
    return "".join(out)


def evaluate(expr: bytes, ctx: ExprContext) -> Location:
    stack: list[int] = []
    pieces: list[Piece] = []
    reg: int | None = None  # a register named by DW_OP_reg*, waiting for its piece
    implicit = False
    i = 0
    mask = (1 << 64) - 1
    while i < len(expr):
        op = expr[i]
        i += 1
        if op == 0x03:
            v, i = _operand(expr, i, "8")
            stack.append(v)
        elif 0x08 <= op <= 0x11:
            v, i = _operand(expr, i, _OPS[op][1])
            stack.append(v & mask)
        elif 0x30 <= op <= 0x4F:
            stack.append(op - 0x30)
        elif op == 0x9C:
            stack.append(ctx.cfa)
        elif op == 0x91:
            v, i = _sleb(expr, i)
            stack.append((ctx.cfa + v) & mask)
        elif 0x50 <= op <= 0x6F:
            reg = op - 0x50
        elif op == 0x90:
            reg, i = _uleb(expr, i)
        elif 0x70 <= op <= 0x8F:
            v, i = _sleb(expr, i)
            stack.append((ctx.reg(op - 0x70) + v) & mask)
        elif op == 0x92:
            r, i = _uleb(expr, i)
            v, i = _sleb(expr, i)
            stack.append((ctx.reg(r) + v) & mask)
        elif op == 0x23:
            v, i = _uleb(expr, i)
            stack.append((stack.pop() + v) & mask)
        elif op == 0x22:
            b, a = stack.pop(), stack.pop()
            stack.append((a + b) & mask)
        elif op == 0x1C:
            b, a = stack.pop(), stack.pop()
            stack.append((a - b) & mask)
        elif op == 0x12:
            stack.append(stack[-1])
        elif op == 0x13:
            stack.pop()
        elif op == 0x06:
            if ctx.read_word is None:
                raise LocationError("DW_OP_deref without memory")
            stack.append(ctx.read_word(stack.pop()))
        elif op == 0x9F:
            implicit = True
        elif op == 0x96:
            pass
        elif op == 0x93:
            size, i = _uleb(expr, i)
            if reg is not None:
                pieces.append(Piece(size, reg=reg))
            elif implicit and stack:
                pieces.append(Piece(size, value=stack.pop()))
            elif stack:
                pieces.append(Piece(size, addr=stack.pop()))
            else:
                pieces.append(Piece(size, value=0))  # optimized-away part
            reg, implicit = None, False
        else:
            raise LocationError(f"unsupported DWARF opcode {op:#x}")
    if pieces:
        return Location(pieces=pieces)
    if reg is not None:
        return Location(pieces=[Piece(0, reg=reg)])
    if implicit and stack:
        return Location(pieces=[Piece(0, value=stack[-1])])
    if not stack:
        raise LocationError("empty OP stack")
    return Location(addr=stack[-1])
