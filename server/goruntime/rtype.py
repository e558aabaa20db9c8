"""Names and kinds of runtime type descriptors (`*_type` words of interface values).

An interface value carries only a pointer to the runtime's type descriptor; its name
is a nameOff from `moduledata.types` (runtime/type.go resolveNameOff, name encoding
in internal/abi/type.go: a flag byte, a varint length, the bytes). Offsets of the
descriptor fields come from DWARF (`internal/abi.Type` since Go 1.21, `runtime._type`
before), never hard-coded.
"""

from __future__ import annotations

from collections.abc import Callable

from ..binary.dwarf_types import DwarfTypes, StructLayout
from ..records import record

ReadMemory = Callable[[int, int], bytes]

KIND_MASK = 0x1F
_TFLAG_EXTRA_STAR = 1 << 1


@record(frozen=True)
class RuntimeType:
    addr: int
    name: str
    kind: int  # reflect.Kind
    size: int


class RuntimeTypes:
    def __init__(self, types: DwarfTypes, read: ReadMemory, firstmoduledata: int | None) -> None:
        self._types = types
        self._read = read
        self._moduledata = firstmoduledata
        self._layout: StructLayout | None = None
        self._types_base: int | None = None
        self._cache: dict[int, RuntimeType] = {}

    def _type_layout(self) -> StructLayout:
        if self._layout is None:
            self._layout = (self._types.try_struct_layout("internal/abi.Type")
                            or self._types.struct_layout("runtime._type"))
        return self._layout

    def _base(self) -> int:
        if self._types_base is None:
            if self._moduledata is None:
                raise LookupError("runtime.firstmoduledata not found")
            md = self._types.struct_layout("runtime.moduledata")
            self._types_base = int.from_bytes(self._read(self._moduledata + md.offset("types"), 8), "little")
        return self._types_base

    def describe(self, addr: int) -> RuntimeType:
        cached = self._cache.get(addr)
        if cached is not None:
            return cached
        lay = self._type_layout()
        buf = self._read(addr, lay.size)

        def field(*names: str) -> int:
            f = lay.first(*names)
            if f is None:
                raise LookupError(f"runtime type descriptor has none of {names}")
            return int.from_bytes(buf[f.offset:f.offset + f.size], "little")

        size = field("Size_", "size")
        kind = field("Kind_", "kind") & KIND_MASK
        tflag = field("TFlag", "tflag")
        name = self._name(self._base() + field("Str", "str"))
        if tflag & _TFLAG_EXTRA_STAR and name.startswith("*"):
            name = name[1:]
        rt = RuntimeType(addr, name, kind, size)
        self._cache[addr] = rt
        return rt

    def _name(self, addr: int) -> str:
        head = self._read(addr, 11)
        length, shift, i = 0, 0, 1
        while True:
            b = head[i]
            length |= (b & 0x7F) << shift
            i += 1
            if not b & 0x80:
                break
            shift += 7
        return self._read(addr + i, length).decode("utf-8", "replace")
