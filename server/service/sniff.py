"""Telling an HTTP client from a Delve stream client by a connection's first bytes.

Delve does the same to tell DAP from JSON-RPC. A stream client's first byte is `{` (or
whitespace); an HTTP client's is the method token of its request line.
"""

from __future__ import annotations

import asyncio

HTTP_METHODS = frozenset({b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE", b"CONNECT"})
_TOKEN_MAX = max(map(len, HTTP_METHODS)) + 1
SNIFF_TIMEOUT = 10.0  # for the rest of a method token whose first letter came alone
READ_ALL = 1 << 20  # everything buffered: nothing may be left behind in the StreamReader


async def read_opening(reader: asyncio.StreamReader) -> bytes:
    """The first bytes of a connection, enough to decide (b"" when it closed at once).

    Takes everything buffered at each read, so a caller that switches protocols right
    after (without awaiting) leaves no byte behind in the reader.
    """
    data = await reader.read(READ_ALL)
    if data[:1].isalpha():
        async with asyncio.timeout(SNIFF_TIMEOUT):
            while len(data) < _TOKEN_MAX and b" " not in data:
                more = await reader.read(READ_ALL)
                if not more:
                    break
                data += more
    return data


def is_http_request(opening: bytes) -> bool:
    token, space, _ = opening[:_TOKEN_MAX].partition(b" ")
    return bool(space) and token in HTTP_METHODS
