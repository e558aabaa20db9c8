"""Where a call's arguments and results live: Go's ABIInternal on amd64 (debugCallV2)
and the all-on-the-stack ABI0 frame (debugCallV1). Pure: shapes in, layouts out.

The algorithm is `cmd/compile/abi-internal.md`, "Function call argument and result
passing": each value goes entirely to registers or entirely to the stack; results
restart at RAX/X0; the stack sequence is stack args, pointer-align, stack results,
pointer-align, spill space of every register-assigned argument, pointer-align. The
spill space must be part of the frame we give the runtime: functions built with -N
spill their register arguments there on entry.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import field

from ...binary.dwarf_funcs import ShapeKind, TypeShape
from ...records import record

# amd64 integer argument registers in ABI order (user_regs_struct field names).
INT_REGS: tuple[str, ...] = ("rax", "rbx", "rcx", "rdi", "rsi", "r8", "r9", "r10", "r11")
NUM_FLOAT_REGS = 15  # X0-X14 (X15 is the fixed zero register)
PTR_SIZE = 8
MAX_REG_ARG_BYTES = len(INT_REGS) * 8 + NUM_FLOAT_REGS * 8  # Delve's amd64 maxRegArgBytes


@record(frozen=True)
class RegPiece:
    """One base value of an argument or result living in a register."""

    is_float: bool
    index: int  # into INT_REGS, or the XMM number
    offset: int  # where the piece sits in the value's memory layout
    size: int

    @property
    def register(self) -> str:
        return f"X{self.index}" if self.is_float else INT_REGS[self.index]


@record(frozen=True)
class Slot:
    """Where one argument or result goes: register pieces, or a stack offset from SP."""

    shape: TypeShape
    pieces: tuple[RegPiece, ...] = ()
    stack_offset: int | None = None  # from the frame base (the SP the callee's caller sees)
    spill_offset: int | None = None  # register arguments only

    @property
    def in_registers(self) -> bool:
        return self.stack_offset is None


@record
class FrameLayout:
    args: list[Slot] = field(default_factory=list)
    results: list[Slot] = field(default_factory=list)
    frame_size: int = 0  # bytes of argument frame the call uses (written at SP at status 0)
    # The size announced to the runtime, which picks the smallest debugCallNNN frame holding it:
    # never below frame_size; for ABIInternal Delve's conservative bound (funcCallArgs), so the
    # same debugCallNNN frame shows in stacks inside the call as with Delve.
    reserved: int = 0


def align_up(n: int, a: int) -> int:
    return (n + a - 1) // a * a if a > 1 else n


class _StackSeq:
    """The stack sequence S of abi-internal.md: offsets grow as types are added."""

    def __init__(self) -> None:
        self.size = 0

    def add(self, shape: TypeShape) -> int:
        off = align_up(self.size, shape.align)
        self.size = off + shape.size
        return off

    def align(self, a: int = PTR_SIZE) -> None:
        self.size = align_up(self.size, a)


class _RegState:
    def __init__(self) -> None:
        self.ints = 0
        self.floats = 0


def _reg_assign(shape: TypeShape, base: int, st: _RegState, out: list[RegPiece]) -> bool:
    k = shape.kind
    if k is ShapeKind.INT:
        if shape.size > PTR_SIZE or st.ints >= len(INT_REGS):
            return False
        out.append(RegPiece(False, st.ints, base, shape.size))
        st.ints += 1
        return True
    if k is ShapeKind.FLOAT:
        if st.floats >= NUM_FLOAT_REGS:
            return False
        out.append(RegPiece(True, st.floats, base, shape.size))
        st.floats += 1
        return True
    if k is ShapeKind.COMPLEX:
        half = shape.size // 2
        part = TypeShape("", ShapeKind.FLOAT, half, half)
        return _reg_assign(part, base, st, out) and _reg_assign(part, base + half, st, out)
    if k is ShapeKind.STRUCT:
        return all(_reg_assign(f, base + off, st, out) for _, off, f in shape.fields)
    if k is ShapeKind.ARRAY:
        if shape.count == 0:
            return True
        if shape.count == 1 and shape.elem is not None:
            return _reg_assign(shape.elem, base, st, out)
        return False
    return False


def _assign(shape: TypeShape, st: _RegState, seq: _StackSeq) -> Slot:
    if shape.size == 0:
        return Slot(shape, stack_offset=seq.add(shape))
    saved = (st.ints, st.floats)
    pieces: list[RegPiece] = []
    if _reg_assign(shape, 0, st, pieces):
        return Slot(shape, tuple(pieces))
    # Whole-or-nothing: undo any registers the partial attempt took.
    st.ints, st.floats = saved
    return Slot(shape, stack_offset=seq.add(shape))


def layout_regabi(args: Sequence[TypeShape], results: Sequence[TypeShape]) -> FrameLayout:
    """ABIInternal (Go 1.17+, debugCallV2). A method's receiver is simply the first arg."""
    seq = _StackSeq()
    st = _RegState()
    out = FrameLayout()
    out.args = [_assign(a, st, seq) for a in args]
    seq.align()
    st = _RegState()
    out.results = [_assign(r, st, seq) for r in results]
    seq.align()
    out.args = [Slot(s.shape, s.pieces, None, seq.add(s.shape)) if s.in_registers else s for s in out.args]
    seq.align()
    out.frame_size = seq.size
    out.reserved = max(out.frame_size, delve_reserve(list(args) + list(results)))
    return out


