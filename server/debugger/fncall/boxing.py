"""Interface values built in the target for injected calls' arguments: what the compiler
does for `var i fmt.Stringer = x` (convT / itab lookup), done by the debugger.

An interface is two words: the type word (the dynamic type's runtime type for `interface {}`,
an itab for non-empty interfaces) and the data word (the value itself when its type is
pointer-shaped, Go's isdirectiface; else a pointer to a heap copy, allocated with an injected
`runtime.mallocgc(size, type, true)` so the GC knows what the copy holds).

Delve's own convertToEface only does iface -> eface and pointer-shaped -> eface; boxing any
value and non-empty interfaces go further (a variadic `fmt.Sprintf("%d", 2)` needs them).
"""

from __future__ import annotations

from collections.abc import Callable

from ...binary.gobinary import GoBinary
from ...binary.gotypes import GoType, GoTypes, Kind
from ...goruntime.values import Memory, Value
from ...records import record

# (size, runtime type address) -> address of a zeroed heap object in the target
Alloc = Callable[[int, int], int]


class BoxError(Exception):
    """The value can not be put in that interface; str() is the message."""


def _word(b: bytes) -> int:
    return int.from_bytes(b[:8], "little")


def is_empty_interface(t: GoType) -> bool:
    """eface (`_type`, `data`) rather than iface (`tab`, `data`)."""
    return t.resolved().field("tab") is None


@record
class Boxer:
    binary: GoBinary
    types: GoTypes
    mem: Memory  # the target's memory
    alloc: Alloc
    _itabs: dict[tuple[int, int], int] | None = None

    def rtype(self, t: GoType) -> int:
        """The runtime type address of `t` (DW_AT_go_runtime_type; on a typedef chain the
        first type that has one: a named type's own)."""
        cur: GoType | None = t
        for _ in range(64):
            if cur is None:
                break
            if cur.runtime_addr:
                base = self.types.types_base
                return cur.runtime_addr if cur.runtime_addr >= base else base + cur.runtime_addr
            cur = cur.target if cur.is_typedef else None
        raise BoxError(f"can not convert value of type {t.name} to an interface: no runtime type")

    def box(self, src: Value, dst: GoType) -> bytes:
        """The 16-byte image of `src` converted to the interface type `dst`."""
        rt = src.real_type
        assert rt is not None and src.type is not None
        if rt.kind == Kind.Interface:
            words = src.mem.read(src.addr, 16)
            tab, data = _word(words), _word(words[8:])
            if tab == 0:
                return bytes(16)  # a nil interface stays nil
            # A non-empty interface's first word is an itab; its _type is the itab's second word.
            typ = tab if is_empty_interface(src.type) else _word(self.mem.read(tab + 8, 8))
        else:
            typ = self.rtype(src.type)
            raw = src.mem.read(src.addr, rt.size)
            if src.type.direct_iface():
                data = _word(raw)
            else:
                data = self.alloc(rt.size, typ)
                if raw:
                    self.mem.write(data, raw)
        first = typ if is_empty_interface(dst) else self.itab(typ, dst, src.type_name)
        return first.to_bytes(8, "little") + data.to_bytes(8, "little")

    def itab(self, typ: int, iface: GoType, src_name: str) -> int:
        """The itab of (dynamic type, interface), from the module's itablinks: every itab the
        compiler made statically (Delve looks up `go:itab.T,I` symbols instead, but Go 1.27's
        symbol table no longer has them). Itabs the runtime only builds on demand are missing."""
        tab = self._itablinks().get((self.rtype(iface), typ))
        if tab is None:
            raise BoxError(f"can not convert value of type {src_name} to {iface.name}: no itab in the binary")
        return tab

    def _itablinks(self) -> dict[tuple[int, int], int]:
        """(interface type, dynamic type) -> itab for the compiler's static itabs: a slice of
        pointers (moduledata.itablinks) up to Go 1.26, one packed run of itabs at
        types+itaboffset from Go 1.27 (what the runtime's addModuleItabs walks)."""
        if self._itabs is None:
            self._itabs = {}
            md = self.binary.symbol_address("runtime.firstmoduledata")
            mdt = self.types.by_name("runtime.moduledata")
            if md is None or mdt is None:
                return self._itabs
            links, packed = mdt.field("itablinks"), mdt.field("itaboffset")
            if links is not None:
                hdr = self.mem.read(md + links.offset, 16)
                ptr, n = _word(hdr), _word(hdr[8:])
                table = self.mem.read(ptr, 8 * n) if n else b""
                for tab in (_word(table[8 * i:]) for i in range(n)):
                    self._add(tab)
            elif packed is not None and (size_f := mdt.field("itabsize")) is not None \
                    and (types_f := mdt.field("types")) is not None:
                p = _word(self.mem.read(md + types_f.offset, 8)) + _word(self.mem.read(md + packed.offset, 8))
                end = p + _word(self.mem.read(md + size_f.offset, 8))
                while p < end:
                    p += self._add(p)
        return self._itabs

    def _add(self, tab: int) -> int:
        """Index one itab (Inter, Type, Hash, Fun[n]); its size (ITab.Size)."""
        words = self.mem.read(tab, 16)
        inter = _word(words)
        assert self._itabs is not None
        self._itabs[(inter, _word(words[8:]))] = tab
        it = self.types.by_name("internal/abi.InterfaceType")
        methods = it.field("Methods") if it is not None else None
        n = _word(self.mem.read(inter + methods.offset + 8, 8)) if methods is not None else 1
        return 24 + 8 * max(n, 1)
