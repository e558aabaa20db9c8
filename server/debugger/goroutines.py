"""Goroutines as the debugger shows them, read through the runtime model once per stop."""

from __future__ import annotations

import bisect
import logging

from ..binary.gobinary import GoBinary
from ..goruntime.goroutines import GoRuntime
from ..goruntime.model import G_DEAD, Goroutine, GoroutineLocations
from .inferior import Inferior
from .model import GoroutineView

log = logging.getLogger("pydlv.debugger")


class GoroutineReader:
    def __init__(self, binary: GoBinary, proc: Inferior) -> None:
        self.proc = proc
        self.runtime = GoRuntime(binary, proc.read_memory, proc.read_memory_many)
        self._by_thread: dict[int, Goroutine | None] = {}
        self._all: list[Goroutine] | None = None
        self._all_index: list[int] = []
        self._all_len = 0
        self._views: dict[int, GoroutineView] = {}
        # Bumped at every stop: caches elsewhere key on it.
        self.generation = 0

    def invalidate(self) -> None:
        """The target ran: forget what was read at the last stop."""
        self._by_thread.clear()
        self._all = None
        self._views.clear()
        self.generation += 1

    def all(self) -> list[Goroutine]:
        """Every live goroutine, in runtime.allgs order, read once per stop."""
        if self._all is None:
            threads = {}
            for tid in self.proc.threads:
                try:
                    threads[tid] = self.proc.regs(tid)
                except OSError:
                    continue
            # The goroutine of each thread, as State read it already at this stop.
            every = self.runtime.all_goroutines(threads, keep_dead=True, of_thread=lambda tid, _: self.of_thread(tid))
            # allgs index of each live g: ListGoroutines pages over allgs (Delve's Nextg).
            self._all_index = [i for i, g in enumerate(every) if g.status != G_DEAD]
            self._all_len = len(every)
            self._all = [every[i] for i in self._all_index]
        return self._all

    def page(self, start: int, count: int) -> tuple[list[Goroutine], int]:
        """Delve's GoroutinesInfo(start, count): live g's from allgs[start:], at most count
        (0 = all), and the allgs index to continue from (-1 when done)."""
        gs = self.all()
        i = bisect.bisect_left(self._all_index, start)
        if count == 0 or i + count > len(gs):
            return gs[i:], -1
        last = self._all_index[i + count - 1]
        return gs[i:i + count], last + 1 if last + 1 < self._all_len else -1

    def of_thread(self, tid: int) -> Goroutine | None:
        if tid not in self._by_thread:
            try:
                self._by_thread[tid] = self.runtime.thread_goroutine(tid, self.proc.regs(tid))
            except Exception as e:  # a half-initialised runtime must not break a stop
                log.debug("no goroutine for thread %d: %s", tid, e)
                self._by_thread[tid] = None
        return self._by_thread[tid]

    def goroutine_id_of_thread(self, tid: int) -> int:
        g = self.of_thread(tid)
        return g.id if g is not None else 0

    def find(self, gid: int) -> Goroutine | None:
        for tid, th in self.proc.threads.items():
            if not th.stopped:
                continue  # a breakpoint filter runs with the others running (native/group.py)
            g = self.of_thread(tid)
            if g is not None and g.id == gid:
                return g
        for g in self.all():
            if g.id == gid:
                return g
        return None

    def view(self, gid: int) -> GoroutineView | None:
        g = self.find(gid)
        if g is None:
            return None
        return self.view_of(g)

    def view_of(self, g: Goroutine) -> GoroutineView:
        cached = self._views.get(g.addr)
        if cached is not None:
            return cached
        return self._make_view(g, self.runtime.locations(g))

    def views_of(self, gs: list[Goroutine]) -> list[GoroutineView]:
        """view_of each of gs; the stacks of those not seen yet at this stop are read together."""
        todo = [g for g in gs if g.addr not in self._views]
        made = {id(g): self._make_view(g, locs) for g, locs in zip(todo, self.runtime.locations_of(todo), strict=True)}
        return [made.get(id(g)) or self._views[g.addr] for g in gs]

    def _make_view(self, g: Goroutine, locs: GoroutineLocations) -> GoroutineView:
        view = GoroutineView(
            id=g.id,
            current=locs.current,
            user_current=locs.user_current,
            go_statement=locs.go_statement,
            start=locs.start,
            thread_id=g.thread_id,
            status=g.status,
            wait_since=g.wait_since,
            wait_reason=g.wait_reason,
            unreadable=g.unreadable,
            labels=self.runtime.labels(g) if not g.unreadable else {},
        )
        if g.addr:  # not a placeholder for a goroutine that could not be found (address 0)
            self._views[g.addr] = view
        return view
