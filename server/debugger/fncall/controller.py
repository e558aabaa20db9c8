"""The debugger's side of `call`: the checks Delve makes before injecting (in its
order, with its words), the call plan, the one in-flight injection, and what the
continue loop asks when a thread traps.
"""

from __future__ import annotations

from ...binary.dwarf_funcs import SignatureError, SignatureReader
from ...binary.dwarf_types import DwarfTypes
from ...binary.gobinary import Function, GoBinary
from ...goruntime.model import Goroutine
from ...goruntime.rtype import RuntimeTypes
from ...native.process import TracedProcess
from . import abi
from .arguments import ArgumentError, constant_image
from .injection import CallPlan, Injection, Protocol, is_protocol_frame
from .literal_args import CallExpr, LiteralParseError, parse_call
from .values import CallValue, panic_value, result_value

MIN_STACK_FREE = 256  # asm_amd64.s: "at least 256 bytes free on the stack"
G_RUNNING = 2


class CallError(Exception):
    """A refused `call`, with the text Delve (or the Go runtime) gives."""


class CallController:
    def __init__(self, binary: GoBinary, proc: TracedProcess, types: DwarfTypes) -> None:
        self.binary = binary
        self.proc = proc
        self.signatures = SignatureReader(types)
        self.rtypes = RuntimeTypes(types, proc.read_memory, binary.symbol_address("runtime.firstmoduledata"))
        self.active: Injection | None = None
        self.finished: Injection | None = None  # the last completed call, for ReturnValues

    # ---- checks and planning ------------------------------------------------

    def protocol(self) -> tuple[Protocol, int]:
        for proto in (Protocol.V2, Protocol.V1):
            fn = self.binary.function_named(proto.value)
            if fn is not None:
                return proto, fn.entry
        raise CallError("function calls not supported by this version of Go")

    def check_goroutine(self, g: Goroutine | None) -> None:
        if g is None or not g.thread_id or g.status != G_RUNNING:
            raise CallError("selected goroutine not running")
        if self.active is not None:
            raise CallError("cannot call function while another function call is already in progress")

    def prepare(self, expr: str, g: Goroutine, current_function: str) -> Injection:
        """Everything up to (not including) touching the target: parse, resolve, lay out."""
        proto, entry_pc = self.protocol()
        try:
            call = parse_call(expr)
        except LiteralParseError as e:
            raise CallError(str(e)) from None
        fn = self._resolve(call, current_function)
        if fn.optimized and proto is Protocol.V2:
            raise CallError(f"can not call optimized function {fn.name} when regabi is in use")
        try:
            sig = self.signatures.signature(fn.name)
        except SignatureError as e:
            raise CallError(str(e)) from None
        params = sig.args
        if len(call.args) < len(params):
            raise CallError("not enough arguments")
        if len(call.args) > len(params):
            raise CallError("too many arguments")
        try:
            images = [constant_image(lit, p.shape) for lit, p in zip(call.args, params, strict=True)]
        except ArgumentError as e:
            raise CallError(str(e)) from None
        shapes = [p.shape for p in params]
        results = [p.shape for p in sig.results]
        layout = abi.layout_regabi(shapes, results) if proto is Protocol.V2 else abi.layout_abi0(shapes, results)
        regs = self.proc.regs(g.thread_id)
        if g.stack_lo and regs.rsp - g.stack_lo < MIN_STACK_FREE:
            raise CallError("not enough stack space")
        plan = CallPlan(fn.name, fn.entry, sig, layout, images)
        return Injection(self.proc, g.thread_id, g.id, plan, proto, entry_pc)

    def _resolve(self, call: CallExpr, current_function: str) -> Function:
        name = call.function
        candidates = [name]
        if "." not in name:
            pkg = _package_of(current_function)
            candidates += [f"{pkg}.{name}"] if pkg else []
            candidates.append(f"main.{name}")
        for cand in candidates:
            fn = self.binary.function_named(cand)
            if fn is not None:
                return fn
        raise CallError(f"could not find symbol value for {name}")

    # ---- running ------------------------------------------------------------

    def begin(self, inj: Injection) -> None:
        self.finished = None
        inj.start()
        self.active = inj

    def is_protocol_trap(self, tid: int) -> bool:
        if self.active is None:
            return False
        pc = self.proc.regs(tid).rip
        fn = self.binary.function_at(pc - 1)
        return fn is not None and is_protocol_frame(fn.name)

    def on_trap(self, tid: int) -> Injection | None:
        """Advance the in-flight injection; the injection once it is over."""
        inj = self.active
        assert inj is not None
        if not inj.on_trap(tid):
            return None
        self.active = None
        self.finished = inj
        return inj

    def forget_result(self) -> None:
        self.finished = None

    def return_values(self, max_string_len: int = 64) -> list[CallValue]:
        inj = self.finished
        if inj is None:
            return []
        read = self.proc.read_memory
        out = inj.outcome
        if out.panic is not None:
            type_word, data_word = out.panic
            try:
                rt = self.rtypes.describe(type_word) if type_word else None
            except (OSError, LookupError):
                rt = None
            return [panic_value(type_word, data_word, rt, read, max_string_len)]
        return [result_value(r, read, max_string_len) for r in out.results]


def _package_of(function: str) -> str:
    slash = function.rfind("/")
    dot = function.find(".", slash + 1)
    return function[:dot] if dot > 0 else ""
