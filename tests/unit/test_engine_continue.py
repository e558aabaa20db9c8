"""The continue loop's decisions (Engine.continue_) on a scripted fake process.

A real testdata/basic binary gives the engine its symbols, lines and runtime layout; the
process is a `FakeInferior` (fake_inferior.py) whose resumes return the stop events each
test scripts, so every branch of the loop is reached without ptrace or a running target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import TESTDATA, line_containing, open_binary
from fake_inferior import FakeInferior
from pydlv.binary.gobinary import GoBinary
from pydlv.debugger.engine import HARDCODED_BREAKPOINT, Engine
from pydlv.debugger.errors import ProcessExitedError
from pydlv.debugger.inferior import Inferior
from pydlv.debugger.model import FATAL_THROW_ID, UNRECOVERED_PANIC_ID, Breakpoint, BreakpointRequest
from pydlv.debugger.target import Target
from pydlv.goruntime.model import G_RUNNING
from pydlv.goruntime.tls import g_tls_offset
from pydlv.native.process import StopEvent, StopKind

PID = 4242
OTHER = 4243  # a second thread of the fake process


@pytest.fixture(scope="module")
def binary(basic_binary: Path) -> GoBinary:
    b = open_binary(basic_binary)
    assert isinstance(b, GoBinary)
    return b


@dataclass
class Rig:
    binary: GoBinary
    fake: FakeInferior
    engine: Engine

    def function_bp(self, name: str, cond: str = "", hit_cond: str = "", hit_cond_per_g: bool = False) -> Breakpoint:
        """A user breakpoint on a function, created as the RPC layer does."""
        bp = Breakpoint(id=0, function_name=name, cond=cond, hit_cond=hit_cond, hit_cond_per_g=hit_cond_per_g)
        return self.engine.create_breakpoint(BreakpointRequest(bp))

    def hit(self, bp: Breakpoint, tid: int = PID) -> StopEvent:
        return StopEvent(StopKind.BREAKPOINT, tid, addr=bp.addrs[0])

    def run_goroutine(self, tid: int, goid: int) -> None:
        """Make thread `tid` run goroutine `goid`: a g in fake memory, found through the
        thread's TLS slot as the runtime model reads it (so hit counts are per goroutine)."""
        rt = self.engine.t.goroutines.runtime
        layout = rt.layout
        gaddr = 0xC000000000 + goid * 0x1000
        fs_base = 0x7F0000000000 + tid * 0x10000
        self.fake.write_memory(gaddr + layout.goid.offset, goid.to_bytes(layout.goid.size, "little"))
        self.fake.write_memory(gaddr + layout.status.offset, G_RUNNING.to_bytes(layout.status.size, "little"))
        self.fake.write_memory(fs_base + g_tls_offset(self.binary.segments, self.binary.symbol_address),
                               gaddr.to_bytes(8, "little"))
        self.fake.threads[tid].regs.fs_base = fs_base


@pytest.fixture
def rig(binary: GoBinary) -> Rig:
    entry = binary.symbol_address("_rt0_amd64_linux")
    assert entry is not None
    fake = FakeInferior(pid=PID, tids=[OTHER], pc=entry)
    # Typed as the Protocol: mypy checks that the fake conforms to `Inferior`.
    proc: Inferior = fake
    engine = Engine(Target.of_process(binary, proc, [binary.path], str(Path(binary.path).parent), launched=True))
    return Rig(binary, fake, engine)


def _func_line(binary: GoBinary, name: str) -> tuple[int, int]:
    """(breakpoint pc, line) of a function as the resolver places a function breakpoint."""
    fn = binary.function_named(name)
    assert fn is not None
    pc = binary.function_breakpoint_pc(fn)
    return pc, binary.pc_to_line(pc)[1]


# ---- breakpoints ----------------------------------------------------------------


def test_breakpoint_hit_stops_and_counts(rig: Rig) -> None:
    add = rig.function_bp("main.add")
    greet = rig.function_bp("main.greet")
    rig.run_goroutine(OTHER, 7)
    rig.fake.script(rig.hit(greet, OTHER))

    st = rig.engine.continue_()

    assert st.stop_reason == "breakpoint"
    assert not st.exited
    assert rig.fake.resumes == 1
    cur = st.current_thread
    assert cur is not None
    assert cur.tid == OTHER
    assert cur.goroutine_id == 7
    assert cur.loc.pc == greet.addrs[0]
    assert cur.loc.function is not None and cur.loc.function.name == "main.greet"
    assert cur.breakpoint is greet
    assert st.selected_goroutine is not None and st.selected_goroutine.id == 7
    assert greet.total_hit_count == 1
    assert greet.hit_count == {7: 1}
    assert add.total_hit_count == 0 and add.hit_count == {}
    # The other thread did not stop at a breakpoint.
    assert st.threads is not None
    assert [(t.tid, t.breakpoint) for t in st.threads] == [(PID, None), (OTHER, greet)]
    # Told to step over the INT3 on the next resume; the INT3 itself stays.
    assert rig.fake.consumed == [(OTHER, greet.addrs[0])]
    assert rig.fake.threads[OTHER].consumed_breakpoint == greet.addrs[0]
    assert greet.addrs[0] in rig.fake.breakpoints


