"""Telling an HTTP client from a Delve stream client (and from neither) by a connection's first bytes.

Delve does the same to tell DAP from JSON-RPC. A stream client's first byte is `{` (after optional
JSON whitespace); an HTTP client's first bytes are a request line, `TOKEN SP`, where TOKEN is any
RFC 9110 token (`GET`, but also `patch` or `FOO`: aiohttp answers those itself). Anything else (a
TLS hello, a port scanner's probe, garbage) is OTHER: closed by the listener without taking the
single-client slot or ending the session.
"""

from __future__ import annotations

import asyncio
import enum
import string

READ_ALL = 1 << 20  # everything buffered: nothing may be left behind in the StreamReader
# A request line's method token is at most this long here; a longer run of token bytes is not HTTP.
MAX_TOKEN = 32
MAX_WHITESPACE = 4096  # JSON whitespace before a stream's first `{`, beyond which it is not a client
_TCHAR = frozenset((string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~").encode())
_JSON_WS = b" \t\r\n"


class Opening(enum.Enum):
    HTTP = "http"
    STREAM = "stream"
    OTHER = "other"


def classify(data: bytes) -> Opening | None:
    """What the first bytes of a connection are; None while they cannot tell yet."""
    body = data.lstrip(_JSON_WS)
    if not body:
        return None if len(data) <= MAX_WHITESPACE else Opening.OTHER
    if body[0] == 0x7B:  # {
        return Opening.STREAM
    if len(body) != len(data):
        return Opening.OTHER  # no request line starts with whitespace
    for i, c in enumerate(data[: MAX_TOKEN + 1]):
        if c == 0x20:
            return Opening.HTTP if i else Opening.OTHER
        if c not in _TCHAR:
            return Opening.OTHER
    return None if len(data) <= MAX_TOKEN else Opening.OTHER


async def read_opening(reader: asyncio.StreamReader) -> tuple[bytes, Opening]:
    """The first bytes of a connection, read until they tell what it is (the caller bounds the time).

    Takes everything buffered at each read, so a caller that switches protocols right after
    (without awaiting) leaves no byte behind in the reader. A connection closed before it could
    tell is OTHER.
    """
    data = b""
    while True:
        more = await reader.read(READ_ALL)
        if not more:
            return data, Opening.OTHER
        data += more
        kind = classify(data)
        if kind is not None:
            return data, kind
