"""Eval of what Delve 1.27 evaluates beyond variables: quoted type names in conversions (how
editors expand a child past the loaded depth: `*(*"TYPE")(ADDR)`), the fake addresses of
register-resident values, functions named as values, CPU registers, and the register
listing with the YMM/ZMM upper halves.

Every expected value below is Delve 1.27.1's answer on the same binary (checked side by side
with /work/scratch/peer/dlv on Go 1.19 and Go 1.27 builds); addresses that change from run to
run are compared by relation (same as another answer, or inside a range), not by value.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, RPCError, start_server

MAIN = TESTDATA / "basic" / "main.go"
FULL = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}
SCOPE = {"GoroutineID": -1, "Frame": 0}
FAKE_BASE, UNRESOLV = 0xBEEF000000000000, 0xBEED000000000000
TYPE_NOT_FOUND = "no type entry found, use 'types' for a list of valid types"


def ev(c: RawClient, expr: str, cfg: dict[str, Any] | None = None) -> dict[str, Any]:
    return c.call("Eval", {"Scope": SCOPE, "Expr": expr, "Cfg": cfg or FULL})["Variable"]


def err(c: RawClient, expr: str) -> str:
    with pytest.raises(RPCError) as e:
        c.call("Eval", {"Scope": SCOPE, "Expr": expr, "Cfg": FULL})
    return str(e.value.args[0])


def brief(v: dict[str, Any]) -> tuple[str, str, int, int, str, int]:
    return v["name"], v["type"], v["kind"], v["flags"], v["value"], v["len"]


def values(v: dict[str, Any]) -> list[str]:
    return [c["value"] for c in v["children"]]


def _stopped(binary: Path, tmp: Path, bp: dict[str, Any]) -> Iterator[RawClient]:
    srv = start_server(binary, tmp=tmp)
    try:
        c = srv.client()
        c.call("CreateBreakpoint", {"Breakpoint": bp})
        state = c.call("Command", {"name": "continue"})["State"]
        assert not state["exited"], state
        yield c
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def at_main(go: GoToolchain, build_go, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:  # noqa: ANN001
    yield from _stopped(build_go("basic", go), tmp_path_factory.mktemp("values"),
                        {"file": str(MAIN), "line": marker_line("basic", "BP-MAIN")})


@pytest.fixture(scope="module")
def at_greet(go: GoToolchain, build_go, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:  # noqa: ANN001
    """At main.greet's entry: its string argument still lives in registers."""
    yield from _stopped(build_go("basic", go), tmp_path_factory.mktemp("values"), {"functionName": "main.greet"})


# -- quoted type names -------------------------------------------------------------------


def test_quoted_struct_and_pointer_types(go: GoToolchain, at_main: RawClient) -> None:
    p = ev(at_main, "p")
    addr = p["children"][0]["addr"]
    pt = ev(at_main, f'*(*"main.Point")({addr:#x})')
    assert brief(pt) == (f'*(*"main.Point")({addr:#x})', "main.Point", 25, 0, "", 3)
    assert values(pt) == ["1", "2", "pt"] and pt["addr"] == addr
    ptr = ev(at_main, f'(*"main.Point")({addr:#x})')
    assert (ptr["type"], ptr["kind"], ptr["addr"]) == ("*main.Point", 22, 0)
    assert (ptr["children"][0]["type"], ptr["children"][0]["addr"], ptr["children"][0]["onlyAddr"]) == \
        ("main.Point", addr, True)
    name = ev(at_main, "name")
    sp = ev(at_main, '(*"string")(uintptr(&name))')
    assert sp["type"] == "*string" and sp["children"][0]["len"] == 6 and sp["children"][0]["base"] == name["base"]
    # the whole pointer chain the other way round: *(*"*main.Point")(&p)
    pp = ev(at_main, '*(*"*main.Point")(uintptr(&p))')
    assert pp["type"] == "*main.Point" and pp["children"][0]["addr"] == addr


def test_quoted_slice_and_array_types(go: GoToolchain, at_main: RawClient) -> None:
    assert values(ev(at_main, '*(*"[]int")(uintptr(&s))')) == ["10", "20", "30", "40"]
    arr = ev(at_main, '*(*"[2]int")(uintptr(&s[1]))')
    assert (arr["type"], arr["kind"], arr["len"], arr["cap"], values(arr)) == ("[2]int", 17, 2, 2, ["20", "30"])
    assert ev(at_main, '*(*[2]int)(uintptr(&s[1]))')["type"] == "[2]int"
    assert ev(at_main, '*(*"[2]byte")(uintptr(&name))')["type"] == "[2]uint8"
    # a fake array is named after its element's godwarf string: a named struct is "struct main.Point"
    assert ev(at_main, '(*"[3]main.Point")(1)')["type"] == "*[3]struct main.Point"
    assert ev(at_main, '*(*"map[string]int")(uintptr(&m))')["len"] == 3


