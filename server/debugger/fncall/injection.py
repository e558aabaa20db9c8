"""One injected call as a state machine driven by the runtime's debugCall traps.

The continue loop calls `Injection.on_trap` whenever a thread stops at an INT3 inside
a debug-call frame (runtime.debugCallV2/V1, a dispatch frame debugCall32..65536 or
runtime.debugCallPanicked); the status register (R12 for V2, RAX for V1) says which
step of the protocol the runtime is at (asm_amd64.s, comment above debugCallV2):

    0  frame ready: write stack arguments at SP, load argument registers, push the
       trapping PC, jump to the function (closure context in RDX)
    1  returned: results are in registers and in the frame at SP; a function built with -N
       also left each result in its own (now dead) frame, where its DWARF location says
    2  panicked: the panic's interface{} value is at SP
    8  refused: a Go string at SP says why (the call never ran)
    16 done: put back every register except RIP and RSP; the runtime restores its
       own copies of the pointer registers and returns to the original PC

User breakpoints hit between 0 and 1 stop the continue loop as usual; the injection
just waits for its next trap.
"""

from __future__ import annotations

import enum
import logging
import re
from dataclasses import field

from ...binary.dwarf_funcs import FuncSignature, Param, TypeShape
from ...records import record
from ..inferior import Inferior
from . import abi
from .regfile import RegisterSnapshot, copy_regs, read_xmm_low, write_xmm_low

log = logging.getLogger("pydlv.fncall")

_DISPATCH_RE = re.compile(r"^(runtime\.)?debugCall\d+$")
PROTOCOL_FUNCTIONS = ("runtime.debugCallV2", "runtime.debugCallV1", "runtime.debugCallPanicked")
_MAX_STEPS_OUT = 256  # instructions from the status-16 trap back to the original PC


def is_protocol_frame(function: str) -> bool:
    """Functions whose INT3s belong to the debugCall protocol. The dispatch frames have
    no `runtime.` prefix in the symbol table (they are assembler-local symbols)."""
    return function in PROTOCOL_FUNCTIONS or bool(_DISPATCH_RE.match(function))


class Status(enum.IntEnum):
    FRAME_READY = 0
    RETURNED = 1
    PANICKED = 2
    REFUSED = 8
    RESTORE = 16


class Protocol(enum.Enum):
    V1 = "runtime.debugCallV1"
    V2 = "runtime.debugCallV2"


@record
class CallPlan:
    """What to call and with what: made by the caller before the injection starts."""

    function: str
    entry: int
    signature: FuncSignature
    layout: abi.FrameLayout
    arg_images: list[bytes]  # memory image of each argument, in signature order
    closure: int = 0  # funcval address for closure calls (RDX), 0 for plain functions


@record
class RawResult:
    """A result as bytes in its type's memory layout, with where it came from."""

    param: Param
    image: bytes
    addr: int  # where the result is in the target (Delve's address of it); 0: only in registers


@record
class CallOutcome:
    results: list[RawResult] = field(default_factory=list)
    panic: tuple[int, int] | None = None  # (type word, data word) of the panic value
    panic_addr: int = 0  # where the runtime left it: SP at the status-2 trap
    refusal: str = ""  # the runtime's reason when it refused the call


class InjectionError(Exception):
    """The protocol went wrong (not a refusal: those are outcomes)."""


