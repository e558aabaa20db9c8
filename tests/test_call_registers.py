"""Every register of the calling thread (general, flags, fs_base and the whole XSAVE area,
so YMM upper halves too) is bit for bit what it was before an injected call. Driven at the
debugger layer, on this test's own thread (the one that seizes the target, as ptrace wants)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gotoolchains import TESTDATA, GoToolchain, marker_line
from pydlv.binary.gobinary import GoBinary
from pydlv.debugger.engine import Engine
from pydlv.debugger.fncall.regfile import RegisterSnapshot
from pydlv.debugger.model import Breakpoint, BreakpointRequest


def test_registers_bit_for_bit(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path]) -> None:
    exe = str(build_go("calls", go))
    dbg = Engine.launch(GoBinary.open(exe), [exe], str(TESTDATA / "calls"))
    try:
        line = marker_line("calls", "BP-MAIN")
        dbg.create_breakpoint(BreakpointRequest(Breakpoint(0, file=str(TESTDATA / "calls" / "main.go"), line=line)))
        state = dbg.continue_()
        assert state.stop_reason == "breakpoint"
        tid = dbg.sel.current_tid
        before = RegisterSnapshot.take(dbg.t.proc, tid)
        for expr in ("fn(1, 2.5)", "mixed(-3, 500, 1.25, true, 1099511627776, 7)", "boomInt(1)"):
            after_state = dbg.call(expr, 0)
            assert after_state.stop_reason == "call returned"
            assert dbg.sel.current_tid == tid
            after = RegisterSnapshot.take(dbg.t.proc, tid)
            assert bytes(after.gp) == bytes(before.gp), expr
            assert after.xstate == before.xstate, expr
    finally:
        dbg.kill()