def test_quoted_type_errors(go: GoToolchain, at_main: RawClient) -> None:
    assert err(at_main, '*(*"nosuch")(uintptr(&m))') == TYPE_NOT_FOUND
    assert err(at_main, '*(*"[x]int")(uintptr(&m))') == TYPE_NOT_FOUND
    assert err(at_main, "sh.(nosuch)") == TYPE_NOT_FOUND
    assert err(at_main, '"main.Point"(1)') == 'can not convert "1" to struct main.Point'
    assert err(at_main, "(*main.Point)(1.5)") == 'can not convert "1.5" to *struct main.Point'


def test_channel_children_expand_by_quoted_type(go: GoToolchain, at_main: RawClient) -> None:
    """What an editor does past the loaded depth: every child again as `*(*"TYPE")(ADDR)`,
    down the channel's wait queue (four workers parked on `ch`)."""
    ch = ev(at_main, "ch", {**FULL, "MaxVariableRecurse": 0})
    fields = {c["name"]: c for c in ch["children"]}
    recvq = fields["recvq"]
    assert recvq["type"] == "waitq<int>"
    q = ev(at_main, f'*(*"{recvq["type"]}")({recvq["addr"]:#x})')
    assert q["type"] == "waitq<int>" and [c["name"] for c in q["children"]] == ["first", "last"]
    first = q["children"][0]
    assert first["type"] == "*sudog<int>"
    sudog_addr = first["children"][0]["addr"]
    sg = ev(at_main, f'*(*"sudog<int>")({sudog_addr:#x})')
    assert sg["type"] == "sudog<int>" and sg["addr"] == sudog_addr
    assert {c["name"] for c in sg["children"]} >= {"g", "next", "elem"}
    # the rest of the queue, one sudog at a time
    count, nxt = 1, {c["name"]: c for c in sg["children"]}["next"]
    while nxt["value"] != "0" and count < 10:
        sg = ev(at_main, f'*(*"{nxt["type"][1:]}")({int(nxt["value"]):#x})')
        count += 1
        nxt = {c["name"]: c for c in sg["children"]}["next"]
    assert count == 4
    h = ev(at_main, f'*(*"hchan<int>")({ch["base"]:#x})')
    assert h["type"] == "hchan<int>" and {c["name"]: c["value"] for c in h["children"]}["dataqsiz"] == "0"


# -- fake addresses, reslices ---------------------------------------------------------------


def test_register_argument_keeps_its_fake_address(go: GoToolchain, at_greet: RawClient) -> None:
    """TestLongStringArg: a register-resident string has Delve's first fake address, the same
    each time it is evaluated in this stop, and a pointer cast of that address reads it."""
    a = ev(at_greet, "name")
    assert (a["addr"], a["flags"], a["value"], a["len"]) == (FAKE_BASE, 40, "gopher", 6)
    assert ev(at_greet, "name")["addr"] == FAKE_BASE
    tail = ev(at_greet, f'(*(*"string")({FAKE_BASE:#x}))[2:]')
    assert (tail["value"], tail["len"], tail["flags"], tail["base"]) == ("pher", 4, 0, a["base"] + 2)


def test_reslice_trusts_literal_bounds_only(go: GoToolchain, at_main: RawClient) -> None:
    one = {**FULL, "MaxArrayValues": 1}
    lit = ev(at_main, "s[0:4]", one)
    assert (lit["flags"], values(lit)) == (256, ["10", "20", "30", "40"])  # every element, whatever the limit
    open_ = ev(at_main, "s[0:]", one)
    assert (open_["flags"], open_["len"], values(open_)) == (0, 4, ["10"])
    assert ev(at_main, "s[:2]")["flags"] == 256
    assert ev(at_main, "s[len(s)-2:4]")["flags"] == 0


# -- functions as values ------------------------------------------------------------------------