def test_hits_are_counted_per_goroutine(rig: Rig) -> None:
    add = rig.function_bp("main.add")
    rig.run_goroutine(PID, 1)
    rig.run_goroutine(OTHER, 7)
    rig.fake.script(rig.hit(add, PID), rig.hit(add, OTHER), rig.hit(add, PID))

    for _ in range(3):
        assert rig.engine.continue_().stop_reason == "breakpoint"

    assert add.total_hit_count == 3
    assert add.hit_count == {1: 2, 7: 1}
    # The resume after each stop stepped over the INT3 the stopped thread stood on.
    assert rig.fake.stepped_over == [(PID, add.addrs[0]), (OTHER, add.addrs[0])]


def test_trap_at_address_without_breakpoint_runs_on(rig: Rig) -> None:
    add = rig.function_bp("main.add")
    greet = rig.function_bp("main.greet")
    # A late trap of a breakpoint cleared since: no logical breakpoint there any more.
    stale = add.addrs[0]
    rig.engine.clear_breakpoint(add.id, "")
    rig.fake.script(StopEvent(StopKind.BREAKPOINT, PID, addr=stale), rig.hit(greet))

    st = rig.engine.continue_()

    assert rig.fake.resumes == 2
    assert st.stop_reason == "breakpoint"
    assert st.current_thread is not None and st.current_thread.breakpoint is greet
    assert add.total_hit_count == 0
    assert greet.total_hit_count == 1


def test_disabled_breakpoint_does_not_stop(rig: Rig) -> None:
    add = rig.function_bp("main.add")
    greet = rig.function_bp("main.greet")
    toggled = rig.engine.toggle_breakpoint(add.id, "")
    assert toggled is add and add.disabled
    assert add.addrs[0] not in rig.fake.breakpoints
    # A thread that trapped on it before it was disabled still reports the hit.
    rig.fake.script(rig.hit(add), rig.hit(greet))

    st = rig.engine.continue_()

    assert rig.fake.resumes == 2
    assert st.current_thread is not None and st.current_thread.breakpoint is greet
    assert add.total_hit_count == 0 and add.hit_count == {}

    # Enabled again, it stops.
    rig.engine.toggle_breakpoint(add.id, "")
    assert not add.disabled
    assert add.addrs[0] in rig.fake.breakpoints
    rig.fake.script(rig.hit(add))
    st = rig.engine.continue_()
    assert st.current_thread is not None and st.current_thread.breakpoint is add
    assert add.total_hit_count == 1


@pytest.mark.parametrize(("hit_cond", "stops_at", "counted"), [("== 2", [2], 2), (">= 3", [3, 4], 4),
                                                             ("% 2", [2, 4], 4)])
def test_hit_condition(rig: Rig, hit_cond: str, stops_at: list[int], counted: int) -> None:
    add = rig.function_bp("main.add", hit_cond=hit_cond)
    # Four hits, then a halt to end the last continue.
    rig.fake.script(*[rig.hit(add)] * 4, StopEvent(StopKind.MANUAL, PID))

    stopped = []
    while True:
        st = rig.engine.continue_()
        if st.stop_reason == "manual":
            break
        assert st.stop_reason == "breakpoint"
        assert st.current_thread is not None and st.current_thread.breakpoint is add
        stopped.append(add.total_hit_count)

    assert stopped == stops_at
    # Every hit counts, those that did not stop too; once `== 2` can never hold again the
    # breakpoint loses its INT3 (Delve 1.27), so the later scripted traps are strays.
    assert add.total_hit_count == counted
    assert add.unsatisfiable == (counted == 2)
    assert (add.addrs[0] in rig.fake.breakpoints) == (counted != 2)
    assert rig.fake.resumes == 5


def test_hit_condition_per_goroutine(rig: Rig) -> None:
    add = rig.function_bp("main.add", hit_cond="== 2", hit_cond_per_g=True)
    rig.run_goroutine(PID, 1)
    rig.run_goroutine(OTHER, 7)
    # Totals 1, 2, 3: only the third hit is some goroutine's (g 1's) second.
    rig.fake.script(rig.hit(add, PID), rig.hit(add, OTHER), rig.hit(add, PID))

    st = rig.engine.continue_()

    assert rig.fake.resumes == 3
    assert st.current_thread is not None
    assert st.current_thread.tid == PID and st.current_thread.goroutine_id == 1
    assert add.hit_count == {1: 2, 7: 1}


def test_condition_false_does_not_stop_or_count(rig: Rig) -> None:
    add = rig.function_bp("main.add", cond="1 == 2")
    greet = rig.function_bp("main.greet", cond="1 == 1")
    rig.fake.script(rig.hit(add), rig.hit(greet))

    st = rig.engine.continue_()

    assert rig.fake.resumes == 2
    assert st.current_thread is not None and st.current_thread.breakpoint is greet
    assert add.total_hit_count == 0
    assert greet.total_hit_count == 1


