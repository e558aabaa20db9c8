"""Work done while the target runs: the process's idle hook (native/process.py) and the engine's
warm-up (Engine, GoBinary.warm_up_layouts and warm_up_names) that reads what the first stop needs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import TESTDATA, marker_line, open_binary
from pydlv.binary.gobinary import GoBinary
from pydlv.debugger.engine import _FIRST_STOP, _THINK_TIME_ONLY, Engine
from pydlv.debugger.model import Breakpoint, BreakpointRequest
from pydlv.native.launch import launch_traced
from pydlv.native.process import StopKind, TracedProcess


def test_idle_work_runs_while_the_target_runs(basic_binary: Path) -> None:
    """Steps run between polls until they say they are done; the event still arrives."""
    binary = open_binary(basic_binary)
    addr = binary.function_breakpoint_pc(binary.function_named("main.add"))
    proc = TracedProcess(launch_traced([str(basic_binary)], str(basic_binary.parent)), launched=True)
    steps: list[int] = []

    def idle() -> bool:
        steps.append(1)
        return len(steps) < 5

    try:
        proc.breakpoints.insert(addr)
        proc.idle = idle
        event = proc.resume_until_event()
        assert event.kind is StopKind.BREAKPOINT and event.addr == addr
        # main sleeps 50 ms before calling add: time for all five steps, then a blocking wait.
        assert len(steps) == 5
        assert proc.idle is None
    finally:
        proc.kill()
        binary.close()


def _function(view: object) -> str:
    th = view.current_thread  # type: ignore[attr-defined]
    fn = th.loc.function if th is not None else None
    return fn.name if fn is not None else ""


def _launch(basic_binary: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("PYDLV_NO_CACHE", "1")  # everything read in this session
    binary = GoBinary.open(str(basic_binary))
    return Engine.launch(binary, [str(basic_binary)], str(basic_binary.parent))


def test_first_continue_warms_up(basic_binary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    eng = _launch(basic_binary, monkeypatch)
    binary = eng.t.binary
    try:
        assert "runtime.g" not in binary.dwarf_types._layouts
        eng.create_breakpoint(BreakpointRequest(Breakpoint(
            id=0, file=str(TESTDATA / "basic" / "main.go"), line=marker_line(TESTDATA / "basic" / "main.go", "BP-MAIN"))))
        view = eng.continue_()
        assert _function(view) == "main.main"
        # Read while main slept: what the stop needs, the layouts and GLayout, names (an
        # expression's first lookup) and the evaluator's modules, as far as 50 ms went ...
        assert {"runtime.g", "runtime.m", "runtime.gobuf", "runtime.stack"} <= set(binary.dwarf_types._layouts)
        assert eng.t.goroutines.runtime._layout is not None
        assert {"_inline_callers", "_by_path_suffix"} <= set(binary.__dict__)
        assert eng.t.proc.idle is None  # only for the length of a continue
        # ... but not the rest: a step beside a continue delays an event by up to its length
        # (iced-x86's import takes 10-18 ms).
        assert eng._warm_up is not None and "go_types" not in binary.__dict__
        # The rest while the target is stopped and the client thinks (the tracer thread's idle
        # hook calls this between jobs), in steps until it says it is done.
        while eng.idle_when_stopped():
            pass
        assert eng._warm_up is None
        assert {"pydlv.debugger.expressions", "pydlv.debugger.bpinfo", "pydlv.debugger.fncall.controller",
                "pydlv.native.emulate", "iced_x86"} <= set(sys.modules)
        assert {"_inline_callers", "_by_path_suffix"} <= set(binary.__dict__)
        types = binary.go_types
        assert types is not None and types._names is not None and "main.Point" in types._names
        assert not eng.idle_when_stopped()  # over
    finally:
        eng.detach(True)
        binary.close()


def test_a_failing_warm_up_costs_nothing(basic_binary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-up is a head start only: its failure is logged and the continue goes on."""
    eng = _launch(basic_binary, monkeypatch)
    binary = eng.t.binary

    def broken() -> object:
        yield
        raise RuntimeError("warm-up failure")

    eng._warm_up = broken()
    try:
        bp = eng.create_breakpoint(BreakpointRequest(Breakpoint(id=0, function_name="main.add")))
        view = eng.continue_()
        assert _function(view) == "main.add"
        assert view.current_thread.breakpoint is not None and view.current_thread.breakpoint.id == bp.id
        assert eng._warm_up is None
    finally:
        eng.detach(True)
        binary.close()