def test_package_functions_are_values(go: GoToolchain, at_main: RawClient) -> None:
    add = ev(at_main, "main.add")
    assert brief(add) == ("main.add", "func()", 19, 0, "main.add", 0)
    assert add["realType"] == "func()" and add["addr"] == add["base"] > 0
    # the value is the entry; a breakpoint goes after the prologue (TestSkipPrologue2)
    loc = at_main.call("FindLocation", {"Scope": SCOPE, "Loc": "main.main", "IncludeNonExecutableLines": False,
                                        "SubstitutePathRules": None})["Locations"][0]
    assert loc["pc"] > ev(at_main, "main.main")["addr"] == loc["function"]["value"]
    assert brief(ev(at_main, "add"))[:5] == ("add", "func()", 19, 0, "main.add")
    assert ev(at_main, "main")["value"] == "main.main"  # `main` is main.main, seen from package main
    assert ev(at_main, '"main".add')["value"] == "main.add"
    assert ev(at_main, "fmt.Println")["value"] == "fmt.Println"
    amp = ev(at_main, "&main.add")
    assert amp["type"] == "*" and amp["children"][0]["onlyAddr"] is True


def test_package_function_errors(go: GoToolchain, at_main: RawClient) -> None:
    assert err(at_main, "main.nosuch") == "package main has no function nosuch"
    assert err(at_main, "main.Point") == "package main has no function Point"
    assert err(at_main, "main.add.x") == "main.add has no member x"
    assert err(at_main, "*main.add") == 'expression "main.add" (func()) can not be dereferenced'
    assert err(at_main, "main.add + 1") == "can not convert 1 constant to func()"
    assert err(at_main, "main.add == main.add") == "can not compare func variables"
    assert err(at_main, "nosuch.x") == "could not find symbol nosuch.x"
    assert err(at_main, "main.GlobalCounter.x") == "main.GlobalCounter (type int) has no member x"
    assert err(at_main, "nil.x") == "nil (type nil) is not a struct"
    assert err(at_main, "true.x") == "true (type bool) is not a struct"
    assert err(at_main, "s.x") == "s (type []int) has no member x"


def test_method_values(go: GoToolchain, at_main: RawClient) -> None:
    """Delve's lookupMethod: X.M is a func value named after the method, its receiver the child
    (the pointer as is, an addressable value's address, an interface's dynamic value)."""
    ps = ev(at_main, "p.Scale")
    assert brief(ps) == ("main.(*Point).Scale", "func(k int) int", 19, 0, "main.(*Point).Scale", 0)
    scale = at_main.call("FindLocation", {"Scope": SCOPE, "Loc": "main.(*Point).Scale", "IncludeNonExecutableLines": False,
                                          "SubstitutePathRules": None})["Locations"][0]["function"]
    assert ps["addr"] == 0 and ps["base"] == scale["value"]
    assert err(at_main, "main.(*Point).Scale") == TYPE_NOT_FOUND  # a type assertion to *Point
    assert [(ch["name"], ch["type"]) for ch in ps["children"]] == [("p", "*main.Point")]
    pts = ev(at_main, "pt.Scale")
    (ptr,) = pts["children"]
    assert (ptr["name"], ptr["type"], ptr["children"][0]["name"], ptr["children"][0]["onlyAddr"]) == \
        ("", "*main.Point", "pt", True)
    area = ev(at_main, "sh.Area")
    assert brief(area)[:3] == ("main.Rect.Area", "func() float64", 19)
    assert [(ch["name"], ch["type"]) for ch in area["children"]] == [("data", "main.Rect")]


def test_calls_refused_after_the_function_is_found(go: GoToolchain, at_main: RawClient) -> None:
    """Eval evaluates the called function first (and, with a debug pinner, the arguments):
    its own error wins over `function calls not allowed`."""
    assert err(at_main, "nosuch(1)") == "could not find symbol value for nosuch"
    assert err(at_main, "(*nosuch)(1)") == "could not find symbol value for nosuch"
    assert err(at_main, "main.nosuch(1)") == "package main has no function nosuch"
    assert err(at_main, "x.y.z(1)") == "could not find symbol x.y"
    assert err(at_main, "p.nosuch(1)") == "p has no member nosuch"
    assert err(at_main, "Point(1)") == "could not find symbol value for Point"
    for ok in ("add(10, 20)", "p.Scale(2)", "sh.Area()", "GlobalCounter(1)"):
        assert err(at_main, ok) == "function calls not allowed without using 'call'"
    pinner = go.key >= (1, 23)
    assert err(at_main, "add(nosuch, 1)") == \
        ("could not find symbol value for nosuch" if pinner else "function calls not allowed without using 'call'")


