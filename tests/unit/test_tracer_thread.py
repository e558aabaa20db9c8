"""TracerThread.post: jobs in order on the one thread, outcomes through the callback."""

from __future__ import annotations

import threading
from typing import Any

from pydlv.native.tracer_thread import TracerThread


def test_post_delivers_results_errors_and_skips_unwanted_jobs() -> None:
    t = TracerThread(name="test-tracer")
    got: list[tuple[str, Any, BaseException | None]] = []
    done = threading.Event()
    try:
        gate = threading.Event()
        t.post(gate.wait, (5,), lambda r, e: None)  # hold the queue until every job is posted

        def record(tag: str) -> Any:
            return lambda r, e: got.append((tag, r, e))

        t.post(lambda: threading.current_thread().name, (), record("name"))
        t.post(lambda x: x * 2, (21,), record("double"))
        t.post(lambda: 1 / 0, (), record("error"))
        t.post(lambda: got.append(("ran", None, None)), (), record("unwanted"), wanted=lambda: False)
        t.post(lambda: None, (), lambda r, e: 1 / 0)  # a failing callback must not end the thread
        t.post(lambda: "still here", (), lambda r, e: (got.append(("last", r, e)), done.set()))
        gate.set()
        assert done.wait(5)
        assert [g[0] for g in got] == ["name", "double", "error", "last"]
        assert got[0][1] == "test-tracer" and got[1][1] == 42 and got[3][1] == "still here"
        assert isinstance(got[2][2], ZeroDivisionError) and got[2][1] is None
        assert t.submit(lambda: "submit too").result(5) == "submit too"
    finally:
        t.stop()
