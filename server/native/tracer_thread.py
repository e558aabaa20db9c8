"""The one OS thread that owns the inferior.

Linux accepts ptrace requests for a tracee only from the thread that attached
it, so every ptrace call, every waitpid and every memory access is a job run
here, in submission order. Callers on other threads get a concurrent Future (submit),
or name a function the thread calls with the outcome (post: what the asyncio side uses, its
outcome handed to the event loop with call_soon_threadsafe).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

_STOP = object()
log = logging.getLogger("pydlv.native")


@dataclass(frozen=True, slots=True)
class _Callback:
    """Where post() delivers a job's outcome."""

    done: Callable[[Any, BaseException | None], None]
    wanted: Callable[[], bool] | None


class TracerThread:
    def __init__(self, name: str = "pydlv-target") -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        fut: Future[T] = Future()
        self._jobs.put((fut, fn, args))
        return fut

    def post(self, fn: Callable[..., T], args: tuple[Any, ...],
             done: Callable[[T | None, BaseException | None], None],
             wanted: Callable[[], bool] | None = None) -> None:
        """Run fn(*args) here, then done(result, None) or done(None, error) on this thread.
        Lighter than submit (no Future, no lock, no condition to notify): the asyncio side hands
        every request over this way, and each hand-off is waited for. wanted(), asked when the
        job comes up, can drop a job whose caller has gone."""
        self._jobs.put((_Callback(done, wanted), fn, args))

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn on the tracer thread and wait (for non-async callers)."""
        if threading.current_thread() is self._thread:
            return fn(*args)
        return self.submit(fn, *args).result()

    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def stop(self, timeout: float | None = 10) -> None:
        self._jobs.put(_STOP)
        if not self.is_current():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is _STOP:
                return
            fut, fn, args = item
            if isinstance(fut, _Callback):
                self._run_posted(fut, fn, args)
                continue
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args))
            except BaseException as e:  # the thread must survive any job's failure
                fut.set_exception(e)

    @staticmethod
    def _run_posted(cb: _Callback, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        if cb.wanted is not None and not cb.wanted():
            return
        try:
            result = fn(*args)
        except BaseException as e:  # the thread must survive any job's failure
            outcome: tuple[Any, BaseException | None] = (None, e)
        else:
            outcome = (result, None)
        try:
            cb.done(*outcome)
        except Exception:
            log.exception("delivering a tracer job's outcome")