def test_unreadable_memory_in_go_words(go: GoToolchain, at_main: RawClient) -> None:
    assert brief(ev(at_main, "*(*int)(8)"))[4] == "0"
    assert ev(at_main, "*(*int)(8)")["unreadable"] == "input/output error"
    assert ev(at_main, "*(*string)(8)")["unreadable"] == "could not read string pointer input/output error"
    # Each as Delve 1.27 words it (dlv 1.27.1 run on the same expressions): the bytes of a string
    # whose pointer is total (45), the pointee of an unreadable pointer.
    assert ev(at_main, "*(*string)(uintptr(&total))")["unreadable"] == \
        "could not read string at 0x2d due to input/output error"
    pp = ev(at_main, "*(**int)(8)")
    assert (pp["unreadable"], pp["children"][0]["unreadable"]) == \
        ("input/output error", "parent pointer unreadable: input/output error")
    up = ev(at_main, "*(*unsafe.Pointer)(8)")
    assert up["children"][0]["unreadable"] == "parent pointer unreadable: input/output error"
    arr = ev(at_main, "*(*[2]int)(8)")
    assert [(c["value"], c["unreadable"]) for c in arr["children"]] == [("0", "input/output error")] * 2
    # A map, chan or interface whose header cannot be read is nil to Delve (its maybeDereference
    # reads the pointer as 0), no error on the value; an interface's data word carries the error.
    for expr in ("*(*map[string]int)(8)", "*(*chan int)(8)"):
        v = ev(at_main, expr)
        assert (v["unreadable"], v["len"], v["base"], v["children"]) == ("", 0, 0, []), expr
    for expr in ("*(*interface{})(8)", "*(*error)(8)"):
        v = ev(at_main, expr)
        assert v["unreadable"] == "" and [(c["type"], c["addr"], c["unreadable"]) for c in v["children"]] == \
            [("void", 0, "input/output error")], expr


NOT_IMPLEMENTED_LITERAL = "expression *ast.CompositeLit not implemented"


def test_struct_literals(go: GoToolchain, at_main: RawClient) -> None:
    """Delve 1.27 compiles struct literals when the target has the debug pinner (Go >= 1.23): a
    value in the debugger's memory at the unresolvable fake address, its elements assigned (a
    string literal would need an allocation: refused outside `call`); other composite literals,
    and every one on older targets, are not implemented (dlv 1.27.1 and 1.20.2 run on each)."""
    if go.key < (1, 23):
        for expr in ("main.Point{}", "main.Point{X: 1}", "[]int{1, 2}"):
            assert err(at_main, expr) == NOT_IMPLEMENTED_LITERAL
        return
    v = ev(at_main, "main.Point{X: 1, Label: name}")
    assert (v["name"], v["type"], v["addr"], v["flags"]) == ("main.Point{X: 1, Label: name}", "main.Point",
                                                             0xBEED000000000000, 32)
    assert [(c["name"], c["value"]) for c in v["children"]] == [("X", "1"), ("Y", "0"), ("Label", "gopher")]
    assert [c["value"] for c in ev(at_main, 'main.Point{3, total, ""}')["children"]] == ["3", "45", ""]
    assert ev(at_main, "main.Point{X: 7}.X + 1")["value"] == "8"
    ptr = ev(at_main, "&main.Point{}")
    assert (ptr["type"], ptr["children"][0]["addr"], ptr["children"][0]["onlyAddr"]) == \
        ("*main.Point", 0xBEED000000000000, True)
    assert err(at_main, "Point{}") == TYPE_NOT_FOUND
    assert err(at_main, "main.Point{Z: 1}") == "main.Point has no member Z"
    assert err(at_main, 'main.Point{X: "a"}') == \
        "literal string can not be allocated because function calls are not allowed without using 'call'"
    for expr in ("[]int{1, 2}", "[2]int{1, 2}", "map[string]int{}"):
        assert err(at_main, expr) == NOT_IMPLEMENTED_LITERAL


