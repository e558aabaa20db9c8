"""DWARF struct layouts of the runtime, read lazily from real binaries."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import open_binary
from pydlv.binary.dwarf_types import DwarfTypeError, DwarfTypes
from pydlv.binary.gotypes import Kind


def _types(path: Path) -> DwarfTypes:
    return open_binary(path).dwarf_types


def test_runtime_g_layout(basic_binary: Path) -> None:
    types = _types(basic_binary)
    start = time.perf_counter()
    g = types.struct_layout("runtime.g")
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0  # ~40 ms measured; the bound only catches an eager full parse
    for name in ("stack", "sched", "m", "goid", "atomicstatus", "gopc", "startpc", "waitsince", "waitreason"):
        assert name in g.fields
    assert g.fields["stack"].offset == 0 and g.fields["stack"].type_name == "runtime.stack"
    assert g.fields["m"].type_name == "*runtime.m" and g.fields["m"].size == 8
    assert g.fields["goid"].size == 8
    assert g.fields["goid"].type_name in ("int64", "uint64")  # int64 until 1.19, uint64 since 1.20
    status = g.fields["atomicstatus"]
    assert status.type_name == "uint32" or status.type_name.endswith("atomic.Uint32")
    assert g.size > g.fields["startpc"].offset
    # Cached: the second lookup is free.
    assert types.struct_layout("runtime.g") is g


def test_other_runtime_layouts(basic_binary: Path) -> None:
    types = _types(basic_binary)
    gobuf = types.struct_layout("runtime.gobuf")
    assert {"sp", "pc", "bp", "ctxt"} <= set(gobuf.fields)
    assert gobuf.fields["sp"].offset == 0 and gobuf.fields["pc"].offset == 8
    stack = types.struct_layout("runtime.stack")
    assert (stack.fields["lo"].offset, stack.fields["hi"].offset, stack.size) == (0, 8, 16)
    m = types.struct_layout("runtime.m")
    assert m.fields["g0"].offset == 0 and m.fields["curg"].type_name == "*runtime.g"
    assert "arg" in types.struct_layout("runtime._panic").fields
    point = types.struct_layout("main.Point")
    assert [(n, f.offset, f.type_name) for n, f in point.fields.items()] == [
        ("X", 0, "int"), ("Y", 8, "int"), ("Label", 16, "string")]


def test_missing_type(basic_binary: Path) -> None:
    types = _types(basic_binary)
    with pytest.raises(DwarfTypeError):
        types.struct_layout("main.NoSuchType")
    assert types.try_struct_layout("main.NoSuchType") is None


def test_trampolines(basic_binary: Path) -> None:
    types = _types(basic_binary)
    # The wrapper of `go worker(...)`: main.main.gowrap1 (1.22+) or main.main.func1 (older).
    wrappers = [n for n in ("main.main.gowrap1", "main.main.func1") if types.is_trampoline(n)]
    assert len(wrappers) == 1
    assert not types.is_trampoline("main.worker")


def test_one_dwarf_handle_read_lazily(basic_binary: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both type readers come from the binary, over its one DWARFInfo, made on first use."""
    monkeypatch.setenv("PYDLV_NO_CACHE", "1")  # an earlier test's index would answer without DWARF
    binary = open_binary(basic_binary)
    try:
        types = binary.dwarf_types
        assert "_units" not in binary.__dict__  # made without reading DWARF (it is made at launch)
        assert types.struct_layout("runtime.g").size > 0
        assert "_units" in binary.__dict__  # the first question loaded the binary's unit index
        go_types = binary.go_types
        assert go_types is not None and binary.dwarf_types is types and binary.go_types is go_types
        point = go_types.by_name("main.Point")
        assert point is not None and point.resolved().kind == Kind.Struct
        assert [f.name for f in point.resolved().fields] == list(types.struct_layout("main.Point").fields)
        assert go_types.die_at(point.offset).dwarfinfo is binary.dwarf_info
        assert go_types.types_base == binary.symbol_address("runtime.types")
    finally:
        binary.close()
