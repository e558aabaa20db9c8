"""Expressions against the stopped target: Eval, Set and breakpoint conditions.

- `evaluator(dbg, goroutine_id, frame, deferred_call, cfg, call_hook)` -> eval.Evaluator in
  that frame (ConvertEvalScope's goroutine -1 = the selected goroutine; `runtime.curg` is
  that goroutine's g).
- `check_condition(text)`: CreateBreakpoint/AmendBreakpoint's syntax check (go/parser text).
- `condition_holds(dbg, cond, tid)`: Delve's evalBreakpointCondition in frame 0 of the
  thread's goroutine; an error counts as true (Delve stops to show it) and is returned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..binary.gotypes import Kind
from ..goruntime.values import LOAD_FULL, LoadCfg, Value
from .eval import ParseError, parse_expr
from .eval.constants import Constant, ConstKind
from .eval.evaluator import CallHook, EvalError, Evaluator
from .scope import ScopeError

if TYPE_CHECKING:
    from .debugger import Debugger


def evaluator(dbg: Debugger, goroutine_id: int, frame: int, deferred_call: int = 0,
              cfg: LoadCfg = LOAD_FULL, call_hook: CallHook | None = None) -> Evaluator:
    scope = dbg.eval_scope(goroutine_id, frame, deferred_call)
    gid = dbg.selected_goroutine if goroutine_id == -1 else goroutine_id
    g = dbg.goroutines.find(gid) if dbg.goroutines is not None and gid > 0 else None
    return Evaluator(scope, call_hook, g.addr if g is not None else 0, cfg)


def check_condition(text: str) -> None:
    """Raises ParseError (go/parser's message) when a breakpoint condition does not parse."""
    if text:
        parse_expr(text)


def condition_holds(dbg: Debugger, cond: str, tid: int) -> tuple[bool, str]:
    """(whether to stop, the evaluation error or "")."""
    if not cond:
        return True, ""
    try:
        node = parse_expr(cond)
        gid = dbg.goroutines.goroutine_id_of_thread(tid) if dbg.goroutines is not None else 0
        scope = dbg.variables().scope(gid, 0, 0, gid, tid)
        g = dbg.goroutines.find(gid) if dbg.goroutines is not None and gid > 0 else None
        r = Evaluator(scope, None, g.addr if g is not None else 0).eval(node)
    except (ParseError, EvalError, ScopeError, OSError) as e:
        return True, f"error evaluating expression: {e}"
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
