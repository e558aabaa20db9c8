"""Stack unwinding with .gopclntab SP deltas (linux/amd64).

For a pc, pclntab's pcsp table gives how far SP has moved since the function's
entry, so the return address is at sp+delta and the caller's SP (the CFA) is
sp+delta+8. That is what the Go runtime's own traceback does, and it covers
every Go and Go-assembly function without parsing DWARF CFI.

Stack switches follow Delve's amd64SwitchStack: a thread on the system stack
(g0, gsignal) unwinds its own frames until a function that entered the system
stack from a goroutine (systemstack, mcall, newstack, mstart below a parked
systemstack_switch), then continues from the goroutine's saved sched pc/sp/bp.
cgo (Delve's amd64SwitchStack): runtime.asmcgocall on the system stack goes
back to the goroutine stack at stack.hi minus the depth it saved at 40(SP);
runtime.cgocallback on the goroutine stack goes to g0's sched.sp, where the C
caller's frames are. C functions (not in pclntab) unwind with DWARF CFI.
Signal frames: below runtime.sigtrampgo the interrupted context is read from
the ucontext the kernel pushed (rt_sigframe), as Delve's readSigtrampgoContext.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..records import record

if TYPE_CHECKING:  # only a type here; foreign.py is loaded when the first C pc is seen
    from ..binary.foreign import CfaRule

from .model import BinaryLike, Frame, FunctionLike, FunctionRef, Location, ReadMemory

# Bottom-of-stack functions: nothing above them is a real caller.
NULL_ADDRESS = "NULL address"  # Delve's NullAddrError
_STACK_TOPS = frozenset({"runtime.goexit", "runtime.rt0_go"})
# Frames inserted by runtime.systemstack: no CALL precedes their return address.
_NO_CALL_FRAMES = frozenset({"runtime.mstart", "runtime.systemstack_switch"})


@record(frozen=True, slots=True)
class SavedContext:
    """Where a goroutine left its own stack (g.sched) when it switched to g0."""

    pc: int
    sp: int
    bp: int


@record(slots=True)
class CgoContext:
    """What crossing cgo frames needs from the goroutine being unwound."""

    stack_hi: int
    # The g0 sched.sp of the goroutine's M: where cgocallback left the system stack.
    g0_sched_sp: Callable[[], int]


class ForeignLike(Protocol):
    """The part of binary/foreign.py's ForeignCode the unwinder uses (C functions)."""

    def function_at(self, pc: int) -> FunctionLike | None: ...

    def pc_to_line(self, pc: int) -> tuple[str, int]: ...

    def cfa_rule(self, pc: int) -> CfaRule | None: ...


# runtime.asmcgocall saves "stack.hi - SP" of the goroutine at this offset of its g0 frame.
_CGOCALL_SP_SAVE = 0x28
# rt_sigframe: return address, then the ucontext; uc_mcontext.gregs start 40 bytes in.
_UC_GREGS = 40
_REG_RBP, _REG_RSP, _REG_RIP = 10, 15, 16


def function_ref(fn: FunctionLike | None) -> FunctionRef | None:
    return None if fn is None else FunctionRef(fn.name, fn.entry, fn)


def location_at(binary: BinaryLike, pc: int, fn: FunctionLike | None = None, *, call_site: bool = False) -> Location:
    """Location of pc; with call_site, file:line of pc-1 (the CALL that pushed return address pc)."""
    if fn is None:
        fn = binary.function_at(pc)
    if fn is None:
        return Location(pc, "?", -1, None)
    lookup = pc - 1 if call_site and pc > fn.entry else pc
    file, line = binary.pc_to_line(lookup)
    return Location(pc, file, line, function_ref(fn))


_u64 = struct.Struct("<Q").unpack_from
CHUNK = 1024  # divides the page size: an aligned chunk never spans two pages
# Stack bytes by the address of their aligned CHUNK: what one unwind has read, or what was read
# for many at once (GoRuntime.locations_of); valid only while the target stays stopped.
StackChunks = dict[int, bytes]


class _StackWindow:
    """Stack words for one unwind, read in aligned chunks: a parked goroutine's
    few frames usually fit in one or two reads instead of one read per word."""

    def __init__(self, read: ReadMemory, chunks: StackChunks | None = None) -> None:
        self._read = read
        self._chunks: StackChunks = {} if chunks is None else chunks

    def word(self, addr: int) -> int:
        base = addr - addr % CHUNK
        off = addr - base
        if off > CHUNK - 8:
            return int.from_bytes(self._read(addr, 8), "little")
        chunk = self._chunks.get(base)
        if chunk is None:
            chunk = self._chunks[base] = self._read(base, CHUNK)
        return _u64(chunk, off)[0]  # a third of int.from_bytes of a slice


_LOC_CACHE_MAX = 1 << 16


