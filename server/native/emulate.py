"""Executing the instruction under a breakpoint in place, without lifting the INT3.

A conditional breakpoint whose condition is false lets its thread go on at once while the other
threads keep running. Lifting the INT3 to single-step the original instruction would let another
thread run through the address unseen meanwhile (a missed evaluation, maybe a missed stop), so the
instruction is executed here instead, on the thread's registers and the process's memory: the ones
a breakpoint usually covers in Go code built with -N -l are few: after a function's prologue the
frame allocation (`SUBQ $n, SP`, flags included), at the start of a line a load, a store or a
compare (MOV, LEA, ADD, SUB, CMP, NOP). Anything else (branches, vector registers, segment
prefixes, locked or string instructions) is declined and left to the single step with the world
stopped. iced-x86 decodes, as in the disassembler.
"""

from __future__ import annotations

from collections.abc import Callable

from iced_x86 import Code, Decoder, Instruction, MemorySizeInfo, Mnemonic, OpKind, Register, RegisterInfo
from ptrace.binding.linux_struct import user_regs_struct

# iced's full 64-bit registers -> the ptrace user_regs_struct field.
GP_REGS: dict[int, str] = {getattr(Register, n.upper()): n for n in (
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    "rip")}
_HIGH_BYTES = frozenset({Register.AH, Register.BH, Register.CH, Register.DH})
_IMMEDIATES = frozenset({OpKind.IMMEDIATE8, OpKind.IMMEDIATE16, OpKind.IMMEDIATE32, OpKind.IMMEDIATE64,
                         OpKind.IMMEDIATE8TO16, OpKind.IMMEDIATE8TO32, OpKind.IMMEDIATE8TO64,
                         OpKind.IMMEDIATE32TO64})
_MASK64 = (1 << 64) - 1


def effective_address(ins: Instruction, reg: Callable[[str], int]) -> int | None:
    """The address ins's memory operand names, given the thread's registers (None: a register
    that is not a general-purpose one)."""
    if ins.is_ip_rel_memory_operand:
        return int(ins.ip_rel_memory_address)
    addr = ins.memory_displacement
    for register, scale in ((ins.memory_base, 1), (ins.memory_index, ins.memory_index_scale)):
        if register == Register.NONE:
            continue
        name = GP_REGS.get(register)
        if name is None or name == "rip":
            return None
        addr += reg(name) * scale
    return int(addr) & _MASK64


def _gp(register: int) -> tuple[str, int] | None:
    """(user_regs_struct field, size in bytes) of a general-purpose register or its low part."""
    if register in _HIGH_BYTES:
        return None
    info = RegisterInfo(register)  # type: ignore[arg-type]  # iced's Register is an int enum
    name = GP_REGS.get(info.full_register)
    if name is None or name == "rip":
        return None
    return name, info.size


def _read_reg(regs: user_regs_struct, register: int) -> int | None:
    gp = _gp(register)
    if gp is None:
        return None
    name, size = gp
    return int(getattr(regs, name)) & ((1 << (8 * size)) - 1)


def _write_reg(regs: user_regs_struct, register: int, value: int) -> bool:
    gp = _gp(register)
    if gp is None:
        return False
    name, size = gp
    mask = (1 << (8 * size)) - 1
    if size >= 4:  # a 32-bit write zero-extends into the whole register
        setattr(regs, name, value & mask)
    else:
        setattr(regs, name, (int(getattr(regs, name)) & ~mask & _MASK64) | (value & mask))
    return True


# RFLAGS bits ADD, SUB and CMP set: CF, PF, AF, ZF, SF, OF.
_ARITH_FLAGS = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 6) | (1 << 7) | (1 << 11)


def arith_flags(a: int, b: int, bits: int, subtract: bool) -> tuple[int, int]:
    """(result, the six arithmetic flags) of a + b or a - b on `bits`-bit operands, as the CPU sets them."""
    mask = (1 << bits) - 1
    a, b = a & mask, b & mask
    if subtract:
        result = (a - b) & mask
        carry = a < b
        overflow = ((a ^ b) & (a ^ result)) >> (bits - 1) & 1
    else:
        result = (a + b) & mask
        carry = a + b > mask
        overflow = (~(a ^ b) & (a ^ result)) >> (bits - 1) & 1
    flags = (int(carry)
             | (int(bin(result & 0xFF).count("1") % 2 == 0) << 2)
             | (((a ^ b ^ result) >> 4 & 1) << 4)
             | (int(result == 0) << 6)
             | ((result >> (bits - 1) & 1) << 7)
             | (overflow << 11))
    return result, flags


