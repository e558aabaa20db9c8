"""ptrace: launch, attach, threads, waitpid, registers, memory, breakpoints.

python-ptrace's `ptrace.ctypes_libc` finds the C library with ctypes.util.find_library, which runs
`ldconfig -p` (~4 ms at every start) to load a library this process has loaded already. Its
module is put in place here, before any module of this package imports python-ptrace, with the
same two names over the process's own symbols (as sysext.py loads them).
"""

import ctypes
import sys
import types

if "ptrace.ctypes_libc" not in sys.modules:
    _libc_module = types.ModuleType("ptrace.ctypes_libc")
    _libc_module.LIBC_FILENAME = None  # type: ignore[attr-defined]
    _libc_module.libc = ctypes.CDLL(None, use_errno=True)  # type: ignore[attr-defined]
    sys.modules["ptrace.ctypes_libc"] = _libc_module
