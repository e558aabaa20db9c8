"""JSON-RPC 2.0 replies as bytes, the result encoded exactly as the stream protocol encodes it.

Parsing and dispatch of 2.0 bodies is jsonrpcserver's job (service/http_rpc.py); this module
only knows the envelope, the error codes, and which error kind gets which code.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from . import wire
from .rpcerror import ErrorKind

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # the debugger's own errors: the message is Delve's text

# kind -> (code, fixed message or None to use Delve's text as the message)
_CODES: dict[ErrorKind, tuple[int, str | None]] = {
    ErrorKind.METHOD: (METHOD_NOT_FOUND, "Method not found"),
    ErrorKind.PARAMS: (INVALID_PARAMS, "Invalid params"),
    ErrorKind.DEBUGGER: (SERVER_ERROR, None),
    ErrorKind.INTERNAL: (INTERNAL_ERROR, "Internal error"),
}


def error_fields(kind: ErrorKind, text: str) -> tuple[int, str, str | None]:
    """(code, message, data) for an error of this kind. Delve's text is the message of a
    debugger error, and the `data` of the others, whose message the spec fixes."""
    code, fixed = _CODES[kind]
    return (code, text, None) if fixed is None else (code, fixed, text)


def _id(req_id: Any) -> bytes:
    try:
        return orjson.dumps(req_id)
    except TypeError:  # an integer past 64 bits, which the client may send and gets back as sent
        return json.dumps(req_id, separators=(",", ":"), ensure_ascii=False).encode()


def success(req_id: Any, result: Any) -> bytes:
    return b'{"jsonrpc":"2.0","result":' + wire.encode(result) + b',"id":' + _id(req_id) + b"}"


def error(req_id: Any, code: int, message: str, data: Any = None) -> bytes:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return b'{"jsonrpc":"2.0","error":' + wire.encode(err) + b',"id":' + _id(req_id) + b"}"


def batch(replies: list[bytes]) -> bytes:
    return b"[" + b",".join(replies) + b"]"


def encode_reply(reply: dict[str, Any] | list[dict[str, Any]]) -> bytes:
    """A reply (or batch) in jsonrpcserver's serializable shape, `result` still an Out object."""
    if isinstance(reply, list):
        return batch([encode_reply(r) for r in reply])
    if "error" in reply:
        err = reply["error"]
        return error(reply.get("id"), err["code"], err["message"], err.get("data"))
    return success(reply.get("id"), reply.get("result"))
