"""RPCServer.Eval and RPCServer.Set.

Eval: a null Cfg loads like Delve's LoadFullValue; a result without a name (computed values,
`*p`, constants) is named after the expression text, as Delve's EvalExpression does.
Function calls are refused here (`call` goes through Command); Set writes scalars, bools,
pointers (nil too) and copies of other variables.
"""

from __future__ import annotations

from . import apiconv_vars
from .binary.gotypes import Kind
from .debugger import expressions
from .debugger.debugger import DebuggerError
from .debugger.eval import ParseError, constant_variable
from .debugger.eval.constants import Constant
from .debugger.eval.evaluator import EvalError, Operand
from .goruntime.values import Value
from .protocol import api
from .protocol import methods as m
from .rpc_common import RPCBase


class EvalMethods(RPCBase):
    async def rpc_Eval(self, args: m.EvalIn, setup_done: object) -> m.EvalOut:
        return m.EvalOut(Variable=await self._on_tracer(self._eval, args.Scope, args.Expr, args.Cfg))

    async def rpc_Set(self, args: m.SetIn, setup_done: object) -> m.SetOut:
        await self._on_tracer(self._set, args.Scope, args.Symbol, args.Value)
        return m.SetOut()

    # -- on the tracer thread -------------------------------------------------

    def _eval(self, scope: api.EvalScope, expr: str, cfg: api.LoadConfig | None) -> api.Variable:
        lc = apiconv_vars.load_cfg(cfg)
        ev = expressions.evaluator(self._dbg(), scope.GoroutineID, scope.Frame, scope.DeferredCall, lc)
        try:
            r = ev.eval_text(expr)
        except (EvalError, ParseError) as e:
            raise DebuggerError(str(e)) from None
        return operand_variable(r, expr, ev.loader.load, lc)

    def _set(self, scope: api.EvalScope, symbol: str, value: str) -> None:
        ev = expressions.evaluator(self._dbg(), scope.GoroutineID, scope.Frame, scope.DeferredCall)
        try:
            ev.set_variable(symbol, value)
        except (EvalError, ParseError) as e:
            raise DebuggerError(str(e)) from None


def operand_variable(r: Operand, expr: str, load, cfg) -> api.Variable:  # noqa: ANN001 - loader.load, LoadCfg
    """An evaluation result as api.Variable (constants as Delve's newConstant)."""
    if isinstance(r, Value):
        load(r, cfg)
        if not r.name:
            r.name = expr
        return apiconv_vars.variable(r)
    if isinstance(r, Constant):
        c = constant_variable(r)
        children = [api.Variable(name=name, kind=int(kind), value=val, children=[]) for name, kind, val in c.children]
        return api.Variable(name=expr, kind=int(c.kind), value=c.value, len=c.len, flags=c.flags, children=children)
    # Delve's nilVariable
    return api.Variable(name="nil", kind=int(Kind.Pointer), children=[api.Variable(onlyAddr=True, children=[])])
