"""Which return address a queued `call` waits for (server/debugger/fncall/deferred.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from pydlv.debugger.fncall.deferred import DeferError, check_deferrable, is_user_code, user_return
from pydlv.goruntime.model import G_DEAD, G_IDLE, G_RUNNABLE, G_WAITING, Frame, Location


@dataclass
class Fn:
    name: str
    entry: int = 0
    end: int = 0
    optimized: bool = False


def frame(name: str, pc: int) -> Frame:
    return Frame(pc, 0, 0, 0, Fn(name), Location(pc))


def test_user_code() -> None:
    assert is_user_code("main.worker") and is_user_code("time.Sleep") and is_user_code("fmt.Println")
    for name in ("runtime.gopark", "runtime.GC", "internal/poll.(*FD).Read", "sync.runtime_SemacquireMutex"):
        assert not is_user_code(name), name


def test_first_return_into_user_code_skips_the_top_frame() -> None:
    frames = [frame("main.worker", 1), frame("runtime.chanrecv", 2), frame("runtime.chanrecv1", 3),
              frame("main.worker", 4), frame("runtime.goexit", 5)]
    ret = user_return(frames)
    assert ret is not None and ret.pc == 4
    assert user_return([frame("runtime.gopark", 1), frame("runtime.bgsweep", 2)]) is None


def test_deferrable_states() -> None:
    check_deferrable(5, G_WAITING, False)
    check_deferrable(5, G_RUNNABLE, False)
    with pytest.raises(DeferError, match="has exited"):
        check_deferrable(5, G_DEAD, False)
    with pytest.raises(DeferError, match="system goroutine"):
        check_deferrable(5, G_WAITING, True)
    with pytest.raises(DeferError, match="selected goroutine not running"):
        check_deferrable(5, G_IDLE, False)
