"""The Go runtime as Delve sees it: goroutines, their stacks and locations.

Independent of ptrace: it needs the binary (pclntab, and the DWARF readers it owns)
and a memory reader. Behaviour follows Delve's pkg/proc (variables.go: GetG, parseG,
GoroutinesInfo, UserCurrent, Go, StartLoc; stack.go: the stack iterator).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..binary.gobinary import GoBinary
from ..errors import error_text
from .defers import DeferReader, DeferRecord
from .gstruct import GLayout
from .labels import LabelReader
from .model import (
    G_DEAD,
    Frame,
    FunctionLike,
    Goroutine,
    GoroutineLocations,
    Location,
    ReadMemory,
    ReadMemoryMany,
    RegsLike,
)
from .tls import g_tls_offset
from .unwind import CHUNK, CgoContext, SavedContext, StackChunks, Unwinder, function_ref
from .wrappers import WrapperResolver

# Delve's maxGoroutineUserCurrentDepth.
USER_CURRENT_DEPTH = 30
# Reads of g structs are merged into blocks of at most this size (g's are
# allocated side by side, so 10,000 goroutines cost a few hundred reads).
_BLOCK = 1 << 16
_MAX_GAP = 4096
# A parked goroutine's stack is read ahead from its saved SP up to this many bytes (at most its
# top): the few frames down to its first user function usually lie within it.
_STACK_AHEAD = 2 * CHUNK


def is_user_function(name: str) -> bool:
    """Delve's UserCurrent test: not runtime internals (exported runtime.X counts as user)."""
    if "." not in name or name.startswith(("internal/", "runtime/internal", "iter.")):
        return False
    if name.startswith("runtime."):
        rest = name[len("runtime."):]
        return bool(rest) and "A" <= rest[0] <= "Z"
    return True