def test_compiler_errors_come_first_and_name_the_argument(go: GoToolchain, at_main: RawClient) -> None:
    """Delve compiles the whole expression before evaluating it: its compiler's refusals come
    before the `call` requirement, a call's argument named as it wraps them (dlv 1.27.1 on Go 1.21
    and 1.27 targets)."""
    assert err(at_main, "add([]int{1}[0], 2)") == \
        'error evaluating "[]int{1}[0]" as argument 1 in function add: ' + NOT_IMPLEMENTED_LITERAL
    assert err(at_main, "add(add(1, s[1:2:3][0]), 3)") == (
        'error evaluating "add(1, s[1:2:3][0])" as argument 1 in function add: '
        'error evaluating "s[1:2:3][0]" as argument 2 in function add: 3-index slice expressions not supported')
    assert err(at_main, "len([]int{1})") == NOT_IMPLEMENTED_LITERAL  # builtins and conversions: no wrapping


# -- CPU registers ---------------------------------------------------------------------------

LO, HI = 0x3FF199999999999A, 0x4004000000000000  # 1.1 and 2.5, loaded into X2 by testdata/vectors


def _cpu_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


CPU = _cpu_flags()
AVX, AVX512 = "avx" in CPU, "avx512f" in CPU


@pytest.fixture(scope="module")
def at_vectors(go: GoToolchain, build_go, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:  # noqa: ANN001
    """Stopped on loadVectors' own INT3, X2 = {1.1, 2.5}, Y7/Z9 = X2 repeated when the CPU can."""
    srv = start_server(build_go("vectors", go), tmp=tmp_path_factory.mktemp("vectors"))
    try:
        c = srv.client()
        state = c.call("Command", {"name": "continue"})["State"]
        assert state["currentThread"]["function"]["name"] == "main.loadVectors", state
        yield c
    finally:
        srv.stop()


def test_general_registers_are_uint64(go: GoToolchain, at_vectors: RawClient) -> None:
    rax = ev(at_vectors, "RAX")
    assert brief(rax) == ("RAX", "uint64", 7, 128, "42", 0) and rax["addr"] == UNRESOLV
    assert ev(at_vectors, "__RAX")["name"] == "RAX"
    assert brief(ev(at_vectors, "RAX+1")) == ("RAX+1", "uint64", 7, 0, "43", 0)
    assert brief(ev(at_vectors, "RAX.uint8[0]")) == ("RAX.uint8[0]", "", 8, 4, "42", 0)
    amp = ev(at_vectors, "&RAX")
    assert amp["type"] == "*uint64" and amp["children"][0]["onlyAddr"] is True
    rip = ev(at_vectors, "RIP")
    assert int(rip["value"]) == at_vectors.call("State", {})["State"]["currentThread"]["pc"]
    for missing in ("Rax", "YMM7", "ZMM9", "FS_BASE", "K0", "XMM16"):
        assert err(at_vectors, missing) == f"could not find symbol value for {missing}"


def test_vector_registers(go: GoToolchain, at_vectors: RawClient) -> None:
    size = 16 + (16 if AVX else 0) + (32 if AVX and AVX512 else 0)
    x2 = ev(at_vectors, "XMM2")
    low = LO.to_bytes(8, "little") + HI.to_bytes(8, "little")
    assert brief(x2)[:5] == ("XMM2", "string", 24, 128, low.hex() + "00" * (size - 16))
    assert (x2["len"], x2["addr"], x2["base"]) == (2 * size, UNRESOLV, UNRESOLV)
    half = ev(at_vectors, "XMM2[:32]")
    assert (half["value"], half["flags"], half["len"]) == (low.hex(), 384, 32)
    u64 = ev(at_vectors, "XMM2.uint64")
    assert (u64["name"], u64["type"], u64["kind"], u64["len"]) == ("XMM2", f"[{size // 8}]void", 17, size // 8)
    assert values(u64)[:2] == [str(LO), str(HI)] and {c["kind"] for c in u64["children"]} == {11}
    assert values(ev(at_vectors, "XMM2.float64"))[:2] == ["1.1", "2.5"]
    assert brief(ev(at_vectors, "XMM2.float64[1]")) == ("XMM2.float64[1]", "", 14, 4, "2.5", 0)
    assert values(ev(at_vectors, "XMM2.uint128"))[0] == low.hex()
    assert ev(at_vectors, "XMM2.uint64[0]+1")["value"] == str(LO + 1)
    assert err(at_vectors, "XMM2.foo") == 'unknown CPU register type conversion to "foo"'
    assert err(at_vectors, "XMM2+1") == "can not convert 1 constant to string"
    if AVX:  # Y7 = {X2, X2}: XMM7 carries the upper half
        assert values(ev(at_vectors, "XMM7.uint64"))[:4] == [str(LO), str(HI), str(LO), str(HI)]
    if AVX and AVX512:
        assert values(ev(at_vectors, "XMM9.uint64")) == [str(LO), str(HI)] * 4


def test_register_list_has_upper_halves(go: GoToolchain, at_vectors: RawClient) -> None:
    regs = {r["Name"]: r["Value"] for r in at_vectors.call("ListRegisters", {"ThreadID": 0, "IncludeFp": True})["Regs"]}
    x2 = regs["XMM2"]
    assert x2.startswith(f"0x{HI:016x}{LO:016x}\tv2_int={{ {LO:016x} {HI:016x} }}")
    assert "\tv2_float={ 1.1 2.5 }" in x2
    if not AVX:
        assert "[YMM2h]" not in x2
        return
    assert f"\n\t[YMM7h] 0x{HI:016x}{LO:016x}\t" in regs["XMM7"]
    assert "\n\t[YMM2h] 0x00000000000000000000000000000000\t" in x2
    if AVX512:
        for part in ("ZMM9hl", "ZMM9hh"):
            assert f"\n\t[{part}] 0x{HI:016x}{LO:016x}\t" in regs["XMM9"]
    scoped = at_vectors.call("ListRegisters", {"ThreadID": 0, "IncludeFp": True, "Scope": SCOPE})["Regs"]
    assert {r["Name"]: r["Value"] for r in scoped}["XMM7"] == regs["XMM7"]


# -- strings that are not UTF-8 ---------------------------------------------------------------

KINDS = TESTDATA / "kinds" / "main.go"


@pytest.fixture(scope="module")
def at_kinds(go: GoToolchain, build_go, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:  # noqa: ANN001
    yield from _stopped(build_go("kinds", go), tmp_path_factory.mktemp("kinds"),
                        {"file": str(KINDS), "line": marker_line("kinds", "BP-KINDS")})


def test_invalid_utf8_strings(go: GoToolchain, at_kinds: RawClient) -> None:
    """bad = "a\\xffb\\xfe": Go strings are bytes. Values go out as Delve's MarshalJSON sends
    them (U+FFFD per invalid byte in `value`, the raw bytes in StringValueBytes)."""
    bad = ev(at_kinds, "bad")
    assert (bad["value"], bad["len"], bad["StringValueBytes"]) == ("a\ufffdb\ufffd", 4, "Yf9i/g==")
    lit = ev(at_kinds, '"\\xff"')
    assert (lit["value"], lit["len"], lit["flags"], lit["StringValueBytes"]) == ("\ufffd", 1, 4, "/w==")
    assert ev(at_kinds, 'bad == "a\\xffb\\xfe"')["value"] == "true"
    assert ev(at_kinds, 'bad[0:2] == "a\\xff"')["value"] == "true"
    assert ev(at_kinds, '"\\u00e9" == "\\xc3\\xa9"')["value"] == "true"
    assert ev(at_kinds, 'len("\\xff\\xfe")')["value"] == "2"
    assert values(ev(at_kinds, "[]rune(bad)")) == ["97", "65533", "98", "65533"]
    r = ev(at_kinds, "string([]rune(bad))")
    assert (r["value"], r["len"]) == ("a\ufffdb\ufffd", 8)
    assert ev(at_kinds, "string([]byte(bad))")["StringValueBytes"] == "Yf9i/g=="
    assert brief(ev(at_kinds, "string(-1)"))[4:] == ("\ufffd", 3)
    # a load limit cutting a multi-byte character: the bytes read, not a re-encoded text
    cut = ev(at_kinds, "s", {**FULL, "MaxStringLen": 2})
    assert (cut["value"], cut["StringValueBytes"], cut["len"]) == ("h\ufffd", "aMM=", 14)


def test_constant_string_errors(go: GoToolchain, at_kinds: RawClient) -> None:
    assert err(at_kinds, '"abc"[1]') == 'can not index "\\"abc\\""'
    assert err(at_kinds, '"a\\xffb"[1:]') == 'can not slice "\\"a\\\\xffb\\""'
    assert err(at_kinds, '1[1:]') == 'can not slice "1" (type int)'
    assert err(at_kinds, 'cap("abc")') == 'invalid argument "abc" (type string) for cap'
    assert err(at_kinds, "len(nil)") == "invalid argument nil (type nil) for len"
    assert err(at_kinds, "1.5[0]") == 'expression "1.5" (float64) does not support indexing'
