"""A thread's complete register state (general, flags, fs_base, XSAVE area) as one value:
saved before an injection and put back bit for bit after it, plus XMM access for
float arguments and results.

XMM registers live in the legacy FXSAVE region of the XSAVE area (Intel SDM vol. 1,
13.4.1): XMMi at byte 160 + 16*i. XSTATE_BV (byte 512) says which components hold
real values; a component whose bit is clear is in its init state (all zero) and the
kernel ignores what we wrote there, so writing an XMM sets the SSE bit.
"""

from __future__ import annotations

from ...records import record
from ..inferior import Inferior, user_regs_struct

_XMM_BASE = 160
_XSTATE_BV = 512
_SSE_BIT = 1 << 1


def copy_regs(regs: user_regs_struct) -> user_regs_struct:
    return user_regs_struct.from_buffer_copy(regs)


@record
class RegisterSnapshot:
    gp: user_regs_struct
    xstate: bytes

    @classmethod
    def take(cls, proc: Inferior, tid: int) -> RegisterSnapshot:
        return cls(copy_regs(proc.regs(tid)), proc.xstate(tid))

    def xmm(self, i: int) -> bytes:
        return self.xstate[_XMM_BASE + 16 * i:_XMM_BASE + 16 * (i + 1)]

    def same_as(self, other: RegisterSnapshot) -> bool:
        return bytes(self.gp) == bytes(other.gp) and self.xstate == other.xstate


def write_xmm_low(xstate: bytes, values: dict[int, bytes]) -> bytes:
    """A copy of an XSAVE area with the low bytes of some XMM registers replaced
    (the rest of each register is zeroed, as Go's ABI leaves it undefined)."""
    buf = bytearray(xstate)
    for i, low in values.items():
        start = _XMM_BASE + 16 * i
        buf[start:start + 16] = low.ljust(16, b"\0")
    if values and len(buf) >= _XSTATE_BV + 8:
        bv = int.from_bytes(buf[_XSTATE_BV:_XSTATE_BV + 8], "little") | _SSE_BIT
        buf[_XSTATE_BV:_XSTATE_BV + 8] = bv.to_bytes(8, "little")
    return bytes(buf)


def read_xmm_low(xstate: bytes, count: int) -> dict[int, bytes]:
    return {i: xstate[_XMM_BASE + 16 * i:_XMM_BASE + 16 * i + 8] for i in range(count)}
