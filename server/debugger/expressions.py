"""Expressions against the stopped target: Eval, Set and breakpoint conditions.

- `eval_scope(t, sel, goroutine_id, frame, deferred_call)`: Delve's ConvertEvalScope
  (goroutine -1 = the selected goroutine).
- `evaluator(t, sel, goroutine_id, frame, deferred_call, cfg, call_hook)` -> eval.Evaluator in
  that frame (`runtime.curg` is that goroutine's g).
- `evaluate(t, sel, ...)`: Delve's EvalExpression: the result loaded under `cfg`, a Value
  without a name named after the expression text. Calls are refused (`call` goes elsewhere).
- `set_variable(t, sel, ...)`: Delve's SetVariable.
- `condition_holds(t, cond, tid)`: Delve's evalBreakpointCondition in frame 0 of the
  thread's goroutine; an error counts as true (Delve stops to show it) and is returned.
"""

from __future__ import annotations

from functools import lru_cache

from ..binary.gotypes import Kind
from ..errors import error_text
from ..goruntime.values import LOAD_FULL, LoadCfg, Value
from .eval import Expr, ParseError
from .eval.constants import Constant, ConstKind
from .eval.evaluator import CallHook, EvalError, Evaluator, Operand
from .eval.parser import parse_expr_cached
from .scope import EvalScope, ScopeError
from .target import Selection, Target


@lru_cache(maxsize=256)
def _parsed_condition(cond: str) -> tuple[Expr, dict[int, Constant | None]]:
    """A breakpoint's condition, parsed once (it is evaluated at every hit; the evaluator never
    changes the tree it is given), with the memo of its constant folding (Evaluator's folded)."""
    return parse_expr_cached(cond), {}


def eval_scope(t: Target, sel: Selection, goroutine_id: int, frame: int, deferred_call: int = 0) -> EvalScope:
    return t.variables.scope(goroutine_id, frame, deferred_call, sel.goroutine, sel.current_tid)


def evaluator(t: Target, sel: Selection, goroutine_id: int, frame: int, deferred_call: int = 0,
              cfg: LoadCfg = LOAD_FULL, call_hook: CallHook | None = None) -> Evaluator:
    scope = eval_scope(t, sel, goroutine_id, frame, deferred_call)
    gid = sel.goroutine if goroutine_id == -1 else goroutine_id
    g = t.goroutines.find(gid) if gid > 0 else None
    return Evaluator(scope, call_hook, g.addr if g is not None else 0, cfg)


def evaluate(t: Target, sel: Selection, goroutine_id: int, frame: int, deferred_call: int, expr: str,
             cfg: LoadCfg) -> Operand:
    """The value of `expr` (a loaded Value, a Constant, or None for nil)."""
    ev = evaluator(t, sel, goroutine_id, frame, deferred_call, cfg)
    r = ev.eval_text(expr)
    if isinstance(r, Value):
        ev.loader.load(r, cfg)
        if not r.name:
            r.name = expr
    return r


def set_variable(t: Target, sel: Selection, goroutine_id: int, frame: int, deferred_call: int, symbol: str,
                 value: str) -> None:
    evaluator(t, sel, goroutine_id, frame, deferred_call).set_variable(symbol, value)


def condition_holds(t: Target, cond: str, tid: int) -> tuple[bool, str]:
    """(whether to stop, the evaluation error or "")."""
    if not cond:
        return True, ""
    try:
        node, folded = _parsed_condition(cond)
        # Frame 0 of the thread, from its registers (Delve's GoroutineScope takes the frames of
        # the thread too). The goroutine is read only for `runtime.curg`: a false condition's
        # cost is paid at every hit.
        scope = t.variables.scope(0, 0, 0, 0, tid)
        g = t.goroutines.of_thread(tid) if "curg" in cond else None
        r = Evaluator(scope, None, g.addr if g is not None else 0, folded=folded).eval(node)
    except (ParseError, EvalError, ScopeError, OSError) as e:
        return True, f"error evaluating expression: {error_text(e)}"
    if isinstance(r, Constant):
        if r.kind is not ConstKind.BOOL:
            return True, "condition expression not boolean"
        return bool(r.value), ""
    if not isinstance(r, Value) or r.kind != Kind.Bool:
        return True, "condition expression not boolean"
    scope.loader.load(r, LOAD_FULL)
    if r.unreadable:
        return True, f"condition expression unreadable: {r.unreadable}"
    return bool(r.value), ""


def thread_ints(t: Target, tid: int, exprs: tuple[str, ...]) -> tuple[int, ...] | None:
    """Integer expressions in frame 0 of what thread `tid` runs (Delve's ThreadScope, the
    runtime's own variables included); None if one of them cannot be read."""
    try:
        gid = t.goroutines.goroutine_id_of_thread(tid)
        scope = t.variables.scope(gid, 0, 0, gid, tid)
        ev = Evaluator(scope)
        out = []
        for e in exprs:
            r = ev.eval_text(e)
            if not isinstance(r, Value):
                return None
            scope.loader.load(r, LOAD_FULL)
            if r.unreadable or not isinstance(r.value, int):
                return None
            out.append(r.value)
    except (ParseError, EvalError, ScopeError, OSError):
        return None
    return tuple(out)
