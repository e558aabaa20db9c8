"""Attach to a running process: every thread seized and stopped (Delve's `attach PID`)."""

from __future__ import annotations

from .launch import LaunchError
from .process import TracedProcess


def attach_traced(pid: int) -> TracedProcess:
    """Seize every thread of pid and stop them all. Must run on the thread that will trace it."""
    raise LaunchError(f"could not attach to pid {pid}: not built yet")
