"""RPCServer methods about goroutines, threads, stacks, registers, memory and code."""

from __future__ import annotations

from typing import Any

from ..debugger import goroutine_list as gl
from ..debugger.errors import DebuggerError
from ..debugger.queries import ChannelFilter
from ..debugger.registers import registers_text
from ..protocol import api
from ..protocol import methods as m
from . import apiconv, apiconv_vars
from .common import RPCBase

READ_DEFERS = 1  # api.StacktraceReadDefers


class StackMethods(RPCBase):
    # ---- stacks ---------------------------------------------------------------

    async def rpc_Stacktrace(self, args: m.StacktraceIn, _: Any) -> m.StacktraceOut:
        defers = args.Defers or bool(args.Opts & READ_DEFERS)
        cfg = args.Cfg if args.Cfg is not None else (api.load_full_value() if args.Full else None)
        stack = await self.dbg.stacktrace(args.Id, args.Depth, defers, args.Skip,
                                          apiconv_vars.load_cfg(cfg) if cfg is not None else None)
        out = [apiconv.stackframe(f) for f in stack.frames]
        for frame, (local_vars, arg_vars) in zip(out, stack.variables or [], strict=False):
            frame.Locals = [apiconv_vars.variable(v) for v in local_vars]
            frame.Arguments = [apiconv_vars.variable(v) for v in arg_vars]
        return m.StacktraceOut(Locations=out)

    async def rpc_Ancestors(self, args: m.AncestorsIn, _: Any) -> m.AncestorsOut:
        found = await self.dbg.ancestors(args.GoroutineID, args.NumAncestors, args.Depth)
        return m.AncestorsOut(Ancestors=[
            api.Ancestor(ID=a.id, Unreadable=a.unreadable,
                         Stack=None if a.unreadable else [
                             api.Stackframe(Location=apiconv.location(f.location), Bottom=f.bottom, Err=f.err)
                             for f in a.stack])
            for a in found])

    # ---- goroutines -----------------------------------------------------------

    async def rpc_ListGoroutines(self, args: m.ListGoroutinesIn, _: Any) -> m.ListGoroutinesOut:
        chan = None
        wait_chan = next((f for f in args.Filters or [] if f.Kind == gl.WAITING_ON_CHANNEL), None)
        if wait_chan is not None:
            if wait_chan.Negated:
                raise DebuggerError("channel filter can not be negated")
            if args.Count == 0:
                raise DebuggerError("count == 0 not allowed with a channel filter")
            if args.EvalScope is None:
                raise DebuggerError("channel filter without eval scope")
            sc = args.EvalScope
            chan = ChannelFilter(wait_chan.Arg, sc.GoroutineID, sc.Frame, sc.DeferredCall)
        filters = [gl.GoroutineFilter(f.Kind, f.Negated, f.Arg) for f in args.Filters or []]
        opts = args.GoroutineGroupingOptions
        grouping = gl.Grouping(opts.GroupBy, opts.GroupByKey, opts.MaxGroupMembers, opts.MaxGroups)
        page = await self.dbg.goroutines(args.Start, args.Count, filters, grouping, chan)
        groups = page.groups
        locs = apiconv.SharedLocations()
        return m.ListGoroutinesOut(
            Goroutines=[apiconv.goroutine(v, locs) for v in page.goroutines],
            Nextg=page.nextg,
            Groups=None if groups is None else [api.GoroutineGroup(g.name, g.offset, g.count, g.total) for g in groups],
            TooManyGroups=page.too_many_groups,
        )

    # ---- registers and memory -------------------------------------------------

    async def rpc_ListRegisters(self, args: m.ListRegistersIn, _: Any) -> m.ListRegistersOut:
        if args.Scope is not None:
            regs = await self.dbg.scope_registers(args.Scope.GoroutineID, args.Scope.Frame, args.IncludeFp)
        else:
            regs = await self.dbg.thread_registers(args.ThreadID, args.IncludeFp)
        return m.ListRegistersOut(
            Registers=registers_text(regs),
            Regs=[api.Register(r.name, r.value, r.dwarf_number) for r in regs],
        )

    async def rpc_ExamineMemory(self, args: m.ExamineMemoryIn, _: Any) -> m.ExaminedMemoryOut:
        mem = await self.dbg.examine_memory(args.Address, args.Length)
        return m.ExaminedMemoryOut(Mem=mem, IsLittleEndian=True)

    # ---- code -----------------------------------------------------------------

    async def rpc_Disassemble(self, args: m.DisassembleIn, _: Any) -> m.DisassembleOut:
        lines = await self.dbg.disassemble(args.StartPC, args.EndPC, args.Flavour, args.Scope.GoroutineID)
        return m.DisassembleOut(Disassemble=[
            api.AsmInstruction(Loc=apiconv.location(ln.loc),
                               DestLoc=apiconv.location(ln.dest) if ln.dest is not None else None,
                               Text=ln.text, Bytes=ln.raw, Breakpoint=ln.breakpoint, AtPC=ln.at_pc)
            for ln in lines])

    async def rpc_ListDynamicLibraries(self, args: m.ListDynamicLibrariesIn, _: Any) -> m.ListDynamicLibrariesOut:
        libs = await self.dbg.dynamic_libraries()
        return m.ListDynamicLibrariesOut(List=[api.Image(Path=p, Address=a) for p, a in libs])

    async def rpc_ListPackagesBuildInfo(self, args: m.ListPackagesBuildInfoIn, _: Any) -> m.ListPackagesBuildInfoOut:
        pkgs = await self.dbg.packages_build_info(args.IncludeFiles, args.Filter)
        return m.ListPackagesBuildInfoOut(
            List=[api.PackageBuildInfo(p.import_path, p.directory, p.files) for p in pkgs])
