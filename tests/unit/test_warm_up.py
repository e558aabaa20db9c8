"""Work done while the target runs: the process's idle hook (native/process.py) and the engine's
warm-up (Engine, GoBinary.warm_up_layouts and warm_up_names) that reads what the first stop needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TESTDATA, marker_line, open_binary
from pydlv.binary.gobinary import GoBinary
from pydlv.debugger.engine import Engine
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
        # Read while main slept: the layouts, the inline callers, the name indexes, GLayout.
        assert eng._warm_up is None
        assert {"runtime.g", "runtime.m", "runtime.gobuf", "runtime.stack"} <= set(binary.dwarf_types._layouts)
        assert {"_inline_callers", "_by_path_suffix"} <= set(binary.__dict__)
        assert eng.t.goroutines.runtime._layout is not None
        assert eng.t.proc.idle is None  # only for the length of a continue
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
