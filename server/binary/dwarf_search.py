"""Find top-level DIEs by name without walking compile units: a byte search of .debug_info.

Go's linker writes the name of every type, package variable and constant inline, as the first
attribute of its DIE (DW_FORM_string right after the abbreviation code: cmd/link's
DW_ABRV_STRUCTTYPE, DW_ABRV_VARIABLE, DW_ABRV_INT_CONSTANT...). So the DIE called `runtime.g` starts
one or two bytes before an occurrence of b"runtime.g\\0" in the section. Searching the section's
bytes (C speed: a few ms for the 10 MB of a big binary) finds the candidates; each is checked
against its unit's abbreviation table (its tag, its first attribute a DW_AT_name string) and
then parsed by pyelftools, so a chance occurrence of the bytes elsewhere never answers.

Walking the top level of the runtime unit to find `runtime.g` parses thousands of DIEs with
pyelftools (tens of microseconds each): 10 ms for a small program, 60 ms for cmd/go, and a miss
(`print pt` out of scope) walked every unit of the program (0.3 s small, seconds for cmd/go).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from elftools.dwarf.compileunit import CompileUnit
    from elftools.dwarf.die import DIE
    from elftools.dwarf.dwarfinfo import DWARFInfo



def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

_MAX_NAME = 4096  # longest name a suffix match walks back over


class DieSearch:
    """Name -> DIEs of one DWARFInfo, by searching the bytes of .debug_info."""

    def __init__(self, dwarf: DWARFInfo, units: Iterable[CompileUnit]) -> None:
        self._dwarf = dwarf
        sec = dwarf.debug_info_sec
        if sec is None:
            raise ValueError("no .debug_info section")
        self._stream = sec.stream
        getvalue = getattr(self._stream, "getvalue", None)  # a BytesIO: its buffer, not a copy
        if getvalue is not None:
            self._data: bytes = getvalue()
        else:
            self._stream.seek(0)
            self._data = self._stream.read()
        self._units = sorted(units, key=lambda cu: cu.cu_offset)
        self._starts = [cu.cu_offset for cu in self._units]
        # per unit: abbreviation code -> (tag, first attribute is an inline DW_AT_name)
        self._abbrevs: dict[int, dict[int, tuple[str, bool]]] = {}
        # Some search found its DIE: this binary's DWARF writes names inline, so a miss is a miss
        # (until then callers walk the units, as for DWARF written by another linker).
        self.proven = False
        self._probed = False

    def works(self) -> bool:
        """Whether a miss here is a miss: some search found its DIE, or (asked once) runtime.g,
        which every Go program has, is found by its bytes."""
        if not self.proven and not self._probed:
            self._probed = True
            self.find("runtime.g", ("DW_TAG_structure_type",))
        return self.proven

    def _unit_of(self, offset: int) -> CompileUnit | None:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        cu = self._units[i]
        end = cu.cu_offset + cu["unit_length"] + cu.structs.initial_length_field_size()
        return cu if cu.cu_die_offset <= offset < end else None

    def _abbrev(self, cu: CompileUnit, code: int) -> tuple[str, bool] | None:
        table = self._abbrevs.get(cu.cu_offset)
        if table is None:
            table = self._abbrevs[cu.cu_offset] = {}
        entry = table.get(code)
        if entry is None:
            try:
                decl = cu.get_abbrev_table().get_abbrev(code)
            except KeyError:
                return None
            specs = list(decl.iter_attr_specs())
            entry = (str(decl["tag"]), bool(specs) and specs[0] == ("DW_AT_name", "DW_FORM_string"))
            table[code] = entry
        return entry

    def _die_at(self, start: int, name_at: int, tags: tuple[str, ...]) -> DIE | None:
        """The DIE starting at `start` if its abbreviation code ends at name_at, its tag is one of
        `tags` and its first attribute is an inline name."""
        code, shift, pos, more = 0, 0, start, True
        while pos < name_at and more:
            b = self._data[pos]
            code |= (b & 0x7F) << shift
            shift += 7
            pos += 1
            more = bool(b & 0x80)
        # The code must end right before the name: a byte there with its continuation bit set
        # (0xA0 before an "f\0" of testdata/inlined) begins a longer code that runs into the
        # name, which pyelftools would read (KeyError: no such abbreviation), not this one.
        if more or pos != name_at or code == 0:
            return None
        cu = self._unit_of(start)
        if cu is None:
            return None
        entry = self._abbrev(cu, code)
        if entry is None or entry[0] not in tags or not entry[1]:
            return None
        if entry[0] == "DW_TAG_structure_type" and not self._plausible_struct(cu, start):
            return None
        return cu.get_DIE_from_refaddr(start)

    def _plausible_struct(self, cu: CompileUnit, start: int) -> bool:
        """A struct type's bytes inside another name ("(runtime.g" in a func type's name, when the
        struct's abbreviation code is the byte of "("): its size attribute and its first child
        (a member, or the end of the children) tell the true DIE from the chance one."""
        from elftools.dwarf.die import DIE

        try:
            die = DIE(cu=cu, stream=self._stream, offset=start)
            if "DW_AT_byte_size" not in die.attributes:
                return False
            if not die.has_children:
                return True
            nxt = start + die.size
            code = self._data[nxt]
            if code == 0:
                return True
            entry = self._abbrev(cu, code)
            return entry is not None and entry[0] == "DW_TAG_member"
        except Exception:  # a chance DIE's attributes may not even parse
            return False

    def find(self, name: str, tags: tuple[str, ...], suffix: bool = False) -> list[DIE]:
        """DIEs with one of `tags` whose DW_AT_name is `name` (or, with suffix, ends with
        "/" + name), in .debug_info order."""
        data = self._data
        needle = name.encode() + b"\0"
        found: dict[int, DIE] = {}
        pos = data.find(needle)
        while pos >= 0:
            # Exact: the abbreviation code (one or two bytes) right before the name.
            for start in (pos - 1, pos - 2):
                if start >= 0 and start not in found:
                    die = self._die_at(start, pos, tags)
                    if die is not None and _text(die.attributes["DW_AT_name"].value) == name:
                        found[start] = die
                        break
            if suffix and pos > 0 and data[pos - 1] == 0x2F:  # "/": a longer name ending in "/name"
                lo = max(data.rfind(b"\0", max(0, pos - _MAX_NAME), pos), 0)
                for name_at in range(pos - 1, lo, -1):
                    for start in (name_at - 1, name_at - 2):
                        if start < lo or start in found:
                            continue
                        die = self._die_at(start, name_at, tags)
                        if die is None:
                            continue
                        full = _text(die.attributes["DW_AT_name"].value)
                        if full.endswith("/" + name):
                            found[start] = die
            pos = data.find(needle, pos + 1)
        if found:
            self.proven = True
        return [found[k] for k in sorted(found)]
