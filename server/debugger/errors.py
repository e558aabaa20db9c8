"""Errors the debugger itself raises (the layers below raise their own UserError subclasses)."""

from __future__ import annotations

from ..errors import UserError


class DebuggerError(UserError):
    """A refusal or failure of a debugger operation, in Delve's words."""


class ProcessExitedError(DebuggerError):
    def __init__(self, pid: int, status: int) -> None:
        super().__init__(f"Process {pid} has exited with status {status}")


class ScopeError(UserError):
    """A frame or scope that cannot be had, in Delve's wording; the RPC layer passes the text to
    the client unchanged."""
