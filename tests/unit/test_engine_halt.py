"""A halt that loses its race to a breakpoint hit, on a real traced program: it ends with the
command that reported the hit (Delve's Continue clears its manual-stop request on return), so the
next continue runs to the next hit instead of stopping at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydlv.binary.gobinary import GoBinary
from pydlv.debugger.engine import Engine
from pydlv.debugger.model import Breakpoint, BreakpointRequest


def test_a_halt_that_lost_to_a_hit_ends_with_that_command(basic_binary: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    binary = GoBinary.open(str(basic_binary))
    eng = Engine.launch(binary, [str(basic_binary)], str(basic_binary.parent))
    asked = eng._breakpoint_filter

    def halt_then_ask(pid: int, tid: int, addr: int) -> bool:
        # The user pauses just as the target traps: the halt (flag and SIGSTOP) comes while the
        # hit is being decided, the world not stopped yet.
        eng.halt()
        return asked(pid, tid, addr)

    try:
        bp = eng.create_breakpoint(BreakpointRequest(Breakpoint(id=0, function_name="main.add")))
        eng.t.proc.set_breakpoint_filter(halt_then_ask)
        view = eng.continue_()
        assert eng.stop_reason == "breakpoint"
        assert view.current_thread is not None and view.current_thread.breakpoint is not None
        assert view.current_thread.breakpoint.id == bp.id
        eng.t.proc.set_breakpoint_filter(asked)
        view = eng.continue_()  # runs on to the next call of add, no manual stop at once
        assert eng.stop_reason == "breakpoint", eng.stop_reason
        assert eng.t.breakpoints.at(bp.addrs[0], eng.t.pid).total_hit_count == 2
    finally:
        eng.detach(True)
        binary.close()
