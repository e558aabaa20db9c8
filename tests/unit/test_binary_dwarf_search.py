"""Top-level DIEs found by the bytes of their name (binary/dwarf_search.py): the same answers as
walking the units, for types, package variables and constants, hits, suffixes and misses."""

from __future__ import annotations

from pathlib import Path

import gotoolchains
import pytest
from conftest import TOOLCHAINS, open_binary
from pydlv.binary.dwarf_types import DwarfTypes
from pydlv.binary.dwarf_units import dwarf_text
from pydlv.binary.dwarf_vars import DwarfVars
from pydlv.binary.gotypes import _TYPE_TAG_LIST

STRUCT = ("DW_TAG_structure_type",)
GLOBALS = ("DW_TAG_variable", "DW_TAG_constant")
# exact names, names ending in "/" + name, constants, and names that are nowhere
NAMES = ("main.GlobalCounter", "main.GlobalName", "main.GlobalSlice", "bytealg.MaxLen",
         "internal/bytealg.MaxLen", "runtime._Grunning", "runtime.maxstacksize", "main.pt", "pt",
         "main.Point", "runtime.g", "g", "MaxLen")


def test_types_found_as_the_walk_finds_them(basic_binary: Path) -> None:
    binary = open_binary(basic_binary)
    try:
        units = binary.dwarf_units
        fast = binary.dwarf_types
        walk = DwarfTypes(lambda: units)
        walk._all_units()
        walk._search = None  # the unit walk this module replaces
        for name in ("runtime.g", "runtime.m", "runtime.gobuf", "runtime.stack", "main.Point", "main.Rect",
                     "sync.WaitGroup", "runtime.hchan"):
            a, b = fast._find_type(name), walk._find_type(name)
            assert a is not None and b is not None and a.offset == b.offset, name
            assert fast.struct_layout(name) == walk.struct_layout(name)
        for missing in ("runtime.nosuchtype", "*runtime.g", "[]runtime.g", "g"):
            assert fast._find_type(missing) is None and walk._find_type(missing) is None
    finally:
        binary.close()


def test_globals_found_as_the_walk_finds_them(basic_binary: Path) -> None:
    binary = open_binary(basic_binary)
    try:
        units = binary.dwarf_units
        fast = DwarfVars(units.dwarf, units.search)
        walk = DwarfVars(units.dwarf)
        for name in NAMES:
            fv, fc = fast.globals_named(name)
            wv, wc = walk.globals_named(name)
            assert [(n, d.offset) for n, d in fv] == [(n, d.offset) for n, d in wv], name
            assert fc == wc, name
        vars_, _ = fast.globals_named("bytealg.MaxLen")
        assert [n for n, _ in vars_] == ["internal/bytealg.MaxLen"]  # by its "/" suffix
        assert fast.globals_named("main.pt") == ([], [])
        _, consts = fast.globals_named("runtime._Grunning")
        assert [(n, v) for _, n, v in consts] == [("runtime._Grunning", 2)]
    finally:
        binary.close()


def test_a_name_inside_another_name_is_not_a_die(basic_binary: Path) -> None:
    """`runtime.g\\0` also ends `*runtime.g`, `[]runtime.g`...: only the struct's own DIE answers."""
    binary = open_binary(basic_binary)
    try:
        search = binary.dwarf_units.search
        data = search._data
        occurrences = data.count(b"runtime.g\0")
        assert occurrences > 1  # the pointer type's name at least
        found = search.find("runtime.g", STRUCT)
        assert len(found) == 1 and dwarf_text(found[0].attributes["DW_AT_name"].value) == "runtime.g"
        assert search.find("runtime.g", GLOBALS) == []
    finally:
        binary.close()


def test_names_not_written_inline_fall_back_to_the_walk(basic_binary: Path) -> None:
    """DWARF whose names are not found by their bytes (another linker): every miss is checked by
    the unit walk, so lookups answer as before."""
    binary = open_binary(basic_binary)
    try:
        units = binary.dwarf_units
        search = units.search
        search._data = b""  # nothing can be found by bytes
        search.proven = search._probed = False
        assert not search.works()
        types = DwarfTypes(lambda: units)
        assert types.struct_layout("runtime.g").size > 0
        vars_, _ = DwarfVars(units.dwarf, search).globals_named("main.GlobalCounter")
        assert [n for n, _ in vars_] == ["main.GlobalCounter"]
    finally:
        binary.close()


def test_a_miss_is_trusted_once_the_bytes_work(basic_binary: Path) -> None:
    binary = open_binary(basic_binary)
    try:
        units = binary.dwarf_units
        fresh = DwarfVars(units.dwarf, units.search)
        assert fresh.globals_named("main.pt") == ([], [])
        assert units.search.works()
        assert fresh._pkg_vars is None  # answered without walking every unit
    finally:
        binary.close()


def test_type_names_the_bytes_rule_out_are_not_types(basic_binary: Path) -> None:
    # GoTypes.by_name answers "no such type" from the bytes of .debug_info until the index of every
    # type exists (a `call` asks whether its function's name is a type): that must never hide a
    # type the index has, and must rule out what a call names.
    binary = open_binary(basic_binary)
    try:
        types = binary.go_types
        assert types is not None
        early = {name: types.by_name(name) for name in ("add", "main.add", "fmt.Println", "main.Point", "int")}
        assert types._names is not None  # a name with bytes in place made the index
        assert early["add"] is None and early["main.add"] is None and early["fmt.Println"] is None
        assert early["main.Point"] is not None and early["int"] is not None
        assert len(types._names) > 500
        for name in types._names:
            assert types._may_exist(name), name
        for name in ("add", "main.add", "greet", "nosuch.Type"):
            assert not types._may_exist(name), name
    finally:
        binary.close()



@pytest.fixture(scope="module", params=TOOLCHAINS, ids=[t[0] for t in TOOLCHAINS])
def inlined_and_basic(request: pytest.FixtureRequest) -> tuple[Path, Path]:
    tc = gotoolchains.find(request.param[0].removeprefix("go"))
    if tc is None:
        pytest.skip(f"{request.param[0]} not installed")
    return gotoolchains.build("inlined", tc), gotoolchains.build("basic", tc)


def test_a_code_byte_that_continues_is_no_code(inlined_and_basic: tuple[Path, Path]) -> None:
    """An abbreviation code must end right before the name: a byte with its continuation bit
    set there (0xA0 before some "f\\0" of testdata/inlined) starts a longer code that runs into
    the name, not the one-byte code of its low bits. Taken as that, pyelftools parsed the DIE
    with the longer code and raised KeyError(13088) (Go 1.27; 13092 on Go 1.19) at `call f(7)`.
    A chance match of a valid code may still answer (then GoTypes' index decides): its name is
    the name asked for."""
    for path in inlined_and_basic:
        binary = open_binary(path)
        try:
            search = binary.dwarf_units.search
            for name in [chr(c) for c in range(ord("a"), ord("z") + 1)] + ["f1", "main.f"]:
                for die in search.find(name, _TYPE_TAG_LIST) + search.find(name, GLOBALS):
                    assert dwarf_text(die.attributes["DW_AT_name"].value) == name, (path, name)
        finally:
            binary.close()
