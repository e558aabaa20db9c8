"""The pure .gopclntab decoder, on the raw section bytes of real binaries."""

from __future__ import annotations

import struct

import pytest
from pydlv.binary.dwarf_lines import LineProgram
from pydlv.binary.elfimage import ElfImage
from pydlv.binary.pclntab import Pclntab, PclntabError
from pydlv.binary.prologue import CMP, JBE, MOV, decode_one
from test_binary_helpers import MAIN_GO, build_basic


@pytest.fixture(scope="module", params=[("go1.27", "1.20"), ("go1.19", "1.18")], ids=["go1.27", "go1.19"])
def table(request: pytest.FixtureRequest) -> tuple[Pclntab, str]:
    label, fmt = request.param
    img = ElfImage(str(build_basic(label)))
    data = img.section_bytes(".gopclntab")
    magic = struct.unpack_from("<I", data)[0]
    assert magic == {"1.20": 0xFFFFFFF1, "1.18": 0xFFFFFFF0}[fmt]
    yield Pclntab(data, img.section_addr(".text")), fmt
    img.close()


def test_header_and_function_table(table: tuple[Pclntab, str]) -> None:
    t, fmt = table
    assert t.format == fmt and t.ptr_size == 8 and t.quantum == 1
    assert t.nfunc > 1000
    entries = [t.entry(i) for i in range(t.nfunc)]
    assert entries == sorted(entries) and entries[0] == t.text_start
    names = dict((n, i) for i, n in t.names())
    i = names["main.add"]
    rec = t.func(i)
    assert rec.name == "main.add" and rec.entry == t.entry(i) and rec.end == t.entry(i + 1)
    assert t.index_at(rec.entry) == i and t.index_at(rec.end - 1) == i
    assert t.index_at(t.text_start - 1) is None and t.index_at(t.text_end) is None
    assert rec.start_line == (38 if fmt == "1.20" else 0)


def test_lines_files_and_sp(table: tuple[Pclntab, str]) -> None:
    t, _ = table
    i = next(i for i, n in t.names() if n == "main.add")
    rec = t.func(i)
    assert t.line_at(rec, rec.entry) == (str(MAIN_GO), 38)
    lines = {v for _s, _e, v in t.pcvalue_table(rec.pcln, rec.entry)}
    assert lines == {38, 39, 40}
    runs = t.pcvalue_table(rec.pcsp, rec.entry)
    assert runs[0][0] == rec.entry and rec.end - 32 < runs[-1][1] <= rec.end  # then alignment padding
    assert runs[0][2] == 0 and max(v for *_, v in runs) > 0
    assert t.files_of(rec) == {str(MAIN_GO)}
    assert str(MAIN_GO) in t.file_names()


def test_rejects_garbage() -> None:
    with pytest.raises(PclntabError):
        Pclntab(b"\x00" * 64)


def test_dwarf_line_program_of_main() -> None:
    from elftools.elf.elffile import ELFFile  # only to find the unit's stmt_list

    path = str(build_basic("go1.27"))
    with open(path, "rb") as fh:
        dw = ELFFile(fh).get_dwarf_info()
        cu = next(c for c in dw.iter_CUs() if c.get_top_DIE().attributes["DW_AT_name"].value == b"main")
        off = cu.get_top_DIE().attributes["DW_AT_stmt_list"].value
        mv = memoryview(dw.debug_line_sec.stream.getvalue())
        ls = dw.debug_line_str_sec
        lp = LineProgram(mv, off, line_str=memoryview(ls.stream.getvalue()) if ls else None)
        ref = [(e.state.address, e.state.line, bool(e.state.is_stmt)) for e in dw.line_program_for_CU(cu).get_entries()
               if e.state is not None and not e.state.end_sequence]
    mine = [(r.address, r.line, r.is_stmt) for r in lp.rows() if not r.end_sequence]
    assert mine == ref  # same rows as pyelftools, only faster
    assert str(MAIN_GO) in lp.files


def test_prologue_decoder() -> None:
    assert decode_one(bytes.fromhex("493b6610"), 0) == (CMP, 4)  # CMPQ SP, 16(R14)
    assert decode_one(bytes.fromhex("0f8612345678"), 0) == (JBE, 6)
    assert decode_one(bytes.fromhex("64488b0c25f8ffffff"), 0) == (MOV, 9)  # MOVQ FS:-8, CX
    assert decode_one(bytes.fromhex("55"), 0) is None  # PUSHQ BP: not a prologue kind
