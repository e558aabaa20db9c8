"""Logical breakpoints over the native INT3 table: ids, names, hit counts, conditions."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import UserError
from .eval.scanner import go_quote
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


@dataclass(frozen=True)
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
    def __init__(self, proc: Inferior) -> None:
        self.proc = proc
        self.by_id: dict[int, Breakpoint] = {}
        self.by_addr: dict[int, Breakpoint] = {}
        self._next_id = 1

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

    def add(self, bp: Breakpoint) -> Breakpoint:
        if any(addr in self.by_addr for addr in bp.addrs):
            # Delve's enableBreakpointOnTarget: addresses another breakpoint has are skipped and
            # the last one's error is the answer: refused when the last address is taken (its
            # owner named), else made at the free addresses only
            last = bp.addrs[-1]
            other = self.by_addr.get(last)
            if other is not None:
                raise BreakpointError(f"Breakpoint exists at {other.file}:{other.line} at {last:x}")
            bp.addrs = [addr for addr in bp.addrs if addr not in self.by_addr]
        if bp.id in self.by_id:
            old = self.by_id[bp.id]
            raise BreakpointError(f"Breakpoint exists at {old.file}:{old.line} at {old.addrs[0]:x}" if old.addrs else "Breakpoint exists")
        if bp.name and any(b.name == bp.name for b in self.by_id.values()):
            raise BreakpointError("breakpoint name already exists")
        if not bp.disabled:
            self._arm(bp)
        self.by_id[bp.id] = bp
        if bp.id >= self._next_id:
            self._next_id = bp.id + 1
        return bp

    def _arm(self, bp: Breakpoint) -> None:
        done: list[int] = []
        try:
            for addr in bp.addrs:
                self.proc.breakpoints.insert(addr)
                done.append(addr)
                self.by_addr[addr] = bp
        except OSError:
            for addr in done:
                self.proc.breakpoints.remove(addr)
                self.by_addr.pop(addr, None)
            raise BreakpointError("input/output error") from None

    def _disarm(self, bp: Breakpoint) -> None:
        for addr in bp.addrs:
            if self.by_addr.get(addr) is bp:
                del self.by_addr[addr]
                if not self.proc.exited:
                    self.proc.breakpoints.remove(addr)

    def relocate(self, bp: Breakpoint, addrs: list[int]) -> None:
        """A breakpoint gets (new) addresses, armed at once when it is enabled and can stop."""
        for addr in addrs:
            other = self.by_addr.get(addr)
            if other is not None and other is not bp:
                raise BreakpointError(f"Breakpoint exists at {other.file}:{other.line} at {addr:x}")
        self._disarm(bp)
        bp.addrs = list(addrs)
        if not bp.disabled and not bp.unsatisfiable:
            self._arm(bp)

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
                self._arm(bp)
        bp.disabled = disabled

    def ordered(self) -> list[Breakpoint]:
        return sorted(self.by_id.values(), key=lambda b: (b.id > 0, abs(b.id)))

    def at(self, addr: int) -> Breakpoint | None:
        return self.by_addr.get(addr)

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
                    self._arm(bp)
        elif not bp.disabled and not bp.unsatisfiable:
            self._disarm(bp)
            bp.unsatisfiable = True

    def drop_unsatisfiable(self) -> None:
        """Delve's manageUnsatisfiableBreakpoints, before each resume: a breakpoint whose hit
        condition can no longer hold loses its addresses (it stays enabled, with none: Delve 1.27)."""
        for bp in list(self.by_id.values()):
            if not bp.internal:
                self.update_satisfiable(bp)
