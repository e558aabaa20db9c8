"""Inlined calls from DWARF: the DW_TAG_inlined_subroutine entries of one concrete function.

Go's compiler describes each call it inlined as a DW_TAG_inlined_subroutine inside the caller's
DW_TAG_subprogram (possibly inside lexical blocks and other inlined calls): the callee through
DW_AT_abstract_origin (an abstract subprogram with the name), its code as pc ranges, the call
site as DW_AT_call_file / DW_AT_call_line. `read_tree` reads one function's subtree into
`InlineNode`s (only the subprogram, lexical blocks and inlined calls: what Delve's questions
walk); the questions follow Delve:
- `inline_stack(root, pc)`: reader.InlineStack, the inlined calls executing at pc, innermost first;
- `top_inlined_calls(root)`: the calls loadDebugInfoMapsInlinedCalls records (children of the
  subprogram and of inlined calls, not those under lexical blocks), for FindFunctionLocation;
- `all_inline_ranges(root)`: allInlineCallRanges, every inlined call's ranges, deepest first,
  for FindFileLocation.
Nothing is read until a question about a function with inlined calls needs it (binary/gobinary.py
asks the pclntab first: functions without an inline tree are never read here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from typing import TYPE_CHECKING, Any

from ..records import record
from .dwarf_units import dwarf_text

if TYPE_CHECKING:
    from elftools.dwarf.die import DIE

SUBPROGRAM, INLINED, BLOCK = "DW_TAG_subprogram", "DW_TAG_inlined_subroutine", "DW_TAG_lexical_block"
_TREE_TAGS = (INLINED, BLOCK)


@record(eq=False, slots=True)
class InlineNode:
    offset: int  # the DIE's offset in .debug_info
    tag: str
    ranges: list[tuple[int, int]]
    children: list[InlineNode] = field(default_factory=list)
    name: str = ""  # an inlined call: the callee's name (its abstract origin's DW_AT_name)
    call_file: str = ""
    call_line: int = 0

    def contains(self, pc: int) -> bool:
        return any(lo <= pc < hi for lo, hi in self.ranges)

    @property
    def low_pc(self) -> int:
        """Delve's subprogramEntryRange: the start of the first range."""
        return self.ranges[0][0] if self.ranges else 0


def read_tree(die: DIE, ranges_of: Callable[[DIE], list[tuple[int, int]]], files: list[str],
              names: dict[int, str]) -> InlineNode:
    """The subtree of a subprogram DIE. `files` is its unit's line-table file list (indexed as
    DW_AT_call_file is); `names` caches abstract-origin names by offset."""
    root = InlineNode(die.offset, SUBPROGRAM, ranges_of(die))
    _read_children(die, root, ranges_of, files, names)
    return root


def _read_children(die: DIE, node: InlineNode, ranges_of: Callable[[DIE], list[tuple[int, int]]],
                   files: list[str], names: dict[int, str]) -> None:
    for child in die.iter_children():
        if child.tag not in _TREE_TAGS:
            continue
        sub = InlineNode(child.offset, str(child.tag), ranges_of(child))
        if child.tag == INLINED:
            a: Any = child.attributes
            sub.name = _origin_name(child, names)
            cf, cl = a.get("DW_AT_call_file"), a.get("DW_AT_call_line")
            if cf is not None and 0 <= cf.value < len(files):
                sub.call_file = files[cf.value]
            sub.call_line = cl.value if cl is not None else 0
        if child.has_children:
            _read_children(child, sub, ranges_of, files, names)
        node.children.append(sub)


def _origin_name(die: DIE, names: dict[int, str]) -> str:
    a = die.attributes
    if "DW_AT_abstract_origin" not in a:
        return dwarf_text(a["DW_AT_name"].value) if "DW_AT_name" in a else ""
    origin = a["DW_AT_abstract_origin"]
    off = origin.value if origin.form == "DW_FORM_ref_addr" else origin.value + die.cu.cu_offset
    name = names.get(off)
    if name is None:
        odie = die.get_DIE_from_attribute("DW_AT_abstract_origin")
        oname = odie.attributes.get("DW_AT_name")
        name = dwarf_text(oname.value) if oname is not None else ""
        names[off] = name
    return name


def inline_stack(root: InlineNode, pc: int) -> list[InlineNode]:
    """Delve's reader.InlineStack: the inlined calls whose ranges (and whose parents' ranges)
    contain pc, innermost first."""
    out: list[InlineNode] = []

    def walk(n: InlineNode) -> None:
        if n.contains(pc):
            for c in n.children:
                walk(c)
            if n.tag == INLINED:
                out.append(n)

    for child in root.children:
        walk(child)
    return out


def top_inlined_calls(root: InlineNode) -> list[InlineNode]:
    """The inlined calls Delve's loadDebugInfoMaps records: children of the subprogram and, in
    turn, of those calls; calls under a lexical block are not seen (Delve skips blocks' children)."""
    out: list[InlineNode] = []

    def walk(n: InlineNode) -> None:
        for c in n.children:
            if c.tag == INLINED and c.ranges:
                out.append(c)
                walk(c)

    walk(root)
    return out


def all_inline_ranges(root: InlineNode) -> list[tuple[InlineNode, tuple[int, int]]]:
    """Delve's allInlineCallRanges: (call, range) of every inlined call under root, the most
    deeply nested first (stable within a depth)."""
    found: list[tuple[int, InlineNode, tuple[int, int]]] = []

    def walk(n: InlineNode, depth: int) -> None:
        if n.tag == INLINED:
            for rng in n.ranges:
                found.append((depth, n, rng))
        for c in n.children:
            walk(c, depth + 1)

    walk(root, 0)
    found.sort(key=lambda t: -t[0])
    return [(n, rng) for _, n, rng in found]
