"""tests/replay.py's normalization: each rule makes run-dependent values compare, and none of them
hides a difference a user would see (a pc, a value, nil vs non-nil, which goroutine, key order)."""

from __future__ import annotations

from typing import Any

from replay import Side, decode, describe, diff

TEXT = range(0x401000, 0x4C0000)
LOCAL_SRC = "/home/ci/pydlv/testdata/basic/"


def sides() -> tuple[Side, Side]:
    return Side(TEXT), Side(TEXT, [(LOCAL_SRC, "/src/progs/basic/"), ("/usr/lib/go-1.19/", "/goroot/")])


def compare(recorded: Any, local: Any) -> list[tuple[str, Any, Any]]:
    rec, loc = sides()
    return diff(rec.normalize(recorded), loc.normalize(local))


def var(name: str, addr: int, value: str = "", kind: int = 2, typ: str = "int", **more: Any) -> dict[str, Any]:
    return {"name": name, "addr": addr, "type": typ, "realType": typ, "kind": kind, "value": value, **more}


def thread(tid: int, gid: int, pc: int, fn: str) -> dict[str, Any]:
    return {"id": tid, "pc": pc, "file": "", "line": 1, "function": {"name": fn}, "goroutineID": gid}


def test_paths_and_pids() -> None:
    rec: dict[str, Any] = {"Pid": 100, "file": "/src/progs/basic/main.go", "error": "Process 100 has exited; main.go:100"}
    loc: dict[str, Any] = {"Pid": 7, "file": LOCAL_SRC + "main.go", "error": "Process 7 has exited; main.go:100"}
    assert compare(rec, loc) == []
    # a pid is only a pid where the reply says so: a line number equal to it stays
    loc["error"] = "Process 7 has exited; main.go:7"
    assert [d[0] for d in compare(rec, loc)] == ["error"]
    # an unknown path is not rewritten
    assert compare(rec, {**loc, "error": rec["error"].replace("100", "7", 1), "file": "/elsewhere/main.go"})


def test_addresses_keep_their_relations() -> None:
    def ptr(p: int, target: int, base: int) -> dict[str, Any]:
        return var("p", p, str(target), kind=22, typ="*main.Point",
                   children=[var("", target, kind=25, typ="main.Point",
                                 children=[var("Label", target + 16, '"pt"', kind=24, typ="string", base=base)])])
    recorded = ptr(0xC000010000, 0xC000020000, 0x4D0000)
    assert compare(recorded, ptr(0x3E7B00010000, 0x3E7B00020000, 0x4D2000)) == []
    # the pointer no longer equals its pointee's address
    assert compare(recorded, ptr(0x3E7B00010000, 0x3E7B00020000, 0x3E7B00020000))
    # nil stays nil, code addresses and Delve's fake addresses stay exact
    assert compare(var("p", 0xC000010000, "0", kind=22), var("p", 0xC000010000, "4", kind=22))
    assert compare({"pc": 0x4B7164, "addr": 0xBEEF000000000000}, {"pc": 0x4B7168, "addr": 0xBEEF000000000000})
    assert compare({"addr": 0xBEEF000000000000}, {"addr": 0xBEEF000000000010})
    assert compare({"Registers": "Rip = 0x4b7164\nRsp = 0xc000093c10"},
                   {"Registers": "Rip = 0x4b7164\nRsp = 0x3e7b5450cb88"}) == []
    assert compare({"Registers": "Rax = 0x2d"}, {"Registers": "Rax = 0x2e"})