# ---- other stops ----------------------------------------------------------------


def test_manual_stop(rig: Rig) -> None:
    rig.function_bp("main.add")
    rig.fake.script(StopEvent(StopKind.MANUAL, OTHER))

    st = rig.engine.continue_()

    assert st.stop_reason == "manual"
    assert st.current_thread is not None
    assert st.current_thread.tid == OTHER
    assert st.current_thread.breakpoint is None
    assert rig.fake.consumed == []


def test_halt_before_continue_stops_manual(rig: Rig) -> None:
    rig.engine.halt()  # the request reaches the process before the resume
    st = rig.engine.continue_()
    assert st.stop_reason == "manual"
    assert rig.fake.resumes == 1
    assert rig.fake.events == []


def test_foreign_trap_is_hardcoded_breakpoint(rig: Rig) -> None:
    add = rig.function_bp("main.add")
    # runtime.Breakpoint() in main.main: the thread stands after an INT3 that is not ours.
    main_pc, _ = _func_line(rig.binary, "main.main")
    rig.fake.threads[OTHER].regs.rip = main_pc + 1
    rig.fake.script(StopEvent(StopKind.TRAP, OTHER))

    st = rig.engine.continue_()

    assert st.stop_reason == "hardcoded breakpoint"
    assert st.current_thread is not None
    assert st.current_thread.tid == OTHER
    # Delve shows its hardcoded-breakpoint (id 0, disabled) on the thread.
    assert st.current_thread.breakpoint is HARDCODED_BREAKPOINT
    assert st.current_thread.loc.function is not None
    assert st.current_thread.loc.function.name == "main.main"
    assert rig.fake.consumed == []
    assert add.total_hit_count == 0


def test_exit(rig: Rig) -> None:
    rig.function_bp("main.add")
    rig.fake.script(StopEvent(StopKind.EXITED, exit_status=3))

    st = rig.engine.continue_()

    assert st.exited
    assert st.exit_status == 3
    assert st.pid == PID
    assert rig.engine.t.exited

    # Whatever asks next hears that the process is gone, as Delve says it.
    message = f"Process {PID} has exited with status 3"
    calls = []
    with pytest.raises(ProcessExitedError, match=message):
        rig.engine.continue_(lambda: calls.append(1))
    assert calls == []  # refused before resuming: nothing to tell the client
    with pytest.raises(ProcessExitedError, match=message):
        rig.engine.state()
    assert rig.fake.resumes == 1


# ---- resume notification --------------------------------------------------------


def test_on_resumed_once_per_continue(rig: Rig) -> None:
    add = rig.function_bp("main.add", hit_cond="== 3")
    greet = rig.function_bp("main.greet", cond="1 == 2")
    # Four events the loop runs on (add's first two hits, a false condition, a stray trap),
    # then add's third hit; then a halt for the second continue.
    rig.fake.script(rig.hit(add), rig.hit(greet), StopEvent(StopKind.BREAKPOINT, PID, addr=0x1234),
                    rig.hit(add), rig.hit(add), StopEvent(StopKind.MANUAL, PID))
    at_resume: list[int] = []

    def on_resumed() -> None:
        at_resume.append(rig.fake.resumes)

    st = rig.engine.continue_(on_resumed)

    assert st.current_thread is not None and st.current_thread.breakpoint is add
    assert rig.fake.resumes == 5
    assert at_resume == [0]  # once, before the first resume

    assert rig.engine.continue_(on_resumed).stop_reason == "manual"
    assert at_resume == [0, 5]


# ---- creating and clearing ------------------------------------------------------


def test_create_and_clear_function_breakpoint(rig: Rig) -> None:
    internal = {a for b in rig.engine.list_breakpoints() for a in b.addrs}
    assert {b.id for b in rig.engine.list_breakpoints()} <= {UNRECOVERED_PANIC_ID, FATAL_THROW_ID}
    assert rig.fake.breakpoints.addrs == internal
    pc, line = _func_line(rig.binary, "main.add")
    fn = rig.binary.function_named("main.add")
    assert fn is not None and fn.entry <= pc < fn.end

    bp = rig.function_bp("main.add")

    assert bp.id == 1
    assert bp.addrs == [pc]
    assert bp.function_name == "main.add"
    assert bp.file == str(TESTDATA / "basic" / "main.go")
    assert bp.line == line == line_containing(TESTDATA / "basic" / "main.go", "func add(")
    assert rig.fake.breakpoints.addrs == internal | {pc}
    assert rig.fake.breakpoints.history[-1] == ("insert", pc)
    assert rig.engine.find_breakpoint(1, "") is bp

    cleared = rig.engine.clear_breakpoint(bp.id, "")

    assert cleared is bp
    assert pc not in rig.fake.breakpoints
    assert rig.fake.breakpoints.addrs == internal
    assert rig.fake.breakpoints.history[-1] == ("remove", pc)
    assert bp not in rig.engine.list_breakpoints()
