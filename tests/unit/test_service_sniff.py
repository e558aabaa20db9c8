"""sniff.classify: a connection's first bytes -> HTTP, Delve's stream, or neither (issue item 3)."""

from __future__ import annotations

import pytest
from pydlv.service.sniff import MAX_TOKEN, MAX_WHITESPACE, Opening, classify


@pytest.mark.parametrize("data, kind", [
    (b"GET / HTTP/1.1\r\n", Opening.HTTP),
    (b"POST ", Opening.HTTP),
    (b"patch / HTTP/1.1", Opening.HTTP),  # lowercase: aiohttp answers it
    (b"FOO /", Opening.HTTP),  # unknown methods too
    (b"M-SEARCH * HTTP/1.1", Opening.HTTP),
    (b'{"method":"RPCServer.State"', Opening.STREAM),
    (b' \r\n\t{"method"', Opening.STREAM),  # JSON whitespace first, as Go's decoder allows
    (b"\x16\x03\x01\x02\x00\x01", Opening.OTHER),  # TLS hello
    (b"\x00", Opening.OTHER),
    (b"SSH-2.0-OpenSSH_9.2\r\n", Opening.OTHER),
    (b"[{}]", Opening.OTHER),  # a batch
    (b" GET / HTTP/1.1", Opening.OTHER),  # no request line starts with a space
    (b" ", None),
    (b"GE", None),  # a method token still coming
    (b"G" * MAX_TOKEN, None),
    (b"G" * (MAX_TOKEN + 1), Opening.OTHER),
    (b" " * (MAX_WHITESPACE + 1), Opening.OTHER),
    (b" /", Opening.OTHER),
], ids=lambda v: repr(v)[:30])
def test_classify(data: bytes, kind: Opening | None) -> None:
    assert classify(data) is kind
