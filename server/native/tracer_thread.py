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
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from ..records import record

T = TypeVar("T")

_STOP = object()
_WAKE = object()  # set_idle's: a thread blocked for jobs looks at its idle work again
# Idle work starts only after this long without a job: a client's burst of requests (each sent
# when the previous answer is read) must not wait for a step between two of them.
QUIET_BEFORE_IDLE = 0.02
log = logging.getLogger("pydlv.native")


@record(frozen=True, slots=True)
class _Callback:
    """Where post() delivers a job's outcome."""

    done: Callable[[Any, BaseException | None], None]
    wanted: Callable[[], bool] | None


class TracerThread:
    def __init__(self, name: str = "pydlv-target") -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._idle: Callable[[], bool] | None = None
        self._last_job = 0.0  # monotonic time the last job ended
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

    def set_idle(self, step: Callable[[], bool] | None) -> None:
        """Background work for the time the thread has no job: step() is called, between jobs,
        until it returns False. A step must be short: a job submitted meanwhile waits for it."""
        self._idle = step
        if step is not None and not self.is_current():
            self._jobs.put(_WAKE)

    def stop(self, timeout: float | None = 10) -> None:
        self._jobs.put(_STOP)
        if not self.is_current():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            if self._idle is None:
                item = self._jobs.get()
            else:
                quiet = self._last_job + QUIET_BEFORE_IDLE - time.monotonic()
                try:
                    item = self._jobs.get(timeout=quiet) if quiet > 0 else self._jobs.get_nowait()
                except queue.Empty:
                    self._idle_step()
                    continue
            if item is _STOP:
                return
            if item is _WAKE:
                continue
            fut, fn, args = item
            if isinstance(fut, _Callback):
                self._run_posted(fut, fn, args)
            elif fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(*args))
                except BaseException as e:  # the thread must survive any job's failure
                    fut.set_exception(e)
            self._last_job = time.monotonic()

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

    def _idle_step(self) -> None:
        step = self._idle
        try:
            more = step is not None and step()
        except Exception:  # background work must not end the thread
            log.debug("idle work stopped", exc_info=True)
            more = False
        if not more and self._idle is step:
            self._idle = None
