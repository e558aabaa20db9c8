"""JSON-RPC bodies received over HTTP, dispatched into the stream protocol's method table.

A body is one of:
- JSON-RPC 2.0 (a request, a notification, or a batch): parsed, validated and dispatched by
  jsonrpcserver (~130 ms to import: this module is imported only with http.py, off the loop). `params` is the method's In
  object or a one-element array, as Delve's clients send.
- Delve's own 1.0 shape (an object without `jsonrpc`): parsed by the stream codec and
  answered byte for byte as on the stream.
Method names may omit `RPCServer.`. Results are encoded by the stream protocol's encoder.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from jsonrpcserver import JsonRpcError, Success, async_dispatch_to_serializable

from ..protocol import jsonrpc2
from ..protocol.methods import METHODS
from ..protocol.rpcerror import ErrorKind
from ..protocol.stream import Request, StreamDecoder, encode_response
from .connection import Dispatch

Method = Callable[..., Awaitable[Any]]


def canonical_method(name: str) -> str:
    """`State` -> `RPCServer.State`; unknown names are left alone (dispatch reports them)."""
    if name in METHODS:
        return name
    full = "RPCServer." + name
    return full if full in METHODS else name


def _no_setup() -> None:
    """HTTP has no reader to release: a request's task simply waits for its reply."""


# Requests in one JSON-RPC batch: each is dispatched at once, so a batch of 10,000 took 2-4 s and
# 80 MB; clients batch a handful.
MAX_BATCH = 100


class BodyError(Exception):
    """The body is the client's mistake, answered with this HTTP status and a JSON error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BodyDispatcher:
    def __init__(self, dispatch: Dispatch) -> None:
        self._dispatch = dispatch
        self._methods: dict[str, Method] | None = None

    async def handle(self, body: bytes) -> bytes | None:
        """The reply body, or None when nothing is to be answered (notifications only)."""
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None  # jsonrpcserver answers the parse error
        except RecursionError:
            raise BodyError(400, "the JSON body is nested too deeply") from None
        if isinstance(parsed, list) and len(parsed) > MAX_BATCH:
            raise BodyError(413, f"a batch of {len(parsed)} requests is over the limit of {MAX_BATCH}")
        if isinstance(parsed, dict) and "jsonrpc" not in parsed:
            return await self._delve_1_0(body)
        return await self._json_rpc_2_0(body)

    async def _delve_1_0(self, body: bytes) -> bytes:
        items = StreamDecoder().feed(body)
        req = items[0] if len(items) == 1 else None
        if not isinstance(req, Request):  # json.loads accepted it, so this is not expected
            return encode_response(b"null", None, "invalid request body")
        req.method = canonical_method(req.method)
        result, error = await self._dispatch(req, _no_setup)
        return encode_response(req.id_raw, result, error).rstrip(b"\n")

    async def _json_rpc_2_0(self, body: bytes) -> bytes | None:
        reply = await async_dispatch_to_serializable(body.decode("utf-8", "replace"), self._method_table())
        return None if reply is None else jsonrpc2.encode_reply(reply)

    def _method_table(self) -> dict[str, Method]:
        if self._methods is None:
            self._methods = _EveryName(self._call)
        return self._methods

    async def _call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # An object is the In value itself; an array is passed on as Delve's [In].
        params = [kwargs] if kwargs else list(args)
        result, error = await self._dispatch(Request(canonical_method(name), params, b"null"), _no_setup)
        if error:
            kind = getattr(error, "kind", ErrorKind.DEBUGGER)
            code, message, data = jsonrpc2.error_fields(kind, str(error))
            if data is None:
                raise JsonRpcError(code, message)
            raise JsonRpcError(code, message, data)
        return Success(result)


class _EveryName(dict[str, Method]):
    """jsonrpcserver's method table, answering every name: the debugger's dispatch decides what
    exists, so an unknown name gets Delve's own text along with -32601."""

    def __init__(self, call: Callable[[str, tuple[Any, ...], dict[str, Any]], Awaitable[Any]]) -> None:
        super().__init__()
        self._call = call

    def __missing__(self, name: str) -> Method:
        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self._call(name, args, kwargs)

        return method
