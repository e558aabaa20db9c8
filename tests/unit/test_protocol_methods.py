"""The RPCServer method table and Go jsonrpc's params rules (delve-rpc.md §1.2, §1.4, §2)."""

from __future__ import annotations

import pytest
from pydlv.protocol import api, methods, wire

M = methods.METHODS


def test_table_has_the_58_methods() -> None:
    assert len(M) == 58
    assert all(name == spec.name and name.startswith("RPCServer.") for name, spec in M.items())
    assert M["RPCServer.Command"].in_type is api.DebuggerCommand
    assert M["RPCServer.SetApiVersion"].in_type.GO_TYPE == "api.SetAPIVersionIn"
    assert M["RPCServer.ExamineMemory"].out_type.GO_TYPE == "rpc2.ExaminedMemoryOut"


def test_async_set() -> None:
    # Which methods answer while the target runs is the facade's (tests/test_server_session.py).
    assert {n.split(".")[1] for n, s in M.items() if s.is_async} == {
        "Command", "State", "Restart", "GetEvents", "StopRecording", "CancelDownloads"}


@pytest.mark.parametrize("params", [[], [None], [{}], [{}, {}], [{"NoSuchField": 1}]])
def test_params_giving_zero_in(params: list) -> None:
    assert methods.decode_params(M["RPCServer.State"], params) == methods.StateIn()


@pytest.mark.parametrize(("params", "text"), [
    (None, "jsonrpc: request body missing params"),
    ({}, "json: cannot unmarshal object into Go value of type [1]interface {}"),
    ("notalist", "json: cannot unmarshal string into Go value of type [1]interface {}"),
    (5, "json: cannot unmarshal number into Go value of type [1]interface {}"),
    ([5], "json: cannot unmarshal number into .0 of type rpc2.StateIn"),
    ([True], "json: cannot unmarshal bool into .0 of type rpc2.StateIn"),
])
def test_params_errors(params: object, text: str) -> None:
    # The text is Go's error; Delve's reply is "malformed request body: " + it.
    with pytest.raises(wire.DecodeError) as e:
        methods.decode_params(M["RPCServer.State"], params)
    assert str(e.value) == text


def test_extra_elements_ignored_and_first_decoded() -> None:
    got = methods.decode_params(M["RPCServer.Command"], [{"name": "next", "threadID": 3}, "junk"])
    assert got == api.DebuggerCommand(name="next", threadID=3)


def test_client_spellings_from_the_reference() -> None:
    # vim-go and VS Code spellings (delve-rpc.md §2.1)
    st = methods.decode_params(M["RPCServer.Stacktrace"], [{"id": 1, "depth": 5, "full": False, "cfg": None}])
    assert (st.Id, st.Depth, st.Cfg) == (1, 5, None)
    lv = methods.decode_params(M["RPCServer.ListLocalVars"], [
        {"scope": {"goroutineID": 1, "frame": 2}, "cfg": {"maxStringLen": 20, "maxArrayValues": 20,
                                                          "maxVariableRecurse": 10}}])
    assert lv.Scope == api.EvalScope(GoroutineID=1, Frame=2) and lv.Cfg.MaxStringLen == 20
    cmd = methods.decode_params(M["RPCServer.Command"], [
        {"name": "call", "goroutineID": 1, "returnInfoLoadConfig": {"followPointers": True}, "expr": "f()",
         "unsafe": False}])
    assert cmd.expr == "f()" and cmd.ReturnInfoLoadConfig == api.LoadConfig(FollowPointers=True)
    restart = methods.decode_params(M["RPCServer.Restart"], [{"NewRedirects": ["in"]}])
    assert restart.NewRedirects == ["in", "", ""]  # [3]string
