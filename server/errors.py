"""The one base class of errors a user should see.

Every layer raises its own subclass (BinaryError, LocationError, EvalError, ...) with Delve's
wording; the RPC edge maps `UserError` to a JSON-RPC error once, with `str(e)` as the text.
Any other exception is a bug: logged with its traceback, answered with one line. This module
is a leaf so that every layer can import it.
"""

from __future__ import annotations

import os


class UserError(Exception):
    """An error whose text is shown to the client as is (Delve's wording)."""


def error_text(e: BaseException) -> str:
    """An error's text as Delve shows it: an OSError (a failed read of target memory, a
    ptrace call) as Go's syscall.Errno prints it ("input/output error", not Python's
    "[Errno 5] Input/output error"); any other error as its own text."""
    if isinstance(e, OSError) and e.errno:
        text = os.strerror(e.errno)
        return text[:1].lower() + text[1:]
    return str(e)


def internal_error_text(e: BaseException) -> str:
    """The one line a client gets for a bug (an exception that is no UserError); the traceback
    goes to the log."""
    return f"Internal debugger error: {type(e).__name__}: {e}"
