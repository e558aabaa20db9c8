"""ListGoroutines' filters and grouping, as Delve's Debugger.FilterGoroutines and
GroupGoroutines (service/debugger/debugger.go)."""

from __future__ import annotations

from ..goruntime.model import Location
from ..records import record
from .model import GoroutineView

# api.GoroutineField
FIELD_NONE, CURRENT_LOC, USER_LOC, GO_LOC, START_LOC, LABEL, RUNNING, USER, WAITING_ON_CHANNEL = range(9)


@record(frozen=True)
class GoroutineFilter:
    kind: int
    negated: bool
    arg: str


@record(frozen=True)
class Grouping:
    group_by: int = FIELD_NONE
    key: str = ""
    max_members: int = 0
    max_groups: int = 0


@record
class Group:
    name: str
    offset: int
    count: int
    total: int


def format_loc(loc: Location) -> str:
    name = loc.function.name if loc.function is not None else "?"
    return f"{loc.file}:{loc.line} in {name}"


def is_system(g: GoroutineView) -> bool:
    """Delve's G.System: started in a runtime function other than runtime.main."""
    fn = g.start.function
    if fn is None or fn.name in ("runtime.main", "runtime.handleAsyncEvent"):
        return False
    return fn.name.startswith("runtime.")


def _matches(g: GoroutineView, f: GoroutineFilter) -> bool:
    k = f.kind
    if k == CURRENT_LOC:
        val = f.arg in format_loc(g.current)
    elif k == USER_LOC:
        val = f.arg in format_loc(g.user_current)
    elif k == GO_LOC:
        val = f.arg in format_loc(g.go_statement)
    elif k == START_LOC:
        val = f.arg in format_loc(g.start)
    elif k == LABEL:
        name, eq, value = f.arg.partition("=")
        # Go's map index: a missing label reads "", so `name=` selects the goroutines without one
        val = g.labels.get(name, "") == value if eq else name in g.labels
    elif k == RUNNING:
        val = g.thread_id != 0
    elif k == USER:
        val = not is_system(g)
    else:  # none, channel (handled elsewhere) and unknown kinds match everything
        val = True
    return not val if f.negated else val


def filter_goroutines(gs: list[GoroutineView], filters: list[GoroutineFilter]) -> list[GoroutineView]:
    if not filters:
        return gs
    return [g for g in gs if all(_matches(g, f) for f in filters)]


def _key(g: GoroutineView, grouping: Grouping) -> str:
    by = grouping.group_by
    if by == CURRENT_LOC:
        return format_loc(g.current)
    if by == USER_LOC:
        return format_loc(g.user_current)
    if by == GO_LOC:
        return format_loc(g.go_statement)
    if by == START_LOC:
        return format_loc(g.start)
    if by == LABEL:
        return f"{grouping.key}={g.labels.get(grouping.key, '')}"
    if by == RUNNING:
        return f"running={'true' if g.thread_id else 'false'}"
    if by == USER:
        return f"user={'false' if is_system(g) else 'true'}"
    return ""


def group_goroutines(gs: list[GoroutineView], grouping: Grouping
                     ) -> tuple[list[GoroutineView], list[Group] | None, bool]:
    """(members kept, groups sorted by name, too many groups)."""
    if grouping.group_by == FIELD_NONE:
        return gs, None, False
    members: dict[str, list[GoroutineView]] = {}
    totals: dict[str, int] = {}
    for g in gs:
        key = _key(g, grouping)
        # Delve's groups are the keys of its members map: with MaxGroupMembers 0 there are none
        if len(members.get(key, ())) < grouping.max_members:
            members.setdefault(key, []).append(g)
        totals[key] = totals.get(key, 0) + 1
    out: list[GoroutineView] = []
    groups: list[Group] = []
    too_many = False
    # Go's sort.Strings: byte order, which is Python's order for str of UTF-8 text.
    for key in sorted(members, key=lambda k: k.encode()):
        if grouping.max_groups > 0 and len(groups) >= grouping.max_groups:
            too_many = True
            break
        groups.append(Group(key, len(out), len(members[key]), totals[key]))
        out.extend(members[key])
    return out, groups, too_many
