"""The runtime model against a real stopped process: testdata/basic at BP-ADD
(main.add called from main.loop), four workers parked on a channel receive."""

from __future__ import annotations

from pathlib import Path

from conftest import TESTDATA, Stop, StoppedBasic, line_containing, marker_line, open_binary, stopped_at
from pydlv.goruntime.goroutines import GoRuntime, is_user_function
from pydlv.goruntime.model import G_RUNNING, G_WAITING


def _runtime(s: StoppedBasic) -> GoRuntime:
    return GoRuntime(s.binary, s.stop.proc.read_memory)


def _name(loc) -> str:
    return loc.function.name if loc.function else ""


def test_thread_goroutine_is_main(stopped_basic: StoppedBasic) -> None:
    rt = _runtime(stopped_basic)
    tid = stopped_basic.stop.tid
    regs = stopped_basic.stop.proc.regs(tid)
    gaddr = rt.g_of_thread(regs)
    assert gaddr != 0
    # In Go code under the register ABI, R14 holds the same g as TLS.
    assert gaddr == regs.r14
    g = rt.thread_goroutine(tid, regs)
    assert g is not None
    assert g.id == 1
    assert g.status == G_RUNNING
    assert g.thread_id == tid
    assert not g.system_stack
    assert g.stack_lo <= regs.rsp < g.stack_hi


def test_main_goroutine_locations(stopped_basic: StoppedBasic) -> None:
    rt = _runtime(stopped_basic)
    tid = stopped_basic.stop.tid
    g = rt.thread_goroutine(tid, stopped_basic.stop.proc.regs(tid))
    assert g is not None
    locs = rt.locations(g)
    assert _name(locs.current) == "main.add"
    assert locs.current.pc == stopped_basic.stop.proc.regs(tid).rip
    assert locs.current.file.endswith("testdata/basic/main.go")
    assert _name(locs.user_current) == "main.add"
    assert _name(locs.start) == "runtime.main"
    assert locs.start.pc == locs.start.function.entry
    # The main goroutine is created by the runtime's own newproc call (rt0_go).
    assert _name(locs.go_statement) == "runtime.newproc"
    assert locs.go_statement.pc == g.gopc


def test_main_goroutine_frames(stopped_basic: StoppedBasic) -> None:
    rt = _runtime(stopped_basic)
    tid = stopped_basic.stop.tid
    g = rt.thread_goroutine(tid, stopped_basic.stop.proc.regs(tid))
    assert g is not None
    frames = rt.goroutine_frames(g)
    assert [_name(f.location) for f in frames] == [
        "main.add", "main.loop", "main.main", "runtime.main", "runtime.goexit"]
    src = TESTDATA / "basic" / "main.go"
    assert frames[0].location.file.endswith("testdata/basic/main.go")
    assert frames[0].location.line == marker_line(src, "BP-ADD")
    # Caller frames report the CALL's line (pc-1), not the return address's.
    assert frames[1].location.line == marker_line(src, "BP-LOOP")
    for inner, outer in zip(frames, frames[1:], strict=False):
        assert outer.sp == inner.cfa  # the caller's sp is the callee's CFA
        assert outer.pc == int.from_bytes(stopped_basic.stop.proc.read_memory(inner.cfa - 8, 8), "little")
    # The same unwinding from raw registers.
    regs = stopped_basic.stop.proc.regs(tid)
    raw = rt.frames(regs.rip, regs.rsp, regs.rbp, max_depth=3)
    assert [_name(f.location) for f in raw] == ["main.add", "main.loop", "main.main"]


