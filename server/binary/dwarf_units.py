"""Index of DWARF compile units: name, producer, pc ranges, line program.

Only the top DIE of each unit is read (pyelftools: ~40 ms for the 339 units
of cmd/go), never their children, and only when a question needs DWARF: the
producer string, whether a function was optimized, or a line table. Each
unit's line program (dwarf_lines.LineProgram) is created on first use.

Delve's rules reproduced here (pkg/proc/bininfo.go, loading compile units):
- a unit is Go when DW_AT_language is DW_LANG_Go (0x16);
- the producer is "Go cmd/compile goX; <flags>"; everything from ';' is
  dropped, and the unit counts as optimized unless its flags contain both
  "-N" and "-l" (no ';' at all means optimized for any modern Go);
- TargetGoVersion is the (trimmed) producer of the first Go unit that has one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, cast

from ..records import record
from .dwarf_lines import LineProgram, strings_mention
from .dwarf_search import DieSearch

if TYPE_CHECKING:
    from elftools.dwarf.compileunit import CompileUnit as DieUnit
    from elftools.dwarf.die import DIE, AttributeValue
    from elftools.dwarf.dwarfinfo import DWARFInfo

DW_LANG_GO = 0x16
AT_GO_PACKAGE_NAME = 0x2905  # Go's vendor attribute on a unit: the package's name (`dirio` for .../dir.io)


def attributes(die: DIE) -> Mapping[str | int, AttributeValue]:
    """A DIE's attributes. pyelftools keys the ones it does not know, such as Go's DW_AT_go_*
    vendor attributes, by number; its type hints only foresee names."""
    return cast("Mapping[str | int, AttributeValue]", die.attributes)


def dwarf_text(value: Any) -> str:
    """A string attribute's value: pyelftools gives bytes, decoded as Go's debug/dwarf does."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@record(slots=True)
class CompileUnit:
    index: int
    name: str
    producer: str  # trimmed at ';' as Delve does
    is_go: bool
    optimized: bool
    comp_dir: str
    stmt_list: int | None
    ranges: list[tuple[int, int]] = field(default_factory=list)
    package_name: str = ""  # DW_AT_go_package_name
    _lines: LineProgram | None = None


def _producer_flags(producer: str, is_go: bool) -> tuple[str, bool]:
    if not is_go or not producer:
        return producer, False
    semi = producer.find(";")
    if semi < 0:
        return producer, True
    flags = producer[semi:]
    optimized = not ("-N" in flags and "-l" in flags)
    return producer[:semi], optimized


