"""Where a thread's current g lives in thread-local storage (linux/amd64).

A pure-Go, internally linked binary keeps g at fs_base-8. A binary linked by an
external linker (cgo, -linkmode=external) lets that linker place g: the runtime
emits a TLS symbol `runtime.tlsg`, relocated to an offset inside the PT_TLS
block, and fs_base points at the *end* of that block (x86-64 TLS variant II).
Same rule as Delve's setGStructOffsetElf, including lld's padding of the block
size so that (offset % align) == (vaddr % align).

R14 also holds g under the register ABI, but only while Go code runs: in
assembly, syscalls and C code it is anything, so TLS is the source of truth.
"""

from __future__ import annotations

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

_PTR = 8


def g_tls_offset(elf: ELFFile) -> int:
    """Signed offset of the g pointer from fs_base."""
    tls = next((seg for seg in elf.iter_segments() if seg["p_type"] == "PT_TLS"), None)
    tlsg = _symbol_value(elf, "runtime.tlsg")
    if tls is None or tlsg is None:
        return -_PTR
    memsz, vaddr, align = tls["p_memsz"], tls["p_vaddr"], max(tls["p_align"], 1)
    memsz += (-vaddr - memsz) & (align - 1)
    return tlsg - memsz


def _symbol_value(elf: ELFFile, name: str) -> int | None:
    symtab = elf.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        return None
    syms = symtab.get_symbol_by_name(name)
    return syms[0]["st_value"] if syms else None
