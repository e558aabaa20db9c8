"""DWARF .debug_line programs, decoded per compile unit on demand.

Hand-written because pyelftools is too slow here: parsing every line-program
header of a 23 MB binary takes it 0.6 s and the rows of its runtime unit alone
another second (all rows of a big binary: ~12 s). Delve answers file:line and
"first pc after the prologue" from these rows (they carry is_stmt and
prologue_end, which .gopclntab lacks), so we keep them, but only for the units
a question touches: `LineProgram` parses its header eagerly (file names, cheap)
and its rows on first use, then caches them.

Supports DWARF 2-5 headers (Go writes 4 up to ~1.24, 5 after), 64-bit DWARF,
and the DWARF 5 directory/file entry formats with string, strp, line_strp and
the usual data forms.
"""

from __future__ import annotations

import functools
import posixpath
import struct
from bisect import bisect_right
from typing import NamedTuple

from .leb128 import sleb as _sleb
from .leb128 import uleb as _uleb

# Standard opcodes
_DW_LNS_copy = 1
_DW_LNS_advance_pc = 2
_DW_LNS_advance_line = 3
_DW_LNS_set_file = 4
_DW_LNS_set_column = 5
_DW_LNS_negate_stmt = 6
_DW_LNS_set_basic_block = 7
_DW_LNS_const_add_pc = 8
_DW_LNS_fixed_advance_pc = 9
_DW_LNS_set_prologue_end = 10
_DW_LNS_set_epilogue_begin = 11
_DW_LNS_set_isa = 12
# Extended opcodes
_DW_LNE_end_sequence = 1
_DW_LNE_set_address = 2
_DW_LNE_define_file = 3
# DWARF 5 entry content types and the forms they come in
_DW_LNCT_path = 1
_DW_LNCT_directory_index = 2
_FORM_SIZES = {0x0B: 1, 0x05: 2, 0x06: 4, 0x07: 8, 0x1E: 16}  # data1, data2, data4, data8, data16
_DW_FORM_string = 0x08
_DW_FORM_strp = 0x0E
_DW_FORM_line_strp = 0x1F
_DW_FORM_udata = 0x0F
_DW_FORM_block = 0x09
_DW_FORM_strx = 0x1A


class LineProgramError(ValueError):
    pass


class LineRow(NamedTuple):
    """One row of a line program. A tuple: decoding makes one per row (tens of thousands for a
    big unit) and a frozen dataclass costs four times as much to create."""

    address: int
    file: int  # index into LineProgram.files
    line: int
    is_stmt: bool
    prologue_end: bool
    end_sequence: bool


@functools.lru_cache(maxsize=1 << 14)
def _clean_join(directory: str, name: str) -> str:
    """normpath(join(directory, name)), remembered: every unit's table repeats the files of the
    packages inlined into it (cmd/go: 7,800 entries, 1,100 distinct files)."""
    joined = posixpath.join(directory, name)
    return posixpath.normpath(joined) if joined else name


