"""Frames of inlined calls, as Delve's stack iterator makes them (appendInlineCalls).

A physical frame whose function had calls inlined into it, stopped inside one, becomes several
frames at the same pc and registers: one per inlined call executing there, innermost first, each
named after the inlined function (with the concrete function's entry as its value) at the line
being executed in it, then the concrete function at the line of the outermost call. Stacktrace,
breakpoint stacks and variable scopes number frames this way; stepping keeps physical frames.
"""

from __future__ import annotations

from ..binary.dwarf_inline import InlineNode
from ..binary.gobinary import Function, GoBinary
from ..goruntime.model import Frame, FunctionRef, Location
from ..records import record


@record(frozen=True)
class LogicalFrame:
    frame: Frame  # the physical frame (registers, cfa)
    location: Location  # what the client sees (Delve's Call location)
    inlined: InlineNode | None = None  # the inlined call this frame is, None for a concrete frame


def expand(binary: GoBinary, frames: list[Frame], depth: int | None = None) -> tuple[list[LogicalFrame], bool]:
    """The frames with inlined calls made frames of their own; with `depth`, Delve's limit (stop
    after the physical frame that reaches depth+1 frames). Second result: every frame was used."""
    out: list[LogicalFrame] = []
    for k, f in enumerate(frames):
        if depth is not None and len(out) >= depth + 1:
            return out, False
        inl = inlined_frames(binary, f, k == 0)
        out.extend(inl)
        loc = f.location
        if inl:  # the concrete function is at the call site of the outermost inlined call
            node = inl[-1].inlined
            assert node is not None
            loc = Location(f.pc, node.call_file, node.call_line, f.location.function)
        out.append(LogicalFrame(f, loc))
    return out, True


def inlined_frames(binary: GoBinary, f: Frame, top: bool) -> list[LogicalFrame]:
    """The inlined-call frames above physical frame f (none when f is not inside an inlined call)."""
    fn = f.function
    if not isinstance(fn, Function) or not binary.has_inlined_calls(fn):
        return []
    stack = binary.inline_stack(fn, f.pc if top else f.pc - 1)
    out: list[LogicalFrame] = []
    file, line = f.location.file, f.location.line
    for node in stack:
        if not node.call_file or not node.call_line:
            break  # Delve stops at an entry without call site
        out.append(LogicalFrame(f, Location(f.pc, file, line, FunctionRef(node.name, fn.entry, fn)), node))
        file, line = node.call_file, node.call_line
    return out

