"""RPCServer methods about goroutines, threads, stacks, registers, memory and code."""

from __future__ import annotations

from .rpc_common import RPCBase


class StackMethods(RPCBase):
    pass
