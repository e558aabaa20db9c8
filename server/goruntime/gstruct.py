"""runtime.g / runtime.m field offsets from DWARF, and decoding a g from raw bytes.

Offsets are never hard-coded: they come from the DWARF of the binary being
debugged. Fields whose representation changed across releases:
- goid: int64 until Go 1.19, uint64 since 1.20 (both read as 8 bytes);
- atomicstatus: uint32 until 1.19, a struct atomic.Uint32 {noCopy; value uint32}
  since 1.20 (runtime/internal/atomic, then internal/runtime/atomic in 1.23);
- gobuf lost `ret` in 1.21 (we only read sp, pc, bp).
"""

from __future__ import annotations

import itertools
import operator
import struct
from collections.abc import Callable
from dataclasses import field

from ..binary.dwarf_types import DwarfTypes, FieldInfo, StructLayout
from ..records import record
from .model import G_SCAN, Goroutine


class GLayoutError(LookupError):
    """The binary's runtime.g lacks a field Delve needs."""


@record(frozen=True, slots=True)
class _Slot:
    offset: int
    size: int
    signed: bool = False

    def get(self, buf: bytes | memoryview, base: int = 0) -> int:
        start = base + self.offset
        return int.from_bytes(buf[start:start + self.size], "little", signed=self.signed)


@record(frozen=True, slots=True)
class GLayout:
    size: int
    goid: _Slot
    status: _Slot
    sched_pc: _Slot
    sched_sp: _Slot
    sched_bp: _Slot
    stack_lo: _Slot
    stack_hi: _Slot
    m: _Slot
    gopc: _Slot
    startpc: _Slot
    wait_since: _Slot
    wait_reason: _Slot | None
    labels: _Slot | None
    # runtime.m fields, to go from g0 to the user goroutine of a thread.
    m_curg: int
    m_g0: int
    # decode()'s fields in one struct format (None: a size struct cannot read), made once.
    _unpack: Callable[[bytes | memoryview, int], tuple[int, ...]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_unpack", _unpacker(self))

    @classmethod
    def from_dwarf(cls, types: DwarfTypes) -> GLayout:
        g = types.struct_layout("runtime.g")
        gobuf = types.struct_layout("runtime.gobuf")
        stack = types.struct_layout("runtime.stack")
        m = types.struct_layout("runtime.m")

        def need(layout: StructLayout, name: str) -> FieldInfo:
            f = layout.fields.get(name)
            if f is None:
                raise GLayoutError(f"{layout.name} has no field {name}")
            return f

        def slot(layout: StructLayout, name: str, base: int = 0, signed: bool = False) -> _Slot:
            f = need(layout, name)
            return _Slot(base + f.offset, f.size, signed)

        def opt(layout: StructLayout, name: str) -> _Slot | None:
            f = layout.fields.get(name)
            return None if f is None else _Slot(f.offset, f.size, f.type_name.startswith("int"))

        sched = need(g, "sched").offset
        stk = need(g, "stack").offset
        status = need(g, "atomicstatus")
        status_slot = _Slot(status.offset, status.size)
        if status.type_name.endswith("atomic.Uint32"):
            # Go 1.20+: the uint32 sits in the wrapper's `value` field.
            inner = types.struct_layout(status.type_name)
            value = need(inner, "value")
            status_slot = _Slot(status.offset + value.offset, value.size)
        goid = need(g, "goid")
        return cls(
            size=g.size,
            goid=_Slot(goid.offset, goid.size, goid.type_name.startswith("int")),
            status=status_slot,
            sched_pc=slot(gobuf, "pc", sched),
            sched_sp=slot(gobuf, "sp", sched),
            sched_bp=slot(gobuf, "bp", sched),
            stack_lo=slot(stack, "lo", stk),
            stack_hi=slot(stack, "hi", stk),
            m=slot(g, "m"),
            gopc=slot(g, "gopc"),
            startpc=slot(g, "startpc"),
            wait_since=slot(g, "waitsince", signed=True),
            wait_reason=opt(g, "waitreason"),
            labels=opt(g, "labels"),
            m_curg=need(m, "curg").offset,
            m_g0=need(m, "g0").offset,
        )

    def decode(self, addr: int, buf: bytes | memoryview, base: int = 0) -> Goroutine:
        """A Goroutine from the g bytes at buf[base:base+size]."""
        unpack = self._unpack
        if unpack is not None:
            # One C call for every field (a 10,000-goroutine listing decodes 130,000 of them).
            v = unpack(buf, base)
            return Goroutine(addr, v[0], v[1] & ~G_SCAN, v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10],
                             v[11], v[12])
        return Goroutine(
            addr=addr,
            id=self.goid.get(buf, base),
            # _Gscan is a transient GC bit on top of the real status.
            status=self.status.get(buf, base) & ~G_SCAN,
            wait_since=self.wait_since.get(buf, base),
            wait_reason=self.wait_reason.get(buf, base) if self.wait_reason else 0,
            gopc=self.gopc.get(buf, base),
            startpc=self.startpc.get(buf, base),
            sched_pc=self.sched_pc.get(buf, base),
            sched_sp=self.sched_sp.get(buf, base),
            sched_bp=self.sched_bp.get(buf, base),
            stack_lo=self.stack_lo.get(buf, base),
            stack_hi=self.stack_hi.get(buf, base),
            m=self.m.get(buf, base),
            labels_ptr=self.labels.get(buf, base) if self.labels else 0,
        )


# Goroutine's fields in the order of its constructor (after addr), as GLayout names them.
_G_FIELDS = ("goid", "status", "wait_since", "wait_reason", "gopc", "startpc", "sched_pc", "sched_sp",
             "sched_bp", "stack_lo", "stack_hi", "m", "labels")
_FORMATS = {(1, False): "B", (2, False): "H", (4, False): "I", (8, False): "Q",
            (1, True): "b", (2, True): "h", (4, True): "i", (8, True): "q"}


def _unpacker(layout: GLayout) -> Callable[[bytes | memoryview, int], tuple[int, ...]] | None:
    """A function unpacking every field decode() reads, in _G_FIELDS order (an absent one as 0),
    with one struct format; None when a field has a size struct cannot read."""
    slots = [(getattr(layout, name), i) for i, name in enumerate(_G_FIELDS)]
    present = sorted((s.offset, i, s) for s, i in slots if s is not None)
    if not all((s.size, s.signed) in _FORMATS for _, _, s in present) or any(
            a[0] + a[2].size > b[0] for a, b in itertools.pairwise(present)):
        return None
    fmt, pos, order = "<", 0, []
    for offset, i, s in present:
        fmt += (f"{offset - pos}x" if offset > pos else "") + _FORMATS[(s.size, s.signed)]
        pos = offset + s.size
        order.append(i)
    unpack_from = struct.Struct(fmt).unpack_from
    # Where each _G_FIELDS entry is in the unpacked tuple; an absent one reads the 0 appended.
    pick = operator.itemgetter(*[order.index(i) if i in order else len(order) for i in range(len(_G_FIELDS))])

    def unpack(buf: bytes | memoryview, base: int) -> tuple[int, ...]:
        return pick((*unpack_from(buf, base), 0))

    return unpack
