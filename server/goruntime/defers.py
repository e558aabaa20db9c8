"""A goroutine's deferred calls: the runtime._defer chain hanging off g._defer.

Fields are found through DWARF (fn, pc, sp, link); fn is a func value in every
supported release, i.e. a pointer to a funcval whose first word is the code pc.
"""

from __future__ import annotations

from ..binary.dwarf_types import DwarfTypes
from ..errors import error_text
from ..records import record
from .model import Goroutine, ReadMemory

_MAX_DEFERS = 1000  # a corrupt chain must not loop forever


@record(frozen=True, slots=True)
class DeferRecord:
    fn_pc: int  # the deferred function's code (maybe a wrapper; callers unwrap it)
    defer_pc: int  # where the defer statement returns to
    sp: int
    unreadable: str = ""


class DeferReader:
    def __init__(self, types: DwarfTypes, read: ReadMemory) -> None:
        self._types = types
        self._read = read
        self._offsets: tuple[int, int, int, int, int] | None = None

    def _layout(self) -> tuple[int, int, int, int, int]:
        if self._offsets is None:
            g = self._types.struct_layout("runtime.g")
            d = self._types.struct_layout("runtime._defer")
            self._offsets = (g.offset("_defer"), d.offset("fn"), d.offset("pc"), d.offset("sp"), d.offset("link"))
        return self._offsets

    def _word(self, addr: int) -> int:
        return int.from_bytes(self._read(addr, 8), "little")

    def read(self, g: Goroutine) -> list[DeferRecord]:
        g_defer, fn_off, pc_off, sp_off, link_off = self._layout()
        out: list[DeferRecord] = []
        try:
            d = self._word(g.addr + g_defer)
        except OSError:
            return out
        while d and len(out) < _MAX_DEFERS:
            try:
                fnval = self._word(d + fn_off)
                fn_pc = self._word(fnval) if fnval else 0
                out.append(DeferRecord(fn_pc, self._word(d + pc_off), self._word(d + sp_off)))
                d = self._word(d + link_off)
            except OSError as e:
                out.append(DeferRecord(0, 0, 0, f"could not read defer record: {error_text(e)}"))
                break
        return out
