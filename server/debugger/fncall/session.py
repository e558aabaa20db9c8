"""One `call EXPR` as a coroutine: the evaluator runs on a worker thread and hands every
injection it needs (string allocations, nested calls, the call itself) to the tracer
thread, which runs it through the ordinary continue loop and hands the outcome back.

Why a thread: the evaluator is recursive (`1 + add(add(1,2),3)`), and an injection can stop
at a user breakpoint halfway through an expression; the evaluation must then stay
suspended across RPCs until a later `continue` finishes that injection (Delve keeps its
evalStack for the same reason). Exactly one of the two threads runs at any time (strict
hand-off through the queues), so the worker may use the evaluator's memory access
(process_vm_readv/writev works from any thread) but never ptrace: every register access
and every injection start happens on the tracer thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from ...records import record
from .injection import CallOutcome, CallPlan


@record
class Inject:
    """The worker needs this call run; reply with its outcome."""

    plan: CallPlan


@record
class Done:
    """The expression is evaluated: `result` (any evaluator operand) or `error`."""

    result: object = None
    error: BaseException | None = None


class SessionCancelled(Exception):
    """Raised inside the worker when the session is abandoned (target killed, detach)."""


Request = Inject | Done


class CallSession:
    def __init__(self, work: Callable[[Callable[[CallPlan], CallOutcome]], object],
                 before_handoff: Callable[[], None] = lambda: None) -> None:
        self._work = work
        # Runs on the tracer thread before the worker gets control (e.g. cache registers:
        # the worker must never make a ptrace request).
        self._before_handoff = before_handoff
        self._to_tracer: queue.Queue[Request] = queue.Queue()
        self._to_worker: queue.Queue[CallOutcome | None] = queue.Queue()
        self.injections = 0  # how many injections ran (0: a `call` without any call in it)
        self._thread = threading.Thread(target=self._main, name="pydlv-call-eval", daemon=True)

    # ---- tracer side -------------------------------------------------------

    def start(self) -> Request:
        self._before_handoff()
        self._thread.start()
        return self._to_tracer.get()

    def resume(self, outcome: CallOutcome) -> Request:
        self._before_handoff()
        self._to_worker.put(outcome)
        return self._to_tracer.get()

    def cancel(self) -> None:
        if self._thread.is_alive():
            self._to_worker.put(None)

    # ---- worker side -------------------------------------------------------

    def _inject(self, plan: CallPlan) -> CallOutcome:
        self.injections += 1
        self._to_tracer.put(Inject(plan))
        outcome = self._to_worker.get()
        if outcome is None:
            raise SessionCancelled()
        return outcome

    def _main(self) -> None:
        try:
            result = self._work(self._inject)
        except SessionCancelled:
            return
        except BaseException as e:  # noqa: BLE001 - handed to the tracer thread, which raises it
            self._to_tracer.put(Done(error=e))
            return
        self._to_tracer.put(Done(result=result))