def test_threads_and_goroutines() -> None:
    def state(tids: list[int], gids: list[int], idle: int, pc: int) -> dict[str, Any]:
        threads = [thread(tids[0], 1, pc, "main.loop")] + [thread(t, 0, 0x466000, "runtime.futex")
                                                           for t in tids[1: 1 + idle]]
        return {"currentThread": threads[0], "currentGoroutine": {"id": 1, "currentLoc": {}, "threadID": tids[0]},
                "Threads": threads[::-1],
                "Goroutines": [{"id": g, "currentLoc": {}, "threadID": 0} for g in gids]}
    recorded = state([500, 501, 502, 503], [17, 21, 22], idle=3, pc=0x4B7164)
    assert compare(recorded, state([90, 91], [2, 18, 19], idle=1, pc=0x4B7164)) == []
    assert compare(recorded, state([90, 91], [2, 18, 19], idle=1, pc=0x4B7170))
    # two goroutines that were distinct are not allowed to become one
    assert compare(recorded, state([90, 91], [2, 18, 18], idle=1, pc=0x4B7164))
    # goroutine 1 is compared as is
    rec = {"id": 1, "currentLoc": {}, "threadID": 0}
    assert compare(rec, {**rec, "id": 2})
    bp = {"id": 1, "addrs": [0x4B7164], "addrpid": [100], "hitCount": {"1": 2, "40": 1}}
    assert compare(bp, {**bp, "addrpid": [7], "hitCount": {"1": 2, "14": 1}}) == []
    assert compare(bp, {**bp, "hitCount": {"1": 1, "14": 1}})


def test_map_orders() -> None:
    def m(pairs: list[tuple[str, str]]) -> dict[str, Any]:
        children = []
        for i, (k, v) in enumerate(pairs):
            children += [var("", 0xC000100000 + 16 * i, f'"{k}"', kind=24, typ="string"), var("", 0xC000200000 + 8 * i, v)]
        return var("m", 0xC000000100, kind=21, typ="map[string]int", children=children)
    assert compare(m([("one", "1"), ("two", "2")]), m([("two", "2"), ("one", "1")])) == []
    assert compare(m([("one", "1"), ("two", "2")]), m([("two", "1"), ("one", "2")]))
    lbp = {"Breakpoints": [{"id": -2, "addr": 0x450000, "addrs": [0x450000, 0x440000], "addrpid": [100, 100]},
                           {"id": 1, "addr": 0x4B7164, "addrs": [0x4B7164], "addrpid": [100]}]}
    mine = {"Breakpoints": [{"id": 1, "addr": 0x4B7164, "addrs": [0x4B7164], "addrpid": [7]},
                            {"id": -2, "addr": 0x440000, "addrs": [0x440000, 0x450000], "addrpid": [7, 7]}]}
    assert compare(lbp, mine) == []
    err = 'Location "add" ambiguous: main.add, runtime.add, runtime.offAddr.add…'
    assert compare({"error": err}, {"error": 'Location "add" ambiguous: runtime.add, main.add, maps.add…'}) == []
    assert compare({"error": err}, {"error": 'Location "add" ambiguous: main.add, runtime.add…'})
    assert compare({"error": err}, {"error": 'Location "add" ambiguous: main.add, runtime.sub, runtime.add…'})


def test_runtime_state_keeps_its_shape() -> None:
    def m0(curg: str, tick: str, field: str = "schedtick") -> dict[str, Any]:
        return var("mp", 0xC000000200, "5777056", kind=22, typ="*runtime.m", children=[
            var("", 5777056, kind=25, typ="runtime.m", children=[
                var("curg", 5777100, curg, kind=22, typ="*runtime.g", children=[var("", 0, kind=25, typ="runtime.g")]),
                var(field, 5777108, tick, kind=7, typ="uint32")])])
    assert compare(m0("0", "205"), m0("68699415585248", "220")) == []
    assert compare(m0("0", "205"), m0("0", "205", field="syscalltick"))
    # outside the runtime's structures a value is a value
    point = var("pt", 0xC000000300, kind=25, typ="main.Point", children=[var("X", 0xC000000300, "5")])
    assert compare(point, {**point, "children": [var("X", 0xC000000300, "6")]})


def test_diff_reports_key_order_and_missing_keys() -> None:
    assert [d[0] for d in diff(decode('{"a":1,"b":2}'), decode('{"b":2,"a":1}'))] == ["(key order)"]
    d = diff(decode('{"a":{"x":1.50}}'), decode('{"a":{"x":1.5,"y":null}}'))
    assert [p for p, _, _ in d] == ["a.x", "a.y"]
    assert describe(d[0]) == "a.x: Delve 1.50, pydlv 1.5"