class LineProgram:
    """One compile unit's line program. `files[i]` is the name for row.file == i."""

    def __init__(self, debug_line: memoryview, offset: int, *, comp_dir: str = "",
                 line_str: memoryview | None = None, debug_str: memoryview | None = None, bias: int = 0) -> None:
        self._mv = debug_line
        self.bias = bias  # added to every address (a shared object loaded away from its link address)
        self._line_str = line_str
        self._debug_str = debug_str
        mv = debug_line
        (unit_length,) = struct.unpack_from("<I", mv, offset)
        p = offset + 4
        self._offsize = 4
        if unit_length == 0xFFFFFFFF:
            (unit_length,) = struct.unpack_from("<Q", mv, p)
            p += 8
            self._offsize = 8
        self._end = p + unit_length
        (self.version,) = struct.unpack_from("<H", mv, p)
        p += 2
        if self.version >= 5:
            p += 2  # address_size, segment_selector_size
        header_length = self._read_off(p)
        p += self._offsize
        self._program_start = p + header_length
        self.min_inst_len = mv[p]
        p += 1
        if self.version >= 4:
            p += 1  # maximum_operations_per_instruction (VLIW only)
        self.default_is_stmt = bool(mv[p])
        self.line_base = struct.unpack_from("<b", mv, p + 1)[0]
        self.line_range = mv[p + 2]
        self.opcode_base = mv[p + 3]
        p += 4
        self._std_lens = list(mv[p : p + self.opcode_base - 1])
        p += self.opcode_base - 1
        # The directory and file tables are decoded when a name is first asked for: placing a
        # breakpoint needs only rows, and a unit lists dozens of files (a tenth of a ms each
        # unit, paid by every first breakpoint in a new unit).
        self._tables_at = p
        self._comp_dir = comp_dir
        self._files: list[str] | None = None
        self._rows: list[LineRow] | None = None
        self._sequences: dict[int, list[LineRow] | None] = {}

    @property
    def files(self) -> list[str]:
        """File names by index (rows' `file`); index 0 is a placeholder before DWARF 5."""
        if self._files is None:
            self._files = self._read_tables()
        return self._files

    def _read_tables(self) -> list[str]:
        mv, p = self._mv, self._tables_at
        dirs: list[str] = [self._comp_dir]
        raw_files: list[tuple[str, int]] = []
        if self.version >= 5:
            dirs, p = self._read_entries_v5(p, lambda path, d: path)
            file_entries, p = self._read_entries_v5(p, lambda path, d: (path, d))
            raw_files = list(file_entries)
        else:
            while mv[p] != 0:
                s, p = self._cstr(p)
                dirs.append(s)
            p += 1
            while mv[p] != 0:
                s, p = self._cstr(p)
                d, p = _uleb(mv, p)
                _, p = _uleb(mv, p)
                _, p = _uleb(mv, p)
                raw_files.append((s, d))
            # DWARF <5 numbers files from 1; keep index 0 as a placeholder so rows index directly.
            raw_files.insert(0, ("", 0))
        self._dirs = dirs
        return [self._join(name, d) for name, d in raw_files]

    def _join(self, name: str, d: int) -> str:
        # As Delve: relative names are joined to their include directory, then cleaned.
        if not name or name.startswith("/") or not (0 <= d < len(self._dirs)):
            return name
        return _clean_join(self._dirs[d], name)

    def _read_off(self, p: int) -> int:
        return struct.unpack_from("<Q" if self._offsize == 8 else "<I", self._mv, p)[0]

    def _cstr(self, p: int, mv: memoryview | None = None) -> tuple[str, int]:
        mv = self._mv if mv is None else mv
        data = mv.obj
        if isinstance(data, bytes) and mv.nbytes == len(data):
            end = data.find(b"\0", p)  # C speed: file tables hold thousands of names
            if end < 0:
                raise IndexError("unterminated string in line header")
        else:
            end = p
            while mv[end] != 0:
                end += 1
        return bytes(mv[p:end]).decode("utf-8", "replace"), end + 1

    def _str_at(self, table: memoryview | None, off: int) -> str:
        if table is None:
            return ""
        return self._cstr(off, table)[0]

    def _read_entries_v5(self, p: int, make):  # noqa: ANN001, ANN202 - tiny internal helper
        mv = self._mv
        nfmt = mv[p]
        p += 1
        fmts = []
        for _ in range(nfmt):
            ct, p = _uleb(mv, p)
            form, p = _uleb(mv, p)
            fmts.append((ct, form))
        count, p = _uleb(mv, p)
        out = []
        for _ in range(count):
            path, d = "", 0
            for ct, form in fmts:
                val: int | str
                if form == _DW_FORM_string:
                    val, p = self._cstr(p)
                elif form == _DW_FORM_line_strp:
                    val = self._str_at(self._line_str, self._read_off(p))
                    p += self._offsize
                elif form == _DW_FORM_strp:
                    val = self._str_at(self._debug_str, self._read_off(p))
                    p += self._offsize
                elif form in (_DW_FORM_udata, _DW_FORM_strx):
                    val, p = _uleb(mv, p)
                elif form in _FORM_SIZES:
                    n = _FORM_SIZES[form]
                    val = int.from_bytes(mv[p : p + n], "little") if n <= 8 else 0
                    p += n
                elif form == _DW_FORM_block:
                    n, p = _uleb(mv, p)
                    p += n
                    val = 0
                else:
                    raise LineProgramError(f"unsupported form {form:#x} in line header")
                if ct == _DW_LNCT_path and isinstance(val, str):
                    path = val
                elif ct == _DW_LNCT_directory_index and isinstance(val, int):
                    d = val
            out.append(make(path, d))
        return out, p

    def rows(self) -> list[LineRow]:
        """Every row of the program, in program order (decoded once, then cached)."""
        if self._rows is None:
            self._rows = self._decode()
        return self._rows

    def _decode(self, p: int | None = None, one_sequence: bool = False,
                until_prologue_end: bool = False) -> list[LineRow]:
        """Rows from `p` (default: the program start) to the end of the program, or only
        up to the first end_sequence row when `one_sequence` is set (or the first prologue_end
        row with `until_prologue_end`)."""
        mv = self._mv
        end = self._end
        if p is None:
            p = self._program_start
        rows: list[LineRow] = []
        append = rows.append
        min_inst, line_base, line_range, opcode_base = (self.min_inst_len, self.line_base,
                                                        self.line_range, self.opcode_base)
        std_lens = self._std_lens

        def reset() -> tuple[int, int, int, bool, bool]:
            return 0, 1, 1, self.default_is_stmt, False

        addr, file, line, is_stmt, prologue_end = reset()
        while p < end:
            op = mv[p]
            p += 1
            if op >= opcode_base:
                adj = op - opcode_base
                addr += (adj // line_range) * min_inst
                line += line_base + adj % line_range
                append(LineRow(addr, file, line, is_stmt, prologue_end, False))
                if prologue_end and until_prologue_end:
                    break
                prologue_end = False
            elif op == 0:
                n, p = _uleb(mv, p)
                sub = mv[p]
                if sub == _DW_LNE_end_sequence:
                    append(LineRow(addr, file, line, is_stmt, prologue_end, True))
                    if one_sequence:
                        break
                    addr, file, line, is_stmt, prologue_end = reset()
                elif sub == _DW_LNE_set_address:
                    addr = int.from_bytes(mv[p + 1 : p + n], "little") + self.bias
                p += n
            elif op == _DW_LNS_copy:
                append(LineRow(addr, file, line, is_stmt, prologue_end, False))
                if prologue_end and until_prologue_end:
                    break
                prologue_end = False
            elif op == _DW_LNS_advance_pc:
                v, p = _uleb(mv, p)
                addr += v * min_inst
            elif op == _DW_LNS_advance_line:
                v, p = _sleb(mv, p)
                line += v
            elif op == _DW_LNS_set_file:
                file, p = _uleb(mv, p)
            elif op == _DW_LNS_negate_stmt:
                is_stmt = not is_stmt
            elif op == _DW_LNS_const_add_pc:
                addr += ((255 - opcode_base) // line_range) * min_inst
            elif op == _DW_LNS_fixed_advance_pc:
                addr += struct.unpack_from("<H", mv, p)[0]
                p += 2
            elif op == _DW_LNS_set_prologue_end:
                prologue_end = True
            elif op in (_DW_LNS_set_column, _DW_LNS_set_isa):
                _, p = _uleb(mv, p)
            elif op in (_DW_LNS_set_basic_block, _DW_LNS_set_epilogue_begin):
                pass
            else:  # unknown standard opcode: skip its ULEB operands
                for _ in range(std_lens[op - 1]):
                    _, p = _uleb(mv, p)
        return rows

    # -- queries Delve makes on a unit's table ---------------------------------
    def first_file(self) -> str:
        """Delve's DebugLineInfo.FirstFile: the file of the program's first row (an inlined
        function's file when the unit's first function starts inside one), "" if none."""
        rows = self._rows if self._rows is not None else self._decode(one_sequence=True)
        if not rows:
            return ""
        i = rows[0].file
        return self.files[i] if 0 <= i < len(self.files) else ""


    def file_index(self, name: str) -> list[int]:
        return [i for i, f in enumerate(self.files) if f == name]

    def line_pcs(self, file: str, line: int) -> list[tuple[int, bool]]:
        """(address, is_stmt) of every row at file:line."""
        idx = set(self.file_index(file))
        if not idx:
            return []
        return [(r.address, r.is_stmt) for r in self.rows()
                if r.line == line and r.file in idx and not r.end_sequence]

    def _sequence_at(self, start: int) -> list[LineRow] | None:
        """Rows of the sequence that begins with DW_LNE_set_address(start), decoded alone.

        The compiler writes each function's rows as one sequence that opens with
        set_address(entry) and closes with end_sequence, which resets the state machine
        (cmd/internal/obj/dwarf.go, generateDebugLinesSymbol). So decoding from that
        opcode with a fresh state yields exactly the rows a decode of the whole unit has
        there, at the cost of one bytes.find instead of decoding the whole unit (the
        runtime's table is 10^5 rows: 0.3 s on a small binary). The opcode is found by
        its 11 bytes (0, ULEB length 9, set_address, 8-byte address); a hit that is not
        a real opcode would decode as garbage, so the sequence must also be closed and
        its addresses must not go below `start` or backwards, else None and the caller
        decodes the whole unit (as it does when no sequence starts at `start`: some
        externally linked binaries hold several functions in one sequence).
        """
        if start in self._sequences:
            return self._sequences[start]
        rows: list[LineRow] | None = None
        data = self._mv.obj
        if isinstance(data, bytes) and self._mv.nbytes == len(data):
            link = start - self.bias
            pattern = b"\x00\x09" + bytes((_DW_LNE_set_address,)) + link.to_bytes(8, "little") if link >= 0 else b""
            p = data.find(pattern, self._program_start, self._end) if pattern else -1
            if p >= 0:
                try:
                    seq = self._decode(p, one_sequence=True)
                except (IndexError, struct.error):
                    seq = []
                if (seq and seq[-1].end_sequence and seq[0].address >= start
                        and all(a.address <= b.address for a, b in zip(seq, seq[1:], strict=False))):
                    rows = seq
        self._sequences[start] = rows
        return rows

    def _rows_in(self, start: int, end: int) -> list[LineRow]:
        rows = self._rows if self._rows is not None else self._sequence_at(start)
        if rows is None:
            rows = self.rows()
        return _function_rows(rows, start, end)

    def statement_rows(self, start: int, end: int) -> list[LineRow]:
        """The is_stmt rows of the function at [start, end)."""
        return [r for r in self._rows_in(start, end) if r.is_stmt]

    def prologue_end_pc(self, start: int, end: int) -> LineRow | None:
        if self._rows is None and start not in self._sequences:
            row = self._prologue_end_early(start, end)
            if row is not None:
                return row
        for r in self._rows_in(start, end):
            if r.prologue_end:
                return r
        return None

    def _prologue_end_early(self, start: int, end: int) -> LineRow | None:
        """The function's prologue_end row from its sequence decoded only up to that row (its
        third or so: a breakpoint by name need not decode a long function's rows). The sequence
        is found as _sequence_at finds it, and taken only where a sequence can begin (the
        program's start, or right after an end_sequence opcode 00 01 01), which tells a real
        set_address from a chance match as _sequence_at's checks of the whole sequence do. None
        when that does not hold or those rows do not answer: the caller asks the whole sequence."""
        data = self._mv.obj
        link = start - self.bias
        if not isinstance(data, bytes) or self._mv.nbytes != len(data) or link < 0:
            return None
        pattern = b"\x00\x09" + bytes((_DW_LNE_set_address,)) + link.to_bytes(8, "little")
        p = data.find(pattern, self._program_start, self._end)
        if p < 0 or (p != self._program_start and data[p - 3:p] != b"\x00\x01" + bytes((_DW_LNE_end_sequence,))):
            return None
        try:
            rows = self._decode(p, one_sequence=True, until_prologue_end=True)
        except (IndexError, struct.error):
            return None
        return next((r for r in _function_rows(rows, start, end) if r.prologue_end), None)

    def first_stmt(self, start: int, end: int) -> LineRow | None:
        for r in self._rows_in(start, end):
            if r.is_stmt:
                return r
        return None


def strings_mention(sections: list[bytes], name: str) -> bool:
    """Whether `name` occurs as a whole string (NUL-terminated) in `sections`: where line-table
    headers keep their directory and file names (inline in .debug_line for DWARF 4, by offset
    in .debug_line_str or .debug_str with DWARF 5 forms). False means no file of any table is
    called `name` nor ends with "/name": a name's last element is stored as it is. The bytes are
    searched at C speed (~1 ms for cmd/go) where decoding every header takes ~12 ms."""
    if "\ufffd" in name:  # names are decoded with "replace": its bytes are unknown
        return True
    needle = name.encode("utf-8", "surrogatepass") + b"\0"
    return any(data.find(needle) >= 0 for data in sections)


def _function_rows(rows: list[LineRow], start: int, end: int) -> list[LineRow]:
    """The rows of the function at [start, end): from the first row at `start`, up to the first
    one outside it or the end of its sequence. Go writes one sequence per function, in address
    order, so this linear scan mirrors Delve's stateMachineForEntry."""
    out = []
    started = False
    for r in rows:
        if not started:
            if r.address == start and not r.end_sequence:
                started = True
            else:
                continue
        if r.address >= end or r.address < start or r.end_sequence:
            break
        out.append(r)
    return out


class LineSection:
    """Line programs found from .debug_line alone, for breakpoint placement at start-up.

    Finding a function's compile unit needs .debug_info (DwarfUnits: ~0.14 s on a
    23 MB binary, decompression and pyelftools), but a Go function's rows are one
    sequence that opens with set_address(entry) (see LineProgram._sequence_at), so a
    search of the whole section for that opcode, plus a walk of the unit headers
    (unit_length chain) to the one holding the hit, gives the same rows. Programs
    made here have no comp_dir, so they serve rows only, never file names.
    """

    def __init__(self, debug_line: bytes, line_str: bytes | None, debug_str: bytes | None) -> None:
        self._data = debug_line
        self._mv = memoryview(debug_line)
        self._line_str = memoryview(line_str) if line_str is not None else None
        self._debug_str = memoryview(debug_str) if debug_str is not None else None
        self._unit_starts: list[int] | None = None
        self._programs: dict[int, LineProgram] = {}
        self._strings = [b for b in (debug_line, line_str, debug_str) if b]

    def mentions(self, name: str) -> bool:
        """Whether a file of some line table may be called `name` or end with "/name"
        (strings_mention)."""
        return strings_mention(self._strings, name)

    def _units(self) -> list[int]:
        if self._unit_starts is None:
            starts, p, n = [], 0, len(self._data)
            while p + 4 <= n:
                starts.append(p)
                (length,) = struct.unpack_from("<I", self._mv, p)
                if length == 0xFFFFFFFF:
                    (length,) = struct.unpack_from("<Q", self._mv, p + 4)
                    p += 12 + length
                else:
                    p += 4 + length
            self._unit_starts = starts
        return self._unit_starts

    def program_with_sequence(self, entry: int) -> LineProgram | None:
        """The program in which a sequence opens at `entry`, if its rows decode cleanly."""
        pattern = b"\x00\x09" + bytes((_DW_LNE_set_address,)) + entry.to_bytes(8, "little")
        hit = self._data.find(pattern)
        if hit < 0:
            return None
        starts = self._units()
        off = starts[bisect_right(starts, hit) - 1]
        lp = self._programs.get(off)
        if lp is None:
            try:
                lp = LineProgram(self._mv, off, line_str=self._line_str, debug_str=self._debug_str)
            except (IndexError, struct.error, LineProgramError):
                return None
            self._programs[off] = lp
        # The hit must lie in the program's opcodes (not its header), and decode as a sequence.
        if not (lp._program_start <= hit < lp._end) or lp._sequence_at(entry) is None:
            return None
        return lp


