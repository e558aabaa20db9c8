"""RPCServer methods about variables, expressions and types."""

from __future__ import annotations

from .rpc_common import RPCBase


class VariableMethods(RPCBase):
    pass
