"""Small read-only views of the target: memory, code bytes, shared objects, packages.
All run on the tracer thread."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import field

from ..binary.gobinary import GoBinary
from ..records import record
from . import goregexp
from .errors import DebuggerError
from .inferior import Inferior

_DT_DEBUG = 21


def examine_memory(proc: Inferior, addr: int, length: int) -> bytes:
    if length <= 0:
        return b""
    try:
        return proc.read_memory(addr, length)
    except OSError:
        raise DebuggerError("input/output error") from None


def read_code(proc: Inferior, addr: int, length: int) -> bytes:
    """Instruction bytes as the program has them (breakpoints' INT3 hidden by read_memory)."""
    return examine_memory(proc, addr, length)


def dynamic_libraries(binary: GoBinary, proc: Inferior) -> list[tuple[str, int]]:
    """The dynamic linker's link_map (r_debug via DT_DEBUG), minus the executable itself:
    what Delve's ElfUpdateSharedObjects lists. [] for static binaries."""
    dynamic = binary.section_address(".dynamic")
    if not dynamic:
        return []

    def word(a: int) -> int:
        return int.from_bytes(proc.read_memory(a, 8), "little")

    try:
        r_debug = 0
        for i in range(512):
            tag, val = word(dynamic + 16 * i), word(dynamic + 16 * i + 8)
            if tag == 0:
                break
            if tag == _DT_DEBUG:
                r_debug = val
        if not r_debug:
            return []
        lm = word(r_debug + 8)
        out: list[tuple[str, int]] = []
        for _ in range(4096):
            if not lm:
                break
            base, name_ptr, nxt = word(lm), word(lm + 8), word(lm + 24)
            name = _cstring(proc.read_memory, name_ptr) if name_ptr else ""
            if name and os.path.isabs(name):
                out.append((name, base))
            lm = nxt
        return out
    except OSError:
        return []


def _cstring(read: Callable[[int, int], bytes], addr: int) -> str:
    data = b""
    while len(data) < 4096:
        chunk = read(addr + len(data), 64)
        end = chunk.find(b"\0")
        if end >= 0:
            return (data + chunk[:end]).decode(errors="replace")
        data += chunk
    return data.decode(errors="replace")


@record
class PackageInfo:
    import_path: str
    directory: str
    files: list[str] | None = field(default=None)


def packages_build_info(binary: GoBinary, include_files: bool, filter_text: str) -> list[PackageInfo]:
    """Delve's BinaryInfo.ListPackagesBuildInfo: one entry per Go compile unit (its import
    path) whose line program's first row is in a .go/.s file, that file's directory, and
    optionally all its files."""
    try:
        rx = goregexp.compile(filter_text) if filter_text else None
    except goregexp.RegexpError as e:
        raise DebuggerError(f"invalid Filter pattern: {e}") from None  # rpc2's own wording
    units = binary.dwarf_units
    if units is None:
        return []
    pkgs: dict[str, PackageInfo] = {}
    files: dict[str, set[str]] = {}
    for u in units.units:
        if not u.is_go:
            continue
        lp = units.lines(u)
        if lp is None:
            continue
        ip = u.name.replace("\\", "/")
        if ip not in pkgs:
            first = lp.first_file()  # as Delve: its package's directory, or not (fmt: sync/atomic's)
            if os.path.splitext(first)[1] not in (".go", ".s"):
                continue
            pkgs[ip] = PackageInfo(ip, os.path.dirname(first))
            files[ip] = set()
        if include_files:
            files[ip].update(f for f in lp.files if f)  # DWARF 5 (Go 1.25+) names file 0 "?": Delve lists it
    out = []
    for ip in sorted(pkgs):
        if rx is not None and not rx.search(ip):
            continue
        p = pkgs[ip]
        if include_files:
            p.files = sorted(files[ip])
        out.append(p)
    return out