def _scripted_warm_up(basic_binary: Path, monkeypatch: pytest.MonkeyPatch, script: list[object],
                      steps_beside_the_continue: bool) -> list[list[str]]:
    """Run a warm-up of `script` (a name: a step that does that; a milestone: yielded as the real
    warm-up yields it) through two continues to main.add, then the client's think time: what
    was done after each of the three."""
    eng = _launch(basic_binary, monkeypatch)
    binary = eng.t.binary
    done: list[str] = []

    def scripted() -> object:
        for item in script:
            if isinstance(item, str):
                done.append(item)
                yield None
            else:
                yield item

    eng._warm_up = scripted()
    eng._continued = not steps_beside_the_continue  # as after a first continue: no steps beside
    seen = []
    try:
        eng.create_breakpoint(BreakpointRequest(Breakpoint(id=0, function_name="main.add")))
        for _ in range(2):
            assert _function(eng.continue_()) == "main.add"  # main sleeps 50 ms first: time for all
            seen.append(list(done))
        while eng.idle_when_stopped():
            pass
        seen.append(list(done))
        assert eng._warm_up is None
    finally:
        eng.detach(True)
        binary.close()
    return seen


def test_a_continue_leaves_the_rest_to_think_time(basic_binary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps beside a continue end before the long ones (_THINK_TIME_ONLY); later continues get
    none; the rest runs once the target is stopped and the client thinks."""
    script = ["first stop's needs", _FIRST_STOP, "evaluator", _THINK_TIME_ONLY, "calls", "types"]
    needs = ["first stop's needs", "evaluator"]
    assert _scripted_warm_up(basic_binary, monkeypatch, script, True) == [needs, needs, [*needs, "calls", "types"]]


def test_a_stop_finishes_what_a_stop_needs(basic_binary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that stops before the warm-up got to _FIRST_STOP (no steps beside this continue:
    cmd/go reaches main.main 9 ms after its start, making a thread every millisecond) has the
    steps up to it done by its stop, once, and no more."""
    script = ["location specs", "layouts", _FIRST_STOP, "evaluator", _THINK_TIME_ONLY, "types"]
    needs = ["location specs", "layouts"]
    assert _scripted_warm_up(basic_binary, monkeypatch, script, False) == [
        needs, needs, [*needs, "evaluator", "types"]]


def test_tracer_thread_idle_work_between_jobs() -> None:
    """TracerThread.set_idle: steps run once no job came for QUIET_BEFORE_IDLE, a job is served
    after at most the step under way, the work ends when a step says so (or fails), and jobs go
    on after it."""
    import threading
    import time

    from pydlv.native.tracer_thread import TracerThread

    tracer = TracerThread("test-idle")
    steps: list[float] = []
    gate = threading.Event()

    def step() -> bool:
        steps.append(time.monotonic())
        time.sleep(0.002)
        gate.set()
        return len(steps) < 50

    try:
        tracer.set_idle(step)
        assert gate.wait(5)
        t0 = time.monotonic()
        assert tracer.submit(lambda: threading.current_thread().name).result(5) == "test-idle"
        assert time.monotonic() - t0 < 0.5  # one step late at most, not after all fifty
        deadline = time.monotonic() + 5
        while len(steps) < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(steps) == 50
        assert tracer.submit(lambda: 42).result(5) == 42
        time.sleep(0.05)
        assert len(steps) == 50  # over: not called again

        def failing() -> bool:
            raise RuntimeError("a step that fails")

        tracer.set_idle(failing)
        deadline = time.monotonic() + 5
        while tracer._idle is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tracer._idle is None  # dropped (and logged), the thread alive
        assert tracer.submit(lambda: "still serving").result(5) == "still serving"
    finally:
        tracer.stop()
