"""Suspended breakpoints and Go plugins, as Delve 1.27.1 (TestPluginSuspendedBreakpoint, and its
answers recorded on Delve's own plugin fixtures): CreateBreakpoint{Suspended} keeps a breakpoint
whose location does not exist yet, listed without file, line or function; when plugin.Open
returns, the plugins the dynamic linker loaded are read and those breakpoints get their addresses;
stops in plugin code show the plugin's files, lines and functions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import call_error, cont

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]
HOST_GO = str(TESTDATA / "plugin_host" / "main.go")
ONE_GO = str(TESTDATA / "plugin_one" / "main.go")
TWO_GO = str(TESTDATA / "plugin_two" / "main.go")


def _host(go: GoToolchain, build_go: Build, launch_server: Launch) -> RawClient:
    plugins = [str(build_go(p, go)) for p in ("plugin_one", "plugin_two")]
    return launch_server(build_go("plugin_host", go), *plugins).client()


def _create(c: RawClient, bp: dict[str, Any], loc_expr: str = "") -> dict[str, Any]:
    out: dict[str, Any] = c.call("CreateBreakpoint", {"Breakpoint": bp, "LocExpr": loc_expr, "Suspended": True})
    return out["Breakpoint"]


def _at(state: dict[str, Any]) -> tuple[str, int]:
    th = state["currentThread"]
    return th["file"], th["line"]


def _after_breakpoint(state: dict[str, Any], marker: str) -> bool:
    """Stopped by runtime.Breakpoint() on the marker's line (Go 1.19: its return address, the next)."""
    file, line = _at(state)
    return file == HOST_GO and line - marker_line("plugin_host", marker) in (0, 1)


def test_suspended_breakpoints_wait_for_plugins(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = _host(go, build_go, launch_server)
    fn1 = _create(c, {"functionName": "plugin_one.Fn1", "line": 1})
    fn2 = _create(c, {"file": TWO_GO, "line": marker_line("plugin_two", "PLUGIN-FN2")})
    hello = _create(c, {}, "plugin_one.HelloFn")
    # kept without a location, enabled; a LocExpr one shows its expression
    for bp, expr in ((fn1, ""), (fn2, ""), (hello, "plugin_one.HelloFn")):
        assert (bp["addrs"], bp["file"], bp["line"], "functionName" in bp, bp["ExprString"], bp["disabled"]) == (
            None, "", 0, False, expr, False)
    # without Suspended, the same location is refused, as before
    assert call_error(c, "CreateBreakpoint", {"Breakpoint": {"functionName": "plugin_one.Fn1"}}) == \
        "could not find function plugin_one.Fn1\n"
    assert _after_breakpoint(cont(c), "HOST-OPENED1")
    listed = {b["id"]: b for b in c.call("ListBreakpoints", {})["Breakpoints"]}
    # plugin_one is loaded: its two breakpoints have their addresses, plugin_two's still none
    assert (listed[fn1["id"]]["file"], listed[fn1["id"]]["line"], listed[fn1["id"]]["functionName"]) == (
        ONE_GO, marker_line("plugin_one", "PLUGIN-FN1"), "plugin_one.Fn1")
    assert (listed[hello["id"]]["functionName"], listed[hello["id"]]["ExprString"]) == ("plugin_one.HelloFn", "")
    assert listed[fn2["id"]]["addrs"] is None
    # plugin code is found like the program's own
    [loc] = c.call("FindLocation", {"Scope": {"GoroutineID": -1}, "Loc": "plugin_one.Fn1"})["Locations"]
    assert (loc["file"], loc["function"]["name"]) == (ONE_GO, "plugin_one.Fn1")
    assert loc["function"]["value"] > 1 << 40  # a shared object's address, far above the executable's
    assert "plugin_one.Fn1" in c.call("ListFunctions", {"Filter": "^plugin_one"})["Funcs"]
    assert ONE_GO in c.call("ListSources", {"Filter": "plugin_one"})["Sources"]
    assert _after_breakpoint(cont(c), "HOST-OPENED2")
    assert c.call("GetBreakpoint", {"Id": fn2["id"]})["Breakpoint"]["functionName"] == "plugin_two.Fn2"
    state = cont(c)
    assert _at(state) == (ONE_GO, marker_line("plugin_one", "PLUGIN-FN1"))
    assert state["currentThread"]["breakPoint"]["id"] == fn1["id"]
    frames = c.call("Stacktrace", {"Id": -1, "Depth": 2})["Locations"]
    assert [(f["function"]["name"], f["line"]) for f in frames[:2]] == [
        ("plugin_one.Fn1", marker_line("plugin_one", "PLUGIN-FN1")), ("main.main", marker_line("plugin_host", "HOST-CALL1"))]
    assert _at(cont(c)) == (TWO_GO, marker_line("plugin_two", "PLUGIN-FN2"))
    assert cont(c)["exited"] is True


def test_suspended_breakpoint_enable_again(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """Delve's SetBreakpointEnabled on a breakpoint without addresses looks for it again: a toggle
    back on fails with the lookup's error (and leaves it enabled), and succeeds once it exists."""
    c = _host(go, build_go, launch_server)
    bp = _create(c, {"file": "/nonexistent/plugin2.go", "line": 9})
    assert c.call("ToggleBreakpoint", {"Id": bp["id"]})["Breakpoint"]["disabled"] is True
    assert call_error(c, "ToggleBreakpoint", {"Id": bp["id"]}) == "could not find file /nonexistent/plugin2.go"
    assert c.call("GetBreakpoint", {"Id": bp["id"]})["Breakpoint"]["disabled"] is False
    fn1 = _create(c, {"functionName": "plugin_one.Fn1"})
    c.call("AmendBreakpoint", {"Breakpoint": {**fn1, "disabled": True}})
    cont(c)  # plugin_one loaded; a disabled breakpoint is left alone
    assert c.call("GetBreakpoint", {"Id": fn1["id"]})["Breakpoint"]["addrs"] is None
    on = c.call("ToggleBreakpoint", {"Id": fn1["id"]})["Breakpoint"]
    assert (on["disabled"], on["functionName"], on["file"]) == (False, "plugin_one.Fn1", ONE_GO)
