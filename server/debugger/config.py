"""What a session debugs: the launch (or attach) configuration, in a module of its own so the
command line can build it without importing the debugger (start-up speed: the listening line
goes out before the engine is loaded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field

from ..native.redirects import NO_REDIRECTS, Redirects
from ..records import record

__all__ = ["NO_REDIRECTS", "LaunchConfig", "Redirects"]


@record
class LaunchConfig:
    binary: str
    args: list[str] = field(default_factory=list)
    wd: str = "."
    redirects: Redirects = NO_REDIRECTS
    attach_pid: int = 0  # attach to this process instead of launching binary
    follow_exec: bool = False  # --follow-exec: debug the children it starts too
    follow_exec_regex: str = ""  # --follow-exec-regex: only those whose command line matches
    # Rebuilds `binary` in place (pydlv debug/test: Restart{Rebuild}); raises UserError on failure.
    rebuild: Callable[[], None] | None = None
