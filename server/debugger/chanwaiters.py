"""Delve's EvalScope.ChanGoroutines: the goroutines parked on a channel (its sudogs in
hchan.recvq, then hchan.sendq), for ListGoroutines' channel filter. Tracer thread."""

from __future__ import annotations

from ..binary.gotypes import Kind
from ..goruntime.values import LOAD_SINGLE, Value, ValueLoader
from .eval import parse_expr
from .expressions import evaluator
from .target import Selection, Target


def _path(loader: ValueLoader, v: Value, *names: str) -> Value | None:
    """Delve's structField chain, dereferencing pointers on the way (its maybeDereference)."""
    for name in names:
        v = loader.deref(v)
        rt = v.real_type
        f = rt.field(name) if rt is not None and rt.kind != Kind.Pointer else None
        if f is None:
            return None
        v = loader.field(v, f)
    return v


def chan_goroutine_ids(t: Target, sel: Selection, goroutine_id: int, frame: int, deferred_call: int, expr: str,
                       start: int, count: int) -> list[int]:
    """Ids of the goroutines waiting on the channel `expr` evaluates to, skipping `start` of
    them; like Delve it stops once it holds more than `count`, so count+1 can come back.
    A value that is not a channel gives none; parse and evaluation errors are raised."""
    node = parse_expr(expr)
    ev = evaluator(t, sel, goroutine_id, frame, deferred_call)
    v = ev.eval(node)
    if not isinstance(v, Value) or v.kind != Kind.Chan:
        return []
    loader = t.variables.loader
    # A chan value is a *hchan: the typedef's target is that pointer type.
    chan_t = v.type.resolved() if v.type is not None else None
    ptr_t = chan_t.target.resolved() if chan_t is not None and chan_t.target is not None else None
    if ptr_t is None or ptr_t.kind != Kind.Pointer:
        return []
    hchan = loader.new("", v.addr, ptr_t, v.mem)
    ids: list[int] = []
    for queue in ("recvq", "sendq"):
        q = _path(loader, hchan, queue, "first")
        sudog = loader.deref(q) if q is not None else None
        while sudog is not None and sudog.addr != 0 and len(ids) <= count:
            goid = _path(loader, sudog, "g", "goid")
            if goid is None:
                break
            loader.load(goid, LOAD_SINGLE)
            if goid.unreadable:
                raise OSError(goid.unreadable)
            if start > 0:
                start -= 1
            else:
                ids.append(int(goid.value))
            nxt = _path(loader, sudog, "next")
            if nxt is None:
                break
            sudog = loader.deref(nxt)
    return ids
