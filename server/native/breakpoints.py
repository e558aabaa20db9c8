"""The process-wide table of INT3 instructions written into the target's text.

One entry per address, shared by every thread (python-ptrace binds breakpoints to
one thread, which does not fit a Go program that moves goroutines between
threads). Logical breakpoints (ids, conditions, hit counts) live in the debugger
layer; this table only knows addresses and the bytes it replaced. Several users of
one address (a user breakpoint, a stepping breakpoint, a queued call's return) each
insert and remove it: the INT3 stays while any of them holds it.
"""

from __future__ import annotations

from collections.abc import Callable

INT3 = b"\xcc"


class BreakpointTable:
    def __init__(self, read: Callable[[int, int], bytes], write: Callable[[int, bytes], None]) -> None:
        self._read = read
        self._write = write
        self._original: dict[int, bytes] = {}
        self._holders: dict[int, int] = {}  # how many inserts of each address are not removed yet
        # Addresses whose INT3 was removed: a thread that executed it just before (its SIGTRAP
        # still pending while the world was stopped) reports the trap after the removal.
        self.removed: set[int] = set()

    def __contains__(self, addr: int) -> bool:
        return addr in self._original

    def addresses(self) -> list[int]:
        return list(self._original)

    def original_byte(self, addr: int) -> bytes:
        return self._original[addr]

    def insert(self, addr: int) -> None:
        if addr in self._original:
            self._holders[addr] += 1
            return
        orig = self._read(addr, 1)  # raises OSError (input/output error) on a bad address
        self._write(addr, INT3)
        self._original[addr] = orig
        self._holders[addr] = 1
        self.removed.discard(addr)

    def remove(self, addr: int) -> None:
        """Drop one hold of addr; the original byte goes back with the last one."""
        held = self._holders.get(addr, 0)
        if held > 1:
            self._holders[addr] = held - 1
            return
        self._holders.pop(addr, None)
        orig = self._original.pop(addr, None)
        if orig is not None:
            self._write(addr, orig)
            if orig != INT3:
                self.removed.add(addr)

    def remove_all(self) -> None:
        for addr in list(self._original):
            self._holders[addr] = 1
            self.remove(addr)

    def lift(self, addr: int) -> None:
        """Put the original instruction back for a step-over; `relower` undoes it."""
        self._write(addr, self._original[addr])

    def relower(self, addr: int) -> None:
        if addr in self._original:
            self._write(addr, INT3)

    def any_within(self, lo: int, hi: int) -> bool:
        """Whether an INT3 lies in [lo, hi): reads of many ranges there need no hide() each."""
        return any(lo <= a < hi for a in self._original)

    def hide(self, addr: int, data: bytes) -> bytes:
        """Memory as the program sees it: original bytes where INT3s are."""
        end = addr + len(data)
        hits = [a for a in self._original if addr <= a < end]
        if not hits:
            return data
        buf = bytearray(data)
        for a in hits:
            buf[a - addr] = self._original[a][0]
        return bytes(buf)
