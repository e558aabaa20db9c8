"""Logical breakpoints over the native INT3 table: ids, names, hit counts, conditions."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable

from ..errors import UserError
from ..records import record
from .inferior import Inferior
from .model import Breakpoint


class BreakpointError(UserError):
    pass


_NAME_OK = re.compile(r"[A-Za-z0-9_]")
# Delve's hitConditionRegex, unanchored as it is (FindStringSubmatch).
_HITCOND = re.compile(r"(([=><%!])+|)( |)((\d|_)+)")
_OPS: dict[str, Callable[[int, int], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "%": lambda hits, n: n != 0 and hits % n == 0,
}


def check_name(name: str) -> None:
    if not name:
        return
    if name.isdigit():
        raise BreakpointError("breakpoint name can not be a number")
    for ch in name:
        if not _NAME_OK.match(ch):
            raise BreakpointError(f"invalid character in breakpoint name '{ch}'")


@record(frozen=True)
class HitCond:
    op: str
    n: int

    def __str__(self) -> str:
        """As Delve reports it (LogicalBreakpoint.HitCond: the operator token, a space, the number)."""
        return f"{self.op} {self.n}"

    def holds(self, hits: int) -> bool:
        return _OPS[self.op](hits, self.n)


def parse_hit_cond(text: str) -> HitCond | None:
    """Delve's parseHitCondition, with its error texts; None for no hit condition."""
    if not text:
        return None
    from .eval.scanner import go_quote  # the evaluator's package: imported when a session first needs it

    m = _HITCOND.search(text.strip())
    if m is None:
        raise BreakpointError(f"unable to parse breakpoint hit condition: {go_quote(text)}\n"
                              'hit conditions should be of the form "number" or "OP number"')
    op = m.group(1) or "=="
    if op not in _OPS:
        raise BreakpointError(f"unable to parse breakpoint hit condition: {go_quote(text)}\n"
                              f"invalid operator: {go_quote(m.group(1))}")
    digits = m.group(4)
    if not digits.isdigit():  # strconv.Atoi takes no underscores
        raise BreakpointError(f"unable to parse breakpoint hit condition: {go_quote(text)}\n"
                              f"invalid number: {go_quote(digits)}")
    return HitCond(op, int(digits))


def satisfiable(bp: Breakpoint) -> bool:
    """Delve's breakpointConditionSatisfiable for hit conditions: false once a total-count
    condition (== N, <= N, < N) can never hold again."""
    rule = parse_hit_cond(bp.hit_cond)
    if rule is None or bp.hit_cond_per_g:
        return True
    if rule.op in ("==", "<="):
        return bp.total_hit_count < rule.n
    if rule.op == "<":
        return bp.total_hit_count < rule.n - 1
    return True