class GoRuntime:
    def __init__(self, binary: GoBinary, read: ReadMemory, read_many: ReadMemoryMany | None = None) -> None:
        self.binary = binary
        self.types = types = binary.dwarf_types
        self.read = read
        self._read_many = read_many
        self._user_function: dict[str, bool] = {}
        self._layout: GLayout | None = None
        self._tls_offset = g_tls_offset(binary.segments, binary.symbol_address)
        self._unwinder = Unwinder(binary, read)
        self._wrappers = WrapperResolver(binary)
        self._labels = LabelReader(types, read)
        self._defers = DeferReader(types, read)
        # go-statement and start locations by pc: code does not change while debugging.
        self._pc_locs: dict[tuple[str, int], Location] = {}
        # C functions of cgo binaries: parsed only once a pc outside pclntab is seen.
        self._foreign = binary.foreign_code

    @property
    def layout(self) -> GLayout:
        # Resolved on first use: DWARF is only touched when goroutines are asked for.
        if self._layout is None:
            self._layout = GLayout.from_dwarf(self.types)
        return self._layout

    def _word(self, addr: int) -> int:
        return int.from_bytes(self.read(addr, 8), "little")

    # -- finding g's --------------------------------------------------------

    def g_of_thread(self, regs: RegsLike) -> int:
        """Address of the g in the thread's TLS slot (0 when there is none)."""
        if not regs.fs_base:
            return 0
        try:
            return self._word(regs.fs_base + self._tls_offset)
        except OSError:
            return 0

    def goroutine(self, gaddr: int, thread_id: int = 0) -> Goroutine:
        g = self.layout.decode(gaddr, self.read(gaddr, self.layout.size))
        g.thread_id = thread_id
        return g

    def thread_goroutine(self, thread_id: int, regs: RegsLike) -> Goroutine | None:
        """The goroutine a thread runs, as Delve's GetG: on g0/gsignal it is m.curg."""
        fn = self.binary.function_at(regs.rip)
        if fn is not None and fn.name == "runtime.clone":
            return None  # TLS is not set up yet in the child of clone
        gaddr = self.g_of_thread(regs)
        if not gaddr:
            return None
        try:
            g = self.goroutine(gaddr, thread_id)
            system_stack = False
            if g.id == 0:
                # g0 or gsignal: the thread is on a system stack serving m.curg.
                curg = self._word(g.m + self.layout.m_curg) if g.m else 0
                if not curg:
                    return None
                g = self.goroutine(curg, thread_id)
                system_stack = True
        except OSError:
            return None
        g.system_stack = system_stack
        g.regs = regs
        return g

    def allg_addresses(self) -> list[int]:
        try:
            base = self.binary.symbol_address("runtime.allgs")
        except LookupError:  # GoBinary may raise rather than return None for a missing symbol
            base = None
        if not base:
            return []
        ptr, length = self._word(base), self._word(base + 8)
        if not ptr or not length:
            return []
        raw = self.read(ptr, 8 * length)
        return [int.from_bytes(raw[i:i + 8], "little") for i in range(0, len(raw), 8)]

    def all_goroutines(self, threads: Mapping[int, RegsLike] | None = None,
                       keep_dead: bool = False,
                       of_thread: Callable[[int, RegsLike], Goroutine | None] | None = None) -> list[Goroutine]:
        """Every g in runtime.allgs except dead ones, in allgs order (as Delve's GoroutinesInfo).

        threads: registers of each stopped thread by thread id; goroutines running
        on one get its thread id, registers and system-stack flag. of_thread: what
        thread_goroutine answers, when the caller has it already.
        """
        on_thread: dict[int, Goroutine] = {}
        for tid, regs in (threads or {}).items():
            tg = (of_thread or self.thread_goroutine)(tid, regs)
            if tg is not None:
                on_thread.setdefault(tg.id, tg)
        out: list[Goroutine] = []
        for g in self._read_gs(self.allg_addresses()):
            tg = on_thread.get(g.id)
            if tg is not None:
                g.thread_id, g.regs, g.system_stack = tg.thread_id, tg.regs, tg.system_stack
            if keep_dead or g.status != G_DEAD:
                out.append(g)
        return out

    def _read_gs(self, addrs: list[int]) -> Iterable[Goroutine]:
        size = self.layout.size
        blocks: dict[int, tuple[int, memoryview | None]] = {}
        for start, end in _coalesce(sorted({a for a in addrs if a}), size):
            try:
                blocks[start] = (start, memoryview(self.read(start, end - start)))
            except OSError:
                blocks[start] = (start, None)
        starts = sorted(blocks)
        for addr in addrs:
            i = bisect.bisect_right(starts, addr) - 1
            bstart, view = blocks[starts[i]] if i >= 0 else (0, None)
            try:
                if view is None or addr == 0:
                    yield self.goroutine(addr)
                else:
                    yield self.layout.decode(addr, view, addr - bstart)
            except OSError as exc:
                yield Goroutine.unreadable_at(addr, f"could not read G struct: {error_text(exc)}")

    # -- stacks ---------------------------------------------------------------

    def frames(self, pc: int, sp: int, bp: int, max_depth: int = 50) -> list[Frame]:
        """A thread's stack with no goroutine: all of it is system stack."""
        return self._unwinder.frames(pc, sp, bp, max_depth, system_stack=True, foreign=self._foreign)

    def _cgo_context(self, g: Goroutine) -> CgoContext:
        def g0_sched_sp() -> int:
            try:
                g0 = self._word(g.m + self.layout.m_g0) if g.m else 0
                return self.layout.sched_sp.get(self.read(g0, self.layout.size)) if g0 else 0
            except OSError:
                return 0

        return CgoContext(g.stack_hi, g0_sched_sp)

    def goroutine_frames(self, g: Goroutine, max_depth: int = 50, chunks: StackChunks | None = None,
                         until: Callable[[Frame], bool] | None = None) -> list[Frame]:
        """Its thread's registers if it runs on one, else the context saved in g.sched.
        chunks and until: as Unwinder.frames."""
        saved = SavedContext(g.sched_pc, g.sched_sp, g.sched_bp)
        cgo = self._cgo_context(g)
        if g.regs is not None:
            return self._unwinder.frames(g.regs.rip, g.regs.rsp, g.regs.rbp, max_depth,
                                         goroutine=saved, system_stack=g.system_stack,
                                         cgo=cgo, foreign=self._foreign, chunks=chunks, until=until)
        return self._unwinder.frames(saved.pc, saved.sp, saved.bp, max_depth, cgo=cgo, foreign=self._foreign,
                                     chunks=chunks, until=until)

    def _stack_chunks(self, gs: Sequence[Goroutine]) -> StackChunks:
        """The first stack chunks of the parked goroutines among gs, read in a few vectored reads
        rather than one read each (a third of a 10,000-goroutine listing was those reads)."""
        if self._read_many is None:
            return {}
        bases: set[int] = set()
        for g in gs:
            sp = g.sched_sp
            if g.regs is not None or not sp or g.unreadable:
                continue  # a goroutine on a thread unwinds from the thread's registers
            end = min(g.stack_hi, sp + _STACK_AHEAD) if g.stack_hi > sp else sp + 1
            bases.update(range(sp - sp % CHUNK, end, CHUNK))
        order = sorted(bases)
        got = self._read_many([(b, CHUNK) for b in order])
        return {b: data for b, data in zip(order, got, strict=True) if data is not None}

    # -- Delve's four goroutine locations --------------------------------------

    def current_loc(self, g: Goroutine) -> Location:
        pc = g.regs.rip if g.regs is not None else g.sched_pc
        return self._unwinder.location(pc, None, False)

    def _is_user_frame(self, frame: Frame) -> bool:
        fn = frame.function
        if fn is None:
            return False
        user = self._user_function.get(fn.name)
        if user is None:
            user = self._user_function[fn.name] = is_user_function(fn.name)
        return user

    def user_current_loc(self, g: Goroutine, chunks: StackChunks | None = None) -> Location:
        try:
            # Unwinding stops at the first user frame: the frames past it do not change the answer.
            frames = self.goroutine_frames(g, USER_CURRENT_DEPTH, chunks, until=self._is_user_frame)
        except OSError:
            frames = []
        for frame in frames:
            if self._is_user_frame(frame):
                return frame.location
        return self.current_loc(g)

    def go_statement_loc(self, g: Goroutine) -> Location:
        loc = self._pc_locs.get(("go", g.gopc))
        if loc is None:
            loc = self._pc_locs[("go", g.gopc)] = self._go_statement_loc(g.gopc)
        return loc

    def _go_statement_loc(self, gopc: int) -> Location:
        fn = self.binary.function_at(gopc)
        if fn is None:
            return Location(gopc)
        # gopc is the return address of the call to newproc: report the CALL's line.
        file, line = self.binary.pc_to_line(gopc - 1 if gopc > fn.entry else gopc)
        return Location(gopc, file, line, function_ref(fn))

    def start_loc(self, g: Goroutine) -> Location:
        loc = self._pc_locs.get(("start", g.startpc))
        if loc is None:
            loc = self._pc_locs[("start", g.startpc)] = self._start_loc(g.startpc)
        return loc

    def _start_loc(self, startpc: int) -> Location:
        fn: FunctionLike | None = self.binary.function_at(startpc)
        if fn is None:
            return Location(startpc)
        fn = self._wrappers.unwrap(fn)
        file, line = self.binary.pc_to_line(fn.entry)
        return Location(fn.entry, file, line, function_ref(fn))

    def locations(self, g: Goroutine, chunks: StackChunks | None = None) -> GoroutineLocations:
        return GoroutineLocations(self.current_loc(g), self.user_current_loc(g, chunks),
                                  self.go_statement_loc(g), self.start_loc(g))

    def locations_of(self, gs: Sequence[Goroutine]) -> list[GoroutineLocations]:
        """locations() of each of gs, their stacks read ahead together."""
        chunks = self._stack_chunks(gs)
        return [self.locations(g, chunks) for g in gs]

    def defers(self, g: Goroutine) -> list[DeferRecord]:
        """g._defer, newest first (as Delve's G.Defer chain)."""
        return self._defers.read(g)

    def location_of(self, pc: int) -> Location:
        """Location of pc itself (Delve's PCToLine), cached."""
        return self._unwinder.location(pc, None, False)

    def deferred_location(self, fn_pc: int) -> Location | None:
        """Delve's Defer.DeferredFunc: the deferred function (through wrappers) at its entry line."""
        fn: FunctionLike | None = self.binary.function_at(fn_pc)
        if fn is None:
            return None
        fn = self._wrappers.unwrap(fn)
        file, line = self.binary.pc_to_line(fn.entry)
        return Location(fn.entry, file, line, function_ref(fn))

    def labels(self, g: Goroutine) -> dict[str, str]:
        """pprof labels (Go 1.21+ labelMap layout); {} when none or unreadable."""
        return self._labels.read(g.labels_ptr) if g.labels_ptr else {}


def _coalesce(addrs: list[int], size: int) -> list[tuple[int, int]]:
    """[start, end) ranges covering each addr..addr+size, merging close neighbours."""
    ranges: list[tuple[int, int]] = []
    for a in addrs:
        if ranges:
            start, end = ranges[-1]
            if a - end <= _MAX_GAP and a + size - start <= _BLOCK:
                ranges[-1] = (start, max(end, a + size))
                continue
        ranges.append((a, a + size))
    return ranges