class Injection:
    def __init__(self, proc: Inferior, tid: int, goroutine_id: int, plan: CallPlan,
                 protocol: Protocol, entry_pc: int) -> None:
        self.proc = proc
        self.tid = tid  # the thread the call was made on (where status 16 arrives)
        self.goroutine_id = goroutine_id
        self.plan = plan
        self.protocol = protocol
        self.entry_pc = entry_pc
        self.saved: RegisterSnapshot | None = None
        self.outcome = CallOutcome()
        self.done = False
        self.started_function = False  # status 0 seen: the function is (or was) running
        # Where the goroutine stands when the call is over: the runtime may resume the calling
        # goroutine on another thread (seen on Go 1.19 after a call that ran the GC).
        self.final_tid = tid

    # ---- start --------------------------------------------------------------

    def start(self) -> None:
        """Save everything, push the PC, write the frame size, jump to debugCallVn."""
        proc, tid = self.proc, self.tid
        self.saved = RegisterSnapshot.take(proc, tid)
        regs = copy_regs(self.saved.gp)
        sp = regs.rsp - 8
        proc.write_memory(sp, regs.rip.to_bytes(8, "little"))
        proc.write_memory(sp - 16, self.plan.layout.reserved.to_bytes(8, "little"))
        regs.rsp = sp
        regs.rip = self.entry_pc
        proc.set_regs(tid, regs)

    # ---- traps --------------------------------------------------------------

    def _status(self, tid: int) -> int:
        regs = self.proc.regs(tid)
        return regs.r12 if self.protocol is Protocol.V2 else regs.rax

    def on_trap(self, tid: int) -> bool:
        """Advance on a protocol trap of thread `tid`; True when the injection is over."""
        status = self._status(tid)
        log.debug("debugCall trap: thread %d status %d", tid, status)
        if status == Status.FRAME_READY:
            self._run(tid)
        elif status == Status.RETURNED:
            self._read_results(tid)
        elif status == Status.PANICKED:
            sp = self.proc.regs(tid).rsp
            words = self.proc.read_memory(sp, 16)
            self.outcome.panic = (int.from_bytes(words[:8], "little"), int.from_bytes(words[8:], "little"))
            self.outcome.panic_addr = sp
        elif status == Status.REFUSED:
            sp = self.proc.regs(tid).rsp
            hdr = self.proc.read_memory(sp, 16)
            ptr, n = int.from_bytes(hdr[:8], "little"), int.from_bytes(hdr[8:], "little")
            self.outcome.refusal = self.proc.read_memory(ptr, n).decode("utf-8", "replace")
        elif status == Status.RESTORE:
            self._restore(tid)
            self.final_tid = tid
            self.done = True
            return True
        else:
            raise InjectionError(f"unexpected debugCall status {status}")
        return False

    def _run(self, tid: int) -> None:
        proc, plan = self.proc, self.plan
        regs = copy_regs(proc.regs(tid))
        sp = regs.rsp
        lay = plan.layout
        proc.write_memory(sp, abi.frame_image(lay, plan.arg_images))
        reg_args = abi.RegisterArgs()
        for slot, image in zip(lay.args, plan.arg_images, strict=True):
            abi.scatter(slot, image, reg_args)
        for name, value in reg_args.ints.items():
            setattr(regs, name, value)
        sp -= 8
        proc.write_memory(sp, regs.rip.to_bytes(8, "little"))  # return to the next trap
        regs.rsp = sp
        regs.rip = plan.entry
        if plan.closure:
            regs.rdx = plan.closure
        proc.set_regs(tid, regs)
        if reg_args.floats:
            proc.set_xstate(tid, write_xmm_low(proc.xstate(tid), reg_args.floats))
        self.started_function = True

    def _read_results(self, tid: int) -> None:
        """The results' bytes as the ABI returns them (registers, the frame at SP), each with
        Delve's address for it (fncall.go's status 1: the callee's variables read as at its
        entry, CFA = SP): the DWARF `fbreg` slot in the callee's dead frame, when it holds the
        value (it does for -N code, which stores each result there before returning)."""
        regs = self.proc.regs(tid)
        sp = regs.rsp
        reg_vals = abi.RegisterArgs(
            ints={name: getattr(regs, name) for name in abi.INT_REGS},
            floats=read_xmm_low(self.proc.xstate(tid), abi.NUM_FLOAT_REGS),
        )
        out = []
        for param, slot in zip(self.plan.signature.results, self.plan.layout.results, strict=True):
            if slot.stack_offset is not None:
                addr = sp + slot.stack_offset
                image = self.proc.read_memory(addr, slot.shape.size)
            else:
                addr, image = 0, abi.gather(slot, reg_vals)
            if param.frame_offset is not None and sp + param.frame_offset != addr:
                addr = self._frame_slot(sp + param.frame_offset, image, addr)
            out.append(RawResult(param, image, addr))
        self.outcome.results = out

    def _frame_slot(self, slot: int, image: bytes, default: int) -> int:
        """`slot` if the target's memory there holds `image` (an optimized callee's DWARF
        slot need not: then the result has no address but where the ABI put it)."""
        if not image:
            return slot
        try:
            held = self.proc.read_memory(slot, len(image))
        except OSError:
            return default
        return slot if held == image else default

    def _restore(self, tid: int) -> None:
        """Everything back except RIP/RSP, then step the runtime's epilogue back to the
        original PC, so the thread stands exactly where it stood before the call."""
        assert self.saved is not None
        proc = self.proc
        cur = proc.regs(tid)
        regs = copy_regs(self.saved.gp)
        regs.rip, regs.rsp = cur.rip, cur.rsp
        if tid != self.tid:
            # Never move one thread's TLS base onto another thread.
            regs.fs_base, regs.gs_base = cur.fs_base, cur.gs_base
        proc.set_regs(tid, regs)
        proc.set_xstate(tid, self.saved.xstate)
        target_pc, target_sp = self.saved.gp.rip, self.saved.gp.rsp
        for _ in range(_MAX_STEPS_OUT):
            r = proc.regs(tid)
            if r.rip == target_pc and r.rsp == target_sp:
                break
            proc.step_instruction(tid)
        else:
            raise InjectionError("could not step out of the debug call frame")
        # The epilogue of older runtimes (Go 1.19's ADDQ to SP) changes arithmetic flags after
        # the status-16 trap; flags never hold pointers, so the saved ones are right.
        final = copy_regs(proc.regs(tid))
        if final.eflags != self.saved.gp.eflags:
            final.eflags = self.saved.gp.eflags
            proc.set_regs(tid, final)
        if target_pc in proc.breakpoints:
            # Standing on a breakpoint again: step over it on the next resume.
            proc.consume_breakpoint(tid, target_pc)


def result_shapes(sig: FuncSignature) -> list[TypeShape]:
    return [p.shape for p in sig.results]
