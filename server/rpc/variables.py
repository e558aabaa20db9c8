"""RPCServer methods about variables, expressions and types.

ListLocalVars / ListFunctionArgs / ListPackageVars load values under the request's
LoadConfig (an omitted Cfg decodes as all-zero limits, as Delve's value-typed field does);
ListTypes lists DWARF type names matching Filter. Eval: a null Cfg loads like Delve's
LoadFullValue; a result without a name (computed values, `*p`, constants) is named after the
expression text, as Delve's EvalExpression does. Function calls are refused there (`call`
goes through Command); Set writes scalars, bools, pointers (nil too) and copies of other
variables.
"""

from __future__ import annotations

from typing import Any

from ..protocol import api
from ..protocol import methods as m
from . import apiconv_vars
from .common import RPCBase


class VariableMethods(RPCBase):
    async def rpc_ListLocalVars(self, args: m.ListLocalVarsIn, _: Any) -> m.ListLocalVarsOut:
        return m.ListLocalVarsOut(Variables=await self._scope_vars(args.Scope, args.Cfg, False))

    async def rpc_ListFunctionArgs(self, args: m.ListFunctionArgsIn, _: Any) -> m.ListFunctionArgsOut:
        return m.ListFunctionArgsOut(Args=await self._scope_vars(args.Scope, args.Cfg, True))

    async def _scope_vars(self, scope: api.EvalScope, cfg: api.LoadConfig | None, want_args: bool) -> list[api.Variable]:
        vals = await self.dbg.scope_variables(scope.GoroutineID, scope.Frame, scope.DeferredCall,
                                              apiconv_vars.load_cfg(cfg or api.LoadConfig()), want_args)
        return [apiconv_vars.variable(v) for v in vals]

    async def rpc_ListPackageVars(self, args: m.ListPackageVarsIn, _: Any) -> m.ListPackageVarsOut:
        vals = await self.dbg.package_variables(args.Filter, apiconv_vars.load_cfg(args.Cfg or api.LoadConfig()))
        return m.ListPackageVarsOut(Variables=[apiconv_vars.variable(v) for v in vals])

    async def rpc_ListTypes(self, args: m.ListTypesIn, _: Any) -> m.ListTypesOut:
        return m.ListTypesOut(Types=await self.dbg.types(args.Filter))

    async def rpc_TypeInfo(self, args: m.TypeInfoIn, _: Any) -> m.TypeInfoOut:
        info = await self.dbg.type_info(args.Name)
        return m.TypeInfoOut(TypeInfo=api.TypeInfo(
            Kind=info.kind, Size=info.size, RealType=info.real_type,
            Fields=[api.TypeInfoField(n, t) for n, t in info.fields] or None,
            Methods=[api.TypeInfoMethod(n) for n in info.methods] or None))

    async def rpc_Eval(self, args: m.EvalIn, _: Any) -> m.EvalOut:
        sc = args.Scope
        r = await self.dbg.evaluate(sc.GoroutineID, sc.Frame, sc.DeferredCall, args.Expr,
                                    apiconv_vars.load_cfg(args.Cfg))
        return m.EvalOut(Variable=apiconv_vars.operand_variable(r, args.Expr))

    async def rpc_Set(self, args: m.SetIn, _: Any) -> m.SetOut:
        sc = args.Scope
        await self.dbg.set_variable(sc.GoroutineID, sc.Frame, sc.DeferredCall, args.Symbol, args.Value)
        return m.SetOut()
