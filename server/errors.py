"""The one base class of errors a user should see.

Every layer raises its own subclass (BinaryError, LocationError, EvalError, ...) with Delve's
wording; the RPC edge maps `UserError` to a JSON-RPC error once, with `str(e)` as the text.
Any other exception is a bug: logged with its traceback, answered with one line. This module
is a leaf so that every layer can import it.
"""

from __future__ import annotations


class UserError(Exception):
    """An error whose text is shown to the client as is (Delve's wording)."""
