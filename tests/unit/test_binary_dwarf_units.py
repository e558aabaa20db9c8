"""Compile-unit pc ranges (dwarf_units) cover every Go function of real binaries.

Go's linker writes a unit's ranges as offsets from the unit's first function, which
is not always its lowest: a crypto/internal/fips140 generic instantiated elsewhere
is laid out in the FIPS text after all other code, so some offsets are negative.
The program below has such a unit under Go 1.27 (crypto/internal/fips140/sha3),
and cgo puts C code (gcc's units, crt) ahead of the Go text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TOOLCHAINS, go_build
from pydlv.binary.gobinary import GoBinary

PROGRAM = """package main

{cgo}

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

func main() {{
	m := hmac.New(sha256.New, []byte("k"))
	m.Write([]byte("x"))
	fmt.Println({call}, m.Sum(nil))
}}
"""
CGO = ("// int twice(int x) { return 2 * x; }\nimport \"C\"", "C.twice(2)")
PURE = ("", "2")


@pytest.mark.parametrize("cgo", [True, False], ids=["cgo", "pure"])
@pytest.mark.parametrize(("label", "go_cmd"), TOOLCHAINS, ids=[t[0] for t in TOOLCHAINS])
def test_every_function_has_its_unit(label: str, go_cmd: str, cgo: bool, tmp_path: Path) -> None:
    if shutil.which(go_cmd) is None:
        pytest.skip(f"{label} not installed")
    directive, call = CGO if cgo else PURE
    (tmp_path / "go.mod").write_text("module prog\n\ngo 1.19\n")
    (tmp_path / "main.go").write_text(PROGRAM.format(cgo=directive, call=call))
    binary = GoBinary.open(str(go_build(go_cmd, tmp_path, tmp_path / "prog", cgo=cgo)))
    try:
        units = binary._units
        assert units is not None
        checked = 0
        for fn in binary.functions():
            # No line table: C code of host objects and linker markers (go:textfipsstart),
            # which have no DWARF unit either.
            if not binary.pc_to_line(fn.entry)[0]:
                continue
            unit = units.unit_at(fn.entry)
            assert unit is not None, f"{fn.name} at {fn.entry:#x}: no unit"
            assert any(lo <= fn.entry < hi for lo, hi in unit.ranges), (fn.name, unit.name)
            assert binary.function_at(fn.entry) == fn
            checked += 1
        assert checked > 1000
        assert binary.function_named("main.main") is not None
    finally:
        binary.close()
