"""`call` through pydlv's RPC: injected function calls over the runtime's debugCall protocol,
on Go 1.19 and the newest Go (smoke: `call add(2,3)` on every installed Go).

Mirrors the runtime's debug_test.go with testdata/calls (int/float args and results, a
large frame, GC and stack growth inside the call, a panic, an unsafe point) and Delve
1.27's replies for testdata/basic (transcript seq 97-114).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import (
    LOAD,
    call,
    call_error,
    call_fails,
    cont,
    create_bp,
    stop_at,
    transcript_result,
    values,
    wait_output,
)

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

# Delve 1.27's reply to `call add(2,3)` at BP-MAIN of testdata/basic.
DELVE_ADD = transcript_result("latest-go1.27-basic.jsonl", 97)["State"]


@pytest.fixture
def basic(go: GoToolchain, build_go: Build, launch_server: Launch) -> tuple[RawClient, dict[str, Any]]:
    return stop_at(launch_server(build_go("basic", go)), "basic", "BP-MAIN")


@pytest.fixture
def calls_srv(go: GoToolchain, build_go: Build, launch_server: Launch) -> ServerProcess:
    return launch_server(build_go("calls", go))


# --- testdata/basic, as Delve answers -----------------------------------------------------------


@pytest.mark.smoke
def test_call_add(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, before = basic
    state = call(c, "add(2,3)")
    th, want = state["currentThread"], DELVE_ADD["currentThread"]
    assert state["stopReason"] == "call returned"
    assert th["CallReturn"] is True
    (rv,) = th["ReturnValues"]
    expected = want["ReturnValues"][0]
    for key in ("name", "type", "realType", "flags", "kind", "value", "len", "children", "LocationExpr", "DeclLine"):
        assert rv[key] == expected[key], key
    # Position and selection unchanged.
    assert (th["id"], th["pc"], th["line"]) == (before["currentThread"]["id"], before["currentThread"]["pc"],
                                                before["currentThread"]["line"])
    assert state["currentGoroutine"]["id"] == before["currentGoroutine"]["id"]
    # State keeps CallReturn but never loads ReturnValues.
    st = c.call("State", {})["State"]
    assert st["currentThread"]["CallReturn"] is True and st["currentThread"]["ReturnValues"] is None


def test_call_split_two_results(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, _ = basic
    assert values(call(c, "split(2.5)")) == [("~r0", "int", "2"), ("~r1", "float64", "0.5")]
    assert values(call(c, "split(3)")) == [("~r0", "int", "3"), ("~r1", "float64", "0")]


def test_call_errors_in_delves_words(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, _ = basic
    assert call_error(c, "Command", {"name": "call", "expr": "add(7,8)"}) == \
        "can not call function with nil ReturnInfoLoadConfig"
    assert call_fails(c, "add(1)") == "not enough arguments"
    assert call_fails(c, "add(1,2,3)") == "too many arguments"
    assert call_fails(c, 'add("a", 2)') == 'can not convert "a" constant to int'
    assert call_fails(c, "nosuchfn(1)") == "could not find symbol value for nosuchfn"
    assert call_fails(c, "add(1,1)", goroutineID=99999) == "unknown goroutine 99999"
    # The program is intact: the calls that failed never ran.
    assert values(call(c, "add(40,2)", goroutineID=c.call("State", {})["State"]["currentGoroutine"]["id"])) == \
        [("~r0", "int", "42")]


# `call` on a parked goroutine: queued until it returns into user code (Delve refuses it with
# `selected goroutine not running`): tests/test_call_goroutines.py.


# --- testdata/calls: the runtime's debug_test.go, through pydlv ----------------------------------


def test_debug_call_int_float(calls_srv: ServerProcess) -> None:
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    assert values(call(c, "fn(1, 2.5)")) == [("y0Ret", "int", "2"), ("y1Ret", "float64", "3.5")]
    assert values(call(c, "mixed(-3, 500, 1.25, true, 1099511627776, 7)")) == [
        ("~r0", "int", "1099511628280"), ("~r1", "float32", "2.5"), ("~r2", "bool", "false")]
    assert values(call(c, "ten(1,2,3,4,5,6,7,8,9,10)")) == [("~r0", "int", "385")]  # 10th arg on the stack


def test_debug_call_large_gc_growstack_void(calls_srv: ServerProcess) -> None:
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    (rv,) = call(c, "fill(5)")["currentThread"]["ReturnValues"]
    assert (rv["name"], rv["type"], rv["kind"]) == ("out", "[128]int", 17)
    assert values(call(c, "callGC()")) == [("~r0", "int", "1")]
    assert values(call(c, "growStack(300)")) == [("~r0", "int", "301")]
    state = call(c, "voidFn(3)")
    assert state["currentThread"]["ReturnValues"] == [] and state["currentThread"]["CallReturn"] is True
    # The program goes on as if nothing happened, with the side effect of voidFn.
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "total 8 counter 2 sink 3 ok" in wait_output(calls_srv, "ok")


def test_debug_call_panic(calls_srv: ServerProcess) -> None:
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    state = call(c, "boomInt(1)")
    assert state["stopReason"] == "call returned"
    (pv,) = state["currentThread"]["ReturnValues"]
    assert (pv["name"], pv["type"], pv["kind"], pv["flags"]) == ("~panic", "interface {}", 20, 32)
    (data,) = pv["children"]
    assert (data["name"], data["type"], data["value"]) == ("data", "string", "test")
    assert values(call(c, "add(2,3)")) == [("~r0", "int", "5")]
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "total 8 counter 2 sink 0 ok" in wait_output(calls_srv, "ok")


def test_debug_call_unsafe_point(calls_srv: ServerProcess) -> None:
    c, before = stop_at(calls_srv, "calls", "BP-UNSAFE")
    assert call_fails(c, "add(1,2)") == "call not at safe point"
    st = c.call("State", {})["State"]
    assert st["currentThread"]["pc"] == before["currentThread"]["pc"]
    # Delve 1.27: the thread reports CallReturn (no values), the injection cleared the stop
    # reason and the thread's breakpoint
    th = st["currentThread"]
    assert (th["CallReturn"], th["ReturnValues"], th.get("breakPoint"), st.get("stopReason", "")) == (True, None, None, "")
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "total 8 counter 2 sink 0 ok" in wait_output(calls_srv, "ok")


def test_call_from_within_runtime(calls_srv: ServerProcess) -> None:
    c, _ = stop_at(calls_srv, "calls", function="runtime.GC")
    assert call_fails(c, "main.add(1,2)") == "call from within the Go runtime"


def test_breakpoint_inside_callee_then_continue(calls_srv: ServerProcess) -> None:
    c, before = stop_at(calls_srv, "calls", "BP-MAIN")
    create_bp(c, file=str(TESTDATA / "calls" / "main.go"), line=marker_line("calls", "BP-CALLEE"))
    state = call(c, "double(21)")
    assert state["stopReason"] == "breakpoint" and state["currentThread"]["CallReturn"] is False
    assert state["currentThread"]["function"]["name"] == "main.double"
    assert state["currentGoroutine"]["id"] != before["currentGoroutine"]["id"]  # debugCallWrap's goroutine
    assert call_fails(c, "add(1,1)") == "cannot call function while another function call is already in progress"
    done = c.call("Command", {"name": "continue", "ReturnInfoLoadConfig": LOAD}, timeout=30)["State"]
    assert done["stopReason"] == "call returned" and done["currentThread"]["CallReturn"] is True
    assert values(done) == [("~r0", "int", "42")]
    assert done["currentGoroutine"]["id"] == before["currentGoroutine"]["id"]
    assert done["currentThread"]["pc"] == before["currentThread"]["pc"]


def test_registers_identical_after_calls(calls_srv: ServerProcess) -> None:
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")

    def regs() -> dict[str, str]:
        tid = c.call("State", {})["State"]["currentThread"]["id"]
        out = c.call("ListRegisters", {"ThreadID": tid, "IncludeFp": True})["Regs"]
        return {r["Name"]: r["Value"] for r in out}

    before = regs()
    call(c, "fn(1, 2.5)")  # uses RAX, X0 and the frame
    call(c, "mixed(-3, 500, 1.25, true, 1099511627776, 7)")
    after = regs()
    assert after == before


# --- arguments through the evaluator, methods, strings, nested calls (transcript seq 98-114) ------


def rv(state: dict[str, Any]) -> list[tuple[str, str, int, int, str]]:
    return [(v["name"], v["type"], v["kind"], v["flags"], v["value"]) for v in state["currentThread"]["ReturnValues"]]


@pytest.mark.smoke
def test_call_string_literal_and_variables(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, _ = basic
    assert rv(call(c, 'greet("x")')) == [("~r0", "string", 24, 48, "hello, x")]
    assert rv(call(c, "greet(name)")) == [("~r0", "string", 24, 48, "hello, gopher")]
    assert rv(call(c, "add(s[0], GlobalCounter)")) == [("~r0", "int", 2, 48, "52")]


@pytest.mark.smoke
def test_call_methods(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, _ = basic
    assert rv(call(c, "p.Scale(2)")) == [("~r0", "int", 2, 48, "6")]
    star_p = c.call("Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": "*p", "Cfg": LOAD})["Variable"]
    assert [ch["value"] for ch in star_p["children"][:2]] == ["2", "4"]
    assert rv(call(c, "sh.Area()")) == [("~r0", "float64", 14, 48, "12")]
    assert call_fails(c, "pt.String()") == "pt has no member String"
    assert call_fails(c, "GlobalCounter(1)") == 'expression "GlobalCounter" is not a function'


def test_call_panic_value(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, _ = basic
    (pv,) = call(c, 'boom("x")')["currentThread"]["ReturnValues"]
    assert (pv["name"], pv["type"], pv["kind"], pv["flags"]) == ("~panic", "interface {}", 20, 32)
    assert [(ch["name"], ch["type"], ch["value"]) for ch in pv["children"]] == [("data", "string", "boom: x")]


FAKE_ADDRESSES = 0xBEED000000000000  # Delve's fake addresses (registers, composite values) start here


def word_at(c: RawClient, addr: int) -> int:
    mem = c.call("ExamineMemory", {"Address": addr, "Length": 8})["Mem"]
    return int.from_bytes(base64.b64decode(mem), "little")


def test_call_results_live_in_the_callees_frame(basic: tuple[RawClient, dict[str, Any]]) -> None:
    """As Delve (fncall.go, status 1): the results are the callee's variables read as at its
    entry with CFA = SP of the return trap, so each has the address of its DW_OP_fbreg slot
    in the callee's (now dead) frame, where -N code stored it; not a fake register address."""
    c, _ = basic
    (r,) = call(c, "add(2,3)")["currentThread"]["ReturnValues"]
    assert (r["value"], r["flags"], r["LocationExpr"]) == ("5", 48, "[block] DW_OP_fbreg -0x20 ")
    assert 0 < r["addr"] < FAKE_ADDRESSES and word_at(c, r["addr"]) == 5
    r0, r1 = call(c, "split(2.5)")["currentThread"]["ReturnValues"]
    assert [(v["LocationExpr"], v["value"]) for v in (r0, r1)] == \
        [("[block] DW_OP_fbreg -0x20 ", "2"), ("[block] DW_OP_fbreg -0x28 ", "0.5")]
    assert r0["addr"] - r1["addr"] == 8  # one CFA, as in Delve's reply (latest #99)
    assert word_at(c, r0["addr"]) == 2 and word_at(c, r1["addr"]) == 0x3FE0000000000000  # 0.5
    (s,) = call(c, 'greet("x")')["currentThread"]["ReturnValues"]
    assert s["value"] == "hello, x" and 0 < s["addr"] < FAKE_ADDRESSES
    assert word_at(c, s["addr"]) == s["base"] and word_at(c, s["addr"] + 8) == s["len"] == 8


