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

from collections.abc import Callable

from ..binary.elfimage import PT_TLS, Segment

_PTR = 8
TLSG_SYMBOL = "runtime.tlsg"


def g_tls_offset(segments: list[Segment], symbol_address: Callable[[str], int | None]) -> int:
    """Signed offset of the g pointer from fs_base.

    `symbol_address` is GoBinary.symbol_address: its hand-decoded .symtab answers in
    milliseconds, where pyelftools' symbol map takes ~0.5 s even on a small binary.
    """
    tls = next((seg for seg in segments if seg.type == PT_TLS), None)
    if tls is None:  # internally linked pure Go: no need to look at the symbol table at all
        return -_PTR
    tlsg = symbol_address(TLSG_SYMBOL)
    if tlsg is None:
        return -_PTR
    memsz, vaddr, align = tls.memsz, tls.vaddr, max(tls.align, 1)
    memsz += (-vaddr - memsz) & (align - 1)
    return tlsg - memsz

