"""pprof goroutine labels (g.labels), as Delve's G.Labels reads them.

g.labels points to a runtime/pprof.labelMap. Go 1.21+ made it a struct wrapping
a sorted slice of key/value string pairs (field names changed again when the
set moved to internal/runtime/pprof/label). Before 1.21 it is a Go map, which
this reader does not decode (returns {}).
"""

from __future__ import annotations

from ..binary.dwarf_types import DwarfTypeError, DwarfTypes
from .model import ReadMemory

# Delve's maxGoroutinesLabelEntries; also bounds damage from a bogus pointer.
_MAX_LABELS = 256
_MAX_STRING = 1 << 16


class LabelReader:
    def __init__(self, types: DwarfTypes, read: ReadMemory) -> None:
        self._types = types
        self._read = read
        self._plan: tuple[int, int, int, int] | None = None
        self._planned = False

    def _make_plan(self) -> tuple[int, int, int, int] | None:
        """(offset of the slice in labelMap, element size, key offset, value offset)."""
        try:
            lmap = self._types.struct_layout("runtime/pprof.labelMap")
            outer = lmap.first("LabelSet", "Set")
            if outer is None:
                return None
            labelset = self._types.struct_layout(outer.type_name)
            lst = labelset.first("list", "List")
            if lst is None or not lst.type_name.startswith("[]"):
                return None
            elem = self._types.struct_layout(lst.type_name[2:])
            key, value = elem.first("key", "Key"), elem.first("value", "Value")
            if key is None or value is None:
                return None
            return outer.offset + lst.offset, elem.size, key.offset, value.offset
        except DwarfTypeError:
            return None

    def read(self, ptr: int) -> dict[str, str]:
        if not self._planned:
            self._plan, self._planned = self._make_plan(), True
        if self._plan is None or not ptr:
            return {}
        off, esize, koff, voff = self._plan
        try:
            hdr = self._read(ptr + off, 16)
            data, n = int.from_bytes(hdr[:8], "little"), int.from_bytes(hdr[8:], "little")
            n = min(n, _MAX_LABELS)
            raw = self._read(data, n * esize) if n else b""
            out: dict[str, str] = {}
            for i in range(n):
                base = i * esize
                out[self._string(raw, base + koff)] = self._string(raw, base + voff)
            return out
        except OSError:
            return {}

    def _string(self, raw: bytes, at: int) -> str:
        ptr = int.from_bytes(raw[at:at + 8], "little")
        n = min(int.from_bytes(raw[at + 8:at + 16], "little"), _MAX_STRING)
        return self._read(ptr, n).decode("utf-8", "replace") if ptr and n else ""
