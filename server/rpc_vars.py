"""RPCServer methods about variables, expressions and types.

ListLocalVars / ListFunctionArgs / ListPackageVars load values under the request's
LoadConfig (an omitted Cfg decodes as all-zero limits, as Delve's value-typed field does);
ListTypes lists DWARF type names matching Filter.
"""

from __future__ import annotations

import re

from . import apiconv_vars
from .debugger.debugger import DebuggerError
from .protocol import api
from .protocol import methods as m
from .rpc_common import RPCBase


class VariableMethods(RPCBase):
    async def rpc_ListLocalVars(self, args: m.ListLocalVarsIn, setup_done: object) -> m.ListLocalVarsOut:
        return m.ListLocalVarsOut(Variables=await self._on_tracer(self._scope_vars, args.Scope, args.Cfg, False))

    async def rpc_ListFunctionArgs(self, args: m.ListFunctionArgsIn, setup_done: object) -> m.ListFunctionArgsOut:
        return m.ListFunctionArgsOut(Args=await self._on_tracer(self._scope_vars, args.Scope, args.Cfg, True))

    async def rpc_ListPackageVars(self, args: m.ListPackageVarsIn, setup_done: object) -> m.ListPackageVarsOut:
        return m.ListPackageVarsOut(Variables=await self._on_tracer(self._package_vars, args.Filter, args.Cfg))

    async def rpc_ListTypes(self, args: m.ListTypesIn, setup_done: object) -> m.ListTypesOut:
        return m.ListTypesOut(Types=await self._on_tracer(self._types, args.Filter))

    # -- on the tracer thread -------------------------------------------------

    def _scope_vars(self, scope: api.EvalScope, cfg: api.LoadConfig | None, want_args: bool) -> list[api.Variable]:
        dbg = self._dbg()
        sc = dbg.eval_scope(scope.GoroutineID, scope.Frame, scope.DeferredCall)
        lc = apiconv_vars.load_cfg(cfg or api.LoadConfig())
        vals = sc.args() if want_args else sc.locals()
        return [apiconv_vars.variable(sc.loader.load(v, lc)) for v in vals]

    def _frames_variables(self, gid: int, frames: range,
                          cfg: api.LoadConfig) -> list[tuple[list[api.Variable], list[api.Variable]]]:
        dbg = self._dbg()
        lc = apiconv_vars.load_cfg(cfg)
        out: list[tuple[list[api.Variable], list[api.Variable]]] = []
        for i in frames:
            try:
                sc = dbg.eval_scope(gid, i)
                local_vars = [apiconv_vars.variable(sc.loader.load(v, lc)) for v in sc.locals()]
                arg_vars = [apiconv_vars.variable(sc.loader.load(v, lc)) for v in sc.args()]
            except DebuggerError:
                local_vars, arg_vars = [], []  # no debug info (runtime assembly): Delve shows none
            out.append((local_vars, arg_vars))
        return out

    def _package_vars(self, filter_re: str, cfg: api.LoadConfig | None) -> list[api.Variable]:
        ctx = self._dbg().variables()
        try:
            vals = ctx.package_vars(filter_re)
        except re.error as e:
            raise DebuggerError(f"invalid filter argument: {e}") from e
        lc = apiconv_vars.load_cfg(cfg or api.LoadConfig())
        return [apiconv_vars.variable(ctx.loader.load(v, lc)) for v in vals]

    def _types(self, filter_re: str) -> list[str]:
        ctx = self._dbg().variables()
        try:
            rx = re.compile(filter_re) if filter_re else None
        except re.error as e:
            raise DebuggerError(f"invalid filter argument: {e}") from e
        return [n for n in ctx.types.names() if rx is None or rx.search(n)]
