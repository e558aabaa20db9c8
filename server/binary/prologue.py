"""Delve's split-stack prologue heuristic for amd64, without a disassembler.

When a function's line table has no prologue_end mark (assembly functions),
Delve disassembles the function and, if it starts with one of the stack-split
sequences the Go assembler emits (pkg/proc/amd64_disasm.go), breaks on the
instruction after it. The sequences are given as instruction *kinds* only
(MOV, CMP, JBE, ...), so all we need is to classify and measure the first few
instructions: a tiny length decoder for exactly the opcodes those kinds use is
enough. Any other opcode ends the scan, which simply means "no match", the
same answer a full disassembler would give for these patterns.
"""

from __future__ import annotations

from collections.abc import Callable

MOV, CMP, JBE, LEA, SUB, JE = "MOV", "CMP", "JBE", "LEA", "SUB", "JE"

_TINY = (CMP, JBE)
_SMALL = (LEA, CMP, JBE)
_BIG = (MOV, CMP, JE, LEA, SUB, CMP, JBE)
# Each pattern starts by loading g (one MOV on unix, two on windows), as in Delve.
PROLOGUES: tuple[tuple[str, ...], ...] = tuple(
    getg + split for getg in ((MOV,), (MOV, MOV)) for split in (_TINY, _SMALL, _BIG)
)

# opcode -> (kind, has_modrm, immediate size; -1 = depends on operand size)
_ONE_BYTE: dict[int, tuple[str, bool, int]] = {
    0x88: (MOV, True, 0), 0x89: (MOV, True, 0), 0x8A: (MOV, True, 0), 0x8B: (MOV, True, 0),
    0xC6: (MOV, True, 1), 0xC7: (MOV, True, 4),
    0x38: (CMP, True, 0), 0x39: (CMP, True, 0), 0x3A: (CMP, True, 0), 0x3B: (CMP, True, 0),
    0x3C: (CMP, False, 1), 0x3D: (CMP, False, 4),
    0x28: (SUB, True, 0), 0x29: (SUB, True, 0), 0x2A: (SUB, True, 0), 0x2B: (SUB, True, 0),
    0x2C: (SUB, False, 1), 0x2D: (SUB, False, 4),
    0x8D: (LEA, True, 0),
    0x76: (JBE, False, 1), 0x74: (JE, False, 1),
}
_GROUP1 = {0x80: 1, 0x81: 4, 0x83: 1}  # opcode -> immediate size; ModRM.reg 5 = SUB, 7 = CMP
_TWO_BYTE = {0x86: JBE, 0x84: JE}  # 0x0f 0x8x rel32


def decode_one(code: bytes, p: int) -> tuple[str, int] | None:
    """(kind, length) of the instruction at code[p], or None if it is not one we classify."""
    start = p
    opsize16 = False
    rex_w = False
    try:
        while code[p] in (0x64, 0x65, 0x66, 0x2E, 0x3E, 0x26, 0x36):
            opsize16 |= code[p] == 0x66
            p += 1
        if 0x40 <= code[p] <= 0x4F:
            rex_w = bool(code[p] & 8)
            p += 1
        op = code[p]
        p += 1
        if op == 0x0F:
            kind = _TWO_BYTE.get(code[p])
            if kind is None:
                return None
            return kind, p + 1 + 4 - start
        if 0xB8 <= op <= 0xBF:
            return MOV, p + (8 if rex_w else 2 if opsize16 else 4) - start
        if op in _GROUP1:
            reg = (code[p] >> 3) & 7
            kind = {5: SUB, 7: CMP}.get(reg)
            if kind is None:
                return None
            imm = _GROUP1[op]
            if imm == 4 and opsize16:
                imm = 2
            return kind, _modrm_end(code, p) + imm - start
        entry = _ONE_BYTE.get(op)
        if entry is None:
            return None
        kind, has_modrm, imm = entry
        if imm == 4 and opsize16:
            imm = 2
        if has_modrm:
            p = _modrm_end(code, p)
        return kind, p + imm - start
    except IndexError:
        return None


def _modrm_end(code: bytes, p: int) -> int:
    modrm = code[p]
    p += 1
    mod, rm = modrm >> 6, modrm & 7
    if mod == 3:
        return p
    if rm == 4:
        sib = code[p]
        p += 1
        if mod == 0 and (sib & 7) == 5:
            return p + 4
    if mod == 0:
        return p + 4 if rm == 5 else p
    return p + (1 if mod == 1 else 4)


def first_pc_after_prologue_disassembly(code: bytes, entry: int, end: int,
                                        line_at: Callable[[int], int], sameline: bool) -> int:
    """Delve's firstPCAfterPrologueDisassembly over the function's bytes `code` (from entry)."""
    longest = max(len(p) for p in PROLOGUES)
    insns: list[tuple[str, int]] = []  # (kind, pc)
    p = 0
    while len(insns) < longest and entry + p < end:
        d = decode_one(code, p)
        if d is None:
            break
        insns.append((d[0], entry + p))
        p += d[1]
    after = entry + p  # pc of the instruction following the decoded ones
    if not insns:
        return entry
    first_line = line_at(entry)
    for pattern in PROLOGUES:
        if len(pattern) > len(insns):
            continue
        if tuple(k for k, _ in insns[: len(pattern)]) != pattern:
            continue
        if any(line_at(pc) != first_line for _, pc in insns[: len(pattern)]):
            continue
        nxt = insns[len(pattern)][1] if len(pattern) < len(insns) else after
        if nxt >= end:
            continue
        if sameline and line_at(nxt) != first_line:
            return entry
        return nxt
    return entry
