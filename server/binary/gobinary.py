"""A Go executable as the debugger sees it: functions, lines, versions, locations.

Facade over the single-purpose modules of this package:
- elfimage: sections and symbols (pyelftools for headers only);
- pclntab: functions, pc->file:line, SP deltas (hand-decoded, opened in ~ms);
- dwarf_units / dwarf_lines: compile-unit index and per-unit line tables,
  loaded only when a question needs DWARF (producer, optimized flag,
  is_stmt/prologue_end rows for breakpoint placement);
- dwarf_types / gotypes / foreign: the readers of DWARF types and of C code,
  made here once, on first use, over the same DWARFInfo;
- prologue: Delve's stack-split prologue heuristic;
- funcnames: Delve's partial function-name matching.

The binary owns the executable's one file handle (ElfImage) and its one pyelftools
DWARFInfo (made with the compile-unit index, under the lock): no other module opens
the file. Opening reads the ELF headers and the pclntab header only; everything else
is computed on first use and cached. Where Delve's behaviour is reproduced, the
docstring names the Delve function it follows.
"""

from __future__ import annotations

import contextlib
import os
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import UserError
from ..records import record
from .buildinfo import go_string_at, go_version
from .dwarf_inline import InlineNode, all_inline_ranges, inline_stack, read_tree, top_inlined_calls
from .dwarf_lines import LineProgram, LineSection
from .dwarf_types import DwarfTypes
from .dwarf_units import DwarfUnits
from .elfimage import ElfImage, Segment
from .foreign import ForeignCode
from .funcnames import FuncSpec, base_name, name_without_type_params, partial_package_match, split_name
from .gotypes import GoTypes
from .indexcache import IndexCache, go_build_id
from .pclntab import Pclntab, PclntabError
from .prologue import first_pc_after_prologue_disassembly

if TYPE_CHECKING:
    # pyelftools is imported with the first DWARF read (elfimage.py): not at every start.
    from elftools.dwarf.dwarfinfo import DWARFInfo

# Delve lists at most this many candidates in an ambiguity error (locspec.maxFindLocationCandidates).
MAX_CANDIDATES = 5
T = TypeVar("T")


class BinaryError(UserError):
    """An error whose text is exactly what Delve answers (clients show it verbatim)."""


@record(frozen=True)
class Function:
    name: str
    entry: int
    end: int
    # entry -> optimized flag of its compile unit. Asked only when `optimized` is read:
    # it needs .debug_info, which placing breakpoints at start-up does not.
    unit_optimized: Callable[[int], bool] = field(compare=False, repr=False)

    @cached_property
    def optimized(self) -> bool:
        return self.unit_optimized(self.entry)


