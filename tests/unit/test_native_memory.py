"""TracedProcess.read_memory_many: each range as read_memory reads it, in few system calls."""

from __future__ import annotations

import pytest
from conftest import StoppedBasic


def _one(proc, addr: int, size: int) -> bytes | None:  # type: ignore[no-untyped-def]
    try:
        return proc.read_memory(addr, size)
    except OSError:
        return None


def test_read_memory_many_matches_read_memory(stopped_basic: StoppedBasic) -> None:
    proc = stopped_basic.stop.proc
    regs = proc.regs(stopped_basic.stop.tid)
    bp = next(iter(proc.breakpoints.addresses()))
    sp = regs.rsp
    ranges = [
        (bp - 4, 16),            # text with the INT3 in it: hidden, as read_memory does
        (0x1000, 8),             # unmapped: None, and the ranges after it are still read
        (sp, 64),
        (-8, 8),                 # never readable
        (sp + 8, 0),             # empty
        (sp - sp % 4096, 4096),  # a whole stack page
        (1 << 63, 8),            # past user space
    ]
    got = proc.read_memory_many(ranges)
    assert got == [_one(proc, a, n) for a, n in ranges]
    assert got[0] is not None and b"\xcc" not in got[0][4:5]
    assert got[1] is None and got[3] is None and got[4] == b"" and got[6] is None


@pytest.mark.parametrize("count", [1, 1023, 1024, 1025, 3000])
def test_read_memory_many_batches(stopped_basic: StoppedBasic, count: int) -> None:
    """More ranges than one process_vm_readv takes (IOV_MAX), a failing one in each batch."""
    proc = stopped_basic.stop.proc
    sp = proc.regs(stopped_basic.stop.tid).rsp
    ranges = [(0x1000, 8) if i % 700 == 5 else (sp + (i % 64) * 8, 8 + i % 3) for i in range(count)]
    got = proc.read_memory_many(ranges)
    assert got == [_one(proc, a, n) for a, n in ranges]
