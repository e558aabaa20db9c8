"""native/emulate.py: the instructions executed in place under a breakpoint, on registers and a
small memory, checked against what the CPU does (flags worked out from the Intel manual)."""

from __future__ import annotations

import pytest
from ptrace.binding.linux_struct import user_regs_struct
from pydlv.native.emulate import arith_flags, decode, emulate

CF, PF, AF, ZF, SF, OF = 1 << 0, 1 << 2, 1 << 4, 1 << 6, 1 << 7, 1 << 11
PC = 0x401000


class Memory:
    def __init__(self) -> None:
        self.bytes: dict[int, int] = {}

    def read(self, addr: int, size: int) -> bytes:
        return bytes(self.bytes.get(addr + i, 0) for i in range(size))

    def write(self, addr: int, data: bytes) -> None:
        for i, b in enumerate(data):
            self.bytes[addr + i] = b


def run(hexcode: str, mem: Memory | None = None, **regs: int) -> tuple[bool, user_regs_struct, Memory]:
    r = user_regs_struct()
    r.rip, r.eflags = PC, 0x202  # IF and the reserved bit, as a running thread has them
    for name, v in regs.items():
        setattr(r, name, v)
    mem = mem or Memory()
    ok = emulate(decode(bytes.fromhex(hexcode) + b"\xcc" * 15, PC), r, mem.read, mem.write)
    return ok, r, mem


def test_frame_allocation_after_the_prologue() -> None:
    ok, r, _ = run("4883ec18", rsp=0x1000)  # SUBQ $0x18, SP
    assert ok and r.rsp == 0xFE8 and r.rip == PC + 4
    assert r.eflags == 0x202 | AF | PF  # borrow out of the low nibble; 0xe8 has four bits set


def test_stack_check_compare() -> None:
    mem = Memory()
    mem.write(0xC000 + 0x10, (0x2000).to_bytes(8, "little"))
    ok, r, _ = run("493b6610", mem, rsp=0x1000, r14=0xC000)  # CMPQ SP, 0x10(R14)
    assert ok and r.rsp == 0x1000 and r.eflags & (CF | SF) == CF | SF and not r.eflags & ZF


@pytest.mark.parametrize(("a", "b", "bits", "sub", "result", "flags"), [
    (5, 7, 32, True, 0xFFFFFFFE, CF | SF | AF),
    (0x7FFFFFFFFFFFFFFF, 1, 64, False, 0x8000000000000000, OF | SF | AF | PF),
    (0xFFFFFFFFFFFFFFFF, 1, 64, False, 0, CF | ZF | PF | AF),
    (0x8000000000000000, 1, 64, True, 0x7FFFFFFFFFFFFFFF, OF | AF | PF),
    (3, 3, 8, True, 0, ZF | PF),
])
def test_arith_flags(a: int, b: int, bits: int, sub: bool, result: int, flags: int) -> None:
    assert arith_flags(a, b, bits, sub) == (result, flags)


def test_spill_load_and_lea() -> None:
    ok, r, mem = run("4889442418", rsp=0x1000, rax=0x1122334455667788)  # MOVQ AX, 0x18(SP)
    assert ok and mem.read(0x1018, 8) == (0x1122334455667788).to_bytes(8, "little") and r.rip == PC + 5
    ok, r, _ = run("8b442418", mem, rsp=0x1000, rax=0xFFFFFFFFFFFFFFFF)  # MOVL 0x18(SP), AX
    assert ok and r.rax == 0x55667788  # a 32-bit write zero-extends
    ok, r, _ = run("8a442418", mem, rsp=0x1000, rax=0xFFFFFFFFFFFFFFFF)  # MOVB 0x18(SP), AL
    assert ok and r.rax == 0xFFFFFFFFFFFFFF88  # an 8-bit write keeps the rest
    ok, r, _ = run("488d4c2408", rsp=0x1000)  # LEAQ 8(SP), CX
    assert ok and r.rcx == 0x1008
    ok, r, mem = run("48c7042400000000", mem, rsp=0x1018)  # MOVQ $0, 0(SP)
    assert ok and mem.read(0x1018, 8) == bytes(8)


@pytest.mark.parametrize("hexcode", [
    "e800000000",  # CALL: a branch
    "eb00",  # JMP
    "c3",  # RET
    "88e0",  # MOVB AH, AL: a high byte
    "64488b0c25f8ffffff",  # MOVQ FS:-8, CX: a segment
    "f20f11442408",  # MOVSD X0, 8(SP): a vector register
    "f0480fb10a",  # LOCK CMPXCHGQ
    "0f05",  # SYSCALL
])
def test_declined(hexcode: str) -> None:
    ok, r, mem = run(hexcode, rsp=0x1000, rax=0x1234)
    assert not ok and r.rip == PC and r.rax == 0x1234 and r.rsp == 0x1000 and not mem.bytes
