"""Decoder for Go's .gopclntab (functions, pc->file/line, pc->SP delta).

Pure: bytes in, records out; it knows nothing of ELF. Hand-written on struct
and memoryview because the table is the one index every Go binary carries and
it is cheap to read on demand: opening only parses the 64-byte header, a pc
lookup bisects the function table in place, and a function's pc-value tables
are decoded only when asked (pyelftools' DWARF line tables would cost seconds
on a big binary; see dwarf_lines.py).

Layout (runtime/symtab.go, internal/abi/symtab.go, debug/gosym/pclntab.go):
header magic 0xfffffffa (Go 1.16-1.17), 0xfffffff0 (1.18-1.19), 0xfffffff1
(1.20+); then nfunc, nfiles, [textStart since 1.18], offsets of the name,
cu, file, pc-value and function tables. The function table is nfunc+1 pairs
(entry, offset of the _func record); the last entry is the end of text.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Iterator

from ..records import record
from .leb128 import uleb as _uvarint

MAGIC_GO116 = 0xFFFFFFFA
MAGIC_GO118 = 0xFFFFFFF0
MAGIC_GO120 = 0xFFFFFFF1
_MAGICS = {MAGIC_GO116: "1.16", MAGIC_GO118: "1.18", MAGIC_GO120: "1.20"}
_FUNCDATA_INLTREE = 3
_PCDATA_INLTREEINDEX = 2


class PclntabError(ValueError):
    """The bytes are not a .gopclntab this decoder understands."""


@record(frozen=True, slots=True)
class FuncRecord:
    """One _func record of the table, with its extent."""

    index: int
    entry: int
    end: int
    name: str
    args: int
    pcsp: int
    pcfile: int
    pcln: int
    cu_offset: int
    start_line: int  # 0 before Go 1.20 (the field did not exist)
    func_id: int
    flag: int


class Pclntab:
    def __init__(self, data: bytes | memoryview, text_start: int | None = None, bias: int = 0) -> None:
        self._mv = memoryview(data)
        if len(self._mv) < 16:
            raise PclntabError("pclntab too short")
        (magic,) = struct.unpack_from("<I", self._mv, 0)
        if magic not in _MAGICS:
            raise PclntabError(f"unknown pclntab magic {magic:#x}")
        self.format = _MAGICS[magic]
        self.quantum = self._mv[6]
        self.ptr_size = self._mv[7]
        if self.ptr_size != 8:
            raise PclntabError(f"unsupported pointer size {self.ptr_size}")
        if self.format == "1.16":
            (self.nfunc, self.nfiles, funcname, cu, filetab, pctab, pcln) = struct.unpack_from("<7Q", self._mv, 8)
            self.text_start = 0
        else:
            (self.nfunc, self.nfiles, hdr_text, funcname, cu, filetab, pctab, pcln) = struct.unpack_from(
                "<8Q", self._mv, 8
            )
            # The linker fills textStart; a relocatable (PIE) file may leave it 0.
            self.text_start = hdr_text + bias if hdr_text else (text_start or 0)
        self._funcname = funcname
        self._cutab = cu
        self._filetab = filetab
        self._pctab = pctab
        self._funcdata = pcln
        n = self.nfunc + 1
        if self.format == "1.16":
            ft = self._mv[pcln : pcln + n * 16].cast("Q")
            self._entries = ft[0::2]  # absolute pcs
            self._funcoffs = ft[1::2]
            self._entry_base = 0
        else:
            ft = self._mv[pcln : pcln + n * 8].cast("I")
            self._entries = ft[0::2]  # offsets from text_start
            self._funcoffs = ft[1::2]
            self._entry_base = self.text_start
        self._name_cache: dict[int, str] = {}

    # -- function table ------------------------------------------------------

    def entry(self, i: int) -> int:
        return self._entries[i] + self._entry_base

    def end(self, i: int) -> int:
        return self._entries[i + 1] + self._entry_base

    @property
    def text_end(self) -> int:
        return self.entry(self.nfunc)

    def index_at(self, pc: int) -> int | None:
        """Index of the function whose [entry, end) holds pc."""
        rel = pc - self._entry_base
        if rel < 0:
            return None
        i = bisect_right(self._entries, rel, 0, self.nfunc) - 1
        if i < 0 or rel >= self._entries[i + 1]:
            return None
        return i

    def _func_off(self, i: int) -> int:
        return self._funcdata + self._funcoffs[i]

    def name(self, i: int) -> str:
        cached = self._name_cache.get(i)
        if cached is not None:
            return cached
        off = self._func_off(i) + (8 if self.format == "1.16" else 4)
        (nameoff,) = struct.unpack_from("<i", self._mv, off)
        s = self._cstring(self._funcname + nameoff)
        self._name_cache[i] = s
        return s

    def names(self) -> Iterator[tuple[int, str]]:
        for i in range(self.nfunc):
            yield i, self.name(i)

    def func(self, i: int) -> FuncRecord:
        off = self._func_off(i)
        mv = self._mv
        if self.format == "1.16":
            off += 8
            args, _defer, pcsp, pcfile, pcln, _npcdata, cu = struct.unpack_from("<iIIIIII", mv, off + 4)
            start_line = 0
            func_id, flag = mv[off + 32], 0
        else:
            off += 4
            args, _defer, pcsp, pcfile, pcln, _npcdata, cu = struct.unpack_from("<iIIIIII", mv, off + 4)
            p = off + 32
            start_line = 0
            if self.format == "1.20":
                (start_line,) = struct.unpack_from("<i", mv, p)
                p += 4
            func_id, flag = mv[p], mv[p + 1]
        return FuncRecord(i, self.entry(i), self.end(i), self.name(i), args, pcsp, pcfile, pcln, cu,
                          start_line, func_id, flag)

    def func_id(self, i: int) -> int:
        """Just the funcID byte of function i (cheaper than func())."""
        off = self._func_off(i)
        if self.format == "1.16":
            return self._mv[off + 40]
        return self._mv[off + (40 if self.format == "1.20" else 36)]

    # -- inline trees (FUNCDATA_InlTree, PCDATA_InlTreeIndex) ------------------

    def inline_tree(self, i: int) -> tuple[int, int] | None:
        """(offset of function i's inline tree from moduledata.gofunc, number of entries), None
        when the compiler inlined nothing into it (or for the Go 1.16-1.17 layout, not read)."""
        if self.format == "1.16":
            return None
        off = self._func_off(i)
        fixed = 44 if self.format == "1.20" else 40
        mv = self._mv
        (npcdata,) = struct.unpack_from("<I", mv, off + 28)
        nfuncdata = mv[off + fixed - 1]
        if nfuncdata <= _FUNCDATA_INLTREE:
            return None
        (tree,) = struct.unpack_from("<I", mv, off + fixed + 4 * npcdata + 4 * _FUNCDATA_INLTREE)
        if tree == 0xFFFFFFFF or npcdata <= _PCDATA_INLTREEINDEX:
            return None
        (table,) = struct.unpack_from("<I", mv, off + fixed + 4 * _PCDATA_INLTREEINDEX)
        count = max((v for _, _, v in self.pcvalue_table(table, self.entry(i))), default=-1) + 1
        return (tree, count) if count > 0 else None

    def with_inline_trees(self) -> list[int]:
        """Indices of the functions that have an inline tree slot set: the few inline_tree()
        needs to look at (a quick pass over the func records, no pcvalue decoding)."""
        if self.format == "1.16":
            return []
        mv, funcdata, offs, unpack = self._mv, self._funcdata, self._funcoffs, struct.unpack_from
        fixed = 44 if self.format == "1.20" else 40
        out: list[int] = []
        for i in range(self.nfunc):
            off = funcdata + offs[i]
            if mv[off + fixed - 1] <= _FUNCDATA_INLTREE:
                continue
            (npcdata,) = unpack("<I", mv, off + 28)
            if npcdata <= _PCDATA_INLTREEINDEX:
                continue
            (tree,) = unpack("<I", mv, off + fixed + 4 * npcdata + 4 * _FUNCDATA_INLTREE)
            if tree != 0xFFFFFFFF:
                out.append(i)
        return out

    def inline_index_at(self, i: int, pc: int) -> int:
        """PCDATA_InlTreeIndex of function i at pc: the innermost inlined call there, -1 for none."""
        off = self._func_off(i)
        fixed = 44 if self.format == "1.20" else 40
        (npcdata,) = struct.unpack_from("<I", self._mv, off + 28)
        if self.format == "1.16" or npcdata <= _PCDATA_INLTREEINDEX:
            return -1
        (table,) = struct.unpack_from("<I", self._mv, off + fixed + 4 * _PCDATA_INLTREEINDEX)
        v = self.pcvalue(table, self.entry(i), pc)
        return -1 if v is None else v

    @property
    def inlined_call_size(self) -> int:
        """Bytes of one runtime.inlinedCall (Go 1.20 dropped parent, file and line)."""
        return 16 if self.format == "1.20" else 20

    def inlined_call_name(self, raw: bytes | memoryview) -> str:
        """The inlined function's name from one runtime.inlinedCall record."""
        (name_off,) = struct.unpack_from("<i", raw, 4 if self.format == "1.20" else 12)
        return self._cstring(self._funcname + name_off)

    # -- pc-value tables -----------------------------------------------------

    def pcvalue_table(self, table_off: int, entry: int) -> list[tuple[int, int, int]]:
        """(start, end, value) runs of a pc-value table (zig-zag value delta, pc delta * quantum)."""
        if table_off == 0:
            return []
        mv = self._mv
        p = self._pctab + table_off
        pc, val = entry, -1
        out: list[tuple[int, int, int]] = []
        first = True
        while True:
            uv, p = _uvarint(mv, p)
            if uv == 0 and not first:
                return out
            first = False
            val += -((uv >> 1) + 1) if uv & 1 else uv >> 1
            pcd, p = _uvarint(mv, p)
            end = pc + pcd * self.quantum
            out.append((pc, end, val))
            pc = end

    def pcvalue(self, table_off: int, entry: int, pc: int) -> int | None:
        """Value of a pc-value table at pc, decoding only up to pc."""
        if table_off == 0:
            return None
        mv = self._mv
        p = self._pctab + table_off
        cur, val = entry, -1
        first = True
        while True:
            uv, p = _uvarint(mv, p)
            if uv == 0 and not first:
                return None
            first = False
            val += -((uv >> 1) + 1) if uv & 1 else uv >> 1
            pcd, p = _uvarint(mv, p)
            cur += pcd * self.quantum
            if pc < cur:
                return val

    # -- files ---------------------------------------------------------------

    def file_name(self, cu_offset: int, fileno: int) -> str | None:
        if fileno < 0:
            return None
        (off,) = struct.unpack_from("<I", self._mv, self._cutab + 4 * (cu_offset + fileno))
        if off == 0xFFFFFFFF:
            return None
        return self._cstring(self._filetab + off)

    def file_names(self) -> list[str]:
        """Every name in the file table (it is a run of NUL-terminated strings)."""
        end = self._pctab if self._pctab > self._filetab else len(self._mv)
        raw = bytes(self._mv[self._filetab : end])
        return [s.decode("utf-8", "replace") for s in raw.split(b"\0") if s]

    def line_at(self, rec: FuncRecord, pc: int) -> tuple[str, int] | None:
        fileno = self.pcvalue(rec.pcfile, rec.entry, pc)
        line = self.pcvalue(rec.pcln, rec.entry, pc)
        if fileno is None or line is None:
            return None
        return self.file_name(rec.cu_offset, fileno) or "?", line

    def files_of(self, rec: FuncRecord) -> set[str]:
        """Files a function's instructions come from (its own and inlined callees')."""
        out: set[str] = set()
        for _s, _e, v in self.pcvalue_table(rec.pcfile, rec.entry):
            name = self.file_name(rec.cu_offset, v)
            if name:
                out.add(name)
        return out

    def _cstring(self, off: int) -> str:
        mv = self._mv
        end = off
        # bytes.find on the underlying object would copy; scan a bounded window instead.
        while True:
            chunk = bytes(mv[end : end + 256])
            k = chunk.find(b"\0")
            if k >= 0:
                end += k
                break
            if not chunk:
                break
            end += len(chunk)
        return bytes(mv[off:end]).decode("utf-8", "replace")


