"""Looking through compiler-generated wrappers to the function a goroutine runs.

`go f(x)` compiles to a closure wrapper (Go 1.17-1.21: `pkg.caller.funcN` or
`·dwrap·`, Go 1.22+: `pkg.caller.gowrapN`) that calls f, and g.startpc is the
wrapper's entry. Delve's startLoc (Target.dwrapUnwrap) reports the first
function the wrapper CALLs that is not a private runtime function, but only for
wrappers: names containing "·dwrap·" or subprograms with DW_AT_trampoline.

There is no disassembler here: a wrapper is short straight-line code, so the
first E8 (CALL rel32) byte whose target is exactly a function entry is its call.
The bytes come from the ELF file, not from memory, so breakpoints cannot hide them.
"""

from __future__ import annotations

import re

from ..binary.gobinary import GoBinary
from .model import FunctionLike

_MAX_WRAPPER_BYTES = 4096
# go-statement wrappers are closures: main.main.func1 (<=1.21), main.main.gowrap1 (1.22+),
# possibly nested (main.f.func2.gowrap1). Only these can be trampolines a goroutine starts
# in, so other names skip the DWARF lookup (slow for the runtime's big compile unit).
_CLOSURE_NAME = re.compile(r"\.(?:func|gowrap|deferwrap)\d+(?:\.\d+)*$")


def is_private_runtime(name: str) -> bool:
    """runtime.lowercase (runtime/traceback.go's notion, used by Delve)."""
    rest = name[len("runtime."):] if name.startswith("runtime.") else ""
    return bool(rest) and not ("A" <= rest[0] <= "Z")


class WrapperResolver:
    def __init__(self, binary: GoBinary) -> None:
        self._bin = binary
        self._cache: dict[int, FunctionLike] = {}

    def unwrap(self, fn: FunctionLike) -> FunctionLike:
        cached = self._cache.get(fn.entry)
        if cached is None:
            cached = self._resolve(fn)
            self._cache[fn.entry] = cached
        return cached

    def _resolve(self, fn: FunctionLike) -> FunctionLike:
        dwrap = "·dwrap·" in fn.name
        if not dwrap and not _CLOSURE_NAME.search(fn.name):
            return fn
        callee = self._first_call(fn)
        if callee is None:
            return fn
        if dwrap or self._bin.dwarf_types.is_trampoline(fn.name):
            return callee
        return fn

    def _first_call(self, fn: FunctionLike) -> FunctionLike | None:
        code = self._bin.file_bytes(fn.entry, min(fn.end - fn.entry, _MAX_WRAPPER_BYTES))
        for i in range(len(code) - 4):
            if code[i] != 0xE8:
                continue
            target = fn.entry + i + 5 + int.from_bytes(code[i + 1:i + 5], "little", signed=True)
            callee = self._bin.function_at(target)
            if callee is not None and callee.entry == target and not is_private_runtime(callee.name):
                return callee
        return None
