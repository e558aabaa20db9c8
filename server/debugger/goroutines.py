"""Goroutines as the debugger shows them, read through the runtime model once per stop."""

from __future__ import annotations

import logging

from ..binary.dwarf_types import DwarfTypes
from ..binary.gobinary import GoBinary
from ..goruntime.goroutines import GoRuntime
from ..goruntime.model import Goroutine
from ..native.process import TracedProcess
from .model import GoroutineView

log = logging.getLogger("pydlv.debugger")


class GoroutineReader:
    def __init__(self, binary: GoBinary, proc: TracedProcess) -> None:
        self.proc = proc
        self.runtime = GoRuntime(binary, DwarfTypes(binary.path), proc.read_memory)
        self._by_thread: dict[int, Goroutine | None] = {}

    def invalidate(self) -> None:
        """The target ran: forget what was read at the last stop."""
        self._by_thread.clear()

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
        for tid in self.proc.threads:
            g = self.of_thread(tid)
            if g is not None and g.id == gid:
                return g
        for g in self.runtime.all_goroutines():
            if g.id == gid:
                return g
        return None

    def view(self, gid: int) -> GoroutineView | None:
        g = self.find(gid)
        if g is None:
            return None
        locs = self.runtime.locations(g)
        return GoroutineView(
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
        )
