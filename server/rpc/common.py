"""What RPCServer's method groups share: the debugger facade."""

from __future__ import annotations

from ..debugger.facade import Debugger


class RPCBase:
    dbg: Debugger
