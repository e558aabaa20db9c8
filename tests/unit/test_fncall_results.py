"""Where an injected call's results are said to be (server/debugger/fncall/injection.py).

Delve reads them as the callee's variables at its entry with CFA = SP of the status-1 trap:
a result's address is its DW_OP_fbreg slot in the callee's dead frame. pydlv takes the bytes
the ABI returned and that address when the slot holds them (it does in -N code); an optimized
callee's slot need not, and then the result has no address, not a wrong value.
"""

from __future__ import annotations

from fake_inferior import FakeInferior
from pydlv.binary.dwarf_funcs import FuncSignature, Param, ShapeKind, scalar
from pydlv.debugger.fncall import abi
from pydlv.debugger.fncall.injection import CallPlan, Injection, Protocol

INT = scalar("int", ShapeKind.INT, 8)
SP = 0xC000100F00


def returned(rax: int, slot_bytes: bytes, frame_offset: int | None = -0x20) -> int:
    proc = FakeInferior()
    sig = FuncSignature("main.add", [Param("a", INT, False), Param("~r0", INT, True, 38, frame_offset)])
    plan = CallPlan("main.add", 0x401000, sig, abi.layout_regabi([INT], [INT]), [bytes(8)])
    inj = Injection(proc, proc.pid, 1, plan, Protocol.V2, 0x402000)
    regs = proc.regs(proc.pid)
    regs.rsp, regs.rax, regs.r12 = SP, rax, 1  # status 1: returned
    proc.write_memory(SP - 0x20, slot_bytes)
    inj.on_trap(proc.pid)
    (r,) = inj.outcome.results
    assert r.image == rax.to_bytes(8, "little")  # the value is always what the ABI returned
    return r.addr


def test_result_at_its_frame_slot() -> None:
    assert returned(5, (5).to_bytes(8, "little")) == SP - 0x20


def test_slot_not_holding_the_result_gives_no_address() -> None:
    assert returned(5, (7).to_bytes(8, "little")) == 0
    assert returned(5, (5).to_bytes(8, "little"), frame_offset=None) == 0