class Unwinder:
    def __init__(self, binary: BinaryLike, read: ReadMemory) -> None:
        self._bin = binary
        self._read = read
        # pc -> line never changes, and thousands of parked goroutines share the same few pcs.
        self._locs: dict[tuple[int, bool], Location] = {}
        # pc -> SP delta and pc -> function: the same few return addresses recur in
        # thousands of parked goroutines, and pclntab decoding is the cost of a stack.
        self._deltas: dict[int, int] = {}
        self._funcs: dict[int, FunctionLike | None] = {}

    def _sp_delta(self, pc: int) -> int:
        d = self._deltas.get(pc)
        if d is None:
            if len(self._deltas) >= _LOC_CACHE_MAX:
                self._deltas.clear()
            d = self._deltas[pc] = self._bin.sp_delta(pc)
        return d

    def function_at(self, pc: int) -> FunctionLike | None:
        try:
            return self._funcs[pc]
        except KeyError:
            if len(self._funcs) >= _LOC_CACHE_MAX:
                self._funcs.clear()
            fn = self._funcs[pc] = self._bin.function_at(pc)
            return fn

    def location(self, pc: int, fn: FunctionLike | None, call_site: bool) -> Location:
        key = (pc, call_site)
        loc = self._locs.get(key)
        if loc is None:
            if len(self._locs) >= _LOC_CACHE_MAX:
                self._locs.clear()
            loc = self._locs[key] = location_at(self._bin, pc, fn, call_site=call_site)
        return loc

    def frames(self, pc: int, sp: int, bp: int, max_depth: int = 50, *,
               goroutine: SavedContext | None = None, system_stack: bool = False,
               cgo: CgoContext | None = None, foreign: ForeignLike | None = None,
               chunks: StackChunks | None = None, until: Callable[[Frame], bool] | None = None) -> list[Frame]:
        """Frames from (pc, sp, bp) outwards, at most max_depth of them.

        goroutine: the saved context of the goroutine the thread serves, when the
        thread is on the system stack (system_stack=True); unwinding moves to it
        where the system stack was entered. cgo: needed to cross cgo calls and
        callbacks; foreign: C functions, for frames pclntab does not know.
        chunks: stack bytes already read (shared, and added to). until: stop after the
        first Go frame it accepts (a caller looking for one frame need not unwind the rest).
        """
        out: list[Frame] = []
        stack = _StackWindow(self._read, chunks)
        top = True
        after_sigpanic = False
        # Whether Delve would know BP here: the CFI of Go code restores only SP and the return
        # address, so after a Go frame BP is unknown; registers, saved contexts and C CFI have it.
        bp_known = True
        g0_sp: int | None = None  # the g0 sched.sp chain through nested callbacks
        while len(out) < max_depth:
            fn = self.function_at(pc)
            if fn is None:
                if top and system_stack and goroutine is not None:
                    # e.g. a thread stopped in the vDSO on g0: show the goroutine's stack.
                    pc, sp, bp = goroutine.pc, goroutine.sp, goroutine.bp
                    bp_known = True
                    system_stack, top, goroutine = False, False, None
                    continue
                step = self._foreign_frame(pc, sp, bp, top, system_stack, foreign, stack, out, bp_known)
                if step is None:
                    break
                pc, sp, bp = step
                top, bp_known = False, True
                continue
            call_site = (not top and pc != fn.entry and fn.name not in _NO_CALL_FRAMES
                         and not after_sigpanic)
            # At a return address use the delta of the CALL itself: when the call is the
            # function's last instruction, pc already is in a region with another delta.
            delta = self._sp_delta(pc - 1 if call_site else pc)
            cfa = sp + delta + 8
            frame = Frame(pc, sp, cfa, bp, fn, self.location(pc, fn, call_site), system_stack)
            out.append(frame)
            if len(out) >= max_depth or (until is not None and until(frame)):
                break  # the caller is not wanted: no stack read (a condition's scope is frame 0 alone)

            name = fn.name
            if name in _STACK_TOPS:
                break
            if self._switches_stack(name, top, system_stack, goroutine):
                assert goroutine is not None
                pc, sp, bp = goroutine.pc, goroutine.sp, goroutine.bp
                bp_known = True
                system_stack, top, goroutine = False, False, None
                continue
            if name in ("runtime.mcall", "runtime.mstart"):
                break  # bottom of a system stack with no goroutine to return to
            try:
                if name == "runtime.asmcgocall" and not top and system_stack and cgo is not None:
                    new_sp = cgo.stack_hi - _signed(stack.word(sp + _CGOCALL_SP_SAVE))
                    if new_sp != sp:
                        # Like Delve, the next pc is read one word above the saved SP
                        # (asmcgocall's fn argument): Delve shows the C function's entry
                        # as a frame of its own before runtime.cgocall.
                        pc, sp, top, system_stack = stack.word(new_sp + 8), new_sp, False, False
                        bp_known = True
                        continue
                if name in ("runtime.cgocallback", "runtime.cgocallback_gofunc") and not top \
                        and not system_stack and cgo is not None:
                    if g0_sp is None:
                        g0_sp = cgo.g0_sched_sp()
                    if g0_sp > 0:
                        sys_sp, g0_sp = g0_sp, stack.word(g0_sp)
                        sys_cfa = sys_sp + delta + 8
                        ret = stack.word(sys_cfa - 8)
                        bp = stack.word(sys_cfa - 16) if delta >= 8 else bp
                        pc, sp, top, system_stack = ret, sys_cfa, False, True
                        bp_known = True
                        continue
                if name == "runtime.sigtrampgo" and not top:
                    ctx = self._signal_context(cfa, stack)
                    if ctx is not None:
                        pc, sp, bp = ctx
                        bp_known = True
                        if cgo is not None and cgo.stack_hi:
                            system_stack = not (sp < cgo.stack_hi)
                        top, after_sigpanic = False, False
                        continue
                ret = stack.word(cfa - 8)
                # Go functions with a frame push BP first: the caller's BP is just below the return address.
                caller_bp = stack.word(cfa - 16) if delta >= 8 else bp
            except OSError:
                break
            if ret == 0 or cfa <= sp:
                break
            after_sigpanic = name == "runtime.sigpanic"
            pc, sp, bp, top, bp_known = ret, cfa, caller_bp, False, False
        return out

    def _foreign_frame(self, pc: int, sp: int, bp: int, top: bool, system_stack: bool,
                       foreign: ForeignLike | None, stack: _StackWindow,
                       out: list[Frame], bp_known: bool = True) -> tuple[int, int, int] | None:
        """Append the frame of a C function at pc; its caller's (pc, sp, bp), or None at the end."""
        fn = foreign.function_at(pc) if foreign is not None else None
        # At a return address look up the CALL's row; a frame at a function's entry
        # (Delve's asmcgocall frame) was not called from there.
        lookup = pc if top or (fn is not None and pc == fn.entry) else pc - 1
        rule = foreign.cfa_rule(lookup) if foreign is not None else None
        if fn is None and rule is None and not bp_known:
            # Delve unwinds a pc without CFI by BP, unknown here (its frame-pointer unwinding
            # only takes return addresses into known functions): the return address of a Go
            # frame into the unknown (argc above _rt0_amd64_linux) ends the stack in Delve's
            # empty frame and its NULL address error.
            out.append(Frame(0, 0, 0, 0, None, Location(0, "", 0, None), err=NULL_ADDRESS))
            return None
        if fn is None or rule is None:
            loc = Location(pc, "?", -1, None)
            if fn is not None and foreign is not None:
                file, line = foreign.pc_to_line(pc if top or pc == fn.entry else pc - 1)
                loc = Location(pc, file, line, function_ref(fn))
            out.append(Frame(pc, sp, sp, bp, fn, loc, system_stack))
            return None
        base = sp if rule.reg == 7 else bp if rule.reg == 6 else None
        if base is None:
            return None
        cfa = base + rule.offset
        assert foreign is not None
        file, line = foreign.pc_to_line(pc if top or pc == fn.entry else pc - 1)
        out.append(Frame(pc, sp, cfa, bp, fn, Location(pc, file, line, function_ref(fn)), system_stack))
        try:
            ret = stack.word(cfa + (rule.ret_offset if rule.ret_offset is not None else -8))
            caller_bp = stack.word(cfa + rule.bp_offset) if rule.bp_offset is not None else bp
        except OSError:
            return None
        if ret == 0:
            return None
        return ret, cfa, caller_bp

    def _signal_context(self, sigtrampgo_cfa: int, stack: _StackWindow) -> tuple[int, int, int] | None:
        """(pc, sp, bp) the signal interrupted, from the ucontext above runtime.sigtramp's frame."""
        try:
            ret = stack.word(sigtrampgo_cfa - 8)
        except OSError:
            return None
        tramp = self._bin.function_at(ret)
        if tramp is None or not tramp.name.startswith("runtime.sigtramp"):
            return None
        # sigtramp's CFA is the SP the kernel left: the ucontext starts right there.
        uc = sigtrampgo_cfa + self._bin.sp_delta(ret - 1) + 8
        gregs = uc + _UC_GREGS
        try:
            return (stack.word(gregs + 8 * _REG_RIP), stack.word(gregs + 8 * _REG_RSP),
                    stack.word(gregs + 8 * _REG_RBP))
        except OSError:
            return None

    def _switches_stack(self, name: str, top: bool, system_stack: bool, goroutine: SavedContext | None) -> bool:
        if not system_stack or goroutine is None:
            return False
        if name in ("runtime.mcall", "runtime.systemstack", "runtime.newstack"):
            return True
        if name == "runtime.mstart" and not top:
            parked = self._bin.function_at(goroutine.pc)
            return parked is not None and parked.name == "runtime.systemstack_switch"
        return False


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v
