"""Stacks, goroutines, threads, registers, memory and code of a stopped target, on a real
pydlv server. Expected values come from the testdata programs' markers and from what real
Delve 1.20.2 answered on the same Go 1.19 builds (recorded below where it matters)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from elftools.elf.elffile import ELFFile
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, ServerProcess
from serverhelpers import call_error, cont, create_bp

Build = Callable[[str, GoToolchain], Path]
Launch = Callable[..., ServerProcess]

BASIC = str(TESTDATA / "basic" / "main.go")
ADD_LINE = marker_line("basic", "BP-ADD")
MAIN_LINE = marker_line("basic", "BP-MAIN")
LOOP_LINE = marker_line("basic", "BP-LOOP")
CGO = str(TESTDATA / "cgo" / "main.go")


def stop_at(c: RawClient, file: str, line: int) -> dict[str, Any]:
    create_bp(c, file=file, line=line)
    state = cont(c)
    assert state["currentThread"]["line"] == line, state
    return state


def names(frames: list[dict[str, Any]]) -> list[str]:
    return [f["function"]["name"] if f["function"] else "?" for f in frames]


@pytest.mark.smoke
def test_stacktrace_at_add(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    stop_at(c, BASIC, ADD_LINE)
    frames = c.call("Stacktrace", {"Id": -1, "Depth": 50})["Locations"]
    assert names(frames) == ["main.add", "main.loop", "main.main", "runtime.main", "runtime.goexit"]
    assert [f["line"] for f in frames[:3]] == [ADD_LINE, LOOP_LINE, MAIN_LINE - 1]
    assert [bool(f.get("Bottom")) for f in frames] == [False] * 4 + [True]
    assert list(frames[0]) == ["pc", "file", "line", "function", "Locals", "Arguments", "FrameOffset",
                               "FramePointerOffset", "Defers", "Err"]
    assert frames[0]["Locals"] is None and frames[0]["Defers"] == []
    # Offsets from g.stack.hi grow towards the caller; with frame pointers BP = CFA - 16.
    offs = [f["FrameOffset"] for f in frames]
    assert offs == sorted(offs) and all(o < 0 for o in offs)
    for f in frames[1:4]:
        assert f["FramePointerOffset"] == f["FrameOffset"] - 16
    # Same goroutine by id; Depth counts the frames above the first; Skip drops leading ones.
    assert c.call("Stacktrace", {"Id": 1, "Depth": 50})["Locations"] == frames
    assert names(c.call("Stacktrace", {"Id": 1, "Depth": 0})["Locations"]) == ["main.add"]
    two = c.call("Stacktrace", {"Id": 1, "Depth": 1})["Locations"]
    assert names(two) == ["main.add", "main.loop"] and "Bottom" not in two[-1]
    assert names(c.call("Stacktrace", {"Id": 1, "Depth": 50, "Skip": 2})["Locations"]) == names(frames)[2:]
    assert call_error(c, "Stacktrace", {"Id": 9999, "Depth": 5}) == "unknown goroutine 9999"


def test_stacktrace_before_the_runtime_starts(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """At the ELF entry (no goroutine) Delve 1.20 and 1.27 unwind _rt0_amd64_linux to its
    "return address", argc: a pc without CFI, unwound by BP, which no Go frame's CFI restores.
    Their answer: the entry frame, an empty frame marked Bottom, then a `NULL address` error
    frame (past the depth); with Depth 0 the entry frame alone (dlv 1.27.1 and 1.20.2, run)."""
    c = launch_server(build_go("basic", go)).client()
    empty = {"pc": 0, "file": "", "line": 0, "Locals": None, "Arguments": None, "FrameOffset": 0,
             "FramePointerOffset": 0, "Defers": []}
    for depth in (1, 5):
        top, bottom, err = c.call("Stacktrace", {"Id": -1, "Depth": depth})["Locations"]
        assert (top["function"]["name"], top["line"], top["Err"]) == ("_rt0_amd64_linux", 8, "")
        assert top["FrameOffset"] > 0 and "Bottom" not in top  # no goroutine: the CFA itself
        assert bottom == {**empty, "Bottom": True, "Err": ""}
        assert err == {**empty, "Err": "NULL address"}
    (only,) = c.call("Stacktrace", {"Id": -1, "Depth": 0})["Locations"]
    assert only["function"]["name"] == "_rt0_amd64_linux" and only["Err"] == "" and "Bottom" not in only
    assert call_error(c, "Command", {"name": "stepOut"}) == "input/output error"  # its return pc is 0


def test_defers_of_worker(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    stop_at(c, BASIC, MAIN_LINE)
    workers = c.call("ListGoroutines", {"Filters": [{"Kind": 4, "Arg": "main.worker"}]})["Goroutines"]
    frames = c.call("Stacktrace", {"Id": workers[0]["id"], "Depth": 20, "Defers": True})["Locations"]
    worker = next(f for f in frames if f["function"]["name"] == "main.worker")
    assert len(worker["Defers"]) == 1, worker
    d = worker["Defers"][0]
    assert d["DeferredLoc"]["function"]["name"] == "sync.(*WaitGroup).Done"
    assert d["DeferLoc"]["function"]["name"] == "main.worker" and d["SP"] > 0
    assert all(not f["Defers"] for f in frames if f is not worker)


@pytest.mark.smoke
def test_list_goroutines(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    stop_at(c, BASIC, MAIN_LINE)
    out = c.call("ListGoroutines", {"Start": 0, "Count": 0})
    assert list(out) == ["Goroutines", "Nextg", "Groups", "TooManyGroups"]
    gs = out["Goroutines"]
    assert out["Nextg"] == -1 and out["Groups"] is None and gs[0]["id"] == 1
    assert gs[0]["threadID"] > 0 and gs[0]["userCurrentLoc"]["line"] == MAIN_LINE
    workers = [g for g in gs if g["startLoc"]["function"]["name"] == "main.worker"]
    assert len(workers) == 4
    assert {g["userCurrentLoc"]["function"]["name"] for g in workers} == {"main.worker"}
    # Paging: Nextg continues where the page stopped, the pages cover the whole list.
    seen, start = [], 0
    while start != -1:
        page = c.call("ListGoroutines", {"Start": start, "Count": 2})
        assert len(page["Goroutines"]) <= 2
        seen += [g["id"] for g in page["Goroutines"]]
        start = page["Nextg"]
    assert seen == [g["id"] for g in gs]
    # Filters: user location, running, user (negated: system goroutines), ANDed.
    by_loc = c.call("ListGoroutines", {"Filters": [{"Kind": 2, "Arg": "worker"}]})["Goroutines"]
    assert [g["id"] for g in by_loc] == [g["id"] for g in workers]
    running = c.call("ListGoroutines", {"Filters": [{"Kind": 6}]})["Goroutines"]
    assert [g["id"] for g in running] == [1]
    system = c.call("ListGoroutines", {"Filters": [{"Kind": 7, "Negated": True}]})["Goroutines"]
    assert system and all(g["startLoc"]["function"]["name"].startswith("runtime.") for g in system)
    both = c.call("ListGoroutines", {"Filters": [{"Kind": 7}, {"Kind": 6, "Negated": True}]})["Goroutines"]
    assert [g["id"] for g in both] == [g["id"] for g in workers]
    # Grouping by start location: sorted names "file:line in fn", members capped.
    grouped = c.call("ListGoroutines", {"GroupBy": 4, "MaxGroupMembers": 2, "MaxGroups": 0})
    groups = grouped["Groups"]
    assert [g["Name"] for g in groups] == sorted(g["Name"] for g in groups)
    wg = next(g for g in groups if g["Name"].endswith(" in main.worker"))
    assert wg["Name"] == f"{BASIC}:{marker_line('basic', 'BP-WORKER') - 2} in main.worker"
    assert (wg["Count"], wg["Total"]) == (2, 4)
    assert sum(g["Count"] for g in groups) == len(grouped["Goroutines"])
    assert grouped["Goroutines"][wg["Offset"]]["startLoc"]["function"]["name"] == "main.worker"
    capped = c.call("ListGoroutines", {"GroupBy": 6, "MaxGroupMembers": 1, "MaxGroups": 1})
    assert [g["Name"] for g in capped["Groups"]] == ["running=false"] and capped["TooManyGroups"] is True
    assert call_error(c, "ListGoroutines", {"Filters": [{"Kind": 8, "Negated": True}]}) == \
        "channel filter can not be negated"
    assert call_error(c, "ListGoroutines", {"Filters": [{"Kind": 8}]}) == "count == 0 not allowed with a channel filter"


def test_switch_goroutine_and_thread(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    state = stop_at(c, BASIC, MAIN_LINE)
    tid = state["currentThread"]["id"]
    gs = c.call("ListGoroutines", {"Filters": [{"Kind": 4, "Arg": "main.worker"}]})["Goroutines"]
    st = c.call("Command", {"name": "switchGoroutine", "goroutineID": gs[0]["id"]})["State"]
    assert st["currentGoroutine"]["id"] == gs[0]["id"] and st["currentThread"]["id"] == tid
    frames = c.call("Stacktrace", {"Id": -1, "Depth": 10})["Locations"]
    assert "main.worker" in names(frames)
    assert call_error(c, "Command", {"name": "switchGoroutine", "goroutineID": 12345}) == "unknown goroutine 12345"
    st = c.call("Command", {"name": "switchThread", "threadID": tid})["State"]
    assert st["currentGoroutine"]["id"] == 1
    assert call_error(c, "Command", {"name": "switchThread", "threadID": 1}) == "thread 1 does not exist"


@pytest.mark.smoke
def test_registers(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    c = launch_server(build_go("basic", go)).client()
    state = stop_at(c, BASIC, ADD_LINE)
    out = c.call("ListRegisters", {"ThreadID": 0, "IncludeFp": False})
    regs = out["Regs"]
    assert [r["Name"] for r in regs[:6]] == ["Rip", "Rsp", "Rax", "Rbx", "Rcx", "Rdx"]
    assert len(regs) == 26 and regs[-1]["Name"] == "Gs_base"
    assert int(regs[0]["Value"], 16) == state["currentThread"]["pc"]
    rflags = next(r for r in regs if r["Name"] == "Rflags")
    assert rflags["DwarfNumber"] == 49 and "\t[" in rflags["Value"] and "IOPL=0]" in rflags["Value"]
    assert out["Registers"].splitlines()[0] == f"    Rip = {regs[0]['Value']}"
    assert out["Registers"].splitlines()[-2].startswith("Fs_base = 0x")
    fp = c.call("ListRegisters", {"Scope": {"GoroutineID": -1, "Frame": 0}, "IncludeFp": True})["Regs"]
    assert len(fp) == 53
    assert [r["Name"] for r in fp[17:19]] == ["XMM0", "XMM1"] and fp[33]["Name"] == "ST(0)"
    assert [r["Name"] for r in fp[-3:]] == ["MXCSR", "CW", "SW"]
    assert "\tv2_int={ " in fp[17]["Value"] and "\tv4_float={ " in fp[17]["Value"]
    # An outer frame: what unwinding knows (Delve: Rip, Rsp, Rbp).
    frames = c.call("Stacktrace", {"Id": -1, "Depth": 2})["Locations"]
    f1 = c.call("ListRegisters", {"Scope": {"GoroutineID": -1, "Frame": 1}})
    assert [r["Name"] for r in f1["Regs"]] == ["Rip", "Rsp", "Rbp"]
    assert int(f1["Regs"][0]["Value"], 16) == frames[1]["pc"]
    assert f1["Registers"].startswith("Rip = 0x")
    assert call_error(c, "ListRegisters", {"ThreadID": 12345}) == "couldn't find thread 12345"


def _symbol(exe: Path, name: str) -> int:
    with open(exe, "rb") as f:
        sym = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
        return int(sym[0]["st_value"])


def test_disassembly_of_a_range_ending_inside_an_instruction(go: GoToolchain, build_go: Build,
                                                              launch_server: Launch) -> None:
    """As Delve's x86asm: the bytes of an instruction cut by EndPC are one-byte instructions of
    their first byte taken as a prefix (dlv 1.27.1 run: `rex.w`, `prefix(0x89)`; Go flavour
    `Op(0)`, `Prefix(0x89) Op(0)`)."""
    c = launch_server(build_go("basic", go)).client()
    entry = c.call("FindLocation", {"Scope": {"GoroutineID": -1}, "Loc": "main.add"})["Locations"][0]
    fn = entry["function"]["value"]
    whole = c.call("Disassemble", {"Scope": {"GoroutineID": -1}, "StartPC": fn, "EndPC": fn + 64,
                                   "Flavour": 1})["Disassemble"]
    # the first MOV r/m64, r64 (48 89 ...): cut after its first two bytes
    start = next(i["Loc"]["pc"] for i in whole if base64.b64decode(i["Bytes"])[:2] == b"\x48\x89")

    def texts(flavour: int) -> list[str]:
        insts = c.call("Disassemble", {"Scope": {"GoroutineID": -1}, "StartPC": start, "EndPC": start + 2,
                                       "Flavour": flavour})["Disassemble"]
        return [i["Text"] for i in insts]

    assert texts(1) == texts(0) == ["rex.w", "prefix(0x89)"]
    assert texts(2) == ["Op(0)", "Prefix(0x89) Op(0)"]


def test_memory_and_disassembly(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    exe = build_go("basic", go)
    c = launch_server(exe).client()
    state = stop_at(c, BASIC, ADD_LINE)
    addr = _symbol(exe, "main.GlobalCounter")
    mem = c.call("ExamineMemory", {"Address": addr, "Length": 8})
    assert base64.b64decode(mem["Mem"]) == (42).to_bytes(8, "little") and mem["IsLittleEndian"] is True
    assert call_error(c, "ExamineMemory", {"Address": 0, "Length": 8}) == "input/output error"
    assert call_error(c, "ExamineMemory", {"Address": addr, "Length": 70000}) == \
        "len must be less than or equal to 65536"
    pc = state["currentThread"]["pc"]
    fn = state["currentThread"]["function"]["value"]
    for flavour in (0, 1, 2):
        insts = c.call("Disassemble", {"Scope": {"GoroutineID": -1}, "StartPC": pc, "EndPC": 0,
                                       "Flavour": flavour})["Disassemble"]
        assert insts[0]["Loc"]["pc"] == fn
        assert any(i["Text"].lower().startswith("ret") for i in insts)
        assert [i["Loc"]["pc"] for i in insts if i["AtPC"]] == [pc]
        assert [i["Loc"]["pc"] for i in insts if i["Breakpoint"]] == [pc]
        text = " ".join(i["Text"].lower() for i in insts)
        assert "add" in text and "mov" in text
        assert insts[0]["Loc"]["function"]["name"] == "main.add"
    assert call_error(c, "Disassemble", {"Scope": {"GoroutineID": -1}, "StartPC": 0}) == \
        "address 0x0 does not belong to any function"
    pkgs = c.call("ListPackagesBuildInfo", {"IncludeFiles": True, "Filter": "^main$"})["List"]
    assert len(pkgs) == 1, pkgs
    assert pkgs == [{"ImportPath": "main", "DirectoryPath": str(TESTDATA / "basic"),
                     "Files": pkgs[0]["Files"]}] and BASIC in pkgs[0]["Files"]
    assert c.call("ListDynamicLibraries", {})["List"] == []
    assert call_error(c, "Ancestors", {"GoroutineID": 1, "NumAncestors": 1, "Depth": 1}) == \
        "tracebackancestors is disabled"


# Delve's ListPackagesBuildInfo for testdata/basic (dlv 1.27.1 on the go1.27.3 build, dlv 1.20.2 on
# the go1.19.8 one, run): one entry per Go unit whose line program's first row is in a .go/.s file,
# that file's directory (GOROOT-relative here), even another package's (an inlined function's).
DELVE_PACKAGES = {
    "go1.27.3": [
        ("fmt", "sync/atomic"), ("internal/abi", None), ("internal/bytealg", None), ("internal/byteorder", None),
        ("internal/chacha8rand", None), ("internal/cpu", None), ("internal/fmtsort", None),
        ("internal/godebugs", None), ("internal/reflectlite", None), ("internal/runtime/atomic", None),
        ("internal/runtime/cgroup", None), ("internal/runtime/exithook", None), ("internal/runtime/gc/scan", None),
        ("internal/runtime/maps", None), ("internal/runtime/sys", None), ("internal/runtime/syscall/linux", None),
        ("internal/strconv", None), ("internal/stringslite", None), ("internal/sync", None),
        ("internal/syscall/unix", None), ("main", "MAIN"), ("math/bits", None), ("os", "internal/runtime/atomic"),
        ("reflect", None), ("runtime", None), ("sync/atomic", None), ("syscall", None), ("unicode/utf8", None)],
    "go1.19.8": [
        (p, "MAIN" if p == "main" else None) for p in [
            "errors", "fmt", "internal/abi", "internal/bytealg", "internal/cpu", "internal/fmtsort", "internal/itoa",
            "internal/oserror", "internal/poll", "internal/reflectlite", "internal/safefilepath",
            "internal/syscall/unix", "io", "io/fs", "main", "math", "math/bits", "os", "path", "reflect", "runtime",
            "runtime/internal/atomic", "runtime/internal/sys", "runtime/internal/syscall", "sort", "strconv", "sync",
            "sync/atomic", "syscall", "time", "unicode", "unicode/utf8"]],
}


def test_packages_build_info_as_delve(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    if go.full not in DELVE_PACKAGES:
        pytest.skip(f"Delve's answer recorded for {sorted(DELVE_PACKAGES)} only, not {go.full}")
    c = launch_server(build_go("basic", go)).client()
    pkgs = c.call("ListPackagesBuildInfo", {"IncludeFiles": True})["List"]
    src = str(go.goroot.resolve() / "src") + "/"

    def where(d: str) -> str:
        return "MAIN" if d == str(TESTDATA / "basic") else d.removeprefix(src)

    want = [(p, "MAIN" if d == "MAIN" else d or p) for p, d in DELVE_PACKAGES[go.full]]
    assert [(p["ImportPath"], where(p["DirectoryPath"])) for p in pkgs] == want
    main = next(p for p in pkgs if p["ImportPath"] == "main")
    # Go 1.25+ writes DWARF 5, whose file 0 is named "?": Delve lists it with the unit's files
    assert ("?" in main["Files"]) == (go.key >= (1, 25)) and BASIC in main["Files"]


@pytest.mark.go("1.19")
def test_cgo_stack(go: GoToolchain, build_go: Build, launch_server: Launch) -> None:
    """Go frames on both sides of C frames, as Delve 1.20.2 shows them on this build."""
    c = launch_server(build_go("cgo", go)).client()
    stop_at(c, CGO, marker_line("cgo", "BP-CALLBACK"))
    frames = c.call("Stacktrace", {"Id": -1, "Depth": 50})["Locations"]
    got = names(frames)
    assert got[:7] == ["main.goCallback", got[1], "runtime.cgocallbackg1", "runtime.cgocallbackg",
                       "runtime.cgocallbackg", "runtime.cgocallback", "crosscall2"]
    assert got[1].startswith("_cgoexp_") and got[1].endswith("_goCallback")
    assert got[7:9] == ["C.goCallback", "C.cWork"]
    i = got.index("runtime.asmcgocall")
    assert got[i + 1].startswith("C._cgo_") and got[i + 2:] == [
        "runtime.cgocall", got[i + 3], "main.callC", "main.main", "runtime.main", "runtime.goexit"]
    assert frames[-1]["Bottom"] is True
    # Goroutine-stack frames are relative to stack.hi, system-stack (C) frames absolute.
    assert frames[5]["FrameOffset"] < 0 < frames[6]["FrameOffset"]
    assert frames[i + 1]["FrameOffset"] + 56 == frames[i + 2]["FrameOffset"]
    libs = [lib["Path"] for lib in c.call("ListDynamicLibraries", {})["List"]]
    assert any("libc.so" in p for p in libs)
