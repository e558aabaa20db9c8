"""`call` with variadic functions, arguments boxed into interfaces, pinned inner results and
closures (testdata/calls and testdata/basic at BP-MAIN), on Go 1.19 and the newest Go.

Delve refuses most of these (it neither packs variadic arguments nor boxes non-pointer
values); pydlv builds the slices and interfaces in the target, see fncall/calls.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from elftools.elf.elffile import ELFFile
from gotoolchains import GoToolchain
from rpcclient import RawClient, ServerProcess
from serverhelpers import call, call_fails, cont, stop_at, values, wait_output
from test_call import Build, Launch


@pytest.fixture
def calls(go: GoToolchain, build_go: Build, launch_server: Launch) -> tuple[ServerProcess, RawClient]:
    srv = launch_server(build_go("calls", go))
    c, _ = stop_at(srv, "calls", "BP-MAIN")
    return srv, c


def one(state: dict[str, Any]) -> tuple[str, str]:
    (v,) = values(state)
    return v[1], v[2]


@pytest.mark.smoke
def test_sprintf(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    # testdata/calls, not basic: basic never calls fmt.Sprintf, so its linker drops it.
    c, _ = stop_at(launch_server(build_go("calls", go)), "calls", "BP-MAIN")
    assert one(call(c, 'fmt.Sprintf("%d", 2)')) == ("string", "2")
    assert one(call(c, 'fmt.Sprintf("%s-%d", name, x)')) == ("string", "gopher-7")
    assert one(call(c, 'fmt.Sprintf("%v|%v|%v", terr, xs, temp)')) == ("string", "temp: hot|[4 5 6]|21C")
    # The escape check covers each element: p points to main's stack.
    assert call_fails(c, 'fmt.Sprint(p)') == ("cannot use p as argument a[0] in function fmt.Sprint: "
                                              "stack object passed to escaping pointer: a[0]")
    assert one(call(c, 'fmt.Sprint(f, " ", true, nil)')) == ("string", "2.5 true <nil>")
    assert one(call(c, 'fmt.Sprintf("none")')) == ("string", "none")


def test_user_variadic(calls: tuple[ServerProcess, RawClient]) -> None:
    srv, c = calls
    assert one(call(c, "sum(1,2,3)")) == ("int", "6")
    assert one(call(c, "sum()")) == ("int", "0")
    assert one(call(c, "sum(xs...)")) == ("int", "15")
    assert one(call(c, "sum(x, add(1, 2), 10)")) == ("int", "20")
    assert call_fails(c, 'sum(1, "a")') == 'can not convert "a" constant to int'
    c.call("ClearBreakpoint", {"Id": 1})
    assert cont(c)["exited"] is True
    assert "total 8 counter 2 sink 0 ok" in wait_output(srv, "ok")


def test_interface_arguments(calls: tuple[ServerProcess, RawClient]) -> None:
    _, c = calls
    assert one(call(c, "describe(temp)")) == ("string", "<21C>")  # struct -> fmt.Stringer (itab)
    assert one(call(c, "describe(stringer)")) == ("string", "<21C>")  # same interface
    assert one(call(c, "errText(terr)")) == ("string", "temp: hot")  # pointer -> error, direct
    assert one(call(c, 'fmt.Sprint(temp, terr, stringer)')) == ("string", "21C temp: hot 21C")
    assert call_fails(c, "describe(x)").startswith("can not convert value of type int to fmt.Stringer")


def has_debug_pinner(exe: Path) -> bool:
    with open(exe, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        return bool(symtab and symtab.get_symbol_by_name("runtime.debugPinnerV1"))


def test_inner_result_survives_gc(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    exe = build_go("calls", go)
    c, _ = stop_at(launch_server(exe), "calls", "BP-MAIN")
    assert one(call(c, 'concatGC(greet("a"), "b")')) == ("string", "hello, ab")
    # greet's result is held by the debugger alone while churn (the next argument) runs two
    # GCs and reuses freed memory: only a pinned result survives. Without
    # runtime.debugPinnerV1 (Go 1.19 here) it is overwritten, as it would be under Delve.
    got = one(call(c, 'concatGC(greet(name), churn("!"))'))
    if has_debug_pinner(exe):
        assert got == ("string", "hello, gopher!")
    else:
        assert got[0] == "string"


def test_closure(calls: tuple[ServerProcess, RawClient]) -> None:
    _, c = calls
    assert one(call(c, "offset(2)")) == ("int", "42")
    assert one(call(c, "offset(sum(1, 1))")) == ("int", "42")
