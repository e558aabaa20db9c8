"""TypeInfo, ListFunctions{FollowCalls} and the regular-expression filters, as Delve 1.27.1 answered
them on testdata/basic's Go 1.27 build (and, where the program's own code decides, on Go 1.19 too)."""

from __future__ import annotations

from typing import Any

import pytest
from gotoolchains import GoToolchain
from rpcclient import RawClient, ServerProcess
from serverhelpers import call_error


@pytest.fixture(scope="module")
def client(basic_server: ServerProcess) -> RawClient:
    return basic_server.client()


def _type(c: RawClient, name: str) -> dict[str, Any]:
    info: dict[str, Any] = c.call("TypeInfo", {"Name": name})["TypeInfo"]
    return info


def test_type_info(client: RawClient) -> None:
    c = client
    assert _type(c, "main.Point") == {"Kind": 25, "Size": 32, "RealType": "", "Fields": [
        {"Name": "X", "Type": "int"}, {"Name": "Y", "Type": "int"}, {"Name": "Label", "Type": "string"}],
        "Methods": [{"Name": "main.(*Point).Scale"}]}
    # a pointer type: its own kind and size, no fields, no methods (TestTypeInfo)
    assert _type(c, "*main.Point") == {"Kind": 22, "Size": 8, "RealType": "", "Fields": None, "Methods": None}
    # a value receiver: the method itself, not the (*Rect).Area wrapper the compiler adds
    assert _type(c, "main.Rect") == {"Kind": 25, "Size": 16, "RealType": "", "Fields": [
        {"Name": "W", "Type": "float64"}, {"Name": "H", "Type": "float64"}], "Methods": [{"Name": "main.Rect.Area"}]}
    # interface, map and chan types have no reflect kind in Delve's answer; slices and strings no fields
    for name, kind, size in (("main.Shape", 0, 16), ("error", 0, 16), ("map[string]int", 0, 8),
                             ("chan int", 0, 8), ("[]string", 23, 24), ("string", 24, 16), ("int", 2, 8),
                             ("time.Duration", 6, 8), ("struct{}", 25, 0), ("func()", 19, 8)):
        assert _type(c, name) == {"Kind": kind, "Size": size, "RealType": "", "Fields": None, "Methods": None}, name
    assert call_error(c, "TypeInfo", {"Name": "main.nosuch"}) == \
        "no type entry found, use 'types' for a list of valid types"


def test_list_functions_follow_calls(client: RawClient, go: GoToolchain) -> None:
    """Delve's traverse: direct calls, breadth first, to the depth asked; runtime functions left out."""
    c = client

    def funcs(flt: str, depth: int) -> list[str]:
        out: list[str] = c.call("ListFunctions", {"Filter": flt, "FollowCalls": depth})["Funcs"]
        return out

    assert funcs(r"^main\.loop$", 1) == ["main.loop"]
    assert funcs(r"^main\.loop$", 2) == ["main.add", "main.loop"]
    got = funcs(r"^main\.main$", 2)
    users = ["main.(*Point).Scale", "main.add", "main.boom", "main.greet", "main.loop", "main.main", "main.split"]
    if go.key >= (1, 27):  # Delve 1.27.1's answer on this build
        assert got == ["fmt.Println", "main.(*Point).Scale", "main.Rect.Area", "main.add", "main.boom", "main.greet",
                       "main.loop", "main.main", "main.split", "sync.(*WaitGroup).Add", "sync.(*WaitGroup).Wait",
                       "time.Sleep"]
    else:
        assert set(users + ["fmt.Println", "time.Sleep"]) <= set(got), got
    assert not [f for f in got if f.startswith("runtime.")]
    # depth 1 is the matching functions themselves
    assert funcs(r"^main\.", 1) == sorted(f for f in c.call("ListFunctions", {"Filter": r"^main\."})["Funcs"])


@pytest.mark.parametrize(("method", "params", "error"), [
    ("ListFunctions", {"Filter": "["}, "invalid filter argument: error parsing regexp: missing closing ]: `[`"),
    ("ListSources", {"Filter": "a**"},
     "invalid filter argument: error parsing regexp: invalid nested repetition operator: `**`"),
    ("ListTypes", {"Filter": "(?<=x)"}, "invalid filter argument: error parsing regexp: invalid named capture: `(?<=x)`"),
    ("ListPackageVars", {"Filter": r"\C"}, "invalid filter argument: error parsing regexp: invalid escape sequence: `\\C`"),
    ("ListPackagesBuildInfo", {"Filter": "("}, "invalid Filter pattern: error parsing regexp: missing closing ): `(`"),
    ("FindLocation", {"Scope": {"GoroutineID": -1}, "Loc": "/x{2,1}/"},
     "invalid filter argument: error parsing regexp: invalid repeat count: `{2,1}`"),
])
def test_regexp_errors(client: RawClient, method: str, params: dict[str, Any], error: str) -> None:
    assert call_error(client, method, params) == error


def test_regexp_syntax(client: RawClient) -> None:
    """RE2 syntax Python's re lacks (`\\pL`, `(?P<n>)`, `\\z`) and Go's `\\Q...\\E`."""
    c = client
    assert c.call("ListFunctions", {"Filter": r"^main\.\pL+\z"})["Funcs"] == \
        c.call("ListFunctions", {"Filter": r"^main\.[a-zA-Z]+$"})["Funcs"]
    assert c.call("ListFunctions", {"Filter": r"\Qmain.(*Point).Scale\E"})["Funcs"] == ["main.(*Point).Scale"]
