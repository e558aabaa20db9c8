"""RPCServer methods about goroutines, threads, stacks, registers, memory and code."""

from __future__ import annotations

from typing import Any

from . import apiconv
from .debugger import ancestors as anc
from .debugger import goroutine_list as gl
from .debugger import inspect as insp
from .debugger.chanwaiters import chan_goroutine_ids
from .debugger.debugger import DebuggerError
from .debugger.disasm import disassemble
from .debugger.eval import ParseError
from .debugger.eval.evaluator import EvalError
from .debugger.registers import frame_registers, registers_text, thread_registers
from .debugger.stacks import (
    FrameView,
    UnknownGoroutine,
    goroutine_stack,
    resolve_goroutine,
    thread_stack,
)
from .goruntime.model import Goroutine
from .protocol import api
from .protocol import methods as m
from .rpc_common import RPCBase

MAX_EXAMINE = 1 << 16
READ_DEFERS = 1  # api.StacktraceReadDefers


def _stackframe(f: FrameView) -> api.Stackframe:
    return api.Stackframe(
        Location=apiconv.location(f.location),
        Locals=None,
        Arguments=None,
        FrameOffset=f.frame_offset,
        FramePointerOffset=f.frame_pointer_offset,
        Defers=[api.Defer(DeferredLoc=apiconv.location(d.deferred), DeferLoc=apiconv.location(d.defer_loc),
                          SP=d.sp, Unreadable=d.unreadable) for d in f.defers],
        Bottom=f.bottom,
        Err=f.err,
    )


