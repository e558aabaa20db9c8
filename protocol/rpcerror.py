"""An RPC error reply's text, tagged with what went wrong.

Delve's stream protocol carries errors as bare strings, so `RpcError` *is* a str: the
stream codec encodes it byte for byte as before. Transports with error codes (JSON-RPC 2.0
over HTTP) read `kind` to pick one instead of guessing from the text.
"""

from __future__ import annotations

import enum


class ErrorKind(enum.StrEnum):
    METHOD = "method"  # no such method
    PARAMS = "params"  # params did not decode into the method's In type
    DEBUGGER = "debugger"  # the debugger refused or failed (Delve's own error text)
    INTERNAL = "internal"  # a bug in pydlv (the text carries the traceback)


class RpcError(str):
    kind: ErrorKind

    def __new__(cls, text: str, kind: ErrorKind) -> RpcError:
        self = super().__new__(cls, text)
        self.kind = kind
        return self
