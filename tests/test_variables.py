"""ListLocalVars / ListFunctionArgs / ListPackageVars / ListTypes against real Delve's replies.

testdata/basic stopped at BP-MAIN; expected values are Delve's own replies from the shared
transcripts (tests/data/delve_variables.json: Delve 1.20 on Go 1.19 and Delve 1.27 on Go 1.27,
normalised: addresses dropped, pointer values dropped, depth cut at 2). LocationExpr is
compared only on the Go release the transcript was recorded with (frame offsets change
between compilers).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import REPO, GoToolchain, marker_line
from rpcclient import RawClient, RPCError

EXPECTED = json.loads((Path(__file__).parent / "data" / "delve_variables.json").read_text())
FULL = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}
SCOPE = {"GoroutineID": -1, "Frame": 0}
MAIN_GO = str(REPO / "testdata" / "basic" / "main.go")


def norm(v: dict[str, Any], depth: int = 0, loc: bool = True) -> dict[str, Any]:
    keys = ("name", "type", "realType", "flags", "kind", "len", "cap", "onlyAddr", "unreadable", "LocationExpr",
            "DeclLine", "value")
    d = {k: v[k] for k in keys}
    if v["kind"] in (22, 19):
        d.pop("value")
    if not loc:
        d.pop("LocationExpr")
    d["children"] = [norm(c, depth + 1, loc) for c in v["children"]] if depth < 2 else None
    return d


def expected(go: GoToolchain, key: str) -> tuple[list[dict[str, Any]], bool]:
    """Delve's reply for the transcript closest to this Go, and whether LocationExpr is comparable."""
    if go.version in EXPECTED:
        return EXPECTED[go.version][key], True
    release = "1.19" if go.key < (1, 20) else "1.27"
    return EXPECTED[release][key], False