def test_all_goroutines(stopped_basic: StoppedBasic) -> None:
    rt = _runtime(stopped_basic)
    gs = rt.all_goroutines(stopped_basic.stop.thread_regs())
    ids = [g.id for g in gs]
    assert len(ids) == len(set(ids))
    assert all(g.status != 6 for g in gs)  # dead g's are left out, as Delve does
    main = next(g for g in gs if g.id == 1)
    assert main.thread_id == stopped_basic.stop.tid
    assert _name(rt.current_loc(main)) == "main.add"

    workers = [g for g in gs if _name(rt.user_current_loc(g)) == "main.worker"]
    assert len(workers) == 4
    for w in workers:
        locs = rt.locations(w)
        assert w.status == G_WAITING
        assert w.thread_id == 0
        assert _name(locs.current) == "runtime.gopark"
        # startpc is the go-statement wrapper: Delve reports the function it calls.
        assert _name(locs.start) == "main.worker"
        assert _name(locs.go_statement) == "main.main"
        assert locs.user_current.line == locs.start.line + 2  # v := <-ch
        frames = rt.goroutine_frames(w)
        assert _name(frames[-1].location) == "runtime.goexit"
        assert "main.worker" in [_name(f.location) for f in frames]

    # Runtime goroutines have no user frame: userCurrentLoc falls back to currentLoc.
    system = [g for g in gs if _name(rt.start_loc(g)).startswith("runtime.") and g.id != 1]
    assert system
    for g in system:
        assert rt.user_current_loc(g) == rt.current_loc(g)


def test_user_function_rule() -> None:
    assert is_user_function("main.main")
    assert is_user_function("runtime.Gosched")  # exported runtime functions count as user code
    assert not is_user_function("runtime.gopark")
    assert not is_user_function("internal/poll.(*FD).Read")
    assert not is_user_function("runtime/internal/atomic.Load")
    assert not is_user_function("iter.Pull.func1")
    assert is_user_function("net/http.(*Server).Serve")


def test_system_stack_switch(basic_binary: Path) -> None:
    """A thread in runtime.newproc1 runs on g0 (runtime.systemstack): its goroutine is
    m.curg and the unwinding crosses from the system stack to the goroutine stack."""
    binary = open_binary(basic_binary)

    def from_main_main(stop: Stop) -> bool:
        rt = GoRuntime(binary, stop.proc.read_memory)
        g = rt.thread_goroutine(stop.tid, stop.proc.regs(stop.tid))
        if g is None or g.id != 1:
            return False
        return "main.main" in [_name(f.location) for f in rt.goroutine_frames(g)]

    try:
        with stopped_at(basic_binary, binary.symbol_address("runtime.newproc1"), accept=from_main_main) as stop:
            rt = GoRuntime(binary, stop.proc.read_memory)
            regs = stop.proc.regs(stop.tid)
            g = rt.thread_goroutine(stop.tid, regs)
            assert g is not None and g.id == 1 and g.system_stack
            assert rt.g_of_thread(regs) != g.addr  # TLS holds g0 here
            frames = rt.goroutine_frames(g)
            names = [_name(f.location) for f in frames]
            assert names[0] == "runtime.newproc1"
            assert "runtime.systemstack" in names
            switch = names.index("runtime.systemstack") + 1
            assert frames[switch - 1].system_stack and not frames[switch].system_stack
            assert names[switch:] == ["runtime.systemstack_switch", "runtime.newproc", "main.main",
                                      "runtime.main", "runtime.goexit"]
            assert g.stack_lo <= frames[switch].sp < g.stack_hi
            # No user frame above main.main: Delve's userCurrentLoc is the go statement's frame.
            user = rt.user_current_loc(g)
            assert _name(user) == "main.main"
            assert user.line == line_containing(TESTDATA / "basic" / "main.go", "go worker(")
    finally:
        binary.close()


def test_g_decoded_in_one_unpack_as_field_by_field(stopped_basic: StoppedBasic) -> None:
    """GLayout.decode's one-struct-format path reads what the per-field path reads."""
    import dataclasses

    rt = _runtime(stopped_basic)
    layout = rt.layout
    assert layout._unpack is not None  # every supported Go's g fits a struct format
    slow = dataclasses.replace(layout)
    object.__setattr__(slow, "_unpack", None)
    gs = rt.all_goroutines(stopped_basic.stop.thread_regs(), keep_dead=True)
    assert len(gs) > 4
    for g in gs:
        raw = stopped_basic.stop.proc.read_memory(g.addr, layout.size)
        assert layout.decode(g.addr, raw) == slow.decode(g.addr, raw)
        assert layout.decode(g.addr, b"\xff" * 8 + raw, 8) == slow.decode(g.addr, b"\xff" * 8 + raw, 8)
