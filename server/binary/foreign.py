"""Code that .gopclntab does not describe: C functions linked into cgo binaries.

Delve names them from DWARF (`C.` + the subprogram name for C compile units),
finds their lines in the DWARF line table, and unwinds them with call frame
information (.eh_frame / .debug_frame). Everything is parsed on first use: a
pure Go binary never pays for it, and a cgo one only once a C pc is seen. The DWARF is
GoBinary's (GoBinary.foreign_code): the executable is not opened again.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING

from ..records import record

if TYPE_CHECKING:
    from elftools.dwarf.callframe import FDE
    from elftools.dwarf.dwarfinfo import DWARFInfo


_LANG_GO = 0x16
_LANG_MIPS_ASM = 0x8001  # gcc's .S files: Delve lists them without the C. prefix


@record(frozen=True, slots=True)
class ForeignFunction:
    name: str
    entry: int
    end: int
    optimized: bool = True


@record(frozen=True, slots=True)
class CfaRule:
    """How to find the caller of a frame at one pc: CFA = reg + offset, and where
    the return address and the saved BP are (offsets from the CFA, None if not saved)."""

    reg: int  # DWARF register number: 7 = rsp, 6 = rbp
    offset: int
    ret_offset: int | None
    bp_offset: int | None


@record(slots=True)
class _Lines:
    pcs: list[int] = field(default_factory=list)
    rows: list[tuple[str, int]] = field(default_factory=list)


class ForeignCode:
    def __init__(self, dwarf: Callable[[], DWARFInfo | None]) -> None:
        self._dwarf = dwarf  # called on first use (None: no DWARF, so no C functions either)
        self._loaded = False
        self._starts: list[int] = []
        self._funcs: list[ForeignFunction] = []
        self._lines = _Lines()
        self._fdes: list[tuple[int, int, FDE]] = []
        self._fde_starts: list[int] = []
        self._decoded: dict[int, list[tuple[int, CfaRule | None]]] = {}

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        dwarf = self._dwarf()
        if dwarf is None:
            return
        funcs: list[ForeignFunction] = []
        rows: list[tuple[int, str, int]] = []
        for cu in dwarf.iter_CUs():
            top = cu.get_top_DIE()
            lang_attr = top.attributes.get("DW_AT_language")
            lang = lang_attr.value if lang_attr else 0
            if lang == _LANG_GO:
                continue
            prefix = "" if lang == _LANG_MIPS_ASM else "C."
            for die in top.iter_children():
                if die.tag != "DW_TAG_subprogram" or "DW_AT_low_pc" not in die.attributes:
                    continue
                name_attr = die.attributes.get("DW_AT_name")
                high = die.attributes.get("DW_AT_high_pc")
                if name_attr is None or high is None:
                    continue
                low = die.attributes["DW_AT_low_pc"].value
                end = high.value if high.form == "DW_FORM_addr" else low + high.value
                funcs.append(ForeignFunction(prefix + name_attr.value.decode(), low, end))
            rows.extend(_line_rows(dwarf, cu, top))
        funcs.sort(key=lambda fn: fn.entry)
        self._funcs = funcs
        self._starts = [fn.entry for fn in funcs]
        rows.sort(key=lambda r: r[0])
        self._lines.pcs = [r[0] for r in rows]
        self._lines.rows = [(r[1], r[2]) for r in rows]
        from elftools.dwarf.callframe import FDE

        fdes: list[tuple[int, int, FDE]] = []
        for entries in (dwarf.EH_CFI_entries() if dwarf.has_EH_CFI() else [],
                        dwarf.CFI_entries() if dwarf.has_CFI() else []):
            for e in entries:
                if isinstance(e, FDE):
                    start = e["initial_location"]
                    fdes.append((start, start + e["address_range"], e))
        fdes.sort(key=lambda t: t[0])
        self._fdes = fdes
        self._fde_starts = [t[0] for t in fdes]

    def function_at(self, pc: int) -> ForeignFunction | None:
        self._load()
        i = bisect.bisect_right(self._starts, pc) - 1
        if i >= 0 and self._funcs[i].entry <= pc < self._funcs[i].end:
            return self._funcs[i]
        return None

    def pc_to_line(self, pc: int) -> tuple[str, int]:
        self._load()
        i = bisect.bisect_right(self._lines.pcs, pc) - 1
        return self._lines.rows[i] if i >= 0 else ("?", -1)

    def cfa_rule(self, pc: int) -> CfaRule | None:
        self._load()
        i = bisect.bisect_right(self._fde_starts, pc) - 1
        # FDEs of .eh_frame and .debug_frame may overlap: look back a little.
        for j in range(i, max(i - 4, -1), -1):
            start, end, fde = self._fdes[j]
            if start <= pc < end:
                return self._rule_in(start, fde, pc)
        return None

    def _rule_in(self, start: int, fde: FDE, pc: int) -> CfaRule | None:
        table = self._decoded.get(start)
        if table is None:
            table = []
            for row in fde.get_decoded().table:
                cfa = row.get("cfa")
                if cfa is None or cfa.expr is not None:
                    table.append((row["pc"], None))
                    continue
                ret = row.get(16)
                bp = row.get(6)
                table.append((row["pc"], CfaRule(
                    cfa.reg, cfa.offset,
                    ret.arg if ret is not None and ret.type == "OFFSET" else None,
                    bp.arg if bp is not None and bp.type == "OFFSET" else None)))
            self._decoded[start] = table
        rule = None
        for row_pc, r in table:
            if row_pc > pc:
                break
            rule = r
        return rule


def _line_rows(dwarf, cu, top) -> list[tuple[int, str, int]]:  # noqa: ANN001 - pyelftools objects
    lp = dwarf.line_program_for_CU(cu)
    if lp is None:
        return []
    comp_dir_attr = top.attributes.get("DW_AT_comp_dir")
    comp_dir = comp_dir_attr.value.decode() if comp_dir_attr else ""
    header = lp.header
    dirs = [d.decode() if isinstance(d, bytes) else str(d) for d in header.get("include_directory", [])]
    version = header["version"]
    files: list[str] = []
    for fe in header.get("file_entry", []):
        name = fe.name.decode() if isinstance(fe.name, bytes) else str(fe.name)
        d = fe.dir_index
        # DWARF 5 counts directories from 0 (the comp dir); DWARF 4 from 1.
        base = dirs[d] if version >= 5 and d < len(dirs) else (dirs[d - 1] if 0 < d <= len(dirs) else comp_dir)
        path = name if os.path.isabs(name) else os.path.join(base, name)
        if not os.path.isabs(path) and comp_dir:
            path = os.path.join(comp_dir, path)
        files.append(path)
    out: list[tuple[int, str, int]] = []
    for entry in lp.get_entries():
        st = entry.state
        if st is None or st.end_sequence:
            continue
        idx = st.file if version >= 5 else st.file - 1
        file = files[idx] if 0 <= idx < len(files) else "?"
        out.append((st.address, file, st.line))
    return out
