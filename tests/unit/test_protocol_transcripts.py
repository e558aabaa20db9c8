"""Byte-for-byte agreement with recorded Delve 1.27.1 replies, and its params decoding errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydlv.protocol import api, methods, wire
from pydlv.protocol.stream import Request, StreamDecoder, encode_response

DATA = Path(__file__).resolve().parent / "data"


def transcript_lines() -> list[dict[str, Any]]:
    """Recorded Delve 1.27.1 lines (see data/README.md)."""
    with open(DATA / "delve127_transcript_lines.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def transcript_line(file_prefix: str, seq: int) -> dict[str, Any]:
    for row in transcript_lines():
        if row["file"].startswith(file_prefix) and row["seq"] == seq:
            return row
    raise KeyError((file_prefix, seq))


MALFORMED = "malformed request body: "

# Lines with one request in request_raw, one reply, to a method pydlv knows.
ROWS = [r for r in transcript_lines()
        if r["request_raw"] and r["response_raw"] and r["method"] in methods.METHODS]


def _row_id(r: dict[str, Any]) -> str:
    return f"{r['file'].split('-')[2].split('.')[0]}#{r['seq']}-{r['method'].split('.')[-1]}"


def _one_request(raw: str) -> Request:
    items = StreamDecoder().feed(raw.encode())
    assert len(items) == 1 and isinstance(items[0], Request), items
    return items[0]


def _reply_for(row: dict[str, Any]) -> bytes:
    """Decode the request as Delve would; rebuild Delve's reply from our types; encode it."""
    req = _one_request(row["request_raw"])
    spec = methods.METHODS[req.method]
    recorded = json.loads(row["response_raw"], parse_float=wire.JsonFloat)
    try:
        methods.decode_params(spec, req.params)
    except wire.DecodeError as e:
        return encode_response(req.id_raw, None, MALFORMED + str(e))
    if recorded["error"] is not None:
        return encode_response(req.id_raw, None, recorded["error"])
    out = wire.decode(spec.out_type, recorded["result"])
    return encode_response(req.id_raw, out, None)


def test_fixture_is_not_empty() -> None:
    assert len(ROWS) > 100
    assert {r["method"] for r in ROWS} >= {"RPCServer.State", "RPCServer.Command", "RPCServer.ListBreakpoints",
                                          "RPCServer.Eval", "RPCServer.Stacktrace", "RPCServer.GetVersion"}


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_reply_bytes_match_delve(row: dict[str, Any]) -> None:
    # The Out types re-encode every recorded reply to the exact bytes Delve sent: key
    # order, omitempty, null vs [] vs {}, HTML escapes, big uint64s.
    assert _reply_for(row) == row["response_raw"].encode()


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_requests_decode_like_delve(row: dict[str, Any]) -> None:
    req = _one_request(row["request_raw"])
    recorded_error = json.loads(row["response_raw"])["error"]
    try:
        methods.decode_params(methods.METHODS[req.method], req.params)
    except wire.DecodeError as e:
        assert recorded_error == MALFORMED + str(e)
    else:
        assert not (recorded_error or "").startswith(MALFORMED)


@pytest.mark.parametrize(("seq", "text"), [
    (10, "json: cannot unmarshal string into Go value of type [1]interface {}"),
    (14, "json: cannot unmarshal string into Go struct field .0.Breakpoint of type api.Breakpoint"),
    (15, "json: cannot unmarshal number into Go struct field .0.Expr of type string"),
    (17, "json: cannot unmarshal number into .0 of type rpc2.StateIn"),
])
def test_errors_transcript_decode_errors(seq: int, text: str) -> None:
    row = transcript_line("latest-go1.27-errors", seq)
    req = _one_request(row["request_raw"])
    with pytest.raises(wire.DecodeError) as e:
        methods.decode_params(methods.METHODS[req.method], req.params)
    assert str(e.value) == text
    assert encode_response(req.id_raw, None, MALFORMED + str(e.value)) == row["response_raw"].encode()


def test_unknown_method_reply() -> None:
    row = transcript_line("latest-go1.27-errors", 2)
    req = _one_request(row["request_raw"])
    assert req.method not in methods.METHODS
    assert encode_response(req.id_raw, None, f"unknown method: {req.method}") == row["response_raw"].encode()


def test_get_version_built_from_scratch() -> None:
    out = api.GetVersionOut(
        DelveVersion="Version: 1.27.1\nBuild: 3b77598674c20a03bdfa41a5d0e3f42943d532ac", APIVersion=2,
        Backend="native", TargetGoVersion="Go cmd/compile go1.27.3", MinSupportedVersionOfGo="1.25.0",
        MaxSupportedVersionOfGo="1.27.0")
    assert encode_response(b"1", out, None) == transcript_line("latest-go1.27-errors", 1)["response_raw"].encode()


def _recorded_result(prefix: str, seq: int) -> tuple[dict[str, Any], bytes]:
    row = transcript_line(prefix, seq)
    return json.loads(row["response_raw"])["result"], row["response_raw"].encode()


def test_state_with_thread_and_goroutine() -> None:
    # errors #93: stopped in main.main; currentThread, currentGoroutine, Threads all present
    result, raw = _recorded_result("latest-go1.27-errors", 93)
    state = wire.decode(methods.StateOut, result).State
    assert state is not None and state.currentThread is not None and state.currentGoroutine is not None
    assert state.Threads and state.currentThread.function is not None
    assert state.currentThread.function.name == "main.main"
    assert encode_response(b"93", methods.StateOut(State=state), None) == raw


def test_breakpoint_list() -> None:
    result, raw = _recorded_result("latest-go1.27-errors", 61)
    out = wire.decode(methods.ListBreakpointsOut, result)
    assert out.Breakpoints and all(isinstance(b, api.Breakpoint) for b in out.Breakpoints)
    assert encode_response(b"61", out, None) == raw


def test_exited_state() -> None:
    rows = [r for r in ROWS if '"exited":true' in r["response_raw"] and r["method"] == "RPCServer.Command"]
    assert rows
    reply = json.loads(rows[0]["response_raw"])
    st = reply["result"]["State"]
    built = api.exited_state(st["Pid"], st["exitStatus"])
    id_raw = str(reply["id"]).encode()
    assert encode_response(id_raw, methods.CommandOut(State=built), None) == rows[0]["response_raw"].encode()
    assert wire.encode(built) == (
        b'{"Pid":%d,"TargetCommandLine":"","Running":false,"Recording":false,"CoreDumping":false,'
        b'"Threads":null,"NextInProgress":false,"WatchOutOfScope":null,"exited":true,"exitStatus":%d,"When":""}'
        % (st["Pid"], st["exitStatus"]))


def test_protocol_transcript_replies() -> None:
    # Odd envelopes of the protocol scenario: string id, missing id, 2.0-style object params.
    for seq, id_raw in ((3, b'"abc"'), (4, b"null")):
        row = transcript_line("latest-go1.27-protocol", seq)
        req = _one_request(row["request_raw"])
        assert req.id_raw == id_raw
        pid = json.loads(row["response_raw"])["result"]["Pid"]
        assert encode_response(req.id_raw, methods.ProcessPidOut(Pid=pid), None) == row["response_raw"].encode()
    row = transcript_line("latest-go1.27-protocol", 5)
    req = _one_request(row["request_raw"])
    with pytest.raises(wire.DecodeError) as e:
        methods.decode_params(methods.METHODS[req.method], req.params)
    assert encode_response(req.id_raw, None, MALFORMED + str(e.value)) == row["response_raw"].encode()
