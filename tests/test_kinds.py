"""Every value kind of testdata/kinds, as ListLocalVars shows it, against what the program printed.

The program prints each local (`name=value` lines) before stopping at BP-KINDS, so expected values
come from the target itself; renderings that are Delve's own (constant names, time.Time, map and
chan shapes, void pointees) were checked against Delve 1.20.2 on the Go 1.19 build. Map tests run
on every release (smoke): classic buckets (mid-grow included) before Go 1.24, Swiss tables after.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gotoolchains import GoToolchain, marker_location
from rpcclient import RawClient, ServerProcess, start_server

FULL = {"FollowPointers": True, "MaxVariableRecurse": 1, "MaxStringLen": 64, "MaxArrayValues": 64,
        "MaxStructFields": -1}
SCOPE = {"GoroutineID": -1, "Frame": 0}
# reflect.Kind numbers on the wire
BOOL, INT, UINT, FLOAT32, FLOAT64, COMPLEX64, COMPLEX128 = 1, 2, 7, 13, 14, 15, 16
ARRAY, CHAN, FUNC, IFACE, MAP, PTR, SLICE, STRING, STRUCT, UNSAFE_PTR = 17, 18, 19, 20, 21, 22, 23, 24, 25, 26


class Stopped:
    def __init__(self, srv: ServerProcess, client: RawClient) -> None:
        self.srv, self.c = srv, client
        self.printed = dict(line.split("=", 1) for line in srv.output().splitlines() if "=" in line)
        self.full = self.vars(FULL)

    def vars(self, cfg: dict[str, Any], **over: Any) -> dict[str, dict[str, Any]]:
        got = self.c.call("ListLocalVars", {"Scope": SCOPE, "Cfg": dict(cfg, **over)})["Variables"]
        return {v["name"]: v for v in got}


def stop_at(binary: Any, marker: str, tmp: Any) -> tuple[ServerProcess, RawClient]:
    srv = start_server(binary, tmp=tmp)
    c = srv.client()
    f, line = marker_location("kinds", marker)
    c.call("CreateBreakpoint", {"Breakpoint": {"file": str(f), "line": line}})
    c.call("Command", {"name": "continue"})
    return srv, c


@pytest.fixture(scope="module")
def k(go: GoToolchain, build_go, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stopped]:  # noqa: ANN001
    srv, c = stop_at(build_go("kinds", go), "BP-KINDS", tmp_path_factory.mktemp("kinds"))
    try:
        yield Stopped(srv, c)
    finally:
        srv.stop()


def kids(v: dict[str, Any]) -> list[str]:
    return [c["value"] for c in v["children"]]


def pairs(v: dict[str, Any]) -> dict[str, str]:
    c = v["children"]
    return {key["value"]: val["value"] for key, val in zip(c[::2], c[1::2], strict=True)}


@pytest.mark.smoke
def test_scalars(k: Stopped) -> None:
    v, p = k.full, k.printed
    assert (v["b"]["kind"], v["b"]["value"]) == (BOOL, p["b"])
    for n, t in (("i8", "int8"), ("i16", "int16"), ("i32", "int32"), ("i64", "int64"), ("i", "int")):
        assert (v[n]["type"], v[n]["kind"], v[n]["value"]) == (t, INT, p[n]), n
    for n, t in (("u8", "uint8"), ("u16", "uint16"), ("u32", "uint32"), ("u64", "uint64"), ("u", "uint"),
                 ("up", "uintptr")):
        assert (v[n]["type"], v[n]["kind"], v[n]["value"]) == (t, UINT, p[n]), n
    assert (v["f32"]["kind"], v["f32"]["value"]) == (FLOAT32, "1.5")
    for n in ("f64", "finf", "fnan"):
        assert (v[n]["kind"], v[n]["value"]) == (FLOAT64, p[n]), n
    c64, c128 = v["c64"], v["c128"]
    assert (c64["kind"], c64["len"], kids(c64)) == (COMPLEX64, 2, ["1.5", "-2"])
    assert [c["kind"] for c in c64["children"]] == [FLOAT32, FLOAT32]
    assert (c128["kind"], c128["value"], kids(c128)) == (COMPLEX128, "(-0.5 + 3.25i)", ["-0.5", "3.25"])


@pytest.mark.smoke
def test_strings(k: Stopped) -> None:
    v, p = k.full, k.printed
    s = v["s"]
    assert (s["kind"], s["value"], s["len"]) == (STRING, p["s"], len(p["s"].encode()))
    long = k.vars(FULL, MaxStringLen=10)["long"]
    assert (long["value"], long["len"]) == (p["long"][:10], 100)
    assert (v["long"]["value"], v["long"]["len"]) == (p["long"][:64], 100)
    assert v["bad"]["len"] == 4  # invalid UTF-8: four bytes, rendered with replacement characters
    assert v["bad"]["value"].startswith("a") and v["bad"]["value"][2] == "b"


def test_arrays_slices_structs(k: Stopped) -> None:
    v = k.full
    assert (v["arr"]["type"], v["arr"]["kind"], v["arr"]["len"], kids(v["arr"])) == ("[3]int", ARRAY, 3, ["1", "2", "3"])
    assert (v["empty0"]["type"], v["empty0"]["len"], v["empty0"]["children"]) == ("[0]int", 0, [])
    nil_s, empty_s = v["nilSlice"], v["emptySlice"]
    assert (nil_s["kind"], nil_s["len"], nil_s["cap"], nil_s["base"]) == (SLICE, 0, 0, 0)
    assert (empty_s["len"], empty_s["cap"]) == (0, 0) and empty_s["base"] != 0
    st = v["structs"]
    assert (st["type"], st["len"]) == ("[]main.Inner", 2)
    assert [kids(c) for c in st["children"]] == [["1", "one"], ["2", "two"]]
    o = v["o"]
    assert (o["type"], o["kind"], o["len"]) == ("main.Outer", STRUCT, 3)
    emb, ptr, n = o["children"]
    assert (emb["name"], emb["type"], kids(emb)) == ("Inner", "main.Inner", ["1", "emb"])
    assert (ptr["name"], ptr["kind"], f"{int(ptr['value']):#x}") == ("P", PTR, k.printed["in"])
    assert kids(ptr["children"][0]) == ["5", "in"]
    assert n["value"] == "9"
    pair = v["pair"]  # a generic instantiation keeps its type arguments in the name
    assert (pair["type"], kids(pair)) == ("main.Pair[int,string]", ["7", "seven"])


@pytest.mark.smoke
def test_maps(k: Stopped, go: GoToolchain) -> None:
    v = k.full
    assert (v["small"]["type"], v["small"]["kind"], v["small"]["len"], pairs(v["small"])) == (
        "map[string]int", MAP, 1, {"a": "1"})
    keyed = v["keyed"]
    key = keyed["children"][0]
    assert (keyed["type"], key["type"], kids(key), keyed["children"][1]["value"]) == (
        "map[main.Key]string", "main.Key", ["1", "2"], "p12")
    assert (v["nilMap"]["len"], v["nilMap"]["children"], v["nilMap"]["base"]) == (0, [], 0)
    # 53 entries; before Go 1.24 half its old buckets are not evacuated yet
    assert v["growing"]["len"] == 53
    assert pairs(v["growing"]) == {str(i): str(-i) for i in range(53)}
    big = v["big"]  # several Swiss directories (1.24+), 256 buckets before
    assert (big["len"], len(big["children"])) == (1000, 128)
    whole = k.vars(FULL, MaxArrayValues=1000)["big"]
    assert pairs(whole) == {str(i): f"v{i}" for i in range(1000)}
    limited = k.vars(FULL, MaxArrayValues=3)["big"]
    assert (limited["len"], len(limited["children"])) == (1000, 6)


@pytest.mark.smoke
def test_chan_func_interfaces(k: Stopped) -> None:
    v = k.full
    ch = v["ch"]
    fields = {c["name"]: c for c in ch["children"]}
    assert (ch["type"], ch["kind"], ch["cap"]) == ("chan int", CHAN, 0)  # Delve: len = hchan field count
    assert ch["len"] == len(ch["children"])
    assert (fields["qcount"]["value"], fields["dataqsiz"]["value"]) == ("2", "4")
    buf = fields["buf"]
    assert (buf["type"], kids(buf["children"][0])[:2]) == ("*[4]int", ["10", "20"])
    assert (v["nilChan"]["len"], v["nilChan"]["children"], v["nilChan"]["base"]) == (0, [], 0)
    assert (v["fn"]["kind"], v["fn"]["type"], v["fn"]["value"]) == (FUNC, "func(int) int", "main.named")
    assert v["closure"]["value"] == "main.kinds.func1"
    assert (v["nilFn"]["value"], v["nilFn"]["base"]) == ("", 0)
    e1, e2 = v["err1"], v["err2"]
    assert (e1["type"], e1["kind"], e1["children"][0]["type"]) == ("error", IFACE, "*errors.errorString")
    assert kids(e1["children"][0]["children"][0]) == [k.printed["err1"]]
    assert (e2["children"][0]["type"], kids(e2["children"][0]["children"][0])) == ("*main.MyErr", ["42"])
    for n in ("nilErr", "ifNil"):
        data = v[n]["children"][0]
        assert (data["type"], data["kind"], data["addr"]) == ("void", 0, 0), n
    assert [(v[n]["children"][0]["type"], v[n]["children"][0]["value"]) for n in ("ifInt", "ifStr")] == [
        ("int", "42"), ("string", "str")]
    assert (v["ifStruct"]["children"][0]["type"], kids(v["ifStruct"]["children"][0])) == ("main.Key", ["3", "4"])
    assert v["ifPtr"]["children"][0]["type"] == "*main.Inner"


def test_pointers(k: Stopped) -> None:
    v = k.full
    nilp = v["nilPtr"]
    assert (nilp["kind"], nilp["value"], nilp["children"][0]["addr"]) == (PTR, "0", 0)
    u = v["uptr"]
    assert (u["kind"], u["value"], u["len"]) == (UNSAFE_PTR, k.printed["uptr"], 1)
    assert (u["children"][0]["type"], u["children"][0]["kind"], u["children"][0]["unreadable"]) == (
        "void", 0, 'unknown or unsupported kind: "invalid"')
    # **Inner: the inner pointer is loaded, its pointee only when within MaxVariableRecurse
    pp = v["pp"]
    assert (pp["type"], pp["children"][0]["type"]) == ("**main.Inner", "*main.Inner")


@pytest.mark.smoke
def test_named_constants_and_time(k: Stopped) -> None:
    v = k.full
    assert (v["color"]["type"], v["color"]["value"]) == ("main.Color", "Green (1)")
    assert v["badColor"]["value"] == "10"  # no constant has this value
    assert (v["perm"]["value"], v["permOne"]["value"]) == ("Read|Exec (5)", "Write (2)")
    assert v["i"]["value"] == "-1"  # unnamed types never read as some package's constant
    tm = v["tm"]
    assert (tm["type"], tm["value"], [c["name"] for c in tm["children"]]) == (
        "time.Time", "2024-01-02T03:04:05Z", ["wall", "ext", "loc"])


def test_load_config_limits(k: Stopped) -> None:
    short = k.vars(FULL, MaxArrayValues=2)
    assert (short["bigSlice"]["len"], short["bigSlice"]["cap"], kids(short["bigSlice"])) == (100, 100, ["0", "1"])
    assert len(short["small"]["children"]) == 2
    # recursion 0: struct fields of the top level load, nested ones not
    flat = k.vars(FULL, MaxVariableRecurse=0)
    assert flat["o"]["len"] == 3 and flat["o"]["children"][0]["children"] == []
    assert flat["structs"]["children"][0]["children"] == []
    assert flat["big"]["len"] == 1000 and flat["big"]["children"] != []
    assert k.vars(FULL, MaxStructFields=0)["o"]["children"] == []
    assert [c["name"] for c in k.vars(FULL, MaxStructFields=-1)["o"]["children"]] == ["Inner", "P", "N"]
    assert [c["name"] for c in k.vars(FULL, MaxStructFields=2)["o"]["children"]] == ["Inner", "P"]
    nofollow = k.vars(FULL, FollowPointers=False)
    p = nofollow["o"]["children"][1]["children"][0]
    assert (p["onlyAddr"], p["children"]) == (True, [])
    assert nofollow["nilPtr"]["children"][0]["onlyAddr"] is True


def test_generic_function_frame(go: GoToolchain, build_go, tmp_path: Any) -> None:  # noqa: ANN001
    srv, c = stop_at(build_go("kinds", go), "BP-GENERIC", tmp_path)
    try:
        args = {v["name"]: v for v in c.call("ListFunctionArgs", {"Scope": SCOPE, "Cfg": FULL})["Args"]}
        assert (args["x"]["type"], args["x"]["value"]) == ("int", "11")
        assert (args["p"]["type"], kids(args["p"])) == ("main.Pair[int,string]", ["12", "twelve"])
        assert [c["type"] for c in args["p"]["children"]] == ["int", "string"]
        assert (args["~r0"]["type"], args["~r0"]["kind"]) == ("int", INT)
        # the same breakpoint in the other instantiation: the dictionary gives string there
        c.call("Command", {"name": "continue"})
        args = {v["name"]: v for v in c.call("ListFunctionArgs", {"Scope": SCOPE, "Cfg": FULL})["Args"]}
        assert (args["x"]["type"], args["x"]["value"]) == ("string", "gs")
        assert (args["p"]["type"], kids(args["p"])) == ("main.Pair[string,string]", ["a", "b"])
        assert c.call("Eval", {"Scope": SCOPE, "Expr": "p.First + x", "Cfg": FULL})["Variable"]["value"] == "ags"
    finally:
        srv.stop()


@pytest.mark.smoke
def test_eval_gives_every_kind_as_listed(k: Stopped) -> None:
    """Eval of each local's name returns the variable ListLocalVars shows, for every kind held."""
    assert len(k.full) > 40
    for name, listed in k.full.items():
        if name.startswith("."):
            continue  # compiler temporaries (.autotmp_N): listed, but no Go expression names them
        got = k.c.call("Eval", {"Scope": SCOPE, "Expr": name, "Cfg": FULL})["Variable"]
        assert got == listed, name
