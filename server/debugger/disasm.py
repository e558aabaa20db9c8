"""Disassembly as Delve's proc.Disassemble: instructions of [start, end) with their
location, call/jump destination, breakpoint and current-pc marks (iced-x86 decodes).

Flavours: 0 GNU (AT&T), 1 Intel, 2 Go (best effort: Intel operands, Go-style
upper-case mnemonics). Memory is read from the target with breakpoints removed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..goruntime.model import Location
from ..records import record

if TYPE_CHECKING:
    from iced_x86 import Formatter

# iced-x86 (and native/emulate.py, built on it) are imported in the functions that decode: the
# import takes ~8 ms, which the start of a session (its first State) need not pay.

GNU, INTEL, GO = 0, 1, 2


@record
class AsmLine:
    loc: Location
    dest: Location | None
    text: str
    raw: bytes
    breakpoint: bool
    at_pc: bool


def _formatter(flavour: int) -> Formatter:
    from iced_x86 import Formatter, FormatterSyntax, MemorySizeOptions

    f = Formatter(FormatterSyntax.GAS if flavour == GNU else FormatterSyntax.INTEL)
    f.hex_prefix = "0x"
    f.hex_suffix = ""
    f.uppercase_hex = False
    f.small_hex_numbers_in_decimal = False  # x86asm (Delve) writes 0x3, not 3
    f.space_after_operand_separator = flavour != GNU
    if flavour != GNU:
        f.memory_size_options = MemorySizeOptions.ALWAYS  # always show `qword ptr`, as x86asm's Intel syntax does
    return f


def disassemble(code: bytes, start: int, flavour: int, location: Callable[[int], Location],
                symbol_at: Callable[[int], str | None], breakpoints: set[int], pc: int,
                indirect_at_pc: Callable[[bytes], int | None] = lambda _: None) -> list[AsmLine]:
    """indirect_at_pc: where the CALL at pc goes through a register or memory (its bytes given)."""
    from iced_x86 import Code, Decoder, DecoderError, FlowControl, Instruction

    fmt = _formatter(flavour)
    dec = Decoder(64, code, ip=start)
    out: list[AsmLine] = []
    ins = Instruction()
    while dec.can_decode:
        dec.decode_out(ins)
        off = ins.ip - start
        if ins.code == Code.INVALID:
            # x86asm (Delve) takes one byte: a truncated instruction (the range ends inside
            # it) as an instruction of its first byte as a prefix, anything else as "?"
            truncated = dec.last_error == DecoderError.NO_MORE_BYTES
            text = _x86asm_prefix(code[off], flavour) if truncated else "?"
            out.append(AsmLine(location(ins.ip), None, text, code[off:off + 1], ins.ip in breakpoints,
                               ins.ip == pc))
            dec.position, dec.ip = off + 1, ins.ip + 1
            continue
        raw = code[off:off + ins.len]
        dest = None
        text = fmt.format(ins)
        if ins.ip == pc and ins.flow_control == FlowControl.INDIRECT_CALL:
            target = indirect_at_pc(raw)
            if target:
                dest = location(target)
        if ins.flow_control in (FlowControl.CALL, FlowControl.UNCONDITIONAL_BRANCH,
                                FlowControl.CONDITIONAL_BRANCH) and ins.op_count == 1 and ins.near_branch_target:
            target = ins.near_branch_target
            dest = location(target)
            sym = symbol_at(target) if ins.flow_control == FlowControl.CALL else None
            if sym:
                text = f"{ins.mnemonic_str if hasattr(ins, 'mnemonic_str') else text.split()[0]} {sym}"
        if flavour == GO:
            head, _, rest = text.partition(" ")
            text = f"{head.upper()} {rest}".rstrip()
        out.append(AsmLine(location(ins.ip), dest, text, raw, ins.ip in breakpoints, ins.ip == pc))
    return out


_X86ASM_PREFIXES = {0x26: "ES", 0x2E: "CS", 0x36: "SS", 0x3E: "DS", 0x64: "FS", 0x65: "GS", 0x66: "DATA16",
                    0x67: "ADDR32", 0xF0: "LOCK", 0xF2: "REPN", 0xF3: "REP"}


def _x86asm_prefix(b: int, flavour: int) -> str:
    """x86asm's instPrefix of one byte, as its syntaxes print it (checked against Delve 1.27 for
    REX and non-prefix bytes: Intel/GNU "rex.w", "prefix(0x89)"; Go "Op(0)", "Prefix(0x89) Op(0)")."""
    if 0x40 <= b <= 0x4F:
        if flavour == GO:
            return "Op(0)"
        return "rex." + "".join(c for bit, c in ((8, "w"), (4, "r"), (2, "x"), (1, "b")) if b & bit)
    name = _X86ASM_PREFIXES.get(b, f"Prefix({b:#x})")
    return f"{name} Op(0)" if flavour == GO else name.lower()


# ---- control flow for stepping (stepping.py) ---------------------------------------------------

@record(frozen=True)
class Branch:
    """A CALL (or, with jumps, an unconditional JMP) of a function's code."""

    pc: int
    is_call: bool
    target: int | None  # None: through a register or memory, known only when the thread is there


def branches(code: bytes, start: int, with_jumps: bool = False) -> list[Branch]:
    """The calls of the code at `start` (Delve's IsCall instructions), and its unconditional jumps."""
    from iced_x86 import Decoder, FlowControl, Instruction

    dec = Decoder(64, code, ip=start)
    out: list[Branch] = []
    ins = Instruction()
    while dec.can_decode:
        dec.decode_out(ins)
        fc = ins.flow_control
        if fc in (FlowControl.CALL, FlowControl.INDIRECT_CALL):
            out.append(Branch(ins.ip, True, ins.near_branch_target if fc == FlowControl.CALL else None))
        elif with_jumps and fc in (FlowControl.UNCONDITIONAL_BRANCH, FlowControl.INDIRECT_BRANCH):
            out.append(Branch(ins.ip, False, ins.near_branch_target if fc == FlowControl.UNCONDITIONAL_BRANCH else None))
    return out


def returns(code: bytes, start: int) -> list[int]:
    """The pcs of the RET instructions of the code at `start`."""
    from iced_x86 import Decoder, FlowControl, Instruction

    dec = Decoder(64, code, ip=start)
    ins = Instruction()
    out = []
    while dec.can_decode:
        dec.decode_out(ins)
        if ins.flow_control == FlowControl.RETURN:
            out.append(ins.ip)
    return out


def call_target(code: bytes, pc: int, reg: Callable[[str], int], read_word: Callable[[int], int]) -> int | None:
    """Where the CALL at pc goes, given the thread's registers there (Delve resolves DestLoc the
    same way for the current instruction): a direct target, a register, or a word in memory."""
    from iced_x86 import Decoder, FlowControl, OpKind

    from ..native.emulate import GP_REGS, effective_address

    ins = Decoder(64, code, ip=pc).decode()
    if ins.flow_control == FlowControl.CALL:
        return ins.near_branch_target
    if ins.flow_control != FlowControl.INDIRECT_CALL:
        return None
    if ins.op0_kind == OpKind.REGISTER:
        name = GP_REGS.get(ins.op0_register)
        return reg(name) if name is not None else None
    if ins.op0_kind == OpKind.MEMORY:
        addr = effective_address(ins, reg)
        return read_word(addr) if addr is not None else None
    return None
