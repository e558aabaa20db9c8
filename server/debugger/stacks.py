"""Stack traces as Delve's Debugger.Stacktrace returns them.

Frame records carry the raw unwound Frame (registers for the variables module:
server/debugger/scope.py fills Locals/Arguments from it) and what Delve's
ConvertStacktrace shows: the call location, FrameOffset/FramePointerOffset
(relative to g.stack.hi on a goroutine stack, absolute on a system stack),
the deferred calls of each frame and Bottom on the outermost one.
"""

from __future__ import annotations

from ..binary.gobinary import GoBinary
from ..errors import UserError
from ..goruntime.model import Frame, Goroutine, Location
from .errors import ScopeError
from .goroutines import GoroutineReader
from .inferior import Inferior
from .inlines import LogicalFrame, expand
from .model import DeferView, FrameView


class UnknownGoroutine(UserError):
    def __init__(self, gid: int) -> None:
        super().__init__(f"unknown goroutine {gid}")


def resolve_goroutine(reader: GoroutineReader, selected: int, gid: int) -> Goroutine | None:
    """Delve's FindGoroutine: -1 (or the selected id) is the selected goroutine, 0 with
    none selected is "no goroutine" (the current thread); other ids must exist."""
    if gid == -1 or gid == selected or (selected == 0 and gid == 0):
        return reader.find(selected) if selected else None
    g = reader.find(gid)
    if g is None:
        raise UnknownGoroutine(gid)
    return g


def goroutine_stack(reader: GoroutineReader, g: Goroutine, depth: int, with_defers: bool,
                    inlined: bool = False) -> list[FrameView]:
    """At most depth+1 frames of g (Delve: depth counts the frames above the first). With
    `inlined`, inlined calls are frames of their own, as a client sees them (Stacktrace);
    without, frames are as unwound (stepping)."""
    frames = reader.runtime.goroutine_frames(g, depth + 2)
    views = _views(reader, frames, depth, g.stack_hi, g, inlined)
    if with_defers:
        _attach_defers(reader, g, views)
    return views


def thread_stack(reader: GoroutineReader, pc: int, sp: int, bp: int, depth: int,
                 inlined: bool = False) -> list[FrameView]:
    return _views(reader, reader.runtime.frames(pc, sp, bp, depth + 2), depth, 0, None, inlined)


def _views(reader: GoroutineReader, frames: list[Frame], depth: int, stack_hi: int, g: Goroutine | None,
           inlined: bool) -> list[FrameView]:
    if inlined:
        logical, used_all = expand(reader.runtime.binary, frames, depth)
        complete = used_all and len(frames) <= depth + 1
    else:
        complete = len(frames) <= depth + 1
        logical = [LogicalFrame(f, f.location) for f in frames[:depth + 1]]
    out = []
    for lf in logical:
        f = lf.frame
        if f.err:
            # Delve's stacktrace: the empty frame the iterator ended on (its Bottom), then the
            # iterator's error as a frame of its own, past the depth.
            out.append(FrameView(f, 0, 0, bottom=True, goroutine=g))
            out.append(FrameView(f, 0, 0, err=f.err, goroutine=g))
            return out
        if f.system_stack or not stack_hi:
            fo, fpo = f.cfa, f.bp
        else:
            fo, fpo = f.cfa - stack_hi, f.bp - stack_hi
        view = FrameView(f, fo, _int64(fpo), goroutine=g)
        if lf.location is not f.location:
            view.inlined_location, view.inlined = lf.location, lf.inlined is not None
        out.append(view)
    if out and complete:
        out[-1].bottom = True
    return out


def _attach_defers(reader: GoroutineReader, g: Goroutine, frames: list[FrameView]) -> None:
    """Delve's G.readDefers: walk frames and the _defer chain together."""
    rt = reader.runtime
    records = rt.defers(g)
    i = 0
    for d in records:
        while i < len(frames):
            f = frames[i]
            if d.unreadable:
                f.defers.append(DeferView(Location(0), Location(0), 0, d.unreadable))
                return
            if f.err:
                return
            if f.frame.system_stack or f.inlined or d.sp >= f.frame.cfa:
                i += 1
                continue
            deferred = rt.deferred_location(d.fn_pc) or Location(d.defer_pc, "", 0, None)
            f.defers.append(DeferView(deferred, rt.location_of(d.defer_pc), d.sp))
            break
        else:
            return


def _int64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v


def scope_frame(binary: GoBinary, proc: Inferior, goroutines: GoroutineReader, goroutine_id: int, frame: int,
                deferred_call: int, selected_goroutine: int, current_tid: int) -> tuple[LogicalFrame, bool, int]:
    """The logical frame an eval scope names (Delve's ConvertEvalScope, its errors too), whether it
    is the innermost physical frame, and its thread. Needs no DWARF: FindLocation's scope is this
    frame's pc (scope.py builds the variables on it)."""
    gid = selected_goroutine if goroutine_id == -1 else goroutine_id
    g = goroutines.find(gid) if gid else None
    if g is None and goroutine_id not in (-1, 0):
        raise ScopeError(f"unknown goroutine {goroutine_id}")
    rt = goroutines.runtime
    if g is not None:
        frames = rt.goroutine_frames(g, frame + 1)
        tid = g.thread_id
    else:
        r = proc.regs(current_tid)
        frames = rt.frames(r.rip, r.rsp, r.rbp, frame + 1)
        tid = current_tid
    # frames numbered as Stacktrace numbers them: inlined calls are frames of their own
    logical, _ = expand(binary, frames)
    if frame < 0 or frame >= len(logical):
        raise ScopeError(f"Frame {frame} does not exist in goroutine {goroutine_id}")
    if deferred_call > 0:
        raise ScopeError(f"Frame {frame} only has 0 deferred calls")
    lf = logical[frame]
    return lf, lf.frame is frames[0], tid