def delve_reserve(params: Sequence[TypeShape]) -> int:
    """Delve's argument frame size under ABIInternal (fncall.go funcCallArgs): room for every
    argument and result on the stack, each at its alignment, pointer-aligned, plus every
    argument register's bytes, "to be even more conservative". Alignments are godwarf's:
    a complex number aligns to its whole size."""
    size = 0
    for p in params:
        size = align_up(size, p.size if p.kind is ShapeKind.COMPLEX else p.align) + p.size
    return align_up(size, PTR_SIZE) + MAX_REG_ARG_BYTES


def layout_abi0(args: Sequence[TypeShape], results: Sequence[TypeShape]) -> FrameLayout:
    """ABI0 (Go < 1.17, debugCallV1): every argument then every result on the stack,
    each at its alignment, results starting pointer-aligned, the whole frame too."""
    seq = _StackSeq()
    out = FrameLayout()
    out.args = [Slot(a, stack_offset=seq.add(a)) for a in args]
    seq.align()
    out.results = [Slot(r, stack_offset=seq.add(r)) for r in results]
    seq.align()
    out.frame_size = out.reserved = seq.size
    return out


# ---- moving values between their memory image and registers -------------------------


@record
class RegisterArgs:
    """Register contents to load for a call: integer registers by name, XMM low bytes."""

    ints: dict[str, int] = field(default_factory=dict)
    floats: dict[int, bytes] = field(default_factory=dict)


def scatter(slot: Slot, image: bytes, regs: RegisterArgs) -> None:
    """Put the register pieces of a value (given as its memory image) into `regs`."""
    for p in slot.pieces:
        chunk = image[p.offset:p.offset + p.size]
        if p.is_float:
            regs.floats[p.index] = chunk
        else:
            regs.ints[INT_REGS[p.index]] = int.from_bytes(chunk, "little")


def gather(slot: Slot, regs: RegisterArgs) -> bytes:
    """The memory image of a register-assigned value from the registers it came back in."""
    buf = bytearray(slot.shape.size)
    for p in slot.pieces:
        if p.is_float:
            chunk = regs.floats[p.index][:p.size]
        else:
            chunk = (regs.ints[INT_REGS[p.index]] & ((1 << (8 * p.size)) - 1)).to_bytes(p.size, "little")
        buf[p.offset:p.offset + p.size] = chunk
    return bytes(buf)


def frame_image(layout: FrameLayout, images: Sequence[bytes]) -> bytes:
    """The argument frame to write at SP: stack-assigned arguments in place, the rest zero."""
    buf = bytearray(layout.frame_size)
    for slot, image in zip(layout.args, images, strict=True):
        if slot.stack_offset is not None:
            buf[slot.stack_offset:slot.stack_offset + len(image)] = image
    return bytes(buf)


def pack_float(value: float, size: int) -> bytes:
    return struct.pack("<f" if size == 4 else "<d", value)