class StackMethods(RPCBase):
    def _goroutine(self, gid: int) -> Goroutine | None:
        """Tracer thread: Delve's FindGoroutine (-1/0: the selected one; None: no goroutine)."""
        dbg = self._dbg()
        assert dbg.goroutines is not None
        try:
            return resolve_goroutine(dbg.goroutines, dbg.selected_goroutine, gid)
        except UnknownGoroutine as e:
            raise DebuggerError(str(e)) from None

    # ---- stacks ---------------------------------------------------------------

    def _frames(self, gid: int, depth: int, defers: bool) -> list[FrameView]:
        """Tracer thread: Delve's Debugger.Stacktrace."""
        dbg = self._dbg()
        proc = dbg._live()
        g = self._goroutine(gid)
        reader = dbg.goroutines
        assert reader is not None
        if g is None:
            regs = proc.regs(dbg.current_tid)
            return thread_stack(reader, regs.rip, regs.rsp, regs.rbp, depth)
        return goroutine_stack(reader, g, depth, defers)

    async def rpc_Stacktrace(self, args: m.StacktraceIn, _: Any) -> m.StacktraceOut:
        defers = args.Defers or bool(args.Opts & READ_DEFERS)
        frames = await self._on_tracer(self._frames, args.Id, args.Depth, defers)
        if args.Skip > 0:
            frames = frames[args.Skip:]
        out = [_stackframe(f) for f in frames]
        cfg = args.Cfg if args.Cfg is not None else (api.load_full_value() if args.Full else None)
        if cfg is not None:
            await self._fill_frame_vars(args.Id, max(args.Skip, 0), out, cfg)
        return m.StacktraceOut(Locations=out)

    async def _fill_frame_vars(self, gid: int, first: int, out: list[api.Stackframe],
                               cfg: api.LoadConfig) -> None:
        """Locals/Arguments of each frame (Full or Cfg), read in one tracer job."""
        filled = await self._on_tracer(self._frames_variables, gid, range(first, first + len(out)), cfg)
        for frame, (local_vars, arg_vars) in zip(out, filled, strict=True):
            frame.Locals, frame.Arguments = local_vars, arg_vars

    def _ancestors(self, args: m.AncestorsIn) -> list[api.Ancestor]:
        """Tracer thread: Delve's Debugger.Ancestors."""
        dbg = self._dbg()
        dbg._live()
        g = self._goroutine(args.GoroutineID)
        if g is None:
            raise DebuggerError("no selected goroutine")
        try:
            found = anc.ancestors(dbg, g, args.NumAncestors, args.Depth)
        except anc.AncestorsError as e:
            raise DebuggerError(str(e)) from None
        return [api.Ancestor(ID=a.id, Unreadable=a.unreadable,
                             Stack=None if a.unreadable else [
                                 api.Stackframe(Location=apiconv.location(f.location), Bottom=f.bottom, Err=f.err)
                                 for f in a.stack])
                for a in found]

    async def rpc_Ancestors(self, args: m.AncestorsIn, _: Any) -> m.AncestorsOut:
        return m.AncestorsOut(Ancestors=await self._on_tracer(self._ancestors, args))

    # ---- goroutines -----------------------------------------------------------

    def _goroutines(self, args: m.ListGoroutinesIn) -> m.ListGoroutinesOut:
        dbg = self._dbg()
        dbg._live()
        reader = dbg.goroutines
        assert reader is not None
        chan = next((f for f in args.Filters or [] if f.Kind == gl.WAITING_ON_CHANNEL), None)
        if chan is not None:
            if chan.Negated:
                raise DebuggerError("channel filter can not be negated")
            if args.Count == 0:
                raise DebuggerError("count == 0 not allowed with a channel filter")
            if args.EvalScope is None:
                raise DebuggerError("channel filter without eval scope")
            gs, nextg = self._chan_goroutines(args.EvalScope, chan.Arg, args.Start, args.Count)
        else:
            gs, nextg = reader.page(args.Start, args.Count)
        views = [reader.view_of(g) for g in gs]
        filters = [gl.GoroutineFilter(f.Kind, f.Negated, f.Arg) for f in args.Filters or []]
        views = gl.filter_goroutines(views, filters)
        opts = args.GoroutineGroupingOptions
        grouping = gl.Grouping(opts.GroupBy, opts.GroupByKey, opts.MaxGroupMembers, opts.MaxGroups)
        views, groups, too_many = gl.group_goroutines(views, grouping)
        return m.ListGoroutinesOut(
            Goroutines=[apiconv.goroutine(v) for v in views],
            Nextg=nextg,
            Groups=None if groups is None else [api.GoroutineGroup(g.name, g.offset, g.count, g.total) for g in groups],
            TooManyGroups=too_many,
        )

    def _chan_goroutines(self, scope: api.EvalScope, expr: str, start: int, count: int) -> tuple[list[Goroutine], int]:
        """Delve's Debugger.ChanGoroutines: waiters of the channel, in the scope's frame."""
        dbg = self._dbg()
        reader = dbg.goroutines
        assert reader is not None
        try:
            ids = chan_goroutine_ids(dbg, scope.GoroutineID, scope.Frame, scope.DeferredCall, expr, start, count)
        except (EvalError, ParseError, OSError) as e:
            raise DebuggerError(str(e)) from None
        gs = [reader.find(i) or Goroutine.unreadable_at(0, f"unknown goroutine {i}") for i in ids]
        return gs, start + len(gs) if len(gs) == count else -1

    async def rpc_ListGoroutines(self, args: m.ListGoroutinesIn, _: Any) -> m.ListGoroutinesOut:
        return await self._on_tracer(self._goroutines, args)

    # ---- registers and memory -------------------------------------------------

    def _registers(self, args: m.ListRegistersIn) -> m.ListRegistersOut:
        dbg = self._dbg()
        proc = dbg._live()
        fp = args.IncludeFp
        if args.Scope is not None:
            g = self._goroutine(args.Scope.GoroutineID)
            frame = args.Scope.Frame
            if frame == 0 and (g is None or g.thread_id):
                tid = g.thread_id if g is not None else dbg.current_tid
                regs = thread_registers(proc.regs(tid), proc.fpregs(tid) if fp else None)
            else:
                frames = self._frames(args.Scope.GoroutineID, frame, False)
                if frame >= len(frames):
                    raise DebuggerError(f"Frame {frame} does not exist in goroutine {g.id if g else 0}")
                f = frames[frame].frame
                regs = frame_registers(f.pc, f.sp, f.bp)
        else:
            tid = args.ThreadID or dbg.current_tid
            if tid not in proc.threads:
                raise DebuggerError(f"couldn't find thread {tid}")
            regs = thread_registers(proc.regs(tid), proc.fpregs(tid) if fp else None)
        return m.ListRegistersOut(
            Registers=registers_text(regs),
            Regs=[api.Register(r.name, r.value, r.dwarf_number) for r in regs],
        )

    async def rpc_ListRegisters(self, args: m.ListRegistersIn, _: Any) -> m.ListRegistersOut:
        return await self._on_tracer(self._registers, args)

    async def rpc_ExamineMemory(self, args: m.ExamineMemoryIn, _: Any) -> m.ExaminedMemoryOut:
        if args.Length > MAX_EXAMINE:
            raise DebuggerError(f"len must be less than or equal to {MAX_EXAMINE}")
        dbg = self._dbg()
        mem = await self._on_tracer(insp.examine_memory, dbg, args.Address, args.Length)
        return m.ExaminedMemoryOut(Mem=mem, IsLittleEndian=True)

    # ---- code -----------------------------------------------------------------

    def _disassemble(self, args: m.DisassembleIn) -> list[api.AsmInstruction]:
        dbg = self._dbg()
        proc = dbg._live()
        start, end = args.StartPC, args.EndPC
        if end == 0:
            fn = dbg.binary.function_at(start)
            if fn is None:
                raise DebuggerError(f"address {start:#x} does not belong to any function")
            start, end = fn.entry, fn.end
        g = self._goroutine(args.Scope.GoroutineID)
        tid = g.thread_id if g is not None and g.thread_id else dbg.current_tid
        pc = proc.regs(tid).rip
        code = insp.read_code(dbg, start, end - start)
        bps = set(dbg.breakpoints.by_addr) if dbg.breakpoints is not None else set()

        def symbol(addr: int) -> str | None:
            fn = dbg.binary.function_at(addr)
            return fn.name if fn is not None and fn.entry == addr else None

        lines = disassemble(code, start, args.Flavour, dbg.location, symbol, bps, pc)
        return [api.AsmInstruction(Loc=apiconv.location(ln.loc),
                                   DestLoc=apiconv.location(ln.dest) if ln.dest is not None else None,
                                   Text=ln.text, Bytes=ln.raw, Breakpoint=ln.breakpoint, AtPC=ln.at_pc)
                for ln in lines]

    async def rpc_Disassemble(self, args: m.DisassembleIn, _: Any) -> m.DisassembleOut:
        return m.DisassembleOut(Disassemble=await self._on_tracer(self._disassemble, args))

    async def rpc_ListDynamicLibraries(self, args: m.ListDynamicLibrariesIn, _: Any) -> m.ListDynamicLibrariesOut:
        dbg = self._dbg()
        libs = await self._on_tracer(insp.dynamic_libraries, dbg)
        return m.ListDynamicLibrariesOut(List=[api.Image(Path=p, Address=a) for p, a in libs])

    async def rpc_ListPackagesBuildInfo(self, args: m.ListPackagesBuildInfoIn, _: Any) -> m.ListPackagesBuildInfoOut:
        dbg = self._dbg()
        pkgs = await self._on_tracer(insp.packages_build_info, dbg, args.IncludeFiles, args.Filter)
        return m.ListPackagesBuildInfoOut(
            List=[api.PackageBuildInfo(p.import_path, p.directory, p.files) for p in pkgs])