def _memory(ins: Instruction, reg: Callable[[str], int]) -> tuple[int, int] | None:
    """(address, size) of ins's memory operand, None when it is not a plain 1, 2, 4 or 8 bytes."""
    addr = effective_address(ins, reg)
    size = MemorySizeInfo(ins.memory_size).size
    return (addr, size) if addr is not None and size in (1, 2, 4, 8) else None


def _source(ins: Instruction, regs: user_regs_struct, reg: Callable[[str], int],
            read: Callable[[int, int], bytes]) -> int | None:
    """The value of ins's second operand: a register, an immediate or memory."""
    kind = ins.op1_kind
    if kind == OpKind.REGISTER:
        return _read_reg(regs, ins.op1_register)
    if kind in _IMMEDIATES:
        return int(ins.immediate(1))
    if kind == OpKind.MEMORY:
        mem = _memory(ins, reg)
        return int.from_bytes(read(*mem), "little") if mem is not None else None
    return None


def _arith(ins: Instruction, regs: user_regs_struct, reg: Callable[[str], int],
           read: Callable[[int, int], bytes], write: Callable[[int, bytes], None]) -> bool:
    """ADD, SUB or CMP of a register or memory operand with a register, an immediate or memory
    (the stack check's `CMPQ SP, 16(R14)`)."""
    mem = None
    if ins.op0_kind == OpKind.REGISTER:
        gp = _gp(ins.op0_register)
        if gp is None:
            return False
        a, size = _read_reg(regs, ins.op0_register), gp[1]
    elif ins.op0_kind == OpKind.MEMORY:
        mem = _memory(ins, reg)
        if mem is None:
            return False
        a, size = int.from_bytes(read(*mem), "little"), mem[1]
    else:
        return False
    b = _source(ins, regs, reg, read)
    if a is None or b is None:
        return False
    result, flags = arith_flags(a, b, 8 * size, ins.mnemonic != Mnemonic.ADD)
    if ins.mnemonic != Mnemonic.CMP:
        if mem is not None:
            write(mem[0], result.to_bytes(size, "little"))
        elif not _write_reg(regs, ins.op0_register, result):
            return False
    regs.eflags = (int(regs.eflags) & ~_ARITH_FLAGS) | flags
    return True


def decode(code: bytes, pc: int) -> Instruction:
    """The instruction at pc (code: its original bytes, at least 15 or up to the end of the
    mapping), for `emulate` (which a caller may keep per address: code does not change)."""
    return Decoder(64, code, ip=pc).decode()


def emulate(ins: Instruction, regs: user_regs_struct, read: Callable[[int, int], bytes],
            write: Callable[[int, bytes], None]) -> bool:
    """Execute ins on regs, updated in place (rip too), and on memory. False, with nothing
    changed, for an instruction that is not one of the simple forms."""
    pc = ins.ip
    if (ins.code == Code.INVALID or ins.segment_prefix != Register.NONE or ins.has_lock_prefix
            or ins.has_rep_prefix or ins.has_repne_prefix):
        return False
    new_rip = pc + ins.len
    if ins.mnemonic == Mnemonic.NOP:
        regs.rip = new_rip
        return True

    def reg(name: str) -> int:
        return new_rip if name == "rip" else int(getattr(regs, name))

    if ins.op_count != 2:
        return False
    if ins.mnemonic in (Mnemonic.ADD, Mnemonic.SUB, Mnemonic.CMP):
        if not _arith(ins, regs, reg, read, write):
            return False
        regs.rip = new_rip
        return True
    if ins.mnemonic == Mnemonic.LEA:
        addr = effective_address(ins, reg)
        if addr is None or ins.op0_kind != OpKind.REGISTER or not _write_reg(regs, ins.op0_register, addr):
            return False
        regs.rip = new_rip
        return True
    if ins.mnemonic != Mnemonic.MOV or ins.code in (Code.MOV_MOFFS64_RAX, Code.MOV_RAX_MOFFS64):
        return False
    value = _source(ins, regs, reg, read)
    if value is None:
        return False
    if ins.op0_kind == OpKind.MEMORY:  # (x86 has no memory-to-memory MOV)
        mem = _memory(ins, reg)
        if mem is None:
            return False
        write(mem[0], (value & ((1 << (8 * mem[1])) - 1)).to_bytes(mem[1], "little"))
    elif ins.op0_kind != OpKind.REGISTER or not _write_reg(regs, ins.op0_register, value):
        return False
    regs.rip = new_rip
    return True
