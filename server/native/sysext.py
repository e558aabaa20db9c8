"""What python-ptrace lacks, in one small ctypes module.

python-ptrace (unmaintained upstream) binds the classic requests (GETREGS, CONT,
SINGLESTEP, SETOPTIONS, ...) and the register structures, which pydlv uses. It has
no PTRACE_SEIZE/PTRACE_INTERRUPT, no PTRACE_O_EXITKILL, no PTRACE_GETREGSET with
NT_X86_XSTATE, no process_vm_readv/writev and no tgkill: they live here.
"""

from __future__ import annotations

import ctypes
import itertools
import os
from array import array
from collections.abc import Sequence
from ctypes import c_int, c_long, c_size_t, c_ulong, c_void_p

from ptrace.binding.func import ptrace

_libc = ctypes.CDLL(None, use_errno=True)

PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_GETREGSET = 0x4204
PTRACE_SETREGSET = 0x4205
PTRACE_SINGLESTEP = 9
PTRACE_DETACH = 17

PTRACE_O_TRACEVFORK = 0x00000004
PTRACE_O_TRACECLONE = 0x00000008
PTRACE_O_TRACEEXEC = 0x00000010
PTRACE_O_EXITKILL = 0x00100000

PTRACE_EVENT_VFORK = 2
PTRACE_EVENT_CLONE = 3
PTRACE_EVENT_EXEC = 4
PTRACE_EVENT_EXIT = 6
PTRACE_EVENT_STOP = 128

NT_X86_XSTATE = 0x202
WALL = 0x40000000  # __WALL: wait for clone (thread) children too

SYS_TGKILL = 234  # x86_64


class _IOVec(ctypes.Structure):
    _fields_ = (("base", c_void_p), ("len", c_size_t))


_process_vm_readv = _libc.process_vm_readv
_process_vm_readv.argtypes = (c_int, ctypes.POINTER(_IOVec), c_ulong, ctypes.POINTER(_IOVec), c_ulong, c_ulong)
_process_vm_readv.restype = ctypes.c_ssize_t
# The same call for many ranges at once, its iovec arrays built as flat arrays of words
# (a ctypes Structure per range would cost more than the system call saves).
_process_vm_readv_flat = _libc["process_vm_readv"]  # indexing makes a binding of its own
_process_vm_readv_flat.argtypes = (c_int, c_void_p, c_ulong, c_void_p, c_ulong, c_ulong)
_process_vm_readv_flat.restype = ctypes.c_ssize_t
_IOV_MAX = 1024  # the kernel's UIO_MAXIOV: longer iovec arrays are refused (EINVAL)
_process_vm_writev = _libc.process_vm_writev
_process_vm_writev.argtypes = _process_vm_readv.argtypes
_process_vm_writev.restype = ctypes.c_ssize_t
_syscall = _libc.syscall
_syscall.restype = c_long


def ptrace_seize(pid: int, options: int) -> None:
    ptrace(PTRACE_SEIZE, pid, 0, options)


def ptrace_interrupt(tid: int) -> None:
    ptrace(PTRACE_INTERRUPT, tid, 0, 0)


def ptrace_singlestep(tid: int, signum: int = 0) -> None:
    ptrace(PTRACE_SINGLESTEP, tid, 0, signum)


def ptrace_detach(tid: int, signum: int = 0) -> None:
    ptrace(PTRACE_DETACH, tid, 0, signum)


# The kernel sizes the XSAVE area by the CPU's features (about 2.7 KiB with AVX-512, 11 KiB with
# AMX tiles) and PTRACE_SETREGSET refuses anything but the whole area (EFAULT). GETREGSET trims the
# iovec to the real size, so the first read with a generous buffer learns it once per process.
_XSTATE_PROBE = 1 << 16
_xstate_size = 0


def get_xstate(tid: int) -> bytes:
    """The whole XSAVE area (x87, SSE, AVX, AVX-512, AMX... state) of a stopped thread."""
    global _xstate_size
    size = _xstate_size or _XSTATE_PROBE
    buf = ctypes.create_string_buffer(size)
    iov = _IOVec(ctypes.cast(buf, c_void_p), size)
    ptrace(PTRACE_GETREGSET, tid, NT_X86_XSTATE, ctypes.addressof(iov))
    _xstate_size = iov.len
    return buf.raw[: iov.len]


def set_xstate(tid: int, data: bytes) -> None:
    """Write a whole XSAVE area back (as get_xstate returned it: the kernel wants every byte)."""
    buf = ctypes.create_string_buffer(data, len(data))
    iov = _IOVec(ctypes.cast(buf, c_void_p), len(data))
    ptrace(PTRACE_SETREGSET, tid, NT_X86_XSTATE, ctypes.addressof(iov))


def vm_read(pid: int, addr: int, size: int) -> bytes:
    """One process_vm_readv call; raises OSError(EIO/EFAULT) if not all readable."""
    buf = ctypes.create_string_buffer(size)
    local = _IOVec(ctypes.cast(buf, c_void_p), size)
    remote = _IOVec(c_void_p(addr), size)
    n = _process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    if n != size:
        err = ctypes.get_errno() if n < 0 else 5
        raise OSError(err, os.strerror(err))
    return buf.raw


def vm_read_many(pid: int, ranges: Sequence[tuple[int, int]]) -> list[bytes | None]:
    """Many (addr, size) ranges in few process_vm_readv calls (up to IOV_MAX ranges each); None
    for a range not wholly read. The kernel copies the ranges in order and stops at the first
    it cannot read, so a failure costs one more call for the ranges after it."""
    out: list[bytes | None] = [None] * len(ranges)
    i = 0
    while i < len(ranges):
        batch = ranges[i:i + _IOV_MAX]
        sizes = [size for _, size in batch]
        offs = list(itertools.accumulate(sizes, initial=0))  # where each range lands in buf
        total = offs.pop()
        buf = ctypes.create_string_buffer(total or 1)
        base = ctypes.addressof(buf)
        # The iovec arrays built by C-level iteration (Python work per range is most of the cost).
        local = array("Q", itertools.chain.from_iterable(zip(map(base.__add__, offs), sizes, strict=True)))
        remote = array("Q", itertools.chain.from_iterable(batch))
        n = _process_vm_readv_flat(pid, local.buffer_info()[0], len(batch), remote.buffer_info()[0], len(batch), 0)
        raw = buf.raw
        if n == total:
            out[i:i + len(batch)] = [raw[off:off + size] for off, size in zip(offs, sizes, strict=True)]
            i += len(batch)
            continue
        done = 0
        for off, size in zip(offs, sizes, strict=True):
            if off + size > n:
                break
            out[i + done] = raw[off:off + size]
            done += 1
        # The range at `done` failed (or was cut short): leave it None and go on after it.
        i += done + 1
    return out


def vm_write(pid: int, addr: int, data: bytes) -> None:
    buf = ctypes.create_string_buffer(data, len(data))
    local = _IOVec(ctypes.cast(buf, c_void_p), len(data))
    remote = _IOVec(c_void_p(addr), len(data))
    n = _process_vm_writev(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    if n != len(data):
        err = ctypes.get_errno() if n < 0 else 5
        raise OSError(err, os.strerror(err))


def tgkill(pid: int, tid: int, sig: int) -> None:
    """Signal one thread; legal from any thread of the tracer (halt uses it)."""
    if _syscall(SYS_TGKILL, c_int(pid), c_int(tid), c_int(sig)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