def test_call_optimized_function_refused(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """An optimized callee need not leave its results in their DWARF slots; as Delve, pydlv
    calls none under the register ABI (testdata/inlined: -N for package main only, the runtime
    optimized). The refusal changes nothing: the target runs on as before."""
    srv = launch_server(build_go("inlined", go))
    c, _ = stop_at(srv, "inlined", "INL-CALL1")
    assert call_fails(c, "runtime.GOMAXPROCS(0)") == \
        "can not call optimized function runtime.GOMAXPROCS when regabi is in use"
    assert cont(c)["exited"] is True
    assert wait_output(srv, "\n").splitlines() == ["12 20 157"]


@pytest.mark.parametrize("stop", ["main.main", "main.f"])
def test_call_function_whose_name_is_no_type(go: GoToolchain, build_go: Build, launch_server: Launch,
                                             tmp_path: Path, stop: str) -> None:
    """`call f(7)` in testdata/inlined, stopped in main.main or in main.f: Delve's refusal of the
    optimized callee (Delve 1.20.2 on the same Go 1.19 build answers this text to `f(7)` and
    `main.f(7)` at both stops; its fncall.go has the same words today). Before the index of types
    exists (a cold index cache) `f` is ruled out as a type by the bytes of .debug_info, where a
    byte 0xA0 before an "f\\0" was read as a one-byte abbreviation code: the client got only
    pyelftools' KeyError text, "13088" (Go 1.27) or "13092" (Go 1.19)."""
    srv = launch_server(build_go("inlined", go), env={"PYDLV_CACHE_DIR": str(tmp_path / "index")})
    if stop == "main.main":
        c, _ = stop_at(srv, "inlined", "INL-CALL1")
    else:
        c, state = stop_at(srv, "inlined", function=stop)
        assert state["currentThread"]["function"]["name"] == "main.f"
        c.call("ClearBreakpoint", {"Id": state["currentThread"]["breakPoint"]["id"]})
    refusal = "can not call optimized function main.f when regabi is in use"
    assert call_fails(c, "f(7)") == refusal
    assert call_fails(c, "main.f(7)") == refusal
    assert call_fails(c, "f(7)") == refusal
    assert cont(c)["exited"] is True  # the target runs on as before
    assert wait_output(srv, "\n").splitlines() == ["12 20 157"]


# A bug in a call's evaluation (on the call session's worker thread), as the one above was.
FAILING_EVALUATION = """
import sys
from pydlv.cli import main
from pydlv.debugger.fncall.calls import CallPlanner

def fail(self, fun, ev):
    raise KeyError(13088)

CallPlanner._target = fail
sys.exit(main(sys.argv[1:]))
"""


def test_call_internal_error_is_one_line_and_logged(go: GoToolchain, build_go: Build, tmp_path: Path) -> None:
    """An exception in a call's evaluation that is no error a user should see is a bug, answered
    as the RPC edge answers any other: one line naming it, its traceback in the log, never its
    bare text (a KeyError's key). The target runs on."""
    stderr = tmp_path / "stderr.txt"
    with open(stderr, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", FAILING_EVALUATION, "exec", str(build_go("inlined", go)),
                                 "--headless", "--listen=127.0.0.1:0", "--api-version=2", "--accept-multiclient"],
                                stdout=subprocess.PIPE, stderr=err, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    srv = ServerProcess(proc, line.removeprefix("API server listening at: ").strip(), stderr)
    try:
        assert line.startswith("API server listening at: "), (line, stderr.read_text())
        c, _ = stop_at(srv, "inlined", "INL-CALL1")
        assert call_fails(c, "f(7)") == "Internal debugger error: KeyError: 13088"
        log = srv.stderr()
        assert "internal error evaluating a call" in log and "Traceback" in log and "KeyError: 13088" in log
        assert cont(c)["exited"] is True
        assert wait_output(srv, "\n").splitlines() == ["12 20 157"]
    finally:
        srv.stop()


def test_call_panic_value_at_the_trap_sp(basic: tuple[RawClient, dict[str, Any]]) -> None:
    """As Delve's readStackVariable: the panic value is the interface{} the runtime left at
    SP of the status-2 trap, flagged as a fake address but at that real one."""
    c, _ = basic
    (pv,) = call(c, 'boom("x")')["currentThread"]["ReturnValues"]
    assert (pv["name"], pv["flags"]) == ("~panic", 32) and 0 < pv["addr"] < FAKE_ADDRESSES
    assert word_at(c, pv["addr"] + 8) == pv["children"][0]["addr"]  # the data word


def test_stack_inside_call_has_delves_dispatch_frame(basic: tuple[RawClient, dict[str, Any]]) -> None:
    """The runtime runs the call in the smallest debugCallNNN frame holding the size it is
    told; told Delve's conservative size (all parameters on the stack plus every argument
    register), greet's call stands in debugCall256 as in Delve's replies (latest #121,
    debian #121), not debugCall32; the call then finishes as usual."""
    c, _ = basic
    create_bp(c, functionName="main.greet")
    st = call(c, 'greet("y")')
    assert st["stopReason"] == "breakpoint" and st["currentThread"]["function"]["name"] == "main.greet"
    locs = c.call("Stacktrace", {"Id": -1, "Depth": 12})["Locations"]
    assert [loc["function"]["name"] for loc in locs] == \
        ["main.greet", "debugCall256", "runtime.debugCallWrap2", "runtime.debugCallWrap1", "runtime.goexit"]
    assert locs[0]["FrameOffset"] - locs[1]["FrameOffset"] == -272  # as in both of Delve's replies
    done = c.call("Command", {"name": "continue", "ReturnInfoLoadConfig": LOAD}, timeout=30)["State"]
    assert done["stopReason"] == "call returned" and values(done) == [("~r0", "string", "hello, y")]


def test_call_struct_literal(go: GoToolchain, basic: tuple[RawClient, dict[str, Any]]) -> None:
    """As Delve 1.27 with the debug pinner (Go >= 1.23): in `call` a struct literal's string
    literal gets its bytes in the target (an injected mallocgc), then the field refuses what it
    cannot hold in the constant's words; older targets: not implemented."""
    c, _ = basic
    if go.key < (1, 23):
        assert call_fails(c, "main.Point{X: 1}") == "expression *ast.CompositeLit not implemented"
        return
    (v,) = call(c, 'main.Point{X: 1, Label: "zz"}')["currentThread"]["ReturnValues"]
    assert (v["type"], v["addr"], v["flags"]) == ("main.Point", 0xBEED000000000000, 32)
    assert [(ch["name"], ch["value"]) for ch in v["children"]] == [("X", "1"), ("Y", "0"), ("Label", "zz")]
    assert 0 < v["children"][2]["base"] < FAKE_ADDRESSES  # the bytes live in the target
    assert values(call(c, "add(main.Point{X: 4}.X, 1)")) == [("~r0", "int", "5")]
    assert call_fails(c, 'main.Point{X: "a"}') == 'can not convert "a" constant to int'
    # the compiler's refusal comes before anything runs (greet is not called)
    assert call_fails(c, 'add(len(greet("x")), []int{1}[0])') == \
        'error evaluating "[]int{1}[0]" as argument 2 in function add: expression *ast.CompositeLit not implemented'
    # Beyond Delve, whose callee gets the literal's fake address and faults (the session then
    # refuses every call): a pointer into the debugger's memory reaches the callee as a copy in
    # the target.
    assert values(call(c, "(&main.Point{X: 1, Y: 2}).Scale(3)")) == [("~r0", "int", "9")]
    assert values(call(c, "main.Point{X: 2, Y: 2}.Scale(2)")) == [("~r0", "int", "8")]
    assert values(call(c, "add(1, 2)")) == [("~r0", "int", "3")]


@pytest.mark.smoke
def test_call_nested_and_embedded(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, _ = basic
    assert rv(call(c, "1 + add(2,3)")) == [("", "int", 2, 0, "6")]
    assert rv(call(c, "add(add(1,2),3)")) == [("~r0", "int", 2, 48, "6")]
    assert values(call(c, 'len(greet("ab"))'))[0][2] == "9"


def test_call_escape_check_and_no_call(basic: tuple[RawClient, dict[str, Any]]) -> None:
    c, before = basic
    assert call_fails(c, "p.Scale(&total)") == ("cannot use &total as argument k in function main.(*Point).Scale: "
                                                "stack object passed to escaping pointer: k")
    st = call(c, "total")
    # Delve 1.27 meets the escape check while copying arguments, after it has resumed the
    # target: the stop reason is gone; `call total` runs nothing and keeps that state
    assert before["stopReason"] == "breakpoint" and st.get("stopReason", "") == ""
    assert rv(st) == [("total", "int", 2, 0, "45")]
    assert call_error(c, "Eval", {"Scope": {"GoroutineID": -1, "Frame": 0}, "Expr": "add(10, 20)", "Cfg": LOAD}) == \
        "function calls not allowed without using 'call'"


def test_debug_call_large_argument(calls_srv: ServerProcess) -> None:
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    (out,) = call(c, "large(fill(1))")["currentThread"]["ReturnValues"]
    assert out["type"] == "[128]int" and out["len"] == 128
    assert [ch["value"] for ch in out["children"][:3]] == ["2", "3", "4"]  # fill(1)[i] = 1+i, large adds 1
    # A stack-assigned result sits at the CFA: its LocationExpr is its DWARF location, as Delve's
    (filled,) = call(c, "fill(3)")["currentThread"]["ReturnValues"]
    assert (filled["LocationExpr"], filled["flags"]) == ("[block] DW_OP_call_frame_cfa ", 48)


def test_call_frame_too_large(calls_srv: ServerProcess) -> None:
    """A [9000]int argument needs more than the runtime's largest debugCall frame (65536 bytes):
    the refusal comes back in the runtime's words and the program goes on."""
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    assert call_fails(c, "huge(bigArray)") == "call frame too large"
    (out,) = call(c, "add(2,3)")["currentThread"]["ReturnValues"]
    assert out["value"] == "5"


# --- Delve 1.27's answers for methods through interfaces, indexing results, failures --------------


def test_call_method_through_interface(go: GoToolchain, calls_srv: ServerProcess) -> None:
    """`var c Counter = &counter{}`: the receiver is the interface's pointer. On the stack it
    fails the escape check (Delve's words, receiver prefix); on the heap, or unsafe, it runs."""
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    assert call_fails(c, "c.Inc(5)") == ("could not set call receiver: cannot use c.Inc as argument c in function "
                                         "main.(*counter).Inc: stack object passed to escaping pointer: c")
    assert rv(call(c, "shared.Inc(5)")) == [("~r0", "int", 2, 48, "15")]
    assert rv(call(c, "c.Inc(5)", UnsafeCall=True)) == [("~r0", "int", 2, 48, "5")]
    assert rv(call(c, "c.Inc(2)", UnsafeCall=True)) == [("~r0", "int", 2, 48, "7")]


def test_call_result_indexed_past_load_limits(go: GoToolchain, calls_srv: ServerProcess) -> None:
    """The load limits shape what is shown, not what the expression reaches: element 127 of a
    [128]int result (64 are loaded). With a debug pinner (Go >= 1.23) Delve's closing Unpin
    injection marks the element saved (flag 512)."""
    c, _ = stop_at(calls_srv, "calls", "BP-MAIN")
    saved = 512 if go.key >= (1, 23) else 0
    assert rv(call(c, "large(arr)[127]")) == [("", "int", 2, saved, "128")]
    assert rv(call(c, "fill(3)[100]")) == [("", "int", 2, saved, "103")]
    assert call_fails(c, "large(arr)[128]") == "index out of bounds"
    (out,) = call(c, "large(arr)")["currentThread"]["ReturnValues"]
    assert (out["name"], out["type"], out["flags"], out["len"], len(out["children"])) == ("out", "[128]int", 48, 128, 64)
    # a constant result has no type (Delve's newConstant)
    assert rv(call(c, "len(fill(3))")) == [("", "", 2, 4, "128")]


@pytest.mark.parametrize(("expr", "error", "resumed"), [
    ("add(1)", "not enough arguments", False),
    ("nosuch(1)", "could not find symbol value for nosuch", False),
    ("x(1)", 'expression "x" is not a function', False),
    ("greet(1)", "can not convert 1 constant to string", True),
    ('add("a", 1)', 'can not convert "a" constant to int', True),
    ("huge(bigArray)", "call frame too large", True),
])
def test_failed_call_leaves_call_return(go: GoToolchain, calls_srv: ServerProcess, expr: str, error: str,
                                        resumed: bool) -> None:
    """Delve marks the thread CallReturn (no values) after any call that failed once its
    expression compiled; errors met after it resumed the target (copying arguments, the
    runtime's refusals) also leave no stop reason and no breakpoint on the thread."""
    c, before = stop_at(calls_srv, "calls", "BP-MAIN")
    assert call_fails(c, expr) == error
    st = c.call("State", {})["State"]
    th = st["currentThread"]
    assert (th["CallReturn"], th["ReturnValues"], th["pc"]) == (True, None, before["currentThread"]["pc"])
    if resumed:
        assert (st.get("stopReason", ""), th.get("breakPoint")) == ("", None)
    else:
        assert (st["stopReason"], th["breakPoint"]["id"]) == ("breakpoint", 1)
    assert call_fails(c, "1+") == "1:3: expected operand, found 'EOF'"  # a parse error changes nothing
    assert c.call("State", {})["State"]["currentThread"]["CallReturn"] is True
    assert rv(call(c, "add(2,3)")) == [("~r0", "int", 2, 48, "5")]  # and the program goes on
