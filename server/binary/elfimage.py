"""The ELF file as raw bytes: sections (decompressed), virtual-address reads, .symtab.

pyelftools is used to find section headers only. The symbol table is decoded
here with struct.iter_unpack because pyelftools builds a Symbol object per
entry (hundreds of milliseconds on a big binary), and it is only read when a
symbol is first asked for.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from typing import BinaryIO

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import Section

_SHF_COMPRESSED = 0x800
_SHT_NOBITS = 8
_ELFCOMPRESS_ZLIB = 1


class ElfImage:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 - lives as long as the image
        self._map: mmap.mmap | bytes
        try:
            self._map = mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            self._map = b""
        self.elf = ELFFile(self._fh)
        self.entry_point: int = self.elf.header["e_entry"]
        self._sections = {s.name: s for s in self.elf.iter_sections()}
        self._symbols: dict[str, int] | None = None

    def close(self) -> None:
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        self._fh.close()

    def has_section(self, name: str) -> bool:
        return name in self._sections

    def section_addr(self, name: str) -> int | None:
        s = self._sections.get(name)
        return s["sh_addr"] if s is not None else None

    def section_bytes(self, name: str) -> bytes | None:
        """Contents of a section, decompressed if SHF_COMPRESSED (or a legacy .zdebug_ twin)."""
        s = self._sections.get(name)
        if s is None and name.startswith(".debug_"):
            z = self._sections.get(".z" + name[1:])
            if z is not None:
                raw = self._raw(z)
                # "ZLIB" + 8-byte big-endian size, then a zlib stream.
                return zlib.decompress(raw[12:]) if raw[:4] == b"ZLIB" else raw
        if s is None or s["sh_type"] == "SHT_NOBITS":
            return None
        raw = self._raw(s)
        if s["sh_flags"] & _SHF_COMPRESSED:
            ch_type = struct.unpack_from("<I", raw, 0)[0]
            if ch_type != _ELFCOMPRESS_ZLIB:
                raise ValueError(f"{name}: unsupported compression type {ch_type}")
            return zlib.decompress(raw[24:])  # Elf64_Chdr is 24 bytes
        return raw

    def _raw(self, s: Section) -> bytes:
        off, size = s["sh_offset"], s["sh_size"]
        return bytes(self._map[off : off + size])

    def read(self, addr: int, size: int) -> bytes | None:
        """Bytes at a virtual address, from the file image of an allocated section."""
        for s in self._sections.values():
            base = s["sh_addr"]
            if base and base <= addr and addr + size <= base + s["sh_size"]:
                if s["sh_type"] == "SHT_NOBITS":
                    return bytes(size)
                off = s["sh_offset"] + addr - base
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
        strtab = self.elf.get_section(symtab["sh_link"])
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
