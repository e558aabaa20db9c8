"""Variables of a function and of packages, from DWARF, read lazily.

- `DwarfVars.function_vars(pc, line)`: the DW_TAG_formal_parameter / DW_TAG_variable
  entries of the function containing pc that are visible there, following Delve's
  reader.Variables + EvalScope.simpleLocals: recurse only into lexical blocks whose ranges
  contain pc, skip inlined subroutines, a local is visible from the line after its
  DW_AT_decl_line (arguments always), sorted stably by (block depth, decl line), with the
  parameters of the function body counted at depth 0.
  Only the subtree of that one function is parsed, once per function.
- `location_of(entry, pc)`: the location expression bytes and Delve's LocationExpr text
  prefix (`[block] ` or `[off:pc] ` for location lists).
- `package_vars()`: (qualified name, entry) for every top-level DW_TAG_variable of the Go units
  that has an address (DW_OP_addr), in unit order (the whole .debug_info top level is walked
  once, on first use).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import field
from typing import Any

from elftools.dwarf.compileunit import CompileUnit
from elftools.dwarf.die import DIE
from elftools.dwarf.dwarfinfo import DWARFInfo

from ..records import record
from .dwarf_search import DieSearch
from .dwarf_units import dwarf_text

_VAR_TAGS = ("DW_TAG_variable", "DW_TAG_formal_parameter")
_BLOCK_TAGS = ("DW_TAG_lexical_block", "DW_TAG_subprogram")
# Compiler-internal names Delve never lists (goDictionaryName, goClosurePtr).
_HIDDEN = (".dict", ".closureptr")


@record(slots=True)
class VarEntry:
    die: DIE
    name: str
    is_param: bool
    is_return: bool
    decl_line: int  # 0 when absent
    depth: int = 0


@record(slots=True)
class _Node:
    """A subprogram or lexical block: its pc ranges, variables and nested blocks."""

    ranges: list[tuple[int, int]]
    vars: list[VarEntry] = field(default_factory=list)
    blocks: list[_Node] = field(default_factory=list)

    def contains(self, pc: int) -> bool:
        return any(lo <= pc < hi for lo, hi in self.ranges)


@record(slots=True)
class FunctionDIE:
    die: DIE
    name: str
    low: int
    high: int
    tree: _Node | None = None


_VARS_AT_MAX = 4096


class DwarfVars:
    def __init__(self, dwarf: DWARFInfo, search: DieSearch | None = None) -> None:
        self._dwarf = dwarf
        self._search = search
        self._globals: dict[str, tuple[list[tuple[str, DIE]], list[tuple[int, str, int]]]] = {}
        self._cus: list[CompileUnit] | None = None
        self._unit_funcs: dict[int, tuple[list[int], list[FunctionDIE]]] = {}
        self._inlined: dict[int, FunctionDIE] = {}  # inlined calls as functions, by DIE offset
        self._pkg_vars: list[tuple[str, DIE]] | None = None
        # DW_TAG_constant values by the offset of their type DIE (Delve's bi.consts), filled by
        # the same top-level walk as package variables.
        self._consts: dict[int, list[tuple[str, int]]] = {}
        self._rl: Any = None
        self._ll: Any = None
        # (function DIE offset, pc, line) -> function_vars' answer: a conditional breakpoint asks
        # it at every hit, a stepping session at every line; cleared when it holds this many.
        self._vars_at: dict[tuple[int, int, int], list[VarEntry]] = {}
        self._ll_entries: dict[int, list[tuple[int, int, bytes]]] = {}

    def _units(self) -> list[CompileUnit]:
        if self._cus is None:
            self._cus = list(self._dwarf.iter_CUs())
        return self._cus

    # -- functions ----------------------------------------------------------

    def function_at(self, unit_index: int, pc: int) -> FunctionDIE | None:
        """The subprogram of compile unit `unit_index` whose [low, high) contains pc."""
        idx = self._unit_funcs.get(unit_index)
        if idx is None:
            funcs: list[FunctionDIE] = []
            cu = self._units()[unit_index]
            for die in cu.get_top_DIE().iter_children():
                a = die.attributes
                if die.tag != "DW_TAG_subprogram" or "DW_AT_low_pc" not in a:
                    continue
                low = a["DW_AT_low_pc"].value
                hi = a["DW_AT_high_pc"]
                high = hi.value if hi.form == "DW_FORM_addr" else low + hi.value
                funcs.append(FunctionDIE(die, dwarf_text(a["DW_AT_name"].value) if "DW_AT_name" in a else "", low, high))
            funcs.sort(key=lambda f: f.low)
            idx = ([f.low for f in funcs], funcs)
            self._unit_funcs[unit_index] = idx
        starts, funcs = idx
        i = bisect_right(starts, pc) - 1
        if i >= 0 and funcs[i].low <= pc < funcs[i].high:
            return funcs[i]
        return None

    def inlined_function(self, offset: int, name: str, ranges: list[tuple[int, int]]) -> FunctionDIE:
        """The DW_TAG_inlined_subroutine at `offset` as a function of its own: its variables are
        an inlined frame's (the calls inlined into it are skipped, as in a function)."""
        fn = self._inlined.get(offset)
        if fn is None:
            low, high = ranges[0] if ranges else (0, 0)
            fn = FunctionDIE(self._dwarf.get_DIE_from_refaddr(offset), name, low, high)
            self._inlined[offset] = fn
        return fn

    def _ranges(self, die: DIE) -> list[tuple[int, int]]:
        a = die.attributes
        if "DW_AT_low_pc" in a and "DW_AT_high_pc" in a:
            low = a["DW_AT_low_pc"].value
            hi = a["DW_AT_high_pc"]
            return [(low, hi.value if hi.form == "DW_FORM_addr" else low + hi.value)]
        if "DW_AT_ranges" in a:
            if self._rl is None:
                self._rl = self._dwarf.range_lists()
            base = die.cu.get_top_DIE().attributes.get("DW_AT_low_pc")
            b = base.value if base is not None else 0
            out: list[tuple[int, int]] = []
            for e in self._rl.get_range_list_at_offset(a["DW_AT_ranges"].value, cu=die.cu):
                if hasattr(e, "base_address"):
                    b = e.base_address
                elif getattr(e, "is_absolute", False):
                    out.append((e.begin_offset, e.end_offset))
                else:
                    out.append((b + e.begin_offset, b + e.end_offset))
            return out
        return []

    def _tree(self, fn: FunctionDIE) -> _Node:
        if fn.tree is None:
            fn.tree = self._node(fn.die, [(fn.low, fn.high)])
        return fn.tree

    def _node(self, die: DIE, ranges: list[tuple[int, int]]) -> _Node:
        node = _Node(ranges)
        for child in die.iter_children():
            if child.tag in _VAR_TAGS:
                a = child.attributes
                if "DW_AT_name" not in a and "DW_AT_abstract_origin" in a:
                    # a variable of an inlined call: name and declaration are on its origin
                    a = {**child.get_DIE_from_attribute("DW_AT_abstract_origin").attributes, **a}
                name = dwarf_text(a["DW_AT_name"].value) if "DW_AT_name" in a else ""
                vp = a.get("DW_AT_variable_parameter")
                dl = a.get("DW_AT_decl_line")
                node.vars.append(VarEntry(child, name, child.tag == "DW_TAG_formal_parameter",
                                          bool(vp is not None and vp.value), dl.value if dl is not None else 0))
            elif child.tag == "DW_TAG_lexical_block":
                node.blocks.append(self._node(child, self._ranges(child)))
        return node

    def top_var(self, fn: FunctionDIE, name: str) -> DIE | None:
        """A variable directly under the function (Delve's readLocalPtrVar looks only there)."""
        return next((v.die for v in self._tree(fn).vars if v.name == name), None)

    def function_vars(self, fn: FunctionDIE, pc: int, line: int) -> list[VarEntry]:
        """The variables of fn in scope at pc and line, in Delve's order (the list is shared:
        callers do not change it)."""
        key = (fn.die.offset, pc, line)
        got = self._vars_at.get(key)
        if got is None:
            if len(self._vars_at) >= _VARS_AT_MAX:
                self._vars_at.clear()
            got = self._vars_at[key] = self._function_vars(fn, pc, line)
        return got

    def _function_vars(self, fn: FunctionDIE, pc: int, line: int) -> list[VarEntry]:
        out: list[tuple[int, int, int, VarEntry]] = []

        def walk(node: _Node, depth: int) -> None:
            for v in node.vars:
                if v.name in _HIDDEN or v.name.startswith(("#yield", "&#yield")):
                    continue
                if not v.is_param and v.decl_line and line < v.decl_line + 1:
                    continue
                d = 0 if v.is_param and depth <= 1 else depth
                out.append((d, v.decl_line, len(out), VarEntry(v.die, v.name, v.is_param, v.is_return,
                                                                v.decl_line, d)))
            for b in node.blocks:
                if b.contains(pc):
                    walk(b, depth + 1)

        walk(self._tree(fn), 1)
        out.sort(key=lambda t: (t[0], t[1], t[2]))
        return [t[3] for t in out]

    # -- locations ---------------------------------------------------------

    def location_of(self, die: DIE, pc: int) -> tuple[bytes | None, str]:
        """(expression, LocationExpr prefix); expression None when no entry covers pc."""
        a = die.attributes.get("DW_AT_location")
        if a is None:
            return None, ""
        if a.form in ("DW_FORM_exprloc", "DW_FORM_block1", "DW_FORM_block", "DW_FORM_block2", "DW_FORM_block4"):
            return bytes(a.value), "[block] "
        off = a.value
        prefix = f"[{off:#x}:{pc:#x}] "
        for lo, hi, expr in self._location_list(off, die):
            if lo <= pc < hi:
                return expr, prefix
        return None, prefix

    def _location_list(self, off: int, die: DIE) -> list[tuple[int, int, bytes]]:
        """(low pc, high pc, expression) of each entry of the list at off, parsed once: a
        conditional breakpoint reads its variables at every hit."""
        entries = self._ll_entries.get(off)
        if entries is None:
            if self._ll is None:
                self._ll = self._dwarf.location_lists()
            base_attr = die.cu.get_top_DIE().attributes.get("DW_AT_low_pc")
            base = base_attr.value if base_attr is not None else 0
            entries = []
            for e in self._ll.get_location_list_at_offset(off, die=die):
                if hasattr(e, "base_address"):
                    base = e.base_address
                    continue
                if getattr(e, "is_absolute", False):
                    entries.append((e.begin_offset, e.end_offset, bytes(e.loc_expr)))
                else:
                    entries.append((base + e.begin_offset, base + e.end_offset, bytes(e.loc_expr)))
            self._ll_entries[off] = entries
        return entries

    # -- package variables -------------------------------------------------

    def package_vars(self) -> list[tuple[str, DIE]]:
        if self._pkg_vars is None:
            out: list[tuple[str, DIE]] = []
            for cu in self._units():
                top = cu.get_top_DIE()
                lang = top.attributes.get("DW_AT_language")
                if lang is None or lang.value != 0x16:
                    continue
                for die in top.iter_children():
                    if die.tag == "DW_TAG_constant":
                        self._add_constant(die)
                        continue
                    if die.tag == "DW_TAG_variable" and _is_package_var(die):
                        out.append((dwarf_text(die.attributes["DW_AT_name"].value), die))
            self._pkg_vars = out
        return self._pkg_vars

    def globals_named(self, qname: str) -> tuple[list[tuple[str, DIE]], list[tuple[int, str, int]]]:
        """Delve's findGlobal candidates: (package variables, (type offset, name, value) of
        constants) called `qname` or ending in "/" + qname, in .debug_info order. Found by the
        bytes of the name (dwarf_search.py) without reading every unit, when that is possible."""
        found = self._globals.get(qname)
        if found is None:
            found = self._globals[qname] = self._globals_named(qname)
        return found

    def _globals_named(self, qname: str) -> tuple[list[tuple[str, DIE]], list[tuple[int, str, int]]]:
        suffix = "/" + qname
        if self._search is None or self._pkg_vars is not None:
            pvars = [(n, d) for n, d in self.package_vars() if n == qname or n.endswith(suffix)]
            consts = [(off, n, v) for off, cs in self._consts.items() for n, v in cs
                      if n == qname or n.endswith(suffix)]
            return pvars, consts
        pvars, consts = [], []
        dies = self._search.find(qname, ("DW_TAG_variable", "DW_TAG_constant"), suffix=True)
        if not dies and not self._search.works():
            # Names not found by their bytes yet in this binary: walk every unit, as Delve does.
            self._search = None
            return self._globals_named(qname)
        for die in dies:
            lang = die.cu.get_top_DIE().attributes.get("DW_AT_language")
            if lang is None or lang.value != 0x16:
                continue
            name = dwarf_text(die.attributes["DW_AT_name"].value)
            if die.tag == "DW_TAG_variable":
                if _is_package_var(die):
                    pvars.append((name, die))
            elif (c := _constant(die)) is not None:
                consts.append(c)
        return pvars, consts

    def _add_constant(self, die: DIE) -> None:
        c = _constant(die)
        if c is not None:
            self._consts.setdefault(c[0], []).append((c[1], c[2]))

    def all_constants(self) -> list[tuple[int, list[tuple[str, int]]]]:
        """(type offset, [(qualified name, value)]) of every Go constant, by type."""
        self.package_vars()
        return list(self._consts.items())

    def constants(self, type_offset: int) -> list[tuple[str, int]] | None:
        """(qualified name, value) of the Go constants whose type is the DIE at type_offset."""
        self.package_vars()
        return self._consts.get(type_offset)


def _is_package_var(die: DIE) -> bool:
    """A top-level DW_TAG_variable Delve lists: named, at a static address (DW_OP_addr)."""
    a = die.attributes
    loc = a.get("DW_AT_location")
    if "DW_AT_name" not in a or loc is None or not isinstance(loc.value, list | bytes):
        return False
    expr = bytes(loc.value)
    return bool(expr) and expr[0] == 0x03


def _constant(die: DIE) -> tuple[int, str, int] | None:
    """(type DIE offset, name, value) of an integer DW_TAG_constant (Delve keeps only those: the
    value decodes as int64), None for others."""
    a = die.attributes
    name, typ, val = a.get("DW_AT_name"), a.get("DW_AT_type"), a.get("DW_AT_const_value")
    if name is None or typ is None or val is None or not isinstance(val.value, int):
        return None
    off = typ.value if typ.form == "DW_FORM_ref_addr" else typ.value + die.cu.cu_offset
    value = val.value
    if val.form in ("DW_FORM_data8", "DW_FORM_udata") and value >= 1 << 63:
        value -= 1 << 64  # Delve reads it as int64
    return off, dwarf_text(name.value), value
