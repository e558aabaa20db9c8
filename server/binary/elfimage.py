"""The ELF file as raw bytes: sections (decompressed), segments, virtual-address reads, .symtab.

The headers are decoded here (a few struct unpacks): pyelftools takes ~17 ms to import, which
the start of a session need not pay when the on-disk index spares it the DWARF; `elf` (its
ELFFile, for the DWARF readers) is made on first use. The symbol table is decoded with
struct.iter_unpack too, because pyelftools builds a Symbol object per entry (hundreds of
milliseconds on a big binary), and only when a symbol is first asked for.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from functools import cached_property
from typing import TYPE_CHECKING, BinaryIO

from ..records import record

if TYPE_CHECKING:
    from elftools.elf.elffile import ELFFile

_SHF_COMPRESSED = 0x800
_SHT_NOBITS = 8
_ELFCOMPRESS_ZLIB = 1
PT_TLS = 7

# Elf64_Ehdr after e_ident, Elf64_Shdr, Elf64_Phdr (little-endian: linux/amd64)
_EHDR = struct.Struct("<HHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHN_XINDEX = 0xFFFF


@record(frozen=True)
class Section:
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int


@record(frozen=True)
class Segment:
    type: int
    vaddr: int
    memsz: int
    align: int


class ElfImage:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - lives as long as the image
        self._map: mmap.mmap | bytes
        try:
            self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            self._map = b""
        self._section_list, self.segments, self.entry_point = _headers(self._map)
        self._sections = {s.name: s for s in self._section_list}
        self._symbols: dict[str, int] | None = None

    @cached_property
    def elf(self) -> ELFFile:
        """pyelftools' view of the file, for its DWARF readers (imported here, on first use)."""
        from elftools.elf.elffile import ELFFile

        return ELFFile(self._fh)

    def close(self) -> None:
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        self._fh.close()

    def has_section(self, name: str) -> bool:
        return name in self._sections

    def section_addr(self, name: str) -> int | None:
        s = self._sections.get(name)
        return s.addr if s is not None else None

    def section_bytes(self, name: str) -> bytes | None:
        """Contents of a section, decompressed if SHF_COMPRESSED (or a legacy .zdebug_ twin)."""
        s = self._sections.get(name)
        if s is None and name.startswith(".debug_"):
            z = self._sections.get(".z" + name[1:])
            if z is not None:
                raw = self._raw(z)
                # "ZLIB" + 8-byte big-endian size, then a zlib stream.
                return zlib.decompress(raw[12:]) if raw[:4] == b"ZLIB" else raw
        if s is None or s.type == _SHT_NOBITS:
            return None
        raw = self._raw(s)
        if s.flags & _SHF_COMPRESSED:
            ch_type = struct.unpack_from("<I", raw, 0)[0]
            if ch_type != _ELFCOMPRESS_ZLIB:
                raise ValueError(f"{name}: unsupported compression type {ch_type}")
            return zlib.decompress(raw[24:])  # Elf64_Chdr is 24 bytes
        return raw

    def _raw(self, s: Section) -> bytes:
        return bytes(self._map[s.offset : s.offset + s.size])

    def read(self, addr: int, size: int) -> bytes | None:
        """Bytes at a virtual address, from the file image of an allocated section."""
        for s in self._section_list:
            base = s.addr
            if base and base <= addr and addr + size <= base + s.size:
                if s.type == _SHT_NOBITS:
                    return bytes(size)
                off = s.offset + addr - base
                return bytes(self._map[off : off + size])
        return None

    def symbol_address(self, name: str) -> int | None:
        return self.symbols().get(name)

    def symbols(self) -> dict[str, int]:
        """Symbol name -> value (the first of a name), read on first use."""
        if self._symbols is None:
            self._symbols = self._load_symbols()
        return self._symbols

    def seed_symbols(self, symbols: dict[str, int]) -> None:
        """The symbol table as an earlier session read it (binary/indexcache.py)."""
        self._symbols = symbols

    def _load_symbols(self) -> dict[str, int]:
        symtab = self._sections.get(".symtab")
        if symtab is None:
            return {}
        if symtab.link >= len(self._section_list):
            return {}
        strtab = self._section_list[symtab.link]
        data = self._raw(symtab)
        strs = self._raw(strtab)
        out: dict[str, int] = {}
        for name_off, _info, _other, _shndx, value, _size in struct.iter_unpack("<IBBHQQ", data):
            if name_off == 0:
                continue
            end = strs.find(b"\0", name_off)
            name = strs[name_off:end].decode("utf-8", "replace")
            out.setdefault(name, value)
        return out


def _headers(image: mmap.mmap | bytes) -> tuple[list[Section], list[Segment], int]:
    """(sections, segments, entry point) of a 64-bit little-endian ELF image; ValueError otherwise."""
    if image[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    if image[4] != 2 or image[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    (_type, _machine, _version, entry, phoff, shoff, _flags, _ehsize, phentsize, phnum, shentsize, shnum,
     shstrndx) = _EHDR.unpack_from(image, 16)
    raw = []
    if shoff:
        first = _SHDR.unpack_from(image, shoff)
        if shnum == 0:  # extended numbering: the count is in section 0's sh_size
            shnum = first[5]
        if shstrndx == _SHN_XINDEX:
            shstrndx = first[6]
        raw = [_SHDR.unpack_from(image, shoff + i * shentsize) for i in range(shnum)]
    names = b""
    if 0 < shstrndx < len(raw):
        _, _, _, _, off, size, _, _, _, _ = raw[shstrndx]
        names = bytes(image[off : off + size])
    sections = []
    for name_off, typ, flags, addr, off, size, link, _info, _align, _entsize in raw:
        end = names.find(b"\0", name_off)
        name = names[name_off:end if end >= 0 else len(names)].decode("utf-8", "replace")
        sections.append(Section(name, typ, flags, addr, off, size, link))
    segments = []
    for i in range(phnum if phoff else 0):
        typ, _pflags, _off, vaddr, _paddr, _filesz, memsz, align = _PHDR.unpack_from(image, phoff + i * phentsize)
        segments.append(Segment(typ, vaddr, memsz, align))
    return sections, segments, entry
