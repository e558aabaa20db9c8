"""Go encoding/json emulation: encoding details and decoding rules."""

from __future__ import annotations

import dataclasses

import pytest
from pydlv.protocol import api, methods, wire
from pydlv.protocol.wire import gofield, gostruct


@gostruct("test.Sample")
class Sample:
    Name: str = ""
    Count: int = gofield(json="count", omitempty=True, default=0)
    Tags: list[str] | None = gofield(omitempty=True, default=None)
    Raw: bytes | None = None
    M: dict[str, int] | None = None
    Big: int = gofield(go_type="uint64", default=0)
    keyword: bool = gofield(json="continue", default=False)


def test_field_order_omitempty_and_names() -> None:
    assert wire.encode(Sample()) == b'{"Name":"","Raw":null,"M":null,"Big":0,"continue":false}'
    s = Sample(Name="n", Count=3, Tags=["a"], Raw=b"\xfb\xff\x01", M={"b": 1, "a": 2, "B": 3, "\u00e9": 4, "<": 5},
               Big=2**64 - 1, keyword=True)
    # map keys sorted bytewise like Go; []byte as base64; uint64 max as a plain number
    assert wire.encode(s) == (
        b'{"Name":"n","count":3,"Tags":["a"],"Raw":"+/8B","M":{"\\u003c":5,"B":3,"a":2,"b":1,"\xc3\xa9":4},'
        b'"Big":18446744073709551615,"continue":true}')


def test_string_escapes_like_go() -> None:
    # Go 1.27 output for the same string (control chars, HTML-unsafe, line separators, raw UTF-8)
    text = "".join(chr(i) for i in range(0x20)) + "\x7f\"\\/<>&\u2028\u2029\u00e9\U0001F600"
    want = (b'"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f'
            b'\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c'
            b'\\u001d\\u001e\\u001f\x7f\\"\\\\/\\u003c\\u003e\\u0026\\u2028\\u2029\xc3\xa9\xf0\x9f\x98\x80"')
    assert wire.encode(text) == want


def test_invalid_utf8_becomes_replacement_chars_per_byte() -> None:
    # Go: "\xff\xe2\x82x\xed\xa0\x80" -> 1 + 2 + x + 3 U+FFFD (one per invalid byte)
    raw = b"\xff\xe2\x82x\xed\xa0\x80".decode("utf-8", "surrogateescape")
    assert wire.encode(raw) == '"\ufffd\ufffd\ufffdx\ufffd\ufffd\ufffd"'.encode()


def test_variable_invalid_utf8_string_gets_raw_bytes() -> None:
    v = api.Variable(name="s", kind=api.KIND_STRING, value=b"ab\xffc".decode("utf-8", "surrogateescape"))
    out = wire.encode(v)
    assert b'"value":"ab\xef\xbf\xbdc","StringValueBytes":"YWL/Yw==",' in out
    assert b'"StringValueBytes":null' in wire.encode(api.Variable(kind=api.KIND_STRING, value="\u00e9"))


def test_quirky_defaults() -> None:
    assert b'"children":[]' in wire.encode(api.Variable())
    assert b'"children":null' in wire.encode(api.Variable(children=None))  # complex parts: null
    frame = wire.encode(api.Stackframe(api.Location(pc=1, file="f.go", line=2)))
    assert frame == (b'{"pc":1,"file":"f.go","line":2,"Locals":null,"Arguments":null,'
                     b'"FrameOffset":0,"FramePointerOffset":0,"Defers":[],"Err":""}')
    assert b'"hitCount":{}' in wire.encode(api.Breakpoint())
    assert b'"variables"' not in wire.encode(api.Breakpoint())
    thread = wire.encode(api.Thread(id=1))
    assert b"function" not in thread and b"breakPoint" not in thread
    assert wire.encode(api.running_state()) == (
        b'{"Pid":0,"TargetCommandLine":"","Running":true,"Recording":false,"CoreDumping":false,'
        b'"Threads":null,"NextInProgress":false,"WatchOutOfScope":null,"exited":false,"exitStatus":0,"When":""}')


