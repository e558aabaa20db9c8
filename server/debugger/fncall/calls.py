"""The evaluator's call hook: turns each function call the evaluator meets into injections.

For one CallExpr, in Delve's order when the target has a debug pinner
(evalop compileFunctionCallWithPinning): evaluate the function expression, then every
argument left to right (nested calls run to completion here, each its own injection;
a non-empty string literal is materialised in the target by an injected
`runtime.mallocgc(len, nil, false)`, as Delve's compileAllocLiteralString), check the
argument count, copy each argument into the formal parameter with the evaluator's own
assignment (Delve's funcCallCopyOneArg -> setValue: same conversions, same errors) after
the escape check, then inject the call itself. Results come back as values of the one
value model (goroutine/values.py), loaded at once with ReturnInfoLoadConfig because the
frame they were read from is gone after the call.

Beyond Delve: a variadic function gets its extra arguments packed into a slice whose
backing array is allocated in the target (`runtime.mallocgc(n*size, elemtype, true)`), and
arguments for interface parameters are boxed there (boxing.py), so `fmt.Sprintf("%d", 2)`
works. A variadic function is recognised by its last parameter being a slice (Go's DWARF
does not mark variadic functions), so `f(1, 2)` for `f(xs []int)` is accepted too.

Pinning (targets with runtime.debugPinnerV1, Go >= 1.22 when the linker kept it): everything
the debugger alone references while more injections follow (allocations, the pointers in
an inner call's results) is pinned with runtime.(*Pinner).Pin on a pinner made by
debugPinnerV1 before the first such object exists; one Unpin at the end. Delve pins an inner
call's results while that call is still stopped at its "returned" trap; here they are pinned
by the next injection, after the inner call has unwound: a GC that completes inside that
short window could still free them. Without the symbol nothing is pinned (as in Delve).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from ...binary.dwarf_expr import pretty
from ...binary.dwarf_funcs import FuncSignature, Param, ShapeKind, SignatureError, TypeShape, scalar
from ...binary.gobinary import Function
from ...binary.gotypes import GoType, Kind
from ...goruntime.values import (
    F_CONSTANT,
    F_CPU_REGISTER,
    F_FAKE_ADDRESS,
    F_RETURN,
    F_SAVED,
    FAKE_ADDRESS_BASE,
    FAKE_ADDRESS_UNRESOLV,
    LoadCfg,
    Value,
    pointer_to,
)
from ...records import record
from ..eval import nodes as n
from ..eval import parse_expr
from ..eval.constants import Constant, ConstKind
from ..eval.evaluator import EvalError, Evaluator, NilValue, Operand
from ..eval.printer import expr_string
from ..eval.tokens import Tok
from . import abi
from .boxing import Boxer, BoxError
from .injection import CallOutcome, CallPlan, Protocol, RawResult
from .session import SessionCancelled

Inject = Callable[[CallPlan], CallOutcome]
_ADDR_ONLY = LoadCfg(False, -1, 64, 0, 0)
_CONST_TYPES: dict[ConstKind, tuple[Kind, Callable[[Constant], object]]] = {
    ConstKind.INT: (Kind.Int, lambda c: int(c.number)),
    ConstKind.FLOAT: (Kind.Float64, lambda c: float(c.number)),
    ConstKind.BOOL: (Kind.Bool, lambda c: bool(c.value)),
    ConstKind.STRING: (Kind.String, lambda c: str(c.value)),
}
_DEFAULT_TYPES = {ConstKind.INT: "int", ConstKind.FLOAT: "float64", ConstKind.BOOL: "bool", ConstKind.STRING: "string"}
MALLOCGC = "runtime.mallocgc"
# runtime.mallocgc(size uintptr, typ *_type, needzero bool) unsafe.Pointer. Optimized, so its
# DWARF is not trusted under regabi (Delve patches its DIE for the same reason).
_MALLOCGC_SIG = FuncSignature(MALLOCGC, [
    Param("size", scalar("uintptr", ShapeKind.INT, 8, 12), False),
    Param("typ", scalar("*runtime._type", ShapeKind.INT, 8, 22), False),
    Param("needzero", scalar("bool", ShapeKind.INT, 1, 1), False),
    Param("~r0", scalar("unsafe.Pointer", ShapeKind.INT, 8, 26), True),
])
# The debug pinner (runtime/pinner.go); hand-written signatures for the same reason.
PINNER_NEW, PIN, UNPIN = "runtime.debugPinnerV1", "runtime.(*Pinner).Pin", "runtime.(*Pinner).Unpin"
_PTR = scalar("unsafe.Pointer", ShapeKind.INT, 8, 26)
_EFACE = TypeShape("interface {}", ShapeKind.STRUCT, 16, 8, Kind.Interface,
                   (("_type", 0, _PTR), ("data", 8, _PTR)))
_PINNER_NEW_SIG = FuncSignature(PINNER_NEW, [Param("~r0", _PTR, True)])
_PIN_SIG = FuncSignature(PIN, [Param("p", _PTR, False), Param("pointer", _EFACE, False)])
_UNPIN_SIG = FuncSignature(UNPIN, [Param("p", _PTR, False)])
_NO_POINTERS = (Kind.Bool, Kind.Int, Kind.Uint, Kind.Float32, Kind.Float64, Kind.Complex64, Kind.Complex128)


class CallFailed(Exception):
    """A refusal or a Delve check failing inside the evaluation; str() is the message.
    `resumed`: Delve finds this only after it has injected the call and resumed the target
    (copying arguments, the runtime's refusals), so its stop reason is gone afterwards."""

    def __init__(self, message: str, resumed: bool = False) -> None:
        super().__init__(message)
        self.resumed = resumed


class CallPanicked(Exception):  # noqa: N818 - not an error: the panic value is the call's result
    """The called function panicked: the whole expression's result is `~panic`."""

    def __init__(self, value: Value) -> None:
        super().__init__("panic calling a function")
        self.value = value


class BufferMemory:
    """Bytes held by the debugger served at an address (arguments being built, results read
    from a frame that no longer exists); other addresses go to the target."""

    def __init__(self, inner, base: int, data: bytes) -> None:  # noqa: ANN001 - values.Memory
        self.inner = inner
        self.base = base
        self.data = bytearray(data)

    def _inside(self, addr: int, size: int) -> bool:
        return self.base <= addr and addr + size <= self.base + len(self.data)

    def read(self, addr: int, size: int) -> bytes:
        if self._inside(addr, size):
            return bytes(self.data[addr - self.base:addr - self.base + size])
        return self.inner.read(addr, size)

    def write(self, addr: int, data: bytes) -> None:
        if self._inside(addr, len(data)):
            self.data[addr - self.base:addr - self.base + len(data)] = data
        else:
            self.inner.write(addr, data)


@record
class _Target:
    fn: Function
    receiver: Value | None = None
    closure: int = 0


class CallPlanner:
    """Worker-thread side of one `call`: the hook the Evaluator calls for each CallExpr."""

    def __init__(self, controller, protocol: Protocol, stack: tuple[int, int], check_escape: bool,  # noqa: ANN001
                 ret_cfg: LoadCfg) -> None:
        self.controller = controller  # CallController: binary, signatures
        self.protocol = protocol
        self.stack = stack
        self.check_escape = check_escape
        self.ret_cfg = ret_cfg
        self.inject: Inject | None = None
        self._root: n.Expr | None = None
        self._boxer: Boxer | None = None
        self._pinning: bool | None = None  # the target has the debug pinner (decided once)
        self.pinner = 0  # the *runtime.Pinner in the target, once made

    def evaluate(self, ev: Evaluator, expr: str, inject: Inject) -> list[Value]:
        """The whole `call` expression -> ReturnValues (Delve's finishEvalExpressionWithCalls)."""
        self.inject = inject
        try:
            values = self._evaluate(ev, expr)
            if self.pinner:
                # The final Unpin is one more injection: Delve saves (flag 512) the values
                # then on its stack that live in the target's memory.
                for v in values:
                    if not v.flags & (F_FAKE_ADDRESS | F_CPU_REGISTER | F_SAVED) and v.addr and v.type is not None \
                            and not v.unreadable:
                        v.flags |= F_SAVED
            return values
        except SessionCancelled:
            self.pinner = 0  # the target is gone: nothing to unpin
            raise
        finally:
            self._unpin()

    def _evaluate(self, ev: Evaluator, expr: str) -> list[Value]:
        self._root = n.unparen(parse_expr(expr))
        self._boxer = Boxer(self.controller.binary, ev.types, ev.loader.mem, self.alloc)
        ev.materialize_string = lambda text: self._string_in_target(text, ev)
        ev.materialize_pointer = lambda v: self.object_in_target(v, ev)
        ev.compile_check(self._root)  # Delve's compiler errors come before anything runs
        try:
            r = ev.eval(self._root)
        except CallPanicked as p:
            return [p.value]
        if isinstance(r, Constant) and r.kind in _CONST_TYPES:
            # Delve's newConstant (`call len(greet("ab"))`): a value without a type, flagged
            # constant, of the constant's default kind.
            kind, conv = _CONST_TYPES[r.kind]
            v = conv(r)
            length = len(v.encode("utf-8", "surrogateescape")) if isinstance(v, str) else 0
            return [Value("", 0, None, kind, ev.loader.mem, flags=F_CONSTANT, value=v, len=length, loaded=True)]
        if not isinstance(r, Value):
            raise CallFailed(f"{expr} is not a value in the target")
        if r.addr == 0 and r.type is None and r.kind == Kind.Invalid:
            return [ev.loader.load(v, self.ret_cfg) for v in r.children]  # several results (or none)
        return [ev.loader.load(r, self.ret_cfg)]

    # ---- the hook ---------------------------------------------------------------

    def hook(self, node: n.CallExpr, ev: Evaluator) -> Operand:
        inner = node is not self._root
        if inner:
            self._ensure_pinner()  # before the inner call's results exist
        target = self._target(node.fun, ev)
        try:
            sig = self.controller.signatures.signature(target.fn.name)
        except SignatureError as e:
            raise CallFailed(str(e)) from None
        if target.fn.optimized and self.protocol is Protocol.V2:
            raise CallFailed(f"can not call optimized function {target.fn.name} when regabi is in use")
        actual: list[tuple[Operand, n.Expr | None]] = []
        if target.receiver is not None:
            actual.append((target.receiver, None))
        for a in node.args:
            try:
                actual.append((ev.eval(a), a))
            except EvalError as e:
                if self._pinner_available():
                    raise
                # without a debug pinner Delve evaluates arguments after injecting the call
                raise CallFailed(str(e), resumed=True) from None
        formal = sig.args
        if self._variadic(node, actual, formal, ev):
            k = len(formal) - 1
            packed = self._pack(actual[k:], formal[k], target.fn, ev)
            actual = [*actual[:k], (packed, None)]
        if len(actual) > len(formal):
            raise CallFailed("too many arguments")
        if len(actual) < len(formal):
            raise CallFailed("not enough arguments")
        images = []
        for i, ((v, arg), p) in enumerate(zip(actual, formal, strict=True)):
            text = expr_string(arg) if arg is not None else _name_of(v)
            if arg is not None:
                v = self._materialize(arg, v, p, ev)
            v = self.object_in_target(v, ev)
            try:
                images.append(self._copy_arg(v, text, p, target.fn, ev))
            except (CallFailed, EvalError) as e:
                # Delve copies the arguments once the runtime is ready for them
                receiver = i == 0 and target.receiver is not None
                raise CallFailed(f"could not set call receiver: {e}" if receiver else str(e), resumed=True) from None
        outcome = self._run(target.fn, sig, images, target.closure)
        result = self._results(outcome, sig, ev)
        if inner and self.pinner and isinstance(result, Value):
            for v in result.children if result.addr == 0 and result.type is None else [result]:
                for addr, _ in self._pointers(v, v.name, ev):
                    if addr and not self.stack[0] <= addr < self.stack[1]:
                        self._pin(addr)
        return result

    # ---- the function ------------------------------------------------------------

    def _target(self, fun: n.Expr, ev: Evaluator) -> _Target:
        name = expr_string(n.unparen(fun))
        fn = self._function_named(name, ev.scope.package)
        if fn is not None:
            return _Target(fn)
        if isinstance(fun, n.SelectorExpr):
            try:
                x = ev.eval(fun.x)
            except EvalError:
                x = None
            if isinstance(x, Value):
                t = self._method(x, fun.sel.name, name, ev)
                if t is not None:
                    return t
        fv = ev.eval(fun)  # a func-typed variable (closure), or Delve's lookup error
        if not isinstance(fv, Value) or fv.kind != Kind.Func:
            raise CallFailed(f'expression "{name}" is not a function')
        if fv.unreadable:  # Delve's funcCallEvalFuncExpr: e.g. "function main.f is inlined"
            raise CallFailed(fv.unreadable)
        mem = fv.mem
        funcval = int.from_bytes(mem.read(fv.addr, 8), "little") if fv.addr else 0
        if funcval == 0:
            raise CallFailed("nil pointer dereference")
        entry = int.from_bytes(ev.loader.mem.read(funcval, 8), "little")
        fn = self.controller.binary.function_at(entry)
        if fn is None:
            raise CallFailed(f'could not find DIE for function "{name}"')
        # RDX holds the closure context (the funcval) whatever the function is.
        return _Target(fn, None, funcval)

    def _function_named(self, name: str, package: str) -> Function | None:
        binary = self.controller.binary
        for cand in (name, f"{package}.{name}" if package else "", f"main.{name}"):
            if cand and "." in cand:
                fn = binary.function_named(cand)
                if fn is not None:
                    return fn
        return None

    def _method(self, x: Value, method: str, text: str, ev: Evaluator) -> _Target | None:
        v = x
        if v.kind == Kind.Interface:
            ev.loader.load(v, _ADDR_ONLY)
            if not v.children or v.children[0].addr == 0:
                return None
            v = v.children[0]  # the dynamic value: the method set is its type's
        binary = self.controller.binary
        is_ptr = v.kind == Kind.Pointer
        rt = v.real_type
        tname = (rt.target.name if is_ptr and rt is not None and rt.target is not None else v.type_name)
        pkg, _, base = tname.rpartition(".")
        prefix = f"{pkg}." if pkg else ""
        value_m = binary.function_named(f"{prefix}{base}.{method}")
        ptr_m = binary.function_named(f"{prefix}(*{base}).{method}")
        if value_m is not None:
            recv = ev.loader.deref(v) if is_ptr else v
        elif ptr_m is not None:
            if is_ptr:
                recv = v
            elif v.addr and v.type is not None:
                v.only_addr = True
                recv = Value("", 0, pointer_to(v.type), Kind.Pointer, v.mem, children=[v], loaded=True)
            else:
                return None
            value_m = ptr_m
        else:
            return None
        recv.name = text  # Delve names the receiver after the function expression
        return _Target(value_m, recv)

    # ---- arguments ------------------------------------------------------------------

    def _materialize(self, arg: n.Expr, v: Operand, p: Param, ev: Evaluator, elem_kind: int = 0) -> Operand:
        """A string literal argument for a string parameter (or variadic element: elem_kind)
        gets its bytes into the target (Delve's maybeMaterialize; its alloc is skipped when
        the conversion would fail)."""
        lit = n.unparen(arg)
        if not (isinstance(lit, n.BasicLit) and lit.kind is Tok.STRING and isinstance(v, Constant)
                and v.kind is ConstKind.STRING and v.value and (elem_kind or p.shape.go_kind) == Kind.String):
            return v
        return self._string_in_target(str(v.value), ev)

    def object_in_target(self, v: Operand, ev: Evaluator) -> Operand:
        """A pointer into the debugger's own memory (`&T{...}`, a literal's method receiver) made
        to point at a copy in the target (a typed mallocgc): the callee must not get an address
        the process does not have. Delve materializes only `&T{...}` arguments, and a pointer
        receiver of a literal reaches the callee as the fake address (it faults)."""
        if not isinstance(v, Value) or v.kind != Kind.Pointer or not v.children:
            return v
        obj = v.children[0]
        if obj.addr < FAKE_ADDRESS_UNRESOLV or obj.type is None:
            return v
        assert self._boxer is not None
        try:
            typ = self._boxer.rtype(obj.type)
        except BoxError as e:
            raise CallFailed(str(e)) from None
        size = obj.type.resolved().size
        addr = self.alloc(max(size, 1), typ)
        if size:
            ev.loader.mem.write(addr, obj.mem.read(obj.addr, size))
        child = ev.loader.new("", addr, obj.type, ev.loader.mem)
        child.only_addr = True
        assert v.type is not None
        return Value(v.name, 0, v.type, Kind.Pointer, ev.loader.mem, children=[child], loaded=True)

    def _string_in_target(self, text: str, ev: Evaluator) -> Value:
        data = text.encode("utf-8", "surrogateescape")
        ptr = self.alloc(len(data))
        ev.loader.mem.write(ptr, data)
        st = ev.types.by_name("string")
        return Value("", 0, st, Kind.String, ev.loader.mem, value=text, len=len(data), base=ptr, loaded=True)

    def alloc(self, size: int, typ: int = 0) -> int:
        """An injected runtime.mallocgc(size, typ, typ != 0): a typed (zeroed, scanned) object
        or raw bytes; pinned when the target has a pinner, since only the debugger holds it."""
        fn = self.controller.binary.function_named(MALLOCGC)
        if fn is None:
            raise CallFailed(f"function {MALLOCGC} not found")
        self._ensure_pinner()
        images = [size.to_bytes(8, "little"), typ.to_bytes(8, "little"), b"\x01" if typ else b"\x00"]
        out = self._run(fn, _MALLOCGC_SIG, images, 0)
        if out.panic is not None or not out.results:
            raise CallFailed("internal error, could not interpret return value of mallocgc call")
        addr = int.from_bytes(out.results[0].image[:8], "little")
        self._pin(addr)
        return addr

    # ---- pinning ----------------------------------------------------------------------

    def _pinner_available(self) -> bool:
        if self._pinning is None:
            binary = self.controller.binary
            # debugPinnerV1 keeps Pin and Unpin alive in the linker; checked anyway.
            self._pinning = all(binary.function_named(f) is not None for f in (PINNER_NEW, PIN, UNPIN))
        return self._pinning

    def _ensure_pinner(self) -> None:
        if self._pinner_available() and not self.pinner:
            out = self._run(self._runtime_fn(PINNER_NEW), _PINNER_NEW_SIG, [], 0)
            if out.panic is not None or not out.results:
                raise CallFailed(f"internal error, could not interpret return value of {PINNER_NEW} call")
            self.pinner = int.from_bytes(out.results[0].image[:8], "little")

    def _pin(self, addr: int) -> None:
        if not self.pinner or not addr:
            return
        # Pin takes `any`: an unsafe.Pointer boxed, as Delve's PushPinAddress does.
        assert self._boxer is not None
        t = self._boxer.types.by_name("unsafe.Pointer")
        if t is None:
            raise CallFailed("can not pin address: no runtime type for unsafe.Pointer")
        eface = self._boxer.rtype(t).to_bytes(8, "little") + addr.to_bytes(8, "little")
        out = self._run(self._runtime_fn(PIN), _PIN_SIG, [self.pinner.to_bytes(8, "little"), eface], 0)
        if out.panic is not None:
            raise CallFailed(f"could not pin {addr:#x}")

    def _unpin(self) -> None:
        pinner, self.pinner = self.pinner, 0
        if not pinner:
            return
        # The expression's own outcome matters more: a pinner left pinned only leaks.
        with contextlib.suppress(CallFailed):
            self._run(self._runtime_fn(UNPIN), _UNPIN_SIG, [pinner.to_bytes(8, "little")], 0)

    def _runtime_fn(self, name: str) -> Function:
        fn = self.controller.binary.function_named(name)
        if fn is None:
            raise CallFailed(f"function {name} not found")
        return fn

    def _copy_arg(self, v: Operand, text: str, p: Param, fn: Function, ev: Evaluator) -> bytes:
        self._escape_check(v, text, p.name, fn, ev)
        return self._image(v, text, p.name, ev.types.by_offset(p.type_offset), ev)

    def _escape_check(self, v: Operand, text: str, name: str, fn: Function, ev: Evaluator) -> None:
        if self.check_escape and isinstance(v, Value):
            ev.loader.load(v, _ADDR_ONLY)
            for addr, where in self._pointers(v, name, ev):
                if self.stack[0] <= addr < self.stack[1]:
                    raise CallFailed(f"cannot use {v.name or text} as argument {name} in function {fn.name}: "
                                     f"stack object passed to escaping pointer: {where}")

    def _image(self, v: Operand, text: str, name: str, t: GoType, ev: Evaluator) -> bytes:
        """`v` converted to type `t`, as bytes: the evaluator's assignment, or boxing when `t`
        is an interface that `v` is not already a value of."""
        mem = BufferMemory(ev.loader.mem, FAKE_ADDRESS_BASE, bytes(t.resolved().size))
        dst = ev.loader.new(name, FAKE_ADDRESS_BASE, t, mem)
        if t.resolved().kind == Kind.Interface and not isinstance(v, NilValue) \
                and not (isinstance(v, Value) and v.real_type_name == dst.real_type_name):
            mem.data[:] = self._box(v, text, t, ev)
        else:
            ev.assign(dst, v, text)
        return bytes(mem.data)

    def _box(self, v: Operand, text: str, t: GoType, ev: Evaluator) -> bytes:
        assert self._boxer is not None
        if isinstance(v, Constant):
            if v.kind not in _CONST_TYPES:
                raise CallFailed(f"can not convert {text} constant to {t.name}")
            if v.kind is ConstKind.STRING:
                v = self._string_in_target(str(v.value), ev)
            else:
                dt = ev.types.by_name(_DEFAULT_TYPES[v.kind])  # the constant's default type
                if dt is None:
                    raise CallFailed(f"can not convert {text} constant to {t.name}")
                v = self._copy(v, text, dt, ev)
        if isinstance(v, Value) and v.type is not None and v.kind != Kind.Interface:
            # Addressable bytes, whatever v was (register, result, a string just allocated).
            v = self._copy(v, text, v.type, ev)
        if not isinstance(v, Value) or v.type is None:
            raise CallFailed(f"can not convert {text} to {t.name}")
        try:
            ev.loader.load(v, _ADDR_ONLY)
            return self._boxer.box(v, t)
        except BoxError as e:
            raise CallFailed(str(e)) from None

    def _copy(self, v: Operand, text: str, t: GoType, ev: Evaluator) -> Value:
        addr = FAKE_ADDRESS_BASE + 0x3000
        mem = BufferMemory(ev.loader.mem, addr, bytes(t.resolved().size))
        ev.assign(ev.loader.new("", addr, t, mem), v, text)
        return ev.loader.new(_name_of(v), addr, t, mem)

    # ---- variadic functions -------------------------------------------------------------

    @staticmethod
    def _variadic(node: n.CallExpr, actual: list[tuple[Operand, n.Expr | None]], formal: list[Param],
                  ev: Evaluator) -> bool:
        """Pack the trailing arguments into the last parameter's slice? Not for `f(xs...)`,
        nor when exactly one argument is already a value of that slice type (or nil)."""
        if node.ellipsis or not formal or len(actual) < len(formal) - 1:
            return False
        last = ev.types.by_offset(formal[-1].type_offset)
        if last.resolved().kind != Kind.Slice:
            return False
        if len(actual) == len(formal):
            v = actual[-1][0]
            if isinstance(v, NilValue) or (isinstance(v, Value) and v.kind == Kind.Slice
                                           and v.real_type_name == last.resolved().name):
                return False
        return True

    def _pack(self, extra: list[tuple[Operand, n.Expr | None]], p: Param, fn: Function, ev: Evaluator) -> Value:
        """The variadic slice: elements converted to the element type, backing array
        allocated in the target (mallocgc with the element's type, as newarray does)."""
        st = ev.types.by_offset(p.type_offset)
        elem = st.resolved().elem
        assert elem is not None and self._boxer is not None
        images = []
        for i, (v, arg) in enumerate(extra):
            text = expr_string(arg) if arg is not None else ""
            if arg is not None:
                v = self._materialize(arg, v, p, ev, elem_kind=elem.resolved().kind)
            self._escape_check(v, text, f"{p.name}[{i}]", fn, ev)
            images.append(self._image(v, text, f"{p.name}[{i}]", elem, ev))
        base = 0
        if images:
            try:
                typ = self._boxer.rtype(elem)
            except BoxError:
                if not _pointer_free(elem):
                    raise CallFailed(f"can not allocate []{elem.name}: no runtime type") from None
                typ = 0  # raw bytes are fine for elements the GC never scans
            base = self.alloc(len(images) * elem.resolved().size, typ)
            ev.loader.mem.write(base, b"".join(images))
        count = len(images).to_bytes(8, "little")
        addr = FAKE_ADDRESS_BASE + 0x2000
        mem = BufferMemory(ev.loader.mem, addr, base.to_bytes(8, "little") + count + count)
        return ev.loader.new(p.name, addr, st, mem)

    def _pointers(self, v: Value, name: str, ev: Evaluator) -> Iterator[tuple[int, str]]:
        """Delve's allPointers: every pointer `v` holds, with the path that names it."""
        if v.unreadable:
            raise CallFailed(f"escape check for {name} failed, variable unreadable: {v.unreadable}")
        k, rt = v.kind, v.real_type

        def word(addr: int) -> int:
            return int.from_bytes(v.mem.read(addr, 8), "little")

        if k in (Kind.Pointer, Kind.UnsafePointer):
            yield (v.children[0].addr if len(v.children) == 1 else (word(v.addr) if v.addr else 0)), name
        elif k in (Kind.Chan, Kind.String, Kind.Slice):
            yield v.base, name
        elif k in (Kind.Map, Kind.Func):
            yield (word(v.addr) if v.addr else 0), name
        elif k == Kind.Interface and v.addr:
            yield word(v.addr), f"{name}.tab"
            yield word(v.addr + 8), f"{name}.data"
        elif k == Kind.Struct and rt is not None and v.addr:
            for f in rt.fields:
                yield from self._pointers(ev.loader.field(v, f), f"{name}.{f.name}", ev)
        elif k == Kind.Array and v.addr:
            for i in range(v.len):
                yield from self._pointers(ev.loader.index(v, i), f"{name}[{i}]", ev)

    # ---- running and results ----------------------------------------------------------

    def _run(self, fn: Function, sig: FuncSignature, images: list[bytes], closure: int) -> CallOutcome:
        shapes = [p.shape for p in sig.args]
        results = [p.shape for p in sig.results]
        if self.protocol is Protocol.V1 and closure:
            raise CallFailed("closure calls are not supported with debugCallV1")
        layout = abi.layout_regabi(shapes, results) if self.protocol is Protocol.V2 \
            else abi.layout_abi0(shapes, results)
        assert self.inject is not None
        out = self.inject(CallPlan(fn.name, fn.entry, sig, layout, images, closure))
        if out.refusal:
            raise CallFailed(out.refusal, resumed=True)
        return out

    def _results(self, out: CallOutcome, sig: FuncSignature, ev: Evaluator) -> Operand:
        if out.panic is not None:
            raise CallPanicked(self.panic_value(out.panic, ev, out.panic_addr))
        values = [self._result(i, r, ev) for i, r in enumerate(out.results)]
        if len(values) == 1:
            return values[0]
        # Delve's funcCallFinish: no results -> an unreadable value; several -> a typeless
        # value whose children are the results (ReturnValues lists them).
        r = Value("", 0, None, Kind.Invalid, ev.loader.mem, children=values, loaded=True)
        if not values:
            r.unreadable = "no return values"
        return r

    def _result(self, i: int, r: RawResult, ev: Evaluator) -> Value:
        p = r.param
        addr = r.addr or FAKE_ADDRESS_BASE + 0x100 * i  # a result only in registers has no address
        mem = BufferMemory(ev.loader.mem, addr, r.image)
        v = ev.loader.new(p.name, addr, ev.types.by_offset(p.type_offset), mem)
        v.flags |= F_RETURN | F_FAKE_ADDRESS
        # Delve reads results as the callee's variables: their DWARF location, as its LocationExpr
        v.location_expr, v.decl_line = f"[block] {pretty(p.location)}" if p.location else "", p.decl_line
        # Not loaded here: the expression may go on (`large(arr)[127]`) past what the load
        # limits would keep; the frame's bytes are kept, the result is loaded at the end.
        return v

    def panic_value(self, words: tuple[int, int], ev: Evaluator, addr: int = 0) -> Value:
        """Delve's readStackVariable: the interface{} at SP of the status-2 trap, flagged fake."""
        addr = addr or FAKE_ADDRESS_BASE + 0x1000
        image = words[0].to_bytes(8, "little") + words[1].to_bytes(8, "little")
        v = ev.loader.new("~panic", addr, ev.types.by_name("interface {}"), BufferMemory(ev.loader.mem, addr, image))
        v.flags |= F_FAKE_ADDRESS
        return ev.loader.load(v, self.ret_cfg)


def _pointer_free(t: GoType) -> bool:
    r = t.resolved()
    if r.kind == Kind.Array:
        return r.elem is None or _pointer_free(r.elem)
    if r.kind == Kind.Struct:
        return all(_pointer_free(f.type) for f in r.fields)
    return r.kind in _NO_POINTERS


def _name_of(v: Operand) -> str:
    """A variable's name; constants and nil have none."""
    return v.name if isinstance(v, Value) else ""
