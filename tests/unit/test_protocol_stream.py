"""The net/rpc JSON-RPC 1.0 stream codec: splitting, envelopes, ids, framing errors, replies."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydlv.protocol import methods
from pydlv.protocol.stream import FramingError, Request, StreamDecoder, encode_response

DATA = Path(__file__).resolve().parent / "data"


def _lines() -> list[dict[str, Any]]:
    """Recorded Delve 1.27.1 lines (see data/README.md)."""
    with open(DATA / "delve127_transcript_lines.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def transcript_line(file_prefix: str, seq: int) -> dict[str, Any]:
    for row in _lines():
        if row["file"].startswith(file_prefix) and row["seq"] == seq:
            return row
    raise KeyError((file_prefix, seq))


def _protocol_raw(seq: int) -> bytes:
    return transcript_line("latest-go1.27-protocol", seq)["request_raw"].encode()


def _feed_all(chunks: list[bytes]) -> list[Request | FramingError]:
    dec = StreamDecoder()
    out: list[Request | FramingError] = []
    for c in chunks:
        out += dec.feed(c)
    return out


def test_two_requests_in_one_write() -> None:
    got = _feed_all([_protocol_raw(1)])
    assert [(r.method, r.id_raw) for r in got] == [("RPCServer.GetVersion", b"1"), ("RPCServer.IsMulticlient", b"2")]
    assert got[0].params == [{}]


def test_request_split_across_writes() -> None:
    assert _feed_all([_protocol_raw(6)]) == []
    got = _feed_all([_protocol_raw(6), _protocol_raw(7)])
    assert got == [Request("RPCServer.ProcessPid", [{}], b"8")]


STREAM = b"".join([
    _protocol_raw(1), _protocol_raw(3), b" \n\t", _protocol_raw(4), _protocol_raw(5),
    b'{"method":"RPCServer.State","params":[{"NonBlocking":true}],"id":1.5}',
    b'{"METHOD":"RPCServer.State","Params":[],"ID":{"a" : [1, "<x y>"]},"jsonrpc":"2.0"}',
    b'{"method":"RPCServer.Eval","params":[{"Expr":"s[\\"}{\\"]"}],"id":"\\u00e9<&"}',
    b'{"method":"RPCServer.State","params":null,"id":-0}\n',
    b'{"method":null,"params":[{"Expr":"\xc3\xa9\xff"}],"id":1E400}',
])
WANT = [
    ("RPCServer.GetVersion", [{}], b"1"),
    ("RPCServer.IsMulticlient", [{}], b"2"),
    ("RPCServer.ProcessPid", [{}], b'"abc"'),
    ("RPCServer.ProcessPid", [{}], b"null"),
    ("RPCServer.ProcessPid", {}, b"7"),
    ("RPCServer.State", [{"NonBlocking": True}], b"1.5"),
    ("RPCServer.State", [], b'{"a":[1,"\\u003cx y\\u003e"]}'),  # compacted, HTML-escaped (Go probe)
    ("RPCServer.Eval", [{"Expr": 's["}{"]'}], b'"\\u00e9\\u003c\\u0026"'),  # escapes kept verbatim
    ("RPCServer.State", None, b"-0"),
    ("", [{"Expr": "\u00e9\udcff"}], b"1E400"),
]


def _triples(items: list[Request | FramingError]) -> list[tuple]:
    assert all(isinstance(i, Request) for i in items), items
    return [(r.method, r.params, r.id_raw) for r in items]  # type: ignore[union-attr]


def test_odd_envelopes_in_one_chunk() -> None:
    assert _triples(_feed_all([STREAM])) == WANT


def test_byte_by_byte() -> None:
    assert _triples(_feed_all([STREAM[i:i + 1] for i in range(len(STREAM))])) == WANT


@pytest.mark.parametrize("size", [2, 3, 5, 7, 64])
def test_any_chunking(size: int) -> None:
    assert _triples(_feed_all([STREAM[i:i + size] for i in range(0, len(STREAM), size)])) == WANT


@pytest.mark.parametrize("bad", [
    b'{"method": nope}\n',  # protocol transcript #8: connection closed, no reply
    b'[{"method":"RPCServer.State","params":[],"id":1}]',  # batch
    b"5 ",
    b'"RPCServer.State"',
    b'{"method":5,"params":[],"id":1}',  # Go: cannot unmarshal number into serverRequest.method
    b'{"method":"x","params":[}',
    b'{"method":"x","id":NaN}',
    b'{"method":"x"]',
])
def test_framing_errors_close_after_earlier_requests(bad: bytes) -> None:
    good = b'{"method":"RPCServer.State","params":[],"id":9}'
    got = _feed_all([good + bad])
    assert isinstance(got[0], Request) and got[0].id_raw == b"9"
    assert len(got) == 2 and isinstance(got[1], FramingError)
    dec = StreamDecoder()
    got = dec.feed(bad + good)
    assert len(got) == 1 and isinstance(got[0], FramingError)
    assert dec.feed(good) == []  # the connection is done


def test_large_value_in_small_chunks_is_linear() -> None:
    # 400 KB of params fed 16 bytes at a time: a rescanning splitter would take minutes.
    big = b'{"method":"RPCServer.Set","params":[{"Symbol":"s","Value":"' + b"x\\\"" * 200_000 + b'"}],"id":3}'
    t = time.perf_counter()
    got = _feed_all([big[i:i + 16] for i in range(0, len(big), 16)])
    assert time.perf_counter() - t < 10
    assert len(got) == 1 and got[0].params[0]["Value"] == 'x"' * 200_000  # type: ignore[union-attr]


def test_encode_response_shapes() -> None:
    assert encode_response(b"7", methods.StateOut(), None) == b'{"id":7,"result":{"State":null},"error":null}\n'
    assert encode_response(b'"abc"', methods.DetachOut(), None) == b'{"id":"abc","result":{},"error":null}\n'
    assert encode_response(b"null", None, "no breakpoint with id 999") == (
        b'{"id":null,"result":null,"error":"no breakpoint with id 999"}\n')
    assert encode_response(b"1", None, "cannot use &total as argument") == (
        b'{"id":1,"result":null,"error":"cannot use \\u0026total as argument"}\n')
    assert encode_response(b"1", {"Pid": 5}, "") == b'{"id":1,"result":{"Pid":5},"error":null}\n'


@pytest.mark.parametrize("depth", [900, 5000, 100_000])
def test_deep_nesting_closes_without_a_traceback(depth: int) -> None:
    """Go refuses nesting past 10000 ("exceeded max depth"); Python's parser stops near 1000:
    either way a FramingError (the connection is closed), never a RecursionError."""
    body = b'{"method":"RPCServer.State","params":[' + b"[" * depth + b"]" * depth + b'],"id":1}'
    items = StreamDecoder().feed(body)
    assert len(items) == 1
    if depth > 10000 or isinstance(items[0], FramingError):
        assert isinstance(items[0], FramingError) and "max depth" in items[0].message
    else:
        assert isinstance(items[0], Request)
    assert StreamDecoder().feed(body[:len(body) // 2]) in ([], [FramingError("exceeded max depth")])
