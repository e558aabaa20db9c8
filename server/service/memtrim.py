"""Giving memory back to the system after a big answer.

A big answer (a long goroutine list, a large disassembly, deeply loaded variables) leaves freed
blocks in glibc's heaps (the tracer thread has its own arena), which glibc keeps: the server's
RSS would stay at its peak. Shortly after a reply of BIG_REPLY bytes or more is written, cycles
are collected and malloc_trim(0) returns the free pages of every arena. A no-op without glibc.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import gc
import logging
from collections.abc import Callable

log = logging.getLogger("pydlv.service")

BIG_REPLY = 1 << 20
DELAY = 0.05  # lets the request's objects on the tracer thread be freed first

_scheduled: asyncio.TimerHandle | None = None


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim among the process's own symbols (looked up on the first big reply)."""
    try:
        fn = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    trim: Callable[[int], int] = fn
    return trim


def release() -> None:
    """Collect cycles and give free heap pages back now."""
    global _scheduled
    _scheduled = None
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def after_reply(size: int) -> None:
    """Call after writing a reply of `size` bytes: a big one schedules one release() (debounced)."""
    global _scheduled
    if size < BIG_REPLY or _scheduled is not None:
        return
    try:
        _scheduled = asyncio.get_running_loop().call_later(DELAY, release)
    except RuntimeError:
        release()