@pytest.fixture(scope="module")
def stopped(go: GoToolchain, build_go, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:  # noqa: ANN001
    from rpcclient import start_server

    srv = start_server(build_go("basic", go), tmp=tmp_path_factory.mktemp("vars"))
    try:
        c = srv.client()
        c.call("CreateBreakpoint", {"Breakpoint": {"file": MAIN_GO, "line": marker_line("basic", "BP-MAIN")}})
        c.call("Command", {"name": "continue"})
        yield c
    finally:
        srv.stop()


def locals_by_name(c: RawClient, cfg: dict[str, Any] | None = FULL) -> dict[str, dict[str, Any]]:
    params: dict[str, Any] = {"Scope": SCOPE}
    if cfg is not None:
        params["Cfg"] = cfg
    return {v["name"]: v for v in c.call("ListLocalVars", params)["Variables"]}


def test_locals_match_delve(go: GoToolchain, stopped: RawClient) -> None:
    want, loc = expected(go, "locals_main")
    got = stopped.call("ListLocalVars", {"Scope": {"GoroutineID": 1, "Frame": 0}, "Cfg": FULL})["Variables"]
    assert [v["name"] for v in got] == [v["name"] for v in want]
    for g, w in zip(got, want, strict=True):
        if not loc:
            w = norm(w, loc=False)  # noqa: PLW2901 - expected without LocationExpr
        if g["name"] in ("ch", "wg"):  # runtime structs differ between releases of one transcript
            assert (g["type"], g["kind"], g["flags"]) == (w["type"], w["kind"], w["flags"])
            continue
        assert norm(g, loc=loc) == w, g["name"]


def test_package_vars_match_delve(go: GoToolchain, stopped: RawClient) -> None:
    want, _ = expected(go, "package_vars")
    got = stopped.call("ListPackageVars", {"Filter": "^main\\.", "Cfg": FULL})["Variables"]
    assert [norm(v, loc=False) for v in got] == [norm(w, loc=False) for w in want]
    assert all(v["LocationExpr"] == f"[block] DW_OP_addr {v['addr']:#x} " for v in got)


def test_main_has_no_args(stopped: RawClient) -> None:
    assert stopped.call("ListFunctionArgs", {"Scope": SCOPE, "Cfg": FULL}) == {"Args": []}


def test_args_and_return_values_of_caller_frames(stopped: RawClient) -> None:
    # Frame 1 of main is runtime.main: no args; an unknown frame reads as Delve's error.
    with pytest.raises(RPCError, match="Frame 40 does not exist in goroutine -1"):
        stopped.call("ListLocalVars", {"Scope": {"GoroutineID": -1, "Frame": 40}, "Cfg": FULL})
    with pytest.raises(RPCError, match="unknown goroutine 9999"):
        stopped.call("ListLocalVars", {"Scope": {"GoroutineID": 9999, "Frame": 0}, "Cfg": FULL})


def test_load_config_limits(stopped: RawClient) -> None:
    short = locals_by_name(stopped, dict(FULL, MaxArrayValues=2, MaxStringLen=3))
    s = short["s"]
    assert (s["len"], s["cap"], [c["value"] for c in s["children"]]) == (4, 4, ["10", "20"])
    assert (short["name"]["value"], short["name"]["len"]) == ("gop", 6)
    m = short["m"]
    assert (m["len"], len(m["children"])) == (3, 4)  # two key/value pairs of three
    # Pointers are not followed: the pointee is only an address.
    nofollow = locals_by_name(stopped, dict(FULL, FollowPointers=False))
    child = nofollow["p"]["children"][0]
    assert (child["onlyAddr"], child["children"], child["len"]) == (True, [], 0)
    # Recursion depth 0: the struct's fields are not loaded, but its len is known.
    flat = locals_by_name(stopped, dict(FULL, MaxVariableRecurse=0))
    assert (flat["pt"]["len"], [c["name"] for c in flat["pt"]["children"]]) == (3, ["X", "Y", "Label"])
    assert flat["pt"]["children"][2]["value"] == "val"  # strings at the limit still load
    assert flat["sh"]["children"][0]["onlyAddr"] is False
    # MaxStructFields 0: no fields at all.
    assert locals_by_name(stopped, dict(FULL, MaxStructFields=0))["pt"]["children"] == []


def test_omitted_cfg_is_all_zero_limits(stopped: RawClient) -> None:
    zero = locals_by_name(stopped, None)
    assert (zero["name"]["value"], zero["name"]["len"]) == ("", 6)
    assert (zero["s"]["len"], zero["s"]["children"]) == (4, [])
    assert zero["total"]["value"] == "45"
    assert zero["p"]["children"][0]["onlyAddr"] is True


def test_list_types(stopped: RawClient) -> None:
    types = stopped.call("ListTypes", {"Filter": "^main\\."})["Types"]
    assert {"main.Point", "main.Rect", "main.Shape"} <= set(types)


@pytest.mark.smoke
def test_value_kinds_every_release(go: GoToolchain, stopped: RawClient) -> None:
    """One of each kind group of testdata/basic, on every installed Go."""
    v = locals_by_name(stopped)
    assert (v["total"]["kind"], v["total"]["value"]) == (2, "45")
    assert (v["f"]["kind"], v["f"]["value"]) == (14, "2.75")
    assert (v["name"]["kind"], v["name"]["value"], v["name"]["len"]) == (24, "gopher", 6)
    assert [c["value"] for c in v["s"]["children"]] == ["10", "20", "30", "40"]
    assert [c["value"] for c in v["m"]["children"]] == ["one", "1", "two", "2", "three", "3"]
    assert [c["value"] for c in v["p"]["children"][0]["children"]] == ["1", "2", "pt"]
    assert (v["nilp"]["value"], v["nilp"]["children"][0]["addr"]) == ("0", 0)
    data = v["sh"]["children"][0]
    assert (v["sh"]["kind"], data["name"], data["type"], [c["value"] for c in data["children"]]) == (
        20, "data", "main.Rect", ["3", "4"])
    assert (v["ch"]["kind"], v["ch"]["type"], v["ch"]["cap"]) == (18, "chan int", 0)
    assert v["ch"]["children"][0]["name"] == "qcount"
    assert (v["wg"]["flags"], v["wg"]["LocationExpr"].endswith(" (escaped)")) == (1, True)