class GoBinary:
    def __init__(self, path: str, image: ElfImage, pcln: Pclntab, bias: int = 0,
                 cache: IndexCache | None = None) -> None:
        self.path = path
        # What earlier sessions computed from this very binary (binary/indexcache.py).
        self._cache = cache if cache is not None else IndexCache.disabled()
        self._image = image
        self._pcln = pcln
        # A shared object's load address: file addresses + bias are the process's. Every pc
        # this class takes or returns is the process's; the ELF and DWARF hold file addresses.
        self._bias = bias
        # Go plugins loaded into the process (add_image): questions about their pcs, names and
        # files go to them, as Delve's BinaryInfo looks in all its Images.
        self._plugins: list[GoBinary] = []
        self.entry_point: int = image.entry_point
        self._lock = threading.RLock()
        self._funcs: dict[int, Function] = {}
        self._all: list[Function] | None = None
        self._by_name: dict[str, int] | None = None
        self._bracketed: list[tuple[int, str]] | None = None  # (index, name) with '[', seen by _name_index
        # inlined calls: DWARF subtrees of functions by entry, subprogram DIEs of each unit by
        # low pc, abstract-origin names by offset (binary/dwarf_inline.py)
        self._inline_trees: dict[int, InlineNode | None] = {}
        self._unit_subprograms: dict[int, dict[int, Any]] = {}
        self._origin_names: dict[int, str] = {}
        self._has_inlines: dict[int, bool] = {}  # by function entry
        # answers found without an index, until it is built: base name -> _base_name_candidates,
        # file name -> whether the line tables mention it (sources_matching)
        self._base_name_scans: dict[str, list[tuple[str, list[int]]]] = {}
        self._line_mentions: dict[str, bool] = {}

    @classmethod
    def open(cls, path: str, bias: int = 0) -> GoBinary:
        try:
            image = ElfImage(path)
        except (OSError, ValueError) as e:
            raise BinaryError(f"could not open {path}: {e}") from e
        cache = IndexCache.disabled()
        if not bias:
            with contextlib.suppress(OSError, ValueError):
                cache = IndexCache.open(go_build_id(image.section_bytes(".note.go.buildid")), os.path.getsize(path))
        symbols = cache.get("symbols")
        if isinstance(symbols, dict):
            image.seed_symbols(symbols)
        elif cache.enabled:
            cache.put("symbols", image.symbols())
        data = image.section_bytes(".gopclntab")
        if data is None:
            # Go 1.19 shared objects (plugins) keep the table inside .data.rel.ro
            start, end = image.symbol_address("runtime.pclntab"), image.symbol_address("runtime.epclntab")
            data = image.read(start, end - start) if start and end and end > start else None
        if data is None:
            raise BinaryError("could not find .gopclntab section")
        # pclntab entries are offsets from runtime.text. An externally linked (cgo)
        # binary leaves the header's textStart 0 and puts C code (crt1, cgo's gcc_*.c)
        # ahead of runtime.text in .text, so the section start is only a fallback.
        text_start = (image.symbol_address("runtime.text") or image.section_addr(".text") or 0) + bias
        try:
            pcln = Pclntab(data, text_start, bias)
        except PclntabError as e:
            raise BinaryError(f"could not read .gopclntab: {e}") from e
        return cls(path, image, pcln, bias, cache)

    def save_index(self) -> None:
        """Keep what this session computed for the next one (binary/indexcache.py); once, at
        the end of a session."""
        if not self._cache.enabled:
            return
        types = self.__dict__.get("dwarf_types")
        if types is not None and types.changed:
            self._cache.put("layouts", types.export())
        units = self.__dict__.get("_units")
        if units is not None and units.file_index_read:
            self._cache.put("files", units.file_index())
        go_types = self.__dict__.get("go_types")
        if go_types is not None and go_types.index_walked:
            self._cache.put("types", go_types.export_index())
        self._cache.save()

    def close(self) -> None:
        for p in self._plugins:
            p.close()
        self._image.close()

    # -- images: the executable and the Go plugins it loaded ---------------------

    def add_image(self, path: str, bias: int) -> GoBinary:
        """A Go plugin (or other Go shared object) loaded at `bias`: from now on its functions,
        files and lines are the binary's too. Raises BinaryError when it is not a Go object."""
        img = GoBinary.open(path, bias)
        with self._lock:
            self._plugins.append(img)
            for cached in ("_sources", "_source_set", "_sources_by_last", "_package_map"):
                self.__dict__.pop(cached, None)
        return img

    def drop_images(self) -> None:
        """Forget the plugins (a new process loads its own, maybe elsewhere)."""
        with self._lock:
            plugins, self._plugins = self._plugins, []
            for cached in ("_sources", "_source_set", "_sources_by_last", "_package_map"):
                self.__dict__.pop(cached, None)
        for img in plugins:
            img.close()

    @property
    def images(self) -> list[GoBinary]:
        return [self, *self._plugins]

    def _image_at(self, pc: int) -> GoBinary:
        """The image whose functions hold pc (the executable when none does)."""
        if self._plugins and self._pcln.index_at(pc) is None:
            for img in self._plugins:
                if img._pcln.index_at(pc) is not None:
                    return img
        return self

    # -- versions --------------------------------------------------------------

    @cached_property
    def go_version(self) -> str:
        sec = self._image.section_bytes(".go.buildinfo")
        v = go_version(sec, self._image.read) if sec else None
        if v is None:
            addr = self._image.symbol_address("runtime.buildVersion")
            v = go_string_at(addr, self._image.read) if addr else None
        return v or ""

    @cached_property
    def producer(self) -> str:
        """Delve's TargetGoVersion: the first Go compile unit's DW_AT_producer, cut at ';'."""
        units = self._units
        return units.producer() if units is not None else ""

    @cached_property
    def _units(self) -> DwarfUnits | None:
        with self._lock:
            if not self._image.elf.has_dwarf_info():
                return None
            files = self._cache.get("files")
            return DwarfUnits(self._image.elf.get_dwarf_info(), self._bias, files if isinstance(files, dict) else None)

    @property
    def dwarf_units(self) -> DwarfUnits | None:
        """The compile-unit index (None without DWARF): variables and types build on it."""
        return self._units

    @cached_property
    def dwarf_info(self) -> DWARFInfo | None:
        """pyelftools' DWARFInfo of the executable, shared by variables and types (DIE caches)."""
        units = self._units
        return units.dwarf if units is not None else None

    @cached_property
    def dwarf_types(self) -> DwarfTypes:
        """Struct layouts of runtime internals and subprogram flags, for the runtime model.
        Made without reading anything: its first question loads the unit index."""
        layouts = self._cache.get("layouts")
        return DwarfTypes(lambda: self._units, layouts if isinstance(layouts, dict) else None)

    @cached_property
    def go_types(self) -> GoTypes | None:
        """The Go types of values (None without DWARF): made on first use, over the same DWARFInfo."""
        units = self._units
        if units is None:
            return None
        return GoTypes(units, types_base=self.symbol_address("runtime.types") or 0, index=self._cache.get("types"))

    @cached_property
    def foreign_code(self) -> ForeignCode:
        """C functions of cgo binaries, their lines and CFI: read once a C pc is seen."""
        return ForeignCode(lambda: self.dwarf_info)

    @property
    def segments(self) -> list[Segment]:
        """The executable's program headers."""
        return self._image.segments

    def file_bytes(self, addr: int, size: int) -> bytes:
        """Bytes at a virtual address as the executable file has them, so breakpoints
        cannot hide them (b"" outside its sections)."""
        data = self._image.read(addr - self._bias, size)
        if not data and self._plugins:
            img = self._image_at(addr)
            if img is not self:
                return img.file_bytes(addr, size)
        return data or b""

    # -- symbols and functions -------------------------------------------------

    def symbol_address(self, name: str) -> int | None:
        addr = self._image.symbol_address(name)
        return addr + self._bias if addr is not None else None

    @cached_property
    def gnu_build_id(self) -> str:
        """The GNU build ID note in hex (Delve's Image.BuildID), "" without one (Go's linker
        writes it only with -B)."""
        data = self._image.section_bytes(".note.gnu.build-id")
        if not data or len(data) < 16:
            return ""
        namesz, descsz = int.from_bytes(data[0:4], "little"), int.from_bytes(data[4:8], "little")
        start = 12 + (namesz + 3) // 4 * 4
        return bytes(data[start:start + descsz]).hex()

    def section_address(self, name: str) -> int | None:
        """Where the section is loaded (its sh_addr), None if the executable has no such section."""
        addr = self._image.section_addr(name)
        return addr + self._bias if addr is not None else None

    def _func(self, i: int) -> Function:
        fn = self._funcs.get(i)
        if fn is None:
            fn = Function(self._pcln.name(i), self._pcln.entry(i), self._pcln.end(i), self._optimized_at)
            self._funcs[i] = fn
        return fn

    def _optimized_at(self, pc: int) -> bool:
        starts, ranges = self._optimized_ranges
        i = bisect_right(starts, pc) - 1
        # Ranges of units do not overlap in Go binaries; a few back are checked anyway.
        return any(ranges[j][0] <= pc < ranges[j][1] for j in range(i, max(i - 4, -1), -1))

    @cached_property
    def _optimized_ranges(self) -> tuple[list[int], list[tuple[int, int]]]:
        """The pc ranges of optimized compile units, sorted: a function's Optimized flag without
        reading DWARF when an earlier session noted them (binary/indexcache.py)."""
        cached = self._cache.get("optimized")
        if isinstance(cached, list):
            ranges = [(int(lo), int(hi)) for lo, hi in cached]
        else:
            units = self._units
            ranges = sorted((lo, hi) for u in (units.units if units is not None else []) if u.optimized
                            for lo, hi in u.ranges if hi > lo)
            self._cache.put("optimized", ranges)
        return [lo for lo, _ in ranges], ranges

    def functions(self) -> Sequence[Function]:
        if self._all is None:
            self._all = [self._func(i) for i in range(self._pcln.nfunc)]
        if self._plugins:
            return [*self._all, *(f for img in self._plugins for f in img.functions())]
        return self._all

    def function_at(self, pc: int) -> Function | None:
        i = self._pcln.index_at(pc)
        if i is None:
            img = self._image_at(pc)
            return img.function_at(pc) if img is not self else None
        return self._func(i)

    def _name_index(self) -> dict[str, int]:
        if self._by_name is None:
            idx = self._cache.get("names")
            if not isinstance(idx, dict):
                idx = {}
                bracketed: list[tuple[int, str]] = []
                for i, name in self._pcln.names():
                    idx.setdefault(name, i)
                    if "[" in name:
                        bracketed.append((i, name))
                self._cache.put("names", idx)
                self._bracketed = bracketed  # the generic index's input, without decoding every name again
            self._by_name = idx
        return self._by_name

    def function_named(self, name: str) -> Function | None:
        i = self._name_index().get(name)
        if i is None:
            return next((fn for img in self._plugins if (fn := img.function_named(name)) is not None), None)
        return self._func(i)

    def function_by_suffix(self, name: str) -> Function | None:
        """The first function (by address) named `name` or `.../name`: how Delve's
        findGlobalInternal finds `abi.FuncPCABI0` as `internal/abi.FuncPCABI0`."""
        fn = self.function_named(name)
        if fn is not None:
            return fn
        i = self._by_path_suffix.get(name)
        return self._func(i) if i is not None else None

    @cached_property
    def _by_path_suffix(self) -> dict[str, int]:
        """Function index by each tail of the name after a '/', the lowest index (address) first:
        one scan on the first question instead of one per question."""
        return self._index_built("_by_path_suffix", self._by_path_suffix_steps())

    def _by_path_suffix_steps(self, chunk: int = 0) -> Iterator[None]:
        def add(out: dict[str, int], item: tuple[str, int]) -> None:
            n, i = item
            j = n.find("/")
            while j >= 0:
                out.setdefault(n[j + 1:], i)
                j = n.find("/", j + 1)

        def names() -> list[tuple[str, int]]:
            # Name index order is pclntab order: by index = by address, as Delve looks them up.
            return sorted(self._name_index().items(), key=lambda item: item[1])

        return self._index_steps("_by_path_suffix", "suffixes", names, add, chunk)

    def package_paths(self, name: str) -> list[str]:
        """Delve's PackageMap[name]: the paths of the packages called `name`."""
        return self._package_map.get(name, [])

    def functions_named(self, name: str) -> list[Function]:
        """Delve's FindFunction: the exact name, else every instantiation of a generic name (in
        every image)."""
        return [fn for img in self.images for fn in img._functions_named_here(name)]

    def _functions_named_here(self, name: str) -> list[Function]:
        i = self._name_index().get(name)
        if i is not None:
            return [self._func(i)]
        return [self._func(i) for i in self._generic_index().get(name, [])]

    @cached_property
    def _generic_names(self) -> dict[str, list[int]]:
        """Generic name -> the indices of its instantiations (from an earlier session if any)."""
        cached = self._cache.get("generics")
        if isinstance(cached, dict):
            return cached
        idx: dict[str, list[int]] = {}
        # every function, not the name index: Go 1.19 names all instantiations "F[...]"
        bracketed = self._bracketed
        if bracketed is None:
            bracketed = [(i, name) for i, name in self._pcln.names() if "[" in name]
        for i, name in bracketed:
            idx.setdefault(name_without_type_params(name), []).append(i)
        self._cache.put("generics", idx)
        return idx

    def _generic_index(self) -> dict[str, list[int]]:
        return self._generic_names

    def package_map(self) -> dict[str, list[str]]:
        """Delve's PackageMap: package name -> the import paths of the packages with that name."""
        if not self._plugins:
            return self._package_map
        merged: dict[str, list[str]] = {}
        for img in self.images:
            for name, paths in img._package_map.items():
                merged.setdefault(name, [])
                merged[name] += [p for p in paths if p not in merged[name]]
        return merged

    @cached_property
    def _by_base_name(self) -> dict[str, list[tuple[str, list[int]]]]:
        """Function names by their last element (`State` for `os.(*File).State`): a partial
        name is matched against these few candidates, not every function (built by the warm-up
        or on first need). A generic function is listed by its generic name, with every
        instantiation, unless a real function has that exact name."""
        return self._index_built("_by_base_name", self._by_base_name_steps())

    def _by_base_name_steps(self, chunk: int = 0) -> Iterator[None]:
        def add(out: dict[str, list[tuple[str, list[int]]]], item: tuple[str, int]) -> None:
            name, i = item
            out.setdefault(base_name(name), []).append((name, [i]))

        def generics(out: dict[str, list[tuple[str, list[int]]]]) -> None:
            names = self._name_index()
            for gname, idxs in self._generic_index().items():
                if gname not in names:
                    out.setdefault(base_name(gname), []).append((gname, list(idxs)))

        return self._index_steps("_by_base_name", "base_names", lambda: self._name_index().items(), add, chunk,
                                 generics)

    def _base_name_candidates(self, base: str) -> list[tuple[str, list[int]]]:
        """_by_base_name[base]. Until that index exists, one pass over the names that end in
        `.base` (a string method each: ~1 ms for cmd/go's 13,000 names against ~40 ms for the
        index), so a session's first partial lookup does not wait for the whole index."""
        if "_by_base_name" in self.__dict__ or isinstance(self._cache.get("base_names"), dict):
            return self._by_base_name.get(base, [])
        out = self._base_name_scans.get(base)
        if out is None:
            # base_name(n) == base implies n == base or n ends with "." + base
            tail = "." + base
            names = self._name_index()
            out = [(n, [i]) for n, i in names.items() if (n.endswith(tail) or n == base) and base_name(n) == base]
            out += [(g, list(idxs)) for g, idxs in self._generic_index().items()
                    if g not in names and (g.endswith(tail) or g == base) and base_name(g) == base]
            self._base_name_scans[base] = out  # the same question again (a client's retry) is free
        return out

    @cached_property
    def _package_map(self) -> dict[str, list[str]]:
        # Package name -> package paths (Delve's PackageMap): from each Go unit's
        # DW_AT_go_package_name, the path escaped as in symbol names (dir.io -> dir%2eio);
        # without DWARF, the last path element of the functions' packages.
        out: dict[str, list[str]] = {}
        units = self._units
        if units is not None:
            for u in units.units:
                if u.is_go and u.package_name:
                    paths = out.setdefault(u.package_name, [])
                    path = escape_package_path(u.name.replace("\\", "/"))
                    if path not in paths:
                        paths.append(path)
            if out:
                return out
        for p in sorted({split_name(n)[0] for n in self._name_index()}):
            if p:
                out.setdefault(p.rsplit("/", 1)[-1], []).append(p)
        return out

    def find_functions(self, spec: str) -> list[Function]:
        """Functions a location spec's name part selects, as Delve's findFuncCandidates.

        An exact (or generic) name wins alone. Otherwise every partial match, in a stable
        order: package main first, then by address (Delve's order is Go map order, random).
        """
        exact = self.functions_named(spec)
        if exact:
            return exact
        if self._plugins:
            return [fn for img in self.images for fn in img._find_functions_here(spec)]
        return self._find_functions_here(spec)

    def _find_functions_here(self, spec: str) -> list[Function]:
        exact = self._functions_named_here(spec)
        if exact:
            return exact
        fs = FuncSpec.parse(spec)
        if fs is None:
            return []
        # the package map needs DWARF: only specs with a package part read it
        pm = self._package_map if fs.needs_packages else None
        hits: list[int] = []
        for name, idxs in self._base_name_candidates(fs.base):
            if fs.match(name, pm):
                hits.extend(idxs)
        fns = [self._func(i) for i in sorted(set(hits))]
        fns.sort(key=lambda f: (split_name(f.name)[0] != "main", f.entry))
        return fns

    def resolve_function(self, spec: str) -> Function:
        fns = self.find_functions(spec)
        if not fns:
            raise BinaryError(f"could not find function {spec}\n")
        names = list(dict.fromkeys(name_without_type_params(f.name) for f in fns))
        if len(names) > 1:
            raise BinaryError(ambiguous_message(spec, names))
        return fns[0]

    # -- pc tables -----------------------------------------------------------

    def pc_to_line(self, pc: int) -> tuple[str, int]:
        """File and line of pc from pclntab; ("", 0) outside any function (as Delve's PCToLine)."""
        i = self._pcln.index_at(pc)
        if i is None:
            img = self._image_at(pc)
            return img.pc_to_line(pc) if img is not self else ("", 0)
        fl = self._pcln.line_at(self._pcln.func(i), pc)
        return fl if fl is not None else ("", 0)

    def sp_delta(self, pc: int) -> int:
        """Bytes the function at pc has pushed below its entry SP (pcsp); 0 outside functions."""
        i = self._pcln.index_at(pc)
        if i is None:
            img = self._image_at(pc)
            return img.sp_delta(pc) if img is not self else 0
        rec = self._pcln.func(i)
        v = self._pcln.pcvalue(rec.pcsp, rec.entry, pc)
        return v or 0

    def func_record(self, fn: Function):  # noqa: ANN201 - pclntab.FuncRecord, for unwinders
        i = self._pcln.index_at(fn.entry)
        if i is None:
            img = self._image_at(fn.entry)
            return img.func_record(fn) if img is not self else None
        return self._pcln.func(i)

    # -- breakpoint placement ------------------------------------------------

    def _lines_for(self, pc: int) -> LineProgram | None:
        units = self._units
        if units is None:
            return None
        unit = units.unit_at(pc)
        return units.lines(unit) if unit is not None else None

    @cached_property
    def _line_section(self) -> LineSection | None:
        with self._lock:
            data = self._image.section_bytes(".debug_line")
            if data is None:
                return None
            return LineSection(data, self._image.section_bytes(".debug_line_str"),
                               self._image.section_bytes(".debug_str"))

    def _function_lines(self, fn: Function) -> LineProgram | None:
        # The function's own sequence straight from .debug_line when it has one (no
        # .debug_info needed: launch places four runtime breakpoints before anything
        # else asks for DWARF); else the compile unit's program as DwarfUnits finds it.
        if "_units" not in self.__dict__ and not self._bias:
            sec = self._line_section
            lp = sec.program_with_sequence(fn.entry) if sec is not None else None
            if lp is not None:
                return lp
        return self._lines_for(fn.entry)

    def first_pc_after_prologue(self, fn: Function, sameline: bool) -> int:
        """Delve's FirstPCAfterPrologue."""
        img = self._image_at(fn.entry)
        if img is not self:
            return img.first_pc_after_prologue(fn, sameline)
        lp = self._function_lines(fn)
        if lp is not None:
            row = lp.prologue_end_pc(fn.entry, fn.end)
            if row is not None and (not sameline or self.pc_to_line(fn.entry)[1] == row.line):
                return row.address
        code = self.file_bytes(fn.entry, min(fn.end - fn.entry, 64))
        pc = first_pc_after_prologue_disassembly(code, fn.entry, fn.end,
                                                 lambda a: self.pc_to_line(a)[1], sameline)
        if pc == fn.entry and lp is not None:
            row = lp.first_stmt(fn.entry, fn.end)
            if row is not None:
                return row.address
        return pc

    def statement_pcs(self, fn: Function, exclude_file: str = "", exclude_line: int = 0) -> list[int]:
        """Delve's Function.AllPCs: every is_stmt pc of fn, less those of exclude_file:exclude_line
        (where `next` must not stop again)."""
        img = self._image_at(fn.entry)
        if img is not self:
            return img.statement_pcs(fn, exclude_file, exclude_line)
        lp = self._function_lines(fn)
        if lp is None:
            return []
        files = lp.files
        return sorted({r.address for r in lp.statement_rows(fn.entry, fn.end)
                       if not (r.line == exclude_line and files[r.file] == exclude_file)})

    def function_breakpoint_pc(self, fn: Function) -> int:
        """Where `break <function>` goes (Delve's FindFunctionLocation, line offset 0)."""
        return self.first_pc_after_prologue(fn, sameline=False)

    # -- inlined calls ---------------------------------------------------------

    @cached_property
    def _gofunc(self) -> int:
        """moduledata.gofunc, the base of FUNCDATA offsets (the go:func.* symbol)."""
        return self.symbol_address("go:func.*") or self.symbol_address("go.func.*") or 0

    def has_inlined_calls(self, fn: Function) -> bool:
        """Whether the compiler inlined calls into fn (its pclntab inline tree; no DWARF read)."""
        has = self._has_inlines.get(fn.entry)
        if has is None:
            i = self._pcln.index_at(fn.entry)
            if i is None:
                img = self._image_at(fn.entry)
                return img is not self and img.has_inlined_calls(fn)
            has = self._has_inlines[fn.entry] = self._pcln.inline_tree(i) is not None
        return has

    @cached_property
    def _inline_callers(self) -> dict[str, list[int]]:
        """Name of each inlined function -> indices of the functions it was inlined into, from
        the pclntab's inline trees (read once, on the first question about inlined functions)."""
        return self._index_built("_inline_callers", self._inline_callers_steps())

    def _inline_callers_steps(self, chunk: int = 0) -> Iterator[None]:
        pcln = self._pcln

        def add(out: dict[str, list[int]], i: int) -> None:
            base, size = self._gofunc, pcln.inlined_call_size
            tree = pcln.inline_tree(i)
            if tree is None:
                return
            off, count = tree
            raw = self.file_bytes(base + off, count * size)
            for k in range(len(raw) // size):
                callers = out.setdefault(pcln.inlined_call_name(raw[k * size:(k + 1) * size]), [])
                if not callers or callers[-1] != i:
                    callers.append(i)

        return self._index_steps("_inline_callers", "inline", lambda: pcln.with_inline_trees() if self._gofunc else [],
                                 add, chunk)

    def _index_built(self, attr: str, steps: Iterator[None]) -> Any:
        """A cached property's value that _index_steps makes: all its steps at once."""
        for _ in steps:
            pass
        return self.__dict__[attr]

    def _index_steps(self, attr: str, key: str, items: Callable[[], Iterable[T]],
                     add: Callable[[dict[Any, Any], T], None], chunk: int,
                     finish: Callable[[dict[Any, Any]], None] | None = None) -> Iterator[None]:
        """An index made by add(index, item) for each of items(), `chunk` items per step (all at once
        for 0; the warm-up's short steps), or read from the on-disk index of an earlier session
        (under `key`). It lands where the cached property `attr` keeps it; a question that
        could not wait for the steps may have finished it meanwhile."""
        if attr in self.__dict__:
            return
        cached = self._cache.get(key)
        if isinstance(cached, dict):
            self.__dict__[attr] = cached
            return
        out: dict[Any, Any] = {}
        for k, item in enumerate(items()):
            if chunk and k and k % chunk == 0:
                yield
                if attr in self.__dict__:
                    return
            add(out, item)
        if finish is not None:
            finish(out)
        self._cache.put(key, out)
        self.__dict__[attr] = out

    def warm_up_layouts(self) -> Iterator[None]:
        """What the first stop needs, read in short steps (a few ms each) while the target runs
        or the client thinks (Engine's warm-up): the runtime's struct layouts. Anything not done
        yet when asked for is done then."""
        for name in ("runtime.g", "runtime.gobuf", "runtime.stack", "runtime.m"):
            with self._lock:
                self.dwarf_types.try_struct_layout(name)
            yield

    def warm_up_names(self) -> Iterator[None]:
        """What the first breakpoint by name, FindLocation and an expression's first name lookup
        need, in short steps (as warm_up_layouts): the generic functions, the inline callers, the
        package-less function names, the functions by base name. Anything not done yet when
        asked for is done then (partial names by a scan of the names: _base_name_candidates)."""
        _ = self._generic_names  # every partial or generic name looks there first
        yield
        for _ in self._inline_callers_steps(chunk=400):
            yield
        _ = self._inline_only_index  # an expression's name that is no variable nor function
        yield
        for _ in self._by_path_suffix_steps(chunk=2000):  # an expression's first name lookup
            yield
        for _ in self._by_base_name_steps(chunk=4000):  # partial function names (FindLocation)
            yield
        if "_units" in self.__dict__:  # package names of an expression (never DWARF just for them)
            _ = self._package_map
            yield

    def inline_only_named(self, name: str) -> str | None:
        """The function that exists only inlined called `name` or `.../name` (Delve's
        findGlobalInternal over its functions, these among them with entry 0), None if none."""
        return next((found for img in self.images if (found := img._inline_only_index.get(name))), None)

    @cached_property
    def _inline_only_index(self) -> dict[str, str]:
        """This image's functions that exist only inlined, by name, then by each tail after a '/'."""
        index = self._name_index()
        names = sorted(n for n in self._inline_callers if n not in index)
        out = {n: n for n in names}
        for n in names:
            j = n.find("/")
            while j >= 0:
                out.setdefault(n[j + 1:], n)
                j = n.find("/", j + 1)
        return out

    def inline_only_names(self) -> list[str]:
        """Functions that exist only inlined into others (no code of their own): Delve lists them
        among the binary's functions, with entry 0."""
        index = self._name_index()
        names = [n for n in self._inline_callers if n not in index]
        for img in self._plugins:
            names += img.inline_only_names()
        return sorted(set(names))

    def find_function(self, name: str) -> list[str]:
        """Delve's FindFunction, by name: the function itself (with code or only inlined), else
        the instantiations of a generic function; [] when none."""
        if self._plugins:
            return list(dict.fromkeys(n for img in self.images for n in img._find_function_here(name)))
        return self._find_function_here(name)

    def _find_function_here(self, name: str) -> list[str]:
        if name in self._name_index() or name in self._inline_callers:
            return [name]
        inst = [self._pcln.name(i) for i in self._generic_index().get(name, [])]
        index = self._name_index()
        inst += sorted(n for n in self._inline_callers
                       if n not in index and "[" in n and name_without_type_params(n) == name)
        return list(dict.fromkeys(inst))

    def inline_tree(self, fn: Function) -> InlineNode | None:
        """The DWARF subtree of fn (subprogram, lexical blocks, inlined calls), None when the
        compiler inlined nothing into it or there is no DWARF for it."""
        img = self._image_at(fn.entry)
        if img is not self:
            return img.inline_tree(fn)
        if fn.entry in self._inline_trees:
            return self._inline_trees[fn.entry]
        tree = None
        units = self._units
        if units is not None and self.has_inlined_calls(fn):
            unit = units.unit_at(fn.entry)
            if unit is not None:
                with self._lock:
                    die = self._subprograms_of(unit.index).get(fn.entry)
                    lp = units.lines(unit)
                    if die is not None:
                        bias = self._bias
                        tree = read_tree(die, lambda d: [(lo + bias, hi + bias) for lo, hi in _ranges_of(units.dwarf, d)],
                                         lp.files if lp else [], self._origin_names)
        self._inline_trees[fn.entry] = tree
        return tree

    def _subprograms_of(self, unit_index: int) -> dict[int, Any]:
        found = self._unit_subprograms.get(unit_index)
        if found is None:
            found = {}
            units = self._units
            assert units is not None
            cu = units.die_unit(units.units[unit_index])
            for die in cu.get_top_DIE().iter_children():
                if die.tag == "DW_TAG_subprogram" and "DW_AT_low_pc" in die.attributes:
                    found.setdefault(die.attributes["DW_AT_low_pc"].value + self._bias, die)
            self._unit_subprograms[unit_index] = found
        return found

    def inlined_call_pcs(self, name: str) -> list[int]:
        """Where each inlined call of `name` starts (Delve's Function.InlinedCalls' LowPC)."""
        out: list[int] = [pc for img in self._plugins for pc in img.inlined_call_pcs(name)]
        for i in self._inline_callers.get(name, []):
            tree = self.inline_tree(self._func(i))
            if tree is not None:
                out.extend(n.low_pc for n in top_inlined_calls(tree) if n.name == name)
        return out

    def inline_stack(self, fn: Function, pc: int) -> list[InlineNode]:
        """The inlined calls executing at pc in fn, innermost first (Delve's InlineStack)."""
        tree = self.inline_tree(fn)
        return inline_stack(tree, pc) if tree is not None else []

    def _inlined_call_sites(self, file: str, line: int) -> list[int]:
        """Delve's inlinedCallLines[file:line]: the start of every inlined call made from that
        line (for lines the line table does not list). Only the functions of the units whose
        line table names the file are read."""
        units = self._units
        if units is None:
            return []
        out: list[int] = []
        for unit in units.units_with_file(file):
            for lo, hi in unit.ranges:
                i = self._pcln.index_at(lo)
                while i is not None and i < self._pcln.nfunc and self._pcln.entry(i) < hi:
                    fn = self._func(i)
                    tree = self.inline_tree(fn) if self._pcln.inline_tree(i) is not None else None
                    if tree is not None:
                        out.extend(n.low_pc for n in top_inlined_calls(tree)
                                   if n.call_file == file and n.call_line == line)
                    i += 1
        return out

    # -- files -----------------------------------------------------------------

    def sources(self) -> list[str]:
        """All source file names, sorted (Delve's BinaryInfo.Sources: the line tables' files)."""
        return self._sources

    @cached_property
    def _sources(self) -> list[str]:
        names = set(self._own_sources)
        for img in self._plugins:
            names.update(img.sources())
        return sorted(n for n in names if n)

    @cached_property
    def _own_sources(self) -> list[str]:
        """This image's files (plugins left out), from the index of an earlier session if any."""
        cached = self._cache.get("sources")
        if isinstance(cached, list):
            return cached
        units = self._units
        names = sorted(set(units.file_index()) if units is not None else set(self._pcln.file_names()))
        self._cache.put("sources", names)
        return names

    @cached_property
    def _source_set(self) -> frozenset[str]:
        return frozenset(self._sources)

    @cached_property
    def _sources_by_last(self) -> dict[str, list[str]]:
        """Sources by their last path element, each list in sources() order."""
        out: dict[str, list[str]] = {}
        for s in self._sources:
            out.setdefault(s.rpartition("/")[2], []).append(s)
        return out

    def sources_matching(self, expr: str) -> list[str]:
        """The sources partial_package_match(expr, source) selects, in sources() order (Delve's
        file candidates of a location spec). A match ends with expr's last path element, so only
        the sources of that name are tried. Before the sources are listed (every line-table
        header: ~12 ms for cmd/go, the first FindLocation of a function name would pay it), a
        name that the line tables do not hold as a string at all matches none of them: a
        source's last element is the last element of its name in the table (Go's linker writes
        plain file names, never ending in "/", "." or "..")."""
        last = expr.rpartition("/")[2]
        if last in ("", ".", ".."):
            return self._sources_named(expr)
        if ("_own_sources" not in self.__dict__ and not self._plugins and not self._bias
                and not isinstance(self._cache.get("sources"), list) and self._image.elf.has_dwarf_info()):
            mentioned = self._line_mentions.get(last)
            if mentioned is None:
                # the bytes of .debug_line already in memory: the unit index's if it exists (the
                # launch's LineSection otherwise, made before any unit is read)
                units = self.__dict__.get("_units")
                if units is not None and "_line_section" not in self.__dict__:
                    mentioned = units.line_tables_mention(last)
                else:
                    sec = self._line_section
                    mentioned = sec is None or sec.mentions(last)
                self._line_mentions[last] = mentioned
            if not mentioned:
                return []
        return self._sources_named(expr)

    def _sources_named(self, expr: str) -> list[str]:
        """[s for s in sources() if partial_package_match(expr, s)], trying only the sources
        whose last element is expr's (a match ends with it)."""
        last = expr.rpartition("/")[2]
        if last in ("", ".", ".."):
            return [s for s in self._sources if partial_package_match(expr, s)]
        return [s for s in self._sources_by_last.get(last, ()) if partial_package_match(expr, s)]

    def find_files(self, expr: str) -> list[str]:
        """Sources that `expr` names: the exact name, else those ending in "/expr" (partialPathMatch)."""
        if expr in self._source_set:
            return [expr]
        return self._sources_named(expr)

    def resolve_file(self, file: str) -> str:
        hits = self.find_files(file)
        if not hits:
            raise BinaryError(f"could not find file {file}")
        if len(hits) > 1:
            raise BinaryError(ambiguous_message(file, hits))
        return hits[0]

    def function_pcs(self, name: str, line_offset: int) -> list[int]:
        """Delve's FindFunctionLocation: an exact (or generic) function name; a positive line
        offset counts from the function's first line, else each instantiation after its prologue
        and every place it was inlined. (Here, not in the location specs: a breakpoint by name,
        a client's first request, needs nothing else.)"""
        fns = self.functions_named(name)  # with code (Go 1.19 names instantiations alike)
        names = self.find_function(name)  # with code or only inlined
        if not fns and not names:
            raise BinaryError(f"could not find function {name}\n")
        if line_offset > 0:
            if fns and fns[0].name == names[0]:
                file, line = self.pc_to_line(fns[0].entry)
            else:
                # Delve's EntryLineForFunc of a function without code (entry 0): <autogenerated>:1
                file, line = "<autogenerated>", 1
            return self.line_pcs(file, line + line_offset)
        pcs = [self.function_breakpoint_pc(fn) for fn in fns]
        for n in names:
            pcs.extend(self.inlined_call_pcs(n))
        return sorted(pcs)

    def line_pcs(self, file: str, line: int) -> list[int]:
        """Delve's FindFileLocation: for each function holding file:line, its first is_stmt
        row there (else its first row); a function's entry becomes the first pc after its
        prologue (same line). Autogenerated ·dwrap· and wrapper functions are skipped.
        `file` should be a full name (see resolve_file); a partial one is resolved first."""
        if self._plugins:
            return self._line_pcs_all_images(file, line)
        return self._line_pcs_here(file, line)

    def _line_pcs_here(self, file: str, line: int) -> list[int]:
        units = self._units
        if units is None:
            raise BinaryError(f"could not find file {file}")
        if file not in units.file_index():
            file = self.resolve_file(file)
        pcs: list[tuple[int, bool]] = []
        for unit in units.units_with_file(file):
            lp = units.lines(unit)
            if lp is not None:
                pcs.extend(lp.line_pcs(file, line))
        if not pcs:
            # a line whose only code is an inlined call: the call sites from DWARF
            pcs = [(pc, True) for pc in self._inlined_call_sites(file, line)]
        if not pcs:
            raise BinaryError(f"could not find statement at {file}:{line}, please use a line with a statement")
        by_func: dict[Function, list[tuple[int, bool]]] = {}
        for pc, stmt in sorted(pcs):
            fn = self.function_at(pc)
            if fn is not None:
                by_func.setdefault(fn, []).append((pc, stmt))
        selected: list[int] = []
        for fn, fpcs in by_func.items():
            if "·dwrap·" in fn.name or self.is_wrapper(fn):
                continue
            # each inlined call in fn is a place of its own: the pcs go to the innermost call
            # holding them (Delve's allInlineCallRanges), the rest to fn's own body
            tree = self.inline_tree(fn)
            rngs = all_inline_ranges(tree) if tree is not None else []
            groups: dict[int, list[tuple[int, bool]]] = {}
            for p, stmt in fpcs:
                owner = next((n.offset for n, (lo, hi) in rngs if lo <= p < hi), -1)
                groups.setdefault(owner, []).append((p, stmt))
            for owner, gpcs in groups.items():
                pc = next((p for p, stmt in gpcs if stmt), gpcs[0][0])
                if owner == -1 and pc == fn.entry:
                    pc = self.first_pc_after_prologue(fn, sameline=True)
                selected.append(pc)
        return sorted(selected)

    def _line_pcs_all_images(self, file: str, line: int) -> list[int]:
        full = file if file in self._source_set else self.resolve_file(file)
        out: list[int] = []
        err: BinaryError | None = None
        for img in self.images:
            units = img._units
            if units is None or full not in units.file_index():
                continue
            try:
                out += img._line_pcs_here(full, line)
            except BinaryError as e:
                err = e
        if not out:
            raise err or BinaryError(f"could not find statement at {full}:{line}, please use a line with a statement")
        return sorted(out)

    @cached_property
    def _wrapper_func_id(self) -> int | None:
        # The funcID of "wrapper" changes between Go releases (21 in 1.19, 23 in 1.27), but it
        # is always the last value of the enum, and every real program has wrappers (method
        # wrappers, go/defer wrappers), so the largest funcID in the table is it.
        pcln = self._pcln
        best = max((pcln.func_id(i) for i in range(pcln.nfunc)), default=0)
        return best or None

    def is_wrapper(self, fn: Function) -> bool:
        """A compiler-generated wrapper (Delve: DW_AT_trampoline)."""
        # Delve skips functions with DW_AT_trampoline; the linker sets it exactly for wrappers.
        img = self._image_at(fn.entry)
        if img is not self:
            return img.is_wrapper(fn)
        wid = self._wrapper_func_id
        if wid is None:
            return False
        rec = self.func_record(fn)
        return rec is not None and rec.func_id == wid


def _ranges_of(dwarf: DWARFInfo, die: Any) -> list[tuple[int, int]]:
    """A DIE's pc ranges: low/high pc, or DW_AT_ranges from the unit's base (Delve's Ranges)."""
    from elftools.dwarf.ranges import BaseAddressEntry

    a = die.attributes
    if "DW_AT_low_pc" in a and "DW_AT_high_pc" in a:
        low = a["DW_AT_low_pc"].value
        hi = a["DW_AT_high_pc"]
        return [(low, hi.value if hi.form == "DW_FORM_addr" else low + hi.value)]
    if "DW_AT_ranges" not in a:
        return []
    rl = dwarf.range_lists()
    if rl is None:
        return []
    top = die.cu.get_top_DIE().attributes.get("DW_AT_low_pc")
    base = top.value if top is not None else 0
    mask = (1 << (8 * die.cu.header.address_size)) - 1
    out: list[tuple[int, int]] = []
    for e in rl.get_range_list_at_offset(a["DW_AT_ranges"].value, cu=die.cu):
        if isinstance(e, BaseAddressEntry):
            base = e.base_address
        elif getattr(e, "is_absolute", False):
            out.append((e.begin_offset, e.end_offset))
        else:
            out.append(((base + e.begin_offset) & mask, (base + e.end_offset) & mask))
    return out


def escape_package_path(path: str) -> str:
    """Go's symbol-name escaping of an import path: dots of its last element become %2e."""
    head, slash, last = path.rpartition("/")
    return head + slash + last.replace(".", "%2e")


def ambiguous_message(spec: str, candidates: Sequence[str]) -> str:
    """Delve's AmbiguousLocationError text: at most 5 candidates, always followed by '…'."""
    return f'Location "{spec}" ambiguous: {", ".join(candidates[:MAX_CANDIDATES])}…'