class BreakpointSet:
    """The logical breakpoints of a session and where each is armed: one set for every process
    of the target group (follow-exec), an address being (pid, addr)."""

    def __init__(self, proc: Inferior) -> None:
        self.procs: dict[int, Inferior] = {proc.pid: proc}
        self.first_pid = proc.pid
        self.by_id: dict[int, Breakpoint] = {}
        self.by_addr: dict[tuple[int, int], Breakpoint] = {}
        self._next_id = 1

    def add_process(self, proc: Inferior) -> None:
        self.procs[proc.pid] = proc

    def addresses(self, pid: int) -> set[int]:
        """The breakpoint addresses armed in one process."""
        return {a for p, a in self.by_addr if p == pid}

    def _placed(self, bp: Breakpoint) -> list[tuple[int, int]]:
        """(pid, addr) of each address of bp (addr_pids filled in where it is short)."""
        if len(bp.addr_pids) != len(bp.addrs):
            bp.addr_pids = [self.first_pid] * len(bp.addrs)
        return list(zip(bp.addr_pids, bp.addrs, strict=True))

    @property
    def next_id(self) -> int:
        return self._next_id

    def allocate_from(self, next_id: int) -> None:
        """Ids keep counting from where a previous process's set stopped (restart)."""
        self._next_id = max(self._next_id, next_id)

    def allocate_id(self, requested: int = 0) -> int:
        if requested > 0:
            return requested
        bp_id = self._next_id
        self._next_id += 1
        return bp_id

    def check_new(self, bp: Breakpoint) -> None:
        """What Delve refuses before it takes an id: a name or an id already in use."""
        if bp.name and any(b.name == bp.name for b in self.by_id.values()):
            raise BreakpointError("breakpoint name already exists")
        old = self.by_id.get(bp.id) if bp.id > 0 else None
        if old is not None:
            raise BreakpointError(f"Breakpoint exists at {old.file}:{old.line} at 0")

    def _check_free(self, bp: Breakpoint, placed: list[tuple[int, int]]) -> None:
        for key in placed:
            other = self.by_addr.get(key)
            if other is not None and other is not bp:
                raise BreakpointError(f"Breakpoint exists at {other.file}:{other.line} at {key[1]:x}")

    def add(self, bp: Breakpoint) -> Breakpoint:
        placed = self._placed(bp)
        if any(self.by_addr.get(key) not in (None, bp) for key in placed):
            # Delve's enableBreakpointOnTarget: addresses another breakpoint has are skipped and
            # the last one's error is the answer: refused when the last address is taken (its
            # owner named), else made at the free addresses only
            other = self.by_addr.get(placed[-1])
            if other is not None and other is not bp:
                raise BreakpointError(f"Breakpoint exists at {other.file}:{other.line} at {placed[-1][1]:x}")
            free = [key for key in placed if key not in self.by_addr]
            bp.addrs, bp.addr_pids = [a for _, a in free], [p for p, _ in free]
        if bp.id in self.by_id:
            old = self.by_id[bp.id]
            raise BreakpointError(f"Breakpoint exists at {old.file}:{old.line} at {old.addrs[0]:x}" if old.addrs else "Breakpoint exists")
        if bp.name and any(b.name == bp.name for b in self.by_id.values()):
            raise BreakpointError("breakpoint name already exists")
        if not bp.disabled:
            self._arm(bp, self._placed(bp))
        self.by_id[bp.id] = bp
        if bp.id >= self._next_id:
            self._next_id = bp.id + 1
        return bp

    def _arm(self, bp: Breakpoint, placed: list[tuple[int, int]]) -> None:
        done: list[tuple[int, int]] = []
        try:
            for pid, addr in placed:
                self.procs[pid].breakpoints.insert(addr)
                done.append((pid, addr))
                self.by_addr[(pid, addr)] = bp
        except OSError:
            for pid, addr in done:
                self.procs[pid].breakpoints.remove(addr)
                self.by_addr.pop((pid, addr), None)
            raise BreakpointError("input/output error") from None

    def _disarm(self, bp: Breakpoint) -> None:
        for key in self._placed(bp):
            if self.by_addr.get(key) is bp:
                del self.by_addr[key]
                proc = self.procs[key[0]]
                if not proc.exited:
                    proc.breakpoints.remove(key[1])

    def relocate(self, bp: Breakpoint, addrs: list[int], pids: list[int] | None = None) -> None:
        """A breakpoint gets (new) addresses, armed at once when it is enabled and can stop."""
        placed = list(zip(pids or [self.first_pid] * len(addrs), addrs, strict=True))
        self._check_free(bp, placed)
        self._disarm(bp)
        bp.addrs, bp.addr_pids = [a for _, a in placed], [p for p, _ in placed]
        if not bp.disabled and not bp.unsatisfiable:
            self._arm(bp, placed)

    def extend(self, bp: Breakpoint, addrs: list[int], pid: int) -> None:
        """More addresses for bp in process pid (a followed child that has its location)."""
        placed = [(pid, a) for a in addrs if (pid, a) not in self._placed(bp)]
        self._check_free(bp, placed)
        if not bp.disabled and not bp.unsatisfiable:
            self._arm(bp, placed)
        bp.addrs = bp.addrs + [a for _, a in placed]
        bp.addr_pids = bp.addr_pids + [p for p, _ in placed]

    def forget_process(self, pid: int) -> None:
        """A process of the group has ended: its addresses go from every breakpoint."""
        self.procs.pop(pid, None)
        for key in [k for k in self.by_addr if k[0] == pid]:
            del self.by_addr[key]
        for bp in self.by_id.values():
            kept = [(p, a) for p, a in self._placed(bp) if p != pid]
            bp.addrs, bp.addr_pids = [a for _, a in kept], [p for p, _ in kept]

    def find(self, bp_id: int, name: str) -> Breakpoint:
        if name:
            named = next((bp for bp in self.by_id.values() if bp.name == name), None)
            if named is None:
                raise BreakpointError(f"no breakpoint with name {name}")
            return named
        found = self.by_id.get(bp_id)
        if found is None:
            raise BreakpointError(f"no breakpoint with id {bp_id}")
        return found

    def remove(self, bp: Breakpoint) -> None:
        self._disarm(bp)
        self.by_id.pop(bp.id, None)

    def set_disabled(self, bp: Breakpoint, disabled: bool) -> None:
        if disabled == bp.disabled:
            return
        if disabled:
            self._disarm(bp)
        else:
            if not bp.addrs:
                raise BreakpointError(f"breakpoint {bp.id} can not be enabled")
            if not bp.unsatisfiable:
                self._arm(bp, self._placed(bp))
        bp.disabled = disabled

    def ordered(self) -> list[Breakpoint]:
        return sorted(self.by_id.values(), key=lambda b: (b.id > 0, abs(b.id)))

    def at(self, addr: int, pid: int) -> Breakpoint | None:
        return self.by_addr.get((pid, addr))

    @staticmethod
    def record_hit(bp: Breakpoint, goroutine_id: int) -> bool:
        """Count a hit (condition already true); False if the hit condition says go on."""
        bp.hit_count[goroutine_id] = bp.hit_count.get(goroutine_id, 0) + 1
        bp.total_hit_count += 1
        rule = parse_hit_cond(bp.hit_cond)
        if rule is None:
            return True
        per_g = bp.hit_cond_per_g and goroutine_id > 0
        return rule.holds(bp.hit_count[goroutine_id] if per_g else bp.total_hit_count)

    def update_satisfiable(self, bp: Breakpoint) -> None:
        """After a hit condition changed: disarm a breakpoint that can no longer stop, re-arm one
        that can again (Delve's ChangeBreakpointCondition)."""
        if satisfiable(bp):
            if bp.unsatisfiable:
                bp.unsatisfiable = False
                if not bp.disabled:
                    self._arm(bp, self._placed(bp))
        elif not bp.disabled and not bp.unsatisfiable:
            self._disarm(bp)
            bp.unsatisfiable = True

    def drop_unsatisfiable(self) -> None:
        """Delve's manageUnsatisfiableBreakpoints, before each resume: a breakpoint whose hit
        condition can no longer hold loses its addresses (it stays enabled, with none: Delve 1.27)."""
        for bp in list(self.by_id.values()):
            if not bp.internal:
                self.update_satisfiable(bp)