def test_embedded_structs() -> None:
    assert wire.encode(api.Event(Kind=0)) == b'{"Kind":0}'
    ev = api.Event(Kind=4, ProcessSpawnedEventDetails=api.ProcessSpawnedEventDetails(PID=7, Cmdline="x"))
    assert wire.encode(ev) == b'{"Kind":4,"PID":7,"ThreadID":0,"Cmdline":"x","WillFollow":false}'
    wp = wire.encode(methods.CreateWatchpointOut(Breakpoint=api.Breakpoint(id=3, name="w")))
    assert wp.startswith(b'{"id":3,"name":"w","addr":0,')
    got = wire.decode(methods.ListGoroutinesIn, {"groupBy": 2, "Start": 1})
    assert got.GoroutineGroupingOptions.GroupBy == 2 and got.Start == 1


def test_plain_data_and_none() -> None:
    assert wire.encode({"b": [1, None], "a": {"z": b"\x00"}}) == b'{"a":{"z":"AA=="},"b":[1,null]}'
    assert wire.encode(None) == b"null"
    assert wire.encode(methods.DetachOut()) == b"{}"


def test_decode_case_insensitive_unknown_null_and_zero() -> None:
    got = wire.decode(methods.EvalIn, {"expr": "x", "SCOPE": {"goroutineid": 5, "frame": None}, "junk": [1]})
    assert got == methods.EvalIn(Scope=api.EvalScope(GoroutineID=5), Expr="x", Cfg=None)
    cmd = wire.decode(api.DebuggerCommand, {"Name": "call", "ReturnInfoLoadConfig": {"maxStringLen": 64}})
    assert cmd.name == "call" and cmd.ReturnInfoLoadConfig == api.LoadConfig(MaxStringLen=64)
    # Go's zero value: nil map/slices even where our output default is {} / []
    assert wire.decode(methods.CreateBreakpointIn, {}).Breakpoint.hitCount is None
    assert wire.decode(methods.AmendBreakpointIn, {"Breakpoint": {"hitCount": None}}).Breakpoint.hitCount is None


def test_decode_errors() -> None:
    with pytest.raises(wire.DecodeError, match=r"^json: cannot unmarshal bool into Go struct field \.0\.Id of type int$"):
        wire.decode(methods.GetBreakpointIn, {"Id": True}, ("0",))
    with pytest.raises(wire.DecodeError, match=r"number 256 into Go struct field Root\.Type of type api\.WatchType"):
        wire.decode(methods.CreateWatchpointIn, {"Type": 256}, root="Root")
    with pytest.raises(wire.DecodeError, match=r"number 1\.5 into Go struct field \.0\.Id"):
        wire.decode(methods.GetThreadIn, {"Id": 1.5}, ("0",))
    with pytest.raises(wire.DecodeError, match=r"^json: cannot unmarshal array into Go value of type rpc2\.StateIn$"):
        wire.decode(methods.StateIn, [])


def test_every_type_is_a_dataclass_with_go_name() -> None:
    for spec in methods.METHODS.values():
        for cls in (spec.in_type, spec.out_type):
            assert dataclasses.is_dataclass(cls)
            assert cls.GO_TYPE.split(".")[0] in ("api", "rpc2")
            wire.encode(wire.zero_value(cls))  # every field has an encodable zero


def test_shared_struct_encoded_once_per_answer() -> None:
    """api.Location is `shared`: one object met many times in an answer is turned into JSON data
    once; the bytes are those of distinct equal objects, and nothing outlives the answer."""
    loc = api.Location(pc=0x401000, file="/a/<b>.go", line=7, function=api.Function(name="main.f", value=0x401000))
    shared = methods.ListGoroutinesOut(Goroutines=[
        api.Goroutine(id=i, currentLoc=loc, userCurrentLoc=loc, goStatementLoc=loc, startLoc=loc) for i in range(3)])
    distinct = methods.ListGoroutinesOut(Goroutines=[
        api.Goroutine(id=i, currentLoc=dataclasses.replace(loc), userCurrentLoc=dataclasses.replace(loc),
                      goStatementLoc=dataclasses.replace(loc), startLoc=dataclasses.replace(loc))
        for i in range(3)])
    assert wire.encode(shared) == wire.encode(distinct)
    plain = wire.to_plain(shared)
    assert plain["Goroutines"][0]["currentLoc"] is plain["Goroutines"][2]["startLoc"]
    assert not wire._SHARED  # the memo lives for one encode
    loc.line = 8  # a later answer sees the object as it is then
    assert b'"line":8' in wire.encode(shared) and b'"line":7' not in wire.encode(shared)
