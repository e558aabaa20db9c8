"""Disassembly as Delve's proc.Disassemble: instructions of [start, end) with their
location, call/jump destination, breakpoint and current-pc marks (iced-x86 decodes).

Flavours: 0 GNU (AT&T), 1 Intel, 2 Go (best effort: Intel operands, Go-style
upper-case mnemonics). Memory is read from the target with breakpoints removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from iced_x86 import (
    Decoder,
    FlowControl,
    Formatter,
    FormatterSyntax,
    Instruction,
    MemorySizeOptions,
)

from ..goruntime.model import Location

GNU, INTEL, GO = 0, 1, 2


@dataclass
class AsmLine:
    loc: Location
    dest: Location | None
    text: str
    raw: bytes
    breakpoint: bool
    at_pc: bool


def _formatter(flavour: int) -> Formatter:
    f = Formatter(FormatterSyntax.GAS if flavour == GNU else FormatterSyntax.INTEL)
    f.hex_prefix = "0x"
    f.hex_suffix = ""
    f.uppercase_hex = False
    f.space_after_operand_separator = flavour != GNU
    if flavour != GNU:
        f.memory_size_options = MemorySizeOptions.ALWAYS  # always show `qword ptr`, as x86asm's Intel syntax does
    return f


def disassemble(code: bytes, start: int, flavour: int, location: Callable[[int], Location],
                symbol_at: Callable[[int], str | None], breakpoints: set[int], pc: int) -> list[AsmLine]:
    fmt = _formatter(flavour)
    dec = Decoder(64, code, ip=start)
    out: list[AsmLine] = []
    ins = Instruction()
    while dec.can_decode:
        dec.decode_out(ins)
        off = ins.ip - start
        raw = code[off:off + ins.len]
        dest = None
        text = fmt.format(ins)
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
