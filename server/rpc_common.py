"""What RPCServer and its method groups (rpc_*.py) share: the tracer and the debugger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from .debugger.debugger import Debugger, DebuggerError
from .native.tracer_thread import TracerThread

T = TypeVar("T")


class RPCBase:
    tracer: TracerThread
    debugger: Debugger | None

    async def _on_tracer(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn on the tracer thread (every ptrace call and target read happens there)."""
        return await asyncio.wrap_future(self.tracer.submit(fn, *args))

    def _frames_variables(self, gid: int, frames: range, cfg: Any) -> list[tuple[list[Any], list[Any]]]:
        """(locals, args) of each frame as api.Variable lists (rpc_vars.VariableMethods)."""
        raise NotImplementedError

    def _dbg(self) -> Debugger:
        if self.debugger is None:
            raise DebuggerError("the target is not loaded")
        return self.debugger