class DwarfUnits:
    def __init__(self, dwarf: DWARFInfo, bias: int = 0, files: dict[str, list[int]] | None = None) -> None:
        self._dwarf = dwarf
        self.bias = bias  # load address of a shared object (0 for an executable)
        self.units: list[CompileUnit] = []
        self._die_units: list[DieUnit] = []  # pyelftools' unit of each, for the DIE readers
        self._load()
        starts = sorted((lo, hi, u.index) for u in self.units for lo, hi in u.ranges if hi > lo)
        self._range_starts = [s[0] for s in starts]
        self._ranges = starts
        self._line_mv = _section_view(dwarf.debug_line_sec)
        self._line_str = _section_view(getattr(dwarf, "debug_line_str_sec", None))
        self._debug_str = _section_view(dwarf.debug_str_sec)
        # file -> units whose line table lists it; `files`: as an earlier session read it
        self._file_units: dict[str, list[int]] | None = files
        self.file_index_read = False  # read here (not given): worth keeping for the next session
        self._search: DieSearch | None = None

    def _load(self) -> None:
        from elftools.dwarf.ranges import BaseAddressEntry

        rl = None
        for i, cu in enumerate(self._dwarf.iter_CUs()):
            self._die_units.append(cu)
            top = cu.get_top_DIE()
            attrs = top.attributes

            def text(name: str, attrs=attrs) -> str:  # noqa: ANN001 - closure default binding
                a = attrs.get(name)
                return dwarf_text(a.value) if a is not None else ""

            lang = attrs["DW_AT_language"].value if "DW_AT_language" in attrs else None
            is_go = lang == DW_LANG_GO
            producer, optimized = _producer_flags(text("DW_AT_producer"), is_go)
            stmt = attrs["DW_AT_stmt_list"].value if "DW_AT_stmt_list" in attrs else None
            ranges: list[tuple[int, int]] = []
            low = attrs["DW_AT_low_pc"].value if "DW_AT_low_pc" in attrs else 0
            if "DW_AT_ranges" in attrs:
                if rl is None:
                    rl = self._dwarf.range_lists()
                if rl is not None:
                    # Go's linker writes each range as (symbol - unit.Textp[0]), and the
                    # unit's first symbol is not always its lowest: in cmd/go, crypto/tls's
                    # first function is an instantiation of a crypto/internal/fips140
                    # generic, laid out in the FIPS text after all other code. Such
                    # offsets are negative, stored as two's complement (8-byte words in
                    # .debug_ranges, 10-byte ULEB128s in .debug_rnglists), so the sum must
                    # wrap at the address size as Go's debug/dwarf uint64 arithmetic does.
                    mask = (1 << (8 * cu.header.address_size)) - 1
                    base = low
                    for e in rl.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
                        if isinstance(e, BaseAddressEntry):
                            base = e.base_address
                            continue
                        if getattr(e, "is_absolute", False):
                            ranges.append((e.begin_offset, e.end_offset))
                        else:
                            ranges.append(((base + e.begin_offset) & mask, (base + e.end_offset) & mask))
            elif "DW_AT_high_pc" in attrs:
                hi = attrs["DW_AT_high_pc"]
                end = hi.value if hi.form == "DW_FORM_addr" else low + hi.value
                ranges.append((low, end))
            pkg = attributes(top).get(AT_GO_PACKAGE_NAME)
            if self.bias:
                ranges = [(lo + self.bias, hi + self.bias) for lo, hi in ranges]
            self.units.append(CompileUnit(i, text("DW_AT_name"), producer, is_go, optimized,
                                          text("DW_AT_comp_dir"), stmt, ranges,
                                          dwarf_text(pkg.value) if pkg is not None else ""))

    @property
    def dwarf(self) -> DWARFInfo:
        """pyelftools' DWARFInfo these units come from: the binary's one DWARF handle."""
        return self._dwarf

    @property
    def search(self) -> DieSearch:
        """Top-level DIEs by name without walking units (binary/dwarf_search.py)."""
        if self._search is None:
            self._search = DieSearch(self._dwarf, self._die_units)
        return self._search

    def die_unit(self, unit: CompileUnit) -> DieUnit:
        """pyelftools' compile unit of `unit`, to read its DIEs (its top DIE is parsed already)."""
        return self._die_units[unit.index]

    def unit_at(self, pc: int) -> CompileUnit | None:
        i = bisect_right(self._range_starts, pc) - 1
        # Ranges of different units do not overlap in Go binaries; check a few back anyway.
        for j in range(i, max(i - 4, -1), -1):
            lo, hi, idx = self._ranges[j]
            if lo <= pc < hi:
                return self.units[idx]
        return None

    def producer(self) -> str:
        for u in self.units:
            if u.is_go and u.producer:
                return u.producer
        return ""

    def lines(self, unit: CompileUnit) -> LineProgram | None:
        if unit.stmt_list is None or self._line_mv is None:
            return None
        if unit._lines is None:
            unit._lines = LineProgram(self._line_mv, unit.stmt_list, comp_dir=unit.comp_dir,
                                      line_str=self._line_str, debug_str=self._debug_str, bias=self.bias)
        return unit._lines

    def line_tables_mention(self, name: str) -> bool:
        """dwarf_lines.strings_mention over this DWARF's line-table strings."""
        views = (self._line_mv, self._line_str, self._debug_str)
        return strings_mention([v.obj if isinstance(v.obj, bytes) else bytes(v) for v in views if v is not None], name)

    def units_with_file(self, file: str) -> list[CompileUnit]:
        """Units whose line table lists `file` (headers only; rows stay undecoded)."""
        return [self.units[i] for i in self.file_index().get(file, [])]

    def file_index(self) -> dict[str, list[int]]:
        if self._file_units is None:
            idx: dict[str, list[int]] = {}
            for u in self.units:
                lp = self.lines(u)
                if lp is None:
                    continue
                for name in set(lp.files):
                    if name:
                        idx.setdefault(name, []).append(u.index)
            self._file_units = idx
            self.file_index_read = True
        return self._file_units


def _section_view(sec: object) -> memoryview | None:
    if sec is None:
        return None
    stream = sec.stream  # type: ignore[attr-defined]
    return memoryview(stream.getvalue())
