"""pprof goroutine labels (g.labels), as Delve's G.Labels reads them.

g.labels points to a runtime/pprof.labelMap. Go 1.21+ made it a struct wrapping
a sorted slice of key/value string pairs (field names changed again when the
set moved to internal/runtime/pprof/label). Before 1.21 it is a map[string]string,
read here as a classic (pre-Swiss) hash map: runtime.hmap's buckets and old buckets,
bucket<string,string>'s slots whose tophash marks an entry.
"""

from __future__ import annotations

from ..binary.dwarf_types import DwarfTypeError, DwarfTypes, StructLayout
from .model import ReadMemory

# Delve's maxGoroutinesLabelEntries; also bounds damage from a bogus pointer.
_MAX_LABELS = 256
_MAX_STRING = 1 << 16
_MIN_TOP_HASH = 5  # tophash values below mark empty or evacuated slots
_BUCKET_SLOTS = 8
_MAX_BUCKETS = 1 << 10  # far beyond any label set


class _ClassicMapPlan:
    """Offsets of runtime.hmap and bucket<string,string> (Go 1.20 and earlier)."""

    def __init__(self, hmap: StructLayout, bucket: StructLayout) -> None:
        self.count, self.b = hmap.offset("count"), hmap.offset("B")
        self.buckets, self.oldbuckets = hmap.offset("buckets"), hmap.offset("oldbuckets")
        self.bucket_size = bucket.size
        self.tophash, self.keys = bucket.offset("tophash"), bucket.offset("keys")
        self.values, self.overflow = bucket.offset("elems" if bucket.has("elems") else "values"), bucket.offset("overflow")


class LabelReader:
    def __init__(self, types: DwarfTypes, read: ReadMemory) -> None:
        self._types = types
        self._read = read
        self._plan: tuple[int, int, int, int] | None = None
        self._map_plan: _ClassicMapPlan | None = None
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

    def _make_map_plan(self) -> _ClassicMapPlan | None:
        hmap = self._types.try_struct_layout("runtime.hmap")
        bucket = self._types.try_struct_layout("bucket<string,string>")
        if hmap is None or bucket is None:
            return None
        try:
            return _ClassicMapPlan(hmap, bucket)
        except KeyError:
            return None

    def read(self, ptr: int) -> dict[str, str]:
        if not self._planned:
            self._plan, self._planned = self._make_plan(), True
            if self._plan is None:
                self._map_plan = self._make_map_plan()
        if not ptr:
            return {}
        if self._plan is None:
            return self._read_map(ptr) if self._map_plan is not None else {}
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

    def _read_map(self, ptr: int) -> dict[str, str]:
        """g.labels points to a labelMap variable: a pointer to the runtime.hmap."""
        plan = self._map_plan
        assert plan is not None
        try:
            hmap = int.from_bytes(self._read(ptr, 8), "little")
            if not hmap:
                return {}
            head = self._read(hmap, max(plan.buckets, plan.oldbuckets) + 8)
            count = min(int.from_bytes(head[plan.count:plan.count + 8], "little"), _MAX_LABELS)
            nbuckets = min(1 << head[plan.b], _MAX_BUCKETS)
            out: dict[str, str] = {}
            for field, n in ((plan.buckets, nbuckets), (plan.oldbuckets, max(nbuckets // 2, 1))):
                base = int.from_bytes(head[field:field + 8], "little")
                for i in range(n if base else 0):
                    self._read_chain(base + i * plan.bucket_size, out)
                    if len(out) >= count:
                        return out
            return out
        except OSError:
            return {}

    def _read_chain(self, bucket: int, out: dict[str, str]) -> None:
        plan = self._map_plan
        assert plan is not None
        for _ in range(_MAX_LABELS):
            if not bucket:
                return
            raw = self._read(bucket, plan.bucket_size)
            for j in range(_BUCKET_SLOTS):
                if raw[plan.tophash + j] >= _MIN_TOP_HASH:
                    out[self._string(raw, plan.keys + 16 * j)] = self._string(raw, plan.values + 16 * j)
            bucket = int.from_bytes(raw[plan.overflow:plan.overflow + 8], "little")

    def _string(self, raw: bytes, at: int) -> str:
        ptr = int.from_bytes(raw[at:at + 8], "little")
        n = min(int.from_bytes(raw[at + 8:at + 16], "little"), _MAX_STRING)
        return self._read(ptr, n).decode("utf-8", "replace") if ptr and n else ""
