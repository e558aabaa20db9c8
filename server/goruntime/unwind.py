"""Stack unwinding with .gopclntab SP deltas (linux/amd64).

For a pc, pclntab's pcsp table gives how far SP has moved since the function's
entry, so the return address is at sp+delta and the caller's SP (the CFA) is
sp+delta+8. That is what the Go runtime's own traceback does, and it covers
every Go and Go-assembly function without parsing DWARF CFI.

Stack switches follow Delve's amd64SwitchStack: a thread on the system stack
(g0, gsignal) unwinds its own frames until a function that entered the system
stack from a goroutine (systemstack, mcall, newstack, mstart below a parked
systemstack_switch), then continues from the goroutine's saved sched pc/sp/bp.
Not handled: cgo transitions (asmcgocall/cgocallback) and signal frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import BinaryLike, Frame, FunctionLike, FunctionRef, Location, ReadMemory

# Bottom-of-stack functions: nothing above them is a real caller.
_STACK_TOPS = frozenset({"runtime.goexit", "runtime.rt0_go"})
# Frames inserted by runtime.systemstack: no CALL precedes their return address.
_NO_CALL_FRAMES = frozenset({"runtime.mstart", "runtime.systemstack_switch"})


@dataclass(frozen=True, slots=True)
class SavedContext:
    """Where a goroutine left its own stack (g.sched) when it switched to g0."""

    pc: int
    sp: int
    bp: int


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


_CHUNK = 1024  # divides the page size: an aligned chunk never spans two pages


class _StackWindow:
    """Stack words for one unwind, read in aligned chunks: a parked goroutine's
    few frames usually fit in one or two reads instead of one read per word."""

    def __init__(self, read: ReadMemory) -> None:
        self._read = read
        self._chunks: dict[int, bytes] = {}

    def word(self, addr: int) -> int:
        base = addr - addr % _CHUNK
        off = addr - base
        if off > _CHUNK - 8:
            return int.from_bytes(self._read(addr, 8), "little")
        chunk = self._chunks.get(base)
        if chunk is None:
            chunk = self._chunks[base] = self._read(base, _CHUNK)
        return int.from_bytes(chunk[off:off + 8], "little")


_LOC_CACHE_MAX = 1 << 16


class Unwinder:
    def __init__(self, binary: BinaryLike, read: ReadMemory) -> None:
        self._bin = binary
        self._read = read
        # pc -> line never changes, and thousands of parked goroutines share the same few pcs.
        self._locs: dict[tuple[int, bool], Location] = {}

    def location(self, pc: int, fn: FunctionLike | None, call_site: bool) -> Location:
        key = (pc, call_site)
        loc = self._locs.get(key)
        if loc is None:
            if len(self._locs) >= _LOC_CACHE_MAX:
                self._locs.clear()
            loc = self._locs[key] = location_at(self._bin, pc, fn, call_site=call_site)
        return loc

    def frames(self, pc: int, sp: int, bp: int, max_depth: int = 50, *,
               goroutine: SavedContext | None = None, system_stack: bool = False) -> list[Frame]:
        """Frames from (pc, sp, bp) outwards, at most max_depth of them.

        goroutine: the saved context of the goroutine the thread serves, when the
        thread is on the system stack (system_stack=True); unwinding moves to it
        where the system stack was entered.
        """
        out: list[Frame] = []
        stack = _StackWindow(self._read)
        top = True
        while len(out) < max_depth:
            fn = self._bin.function_at(pc)
            if fn is None:
                if top and system_stack and goroutine is not None:
                    # e.g. a thread stopped in the vDSO on g0: show the goroutine's stack.
                    pc, sp, bp = goroutine.pc, goroutine.sp, goroutine.bp
                    system_stack, top, goroutine = False, False, None
                    continue
                out.append(Frame(pc, sp, sp, bp, None, Location(pc, "?", -1, None), system_stack))
                break
            call_site = not top and pc != fn.entry and fn.name not in _NO_CALL_FRAMES
            # At a return address use the delta of the CALL itself: when the call is the
            # function's last instruction, pc already is in a region with another delta.
            delta = self._bin.sp_delta(pc - 1 if call_site else pc)
            cfa = sp + delta + 8
            out.append(Frame(pc, sp, cfa, bp, fn, self.location(pc, fn, call_site), system_stack))

            name = fn.name
            if name in _STACK_TOPS:
                break
            if self._switches_stack(name, top, system_stack, goroutine):
                assert goroutine is not None
                pc, sp, bp = goroutine.pc, goroutine.sp, goroutine.bp
                system_stack, top, goroutine = False, False, None
                continue
            if name in ("runtime.mcall", "runtime.mstart"):
                break  # bottom of a system stack with no goroutine to return to
            try:
                ret = stack.word(cfa - 8)
                # Go functions with a frame push BP first: the caller's BP is just below the return address.
                caller_bp = stack.word(cfa - 16) if delta >= 8 else bp
            except OSError:
                break
            if ret == 0 or cfa <= sp:
                break
            pc, sp, bp, top = ret, cfa, caller_bp, False
        return out

    def _switches_stack(self, name: str, top: bool, system_stack: bool, goroutine: SavedContext | None) -> bool:
        if not system_stack or goroutine is None:
            return False
        if name in ("runtime.mcall", "runtime.systemstack", "runtime.newstack"):
            return True
        if name == "runtime.mstart" and not top:
            parked = self._bin.function_at(goroutine.pc)
            return parked is not None and parked.name == "runtime.systemstack_switch"
        return False
