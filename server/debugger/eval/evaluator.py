"""Evaluating a parsed Go expression in a stopped frame, the way Delve's proc/eval.go does.

- `Evaluator(scope, call_hook=None, g_addr=0).eval(expr) -> Operand`: a `Value` (typed: a
  variable in memory, or a computed value with addr 0 and `loaded` set), an untyped
  `Constant`, or `NIL`. Errors are `EvalError`s worded as Delve words them.
- `set_variable(symbol, value)`: Delve's SetVariable (scalars, bools, pointers, nil,
  strings/slices from other variables; string literals need `call`).
- Calls: a `CallExpr` that is not a builtin (len, cap, real, imag, complex) or a type
  conversion goes to `call_hook(node, evaluator)` when one is given (function-call
  injection), else fails with Delve's `function calls not allowed without using 'call'`.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from fractions import Fraction

from ...binary.gotypes import KIND_NAMES, GoType, Kind
from ...binary.gotypes import type_string as dwarf_type_string
from ...errors import UserError, error_text
from ...goruntime.values import (
    F_CONSTANT,
    F_CPU_REGISTER,
    F_FAKE_ADDRESS,
    F_TRUST_LEN,
    FAKE_ADDRESS_UNRESOLV,
    LOAD_FULL,
    LOAD_SINGLE,
    CompositeMemory,
    LoadCfg,
    RegPiece,
    Value,
    fake_array,
    pointer_to,
)
from ...records import record
from ..scope import FUNC_VALUE_TYPE, REGISTER_NUMBERS, EvalScope
from . import nodes as n
from .constants import Constant, ConstantError, ConstKind, binary_op, fold, literal_value, unary_op
from .parser import parse_expr_cached
from .printer import expr_string
from .scanner import go_quote
from .tokens import TOKEN_STRING, Tok


class EvalError(UserError):
    """An evaluation error; str() is Delve's message."""


class CompileError(EvalError):
    """What Delve's expression compiler refuses before evaluating anything (composite literals
    it does not build, 3-index slices); inside a call's arguments it says which one."""


@record(frozen=True, slots=True)
class NilValue:
    """Delve's nilVariable: the `nil` identifier."""


NIL = NilValue()
Operand = Value | Constant | NilValue
CallHook = Callable[[n.CallExpr, "Evaluator"], Operand]

ERR_CALLS = "function calls not allowed without using 'call'"
ERR_TYPE_NOT_FOUND = "no type entry found, use 'types' for a list of valid types"  # reader.ErrTypeNotFound
ERR_STR_ALLOC = ("literal string can not be allocated because function calls are not allowed without "
                 "using 'call'")
_LONG_STRINGS = LoadCfg(True, 1, 1 << 20, 64, -1)  # loadFullValueLongerStrings
_ADDR_ONLY = LoadCfg(False, -1, 64, 0, 0)  # loads an interface header, not its data
_BUILTINS = frozenset({"cap", "len", "complex", "imag", "real"})
_INTS = (Kind.Int, Kind.Uint)
_FLOATS = (Kind.Float32, Kind.Float64)
_COMPLEXES = (Kind.Complex64, Kind.Complex128)
_SCALARS = (Kind.Bool, *_INTS, *_FLOATS, *_COMPLEXES)
_COMPARISONS = (Tok.EQL, Tok.NEQ, Tok.LSS, Tok.LEQ, Tok.GTR, Tok.GEQ)
_NILLABLE = (Kind.Pointer, Kind.UnsafePointer, Kind.Chan, Kind.Map, Kind.Interface, Kind.Slice, Kind.Func)
_CONST_KIND = {ConstKind.BOOL: Kind.Bool, ConstKind.INT: Kind.Int, ConstKind.FLOAT: Kind.Float64,
               ConstKind.STRING: Kind.String, ConstKind.COMPLEX: Kind.Complex128}
_BYTE = GoType(-1, "byte", "DW_TAG_base_type", Kind.Uint, 1)  # Delve's element type of strings
_UINT64 = GoType(-1, "uint64", "DW_TAG_base_type", Kind.Uint, 8)  # godwarf.FakeBasicType("uint", 64)
# REGNAME.TYPE conversions of CPU registers: element size, kind, struct format
_REG_CONV = {"int8": (1, Kind.Int8, "b"), "int16": (2, Kind.Int16, "h"), "int32": (4, Kind.Int32, "i"),
             "int64": (8, Kind.Int64, "q"), "uint8": (1, Kind.Uint8, "B"), "uint16": (2, Kind.Uint16, "H"),
             "uint32": (4, Kind.Uint32, "I"), "uint64": (8, Kind.Uint64, "Q"),
             "float32": (4, Kind.Float32, "f"), "float64": (8, Kind.Float64, "d")}


def kind_of(x: Operand) -> Kind:
    if isinstance(x, Constant):
        return _CONST_KIND[x.kind]
    if isinstance(x, NilValue):
        return Kind.Pointer
    return x.kind


def type_string(x: Operand) -> str:
    """Delve's TypeString: a constant's is its kind's name, nil's is "nil"."""
    if isinstance(x, Value):
        return x.type_name if x.type is not None else KIND_NAMES.get(x.kind, "")
    if isinstance(x, NilValue):
        return "nil"
    return KIND_NAMES[kind_of(x)]


def _q(node: n.Expr) -> str:
    """%q of exprToString(node), as Delve quotes expressions in its messages."""
    return go_quote(expr_string(node))


def _wrap(v: int, size: int, signed: bool) -> int:
    """Delve's convertInt: truncate to `size` bytes, sign-extending signed types."""
    bits = size * 8
    r = v & ((1 << bits) - 1)
    if signed and r >> (bits - 1):
        r -= 1 << bits
    return r


def _f32(f: float) -> float:
    return struct.unpack("<f", struct.pack("<f", f))[0]


def _complex(c: Constant) -> complex:
    """A numeric constant as a Python complex (what a complex64/128 Value holds)."""
    if c.kind is ConstKind.COMPLEX:
        re, im = c.parts
        return complex(float(Fraction(re.number)), float(Fraction(im.number)))
    return complex(float(Fraction(c.number)), 0)


def _const_str(c: Constant) -> str:
    """%v of a go/constant value in Delve's messages."""
    return c.go_string()


def _str_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


class Evaluator:
    def __init__(self, scope: EvalScope, call_hook: CallHook | None = None, g_addr: int = 0,
                 load_cfg: LoadCfg = LOAD_FULL, folded: dict[int, Constant | None] | None = None) -> None:
        """folded: id(node) -> its constant folding, kept with a tree evaluated again and again
        (a breakpoint's condition) for as long as that tree lives."""
        self.scope = scope
        self.loader = scope.loader
        self.types = scope.ctx.types
        self.call_hook = call_hook
        self.g_addr = g_addr
        self.load_cfg = load_cfg  # the request's LoadConfig (Delve's scope.loadCfg)
        self._folded = folded
        # `call` only: a string literal's bytes put in the target (Delve's compileAllocLiteralString)
        self.materialize_string: Callable[[str], Value] | None = None
        # `call` only: a pointer into the debugger's memory (&T{...}) made to point into the target
        self.materialize_pointer: Callable[[Value], Operand] | None = None

    # -- entry points ---------------------------------------------------------

    def eval_text(self, text: str) -> Operand:
        node = parse_expr_cached(text)
        self.compile_check(node)
        return self.eval(node)

    def compile_check(self, node: n.Expr | None) -> None:
        """Delve compiles the whole expression before it evaluates any of it: the first error its
        compiler gives (in its order, a call's arguments named as Delve wraps them) comes before
        anything is read or called."""
        if node is None:
            return
        if isinstance(node, n.CallExpr):
            fn = n.unparen(node.fun)
            is_call = not (isinstance(fn, n.Ident) and fn.name in _BUILTINS) and self.find_type_expr(fn) is None
            if is_call:
                self.compile_check(fn)
            for i, a in enumerate(node.args):
                try:
                    self.compile_check(a)
                except CompileError as e:
                    if not is_call:
                        raise
                    raise CompileError(f"error evaluating {_q(a)} as argument {i + 1} in function "
                                       f"{expr_string(node.fun)}: {e}") from None
            return
        if isinstance(node, n.CompositeLit):
            self._struct_literal_type(node, CompileError)
            for elt in node.elts:
                self.compile_check(elt.value if isinstance(elt, n.KeyValueExpr) else elt)
            return
        if isinstance(node, n.SliceExpr):
            self.compile_check(node.x)
            if node.slice3:
                raise CompileError("3-index slice expressions not supported")
            for part in (node.low, node.high):
                self.compile_check(part)
            return
        if isinstance(node, n.BinaryExpr):
            self.compile_check(node.x)
            self.compile_check(node.y)
        elif isinstance(node, n.ParenExpr | n.StarExpr | n.UnaryExpr | n.SelectorExpr | n.TypeAssertExpr):
            self.compile_check(node.x)
        elif isinstance(node, n.IndexExpr):
            self.compile_check(node.x)
            self.compile_check(node.index)

    def eval(self, node: n.Expr) -> Operand:  # noqa: C901 - one case per node type, as evalAST
        memo = self._folded
        if memo is not None and id(node) in memo:
            c = memo[id(node)]
        else:
            try:
                c = fold(node)
            except ConstantError as e:
                raise EvalError(str(e)) from None
            if memo is not None:
                memo[id(node)] = c
        if c is not None:
            return c
        if isinstance(node, n.CallExpr):
            return self._call_or_cast(node)
        if isinstance(node, n.Ident):
            return self._ident(node)
        if isinstance(node, n.ParenExpr):
            return self.eval(node.x)
        if isinstance(node, n.SelectorExpr):
            return self._selector(node)
        if isinstance(node, n.TypeAssertExpr):
            return self._type_assert(node)
        if isinstance(node, n.IndexExpr):
            return self._index(node)
        if isinstance(node, n.SliceExpr):
            if node.slice3:
                raise CompileError("3-index slice expressions not supported")
            return self._reslice(node)
        if isinstance(node, n.StarExpr):
            return self._deref(node)
        if isinstance(node, n.UnaryExpr):
            return self._addr_of(node) if node.op is Tok.AND else self._unary(node)
        if isinstance(node, n.BinaryExpr):
            return self._binary(node)
        if isinstance(node, n.BasicLit):
            return literal_value(node)
        if isinstance(node, n.CompositeLit):
            return self._composite_lit(node)
        raise EvalError(f"expression {_go_node_type(node)} not implemented")

    def _struct_literal_type(self, node: n.CompositeLit, error: type[EvalError]) -> GoType:
        """The type of a literal Delve 1.27 evaluates (a struct, the target having the debug
        pinner), else its refusal, raised as `error` (CompileError while compiling)."""
        not_implemented = error(f"expression {_go_node_type(node)} not implemented")
        if node.type is None or self.scope.ctx.binary.function_named("runtime.debugPinnerV1") is None:
            raise not_implemented
        t = self.find_type_expr(node.type)
        if t is None:
            raise error(ERR_TYPE_NOT_FOUND)
        if t.resolved().kind != Kind.Struct:
            raise not_implemented
        return t

    def _composite_lit(self, node: n.CompositeLit) -> Value:
        """Delve 1.27's struct literals (compiled only when the target has the debug pinner): a
        zeroed value in the debugger's memory at the unresolvable fake address, each element
        set into its field as by assignment (a string literal needs an allocation: refused
        outside `call`). Slice, array and map literals are not implemented, as in Delve."""
        t = self._struct_literal_type(node, EvalError)
        rt = t.resolved()
        mem = CompositeMemory(self.loader.mem, FAKE_ADDRESS_UNRESOLV, [RegPiece(rt.size, None, bytes(rt.size))],
                              lambda reg, data: None)
        v = self.loader.new(t.name, FAKE_ADDRESS_UNRESOLV, t, mem)  # named so in errors only
        v.flags |= F_FAKE_ADDRESS
        for i, elt in enumerate(node.elts):
            if isinstance(elt, n.KeyValueExpr):
                if not isinstance(elt.key, n.Ident):
                    raise EvalError(f"invalid field name {expr_string(elt.key)} in struct literal")
                name, value = elt.key.name, elt.value
            else:
                if i >= len(rt.fields):
                    raise EvalError("too many values in struct literal")
                name, value = rt.fields[i].name, elt
            field = self.struct_member(v, name)
            src = self.eval(value)
            if _literal_string_needs_alloc(value) and isinstance(src, Constant) and src.kind is ConstKind.STRING:
                # Delve's maybeMaterialize, before the assignment checks the types (a field of
                # another type then refuses the string as the constant it was)
                if self.materialize_string is None:
                    raise EvalError(ERR_STR_ALLOC)
                allocated = self.materialize_string(str(src.value))
                if field.kind == Kind.String:
                    src = allocated
            elif self.materialize_pointer is not None and isinstance(src, Value):
                src = self.materialize_pointer(src)
            self.assign(field, src, expr_string(value))
        v.name = ""
        return v

    # -- helpers ----------------------------------------------------------------

    def _load(self, v: Value, cfg: LoadCfg) -> Value:
        self.loader.load(v, cfg)
        if v.unreadable:
            raise EvalError(v.unreadable)
        return v

    def _prep(self, x: Operand) -> Operand:
        """evalBinary's operand loading: everything but strings at once (strings on use)."""
        x = _untyped(x)
        if isinstance(x, Value) and x.kind != Kind.String:
            self._load(x, LOAD_FULL)
        if isinstance(x, Value) and x.unreadable:
            raise EvalError(x.unreadable)
        return x

    def _string(self, x: Operand) -> str:
        if isinstance(x, Constant):
            return str(x.value)
        assert isinstance(x, Value)
        if not x.loaded:
            self._load(x, _LONG_STRINGS)
        return "" if x.value is None else str(x.value)

    def _typed(self, typ: GoType, value: object, length: int = 0) -> Value:
        rt = typ.resolved()
        return Value("", 0, typ, rt.kind, self.loader.mem, value=value, len=length, loaded=True)

    def _maybe_deref(self, v: Value) -> Value:
        if v.kind == Kind.Pointer and not v.unreadable:
            if (v.addr == 0 or v.flags & F_FAKE_ADDRESS) and v.loaded and len(v.children) == 1:
                return v.children[0]
            return self.loader.deref(v)
        return v

    def _type_expr(self, node: n.Expr) -> GoType:
        t = self.find_type_expr(n.unparen(node))
        if t is None:
            raise EvalError(ERR_TYPE_NOT_FOUND)
        return t

    def find_type_expr(self, expr: n.Expr) -> GoType | None:
        """Delve's findTypeExpr: a quoted name is looked up verbatim (`"main.Point"`,
        `"hchan<int>"`, `"[]int"`; `"[N]T"` is made from T), pointers and `[N]T` are made on
        the fly, anything else is looked up by its printed name."""
        if isinstance(expr, n.BasicLit) and expr.kind is Tok.STRING:
            name = str(literal_value(expr).value)
            close = name.find("]") if name.startswith("[") else -1
            if close > 1:
                count = _atoi(name[1:close])
                if count is not None:
                    return self._find_array_type(count, name[close + 1:])
            return self._find_type(name)
        if isinstance(expr, n.StarExpr):
            t = self.find_type_expr(expr.x)
            return None if t is None else pointer_to(t)
        if isinstance(expr, n.ArrayType) and isinstance(expr.len, n.BasicLit) and expr.len.kind is Tok.INT:
            return self._find_array_type(_atoi(expr.len.value) or 0, expr_string(expr.elt))
        return self._find_type(expr_string(expr))

    def _find_type(self, name: str) -> GoType | None:
        t = self.types.by_name(name.replace("interface{", "interface {").replace("struct{", "struct {"))
        if t is not None and t.is_typedef and t.target is not None and t.target.name == t.name:
            t = t.target  # Delve's type index keeps the first DIE of a name: a named struct's own
        return t

    def _find_array_type(self, count: int, elem: str) -> GoType | None:
        t = self._find_type("uint8" if elem == "byte" else elem)
        return None if t is None else fake_array(t, count)

    # -- identifiers and selectors ---------------------------------------------

    def _ident(self, node: n.Ident) -> Operand:
        v = self._push_ident(node.name)
        if v is None:
            raise EvalError(f"could not find symbol value for {node.name}")
        return v

    def _push_ident(self, name: str) -> Operand | None:
        """Delve's pushIdent: a local, else a package variable, function or constant of the
        frame's package, else true/false/nil, else a CPU register (`RAX`, `XMM0`); None if
        nothing is called so."""
        if self.scope.may_have(name):
            for v in reversed(self.scope.variables()):
                if v.name == name:
                    return v
        g = self.scope.ctx.find_global(self.scope.package, name)
        if g is not None:
            g.name = name
            return g
        if name in ("true", "false"):
            return Constant(ConstKind.BOOL, name == "true")
        if name == "nil":
            return NIL
        return self._register(name)

    def _register(self, name: str) -> Value | None:
        """Delve's CPU register variables: `[_]*NAME` in capitals; uint64 when the register
        has at most 8 bytes, else a string of its bytes in hex."""
        regname = name.lstrip("_")
        if not regname or any(not ("0" <= ch <= "9" or "A" <= ch <= "Z") for ch in regname):
            return None
        num = REGISTER_NUMBERS.get(regname.lower())
        if num is None:
            return None
        try:
            raw = self.scope.regs.register(num)
        except (OSError, KeyError):
            raw = None
        if raw is None:
            return None
        if len(raw) <= 8:
            v = self.loader.new(regname, FAKE_ADDRESS_UNRESOLV, _UINT64)
        else:
            v = self.loader.new(regname, 0, self.types.by_name("string"))
            v.addr, v.base, v.len, v.stride = FAKE_ADDRESS_UNRESOLV, FAKE_ADDRESS_UNRESOLV, 2 * len(raw), 1
        v.flags = F_CPU_REGISTER
        v.reg = raw
        return v

    def _register_conv(self, v: Value, typ: str) -> Value:
        """Delve's registerVariableTypeConv: `XMM0.uint64` is the register's bytes as an
        array of that type (`intN`/`uintN` of other sizes: hex strings)."""
        raw = v.reg or b""
        size, kind, fmt = _REG_CONV.get(typ, (0, Kind.String, ""))
        if not size:
            for pfx in ("uint", "int"):
                if typ.startswith(pfx):
                    size = _atoi(typ[len(pfx):]) or 0
                    break
            if size <= 0 or size & (size - 1):
                raise EvalError(f'unknown CPU register type conversion to "{typ}"')
            size //= 8
        children = []
        for i in range(0, len(raw), size):
            chunk = raw[i:i + size]
            if fmt:
                x: object = struct.unpack("<" + fmt, chunk.ljust(size, b"\0"))[0]
                c = Value("", 0, None, kind, self.loader.mem, flags=F_CONSTANT, value=x, loaded=True)
            else:
                text = chunk.hex()
                c = Value("", 0, None, Kind.String, self.loader.mem, flags=F_CONSTANT, value=text,
                          len=len(text), loaded=True)
            children.append(c)
        void = GoType(-1, "void", "DW_TAG_unspecified_type", Kind.Invalid, size)
        r = dataclasses.replace(v, type=fake_array(void, len(children)), kind=Kind.Array, children=children,
                                len=len(children), cap=0, base=FAKE_ADDRESS_UNRESOLV, loaded=True,
                                elem=_BYTE if v.kind == Kind.String else None)
        r.real_override = None
        return r

    def _selector(self, node: n.SelectorExpr) -> Operand:
        x = node.x
        sel = node.sel.name
        if isinstance(x, n.Ident):
            if x.name == "runtime" and sel == "curg" and self.g_addr:
                gt = self.types.by_name("runtime.g")
                if gt is not None:
                    return self.loader.new("", self.g_addr, gt)
            # Delve's PushPackageVarOrSelect: X as an identifier first, then X as a package
            saved: EvalError | None = None
            xv: Operand | None = None
            try:
                xv = self._push_ident(x.name)
            except EvalError as e:
                saved = e
            if xv is not None:
                try:
                    return self._select(xv, sel)
                except EvalError as e:
                    saved = e
            g = self.scope.ctx.find_global(x.name, sel)
            if g is not None:
                return g
            raise saved or EvalError(f"could not find symbol {x.name}.{sel}")
        if isinstance(x, n.BasicLit) and x.kind is Tok.STRING:
            pkg = str(literal_value(x).value)
            g = self.scope.ctx.find_global(pkg, sel)
            if g is None:
                raise EvalError(f"could not find symbol {pkg}.{sel}")
            return g
        return self._select(self.eval(x), sel)

    def _select(self, xv: Operand, member: str) -> Value:
        if isinstance(xv, NilValue):
            raise EvalError("nil (type nil) is not a struct")
        if isinstance(xv, Constant):
            raise EvalError(f"{_const_value_text(xv)} (type {KIND_NAMES[kind_of(xv)]}) is not a struct")
        if xv.flags & F_CPU_REGISTER and not xv.loaded:
            return self._register_conv(xv, member)
        return self.struct_member(xv, member)

    def struct_member(self, v: Value, member: str) -> Value:
        """Delve's structMember: fields, auto-dereferencing pointers, promoted embedded fields."""
        if v.unreadable:
            return v
        vname = v.name or (dwarf_type_string(v.type) if v.type is not None else "")
        if v.loaded and v.flags & F_FAKE_ADDRESS and v.kind == Kind.Struct and v.children:
            for c in v.children:
                if c.name == member:
                    return c
            raise EvalError(f"{vname} has no member {member}")
        if v.kind == Kind.Func and v.type is FUNC_VALUE_TYPE:
            # a function named as a value: it has no members
            if self.scope.ctx.binary.package_paths(vname):
                raise EvalError(f"package {vname} has no function {member}")
            raise EvalError(f"{vname} has no member {member}")
        if v.kind == Kind.Chan:
            rt = v.real_type
            if rt is not None and rt.target is not None:
                v = self.loader.new(v.name, v.addr, rt.target, v.mem)
        elif v.kind == Kind.Interface:
            self.loader.load(v, _ADDR_ONLY)
            if v.children:
                v = v.children[0]
        return self._member_or_method(v, vname, member, True)

    def _member_or_method(self, v: Value, vname: str, member: str, fields: bool) -> Value:
        """Delve's findStructMemberOrMethod: breadth first through embedded fields, at each
        level a method of the value's named type (a method value, receiver as its child), then
        the fields (only embedded ones when `fields` is false: an embedded interface)."""
        queue = [v]
        seen: set[str] = set()
        first = True
        while queue:
            cur = queue.pop(0)
            key = dwarf_type_string(cur.real_type) if cur.real_type is not None else ""
            if key in seen:
                continue
            seen.add(key)
            method = self._method_value(cur, member)
            if method is not None:
                return method
            sv = self._maybe_deref(cur)
            sv.name = cur.name
            if sv.unreadable:
                return sv
            rt = sv.real_type
            if rt is not None and rt.kind == Kind.Struct:
                for f in rt.fields:
                    if fields and f.name == member:
                        return self._to_field(sv, f)
                    if not f.embedded:
                        continue
                    parts = f.name.split(".")
                    if fields and len(parts) > 1 and parts[1] == member:
                        return self._to_field(sv, f)
                    emb = self._to_field(sv, f)
                    emb.name = sv.name
                    queue.append(emb)
            elif rt is not None and rt.kind == Kind.Interface:
                self.loader.load(cur, _ADDR_ONLY)
                if cur.children:
                    try:
                        return self._member_or_method(cur.children[0], vname, member, False)
                    except EvalError:
                        pass
            elif first:
                raise EvalError(f"{vname} (type {sv.type_name}) has no member {member}")
            first = False
        raise EvalError(f"{vname} has no member {member}")

    def _method_value(self, v: Value, member: str) -> Value | None:
        """Delve's lookupMethod: `PKG.(*T).M` or `PKG.T.M` for a value of type T or *T, as a
        func value whose child is the receiver (dereferenced or addressed as the method needs)."""
        typ = v.type
        if typ is None:
            return None
        isptr = typ.tag == "DW_TAG_pointer_type" and typ.target is not None
        if isptr:
            assert typ.target is not None
            typ = typ.target
        pkg, _, recv = typ.name.rpartition(".")
        if not pkg or not recv:
            return None
        checks = [(f"{pkg}.(*{recv}).{member}", True), (f"{pkg}.{recv}.{member}", False)]
        if not isptr:
            checks.reverse()
        binary = self.scope.ctx.binary
        for name, ptr_recv in checks:
            fn = binary.function_named(name)
            if fn is None:
                continue
            ftype = GoType(-1, self.scope.ctx.method_type_name(fn.name), "DW_TAG_subroutine_type", Kind.Func, 0)
            if isptr == ptr_recv:
                recv_v = v
            elif isptr:
                recv_v = self._maybe_deref(v)
            else:
                recv_v = self._pointer_to(v)
            return Value(fn.name, 0, ftype, Kind.Func, self.loader.mem, value=fn.name, base=fn.entry, loaded=True,
                         children=[recv_v])
        return None

    def _pointer_to(self, v: Value) -> Value:
        """Delve's pointerToVariable: `&v`, v kept as the (address-only) child."""
        v.only_addr = True
        assert v.type is not None
        return Value("", 0, pointer_to(v.type), Kind.Pointer, v.mem, children=[v], loaded=True)

    def _to_field(self, v: Value, f) -> Value:  # noqa: ANN001 - gotypes.Field
        if v.unreadable:
            return v
        if v.addr == 0:
            raise EvalError(f"{v.name} is nil")
        name = ""
        if v.name:
            parts = f.name.split(".")
            name = f"{v.name}.{parts[1] if len(parts) > 1 else f.name}"
        return self.loader.new(name, v.addr + f.offset, f.type, v.mem)

    # -- type assertions, index, slices -----------------------------------------

    def _type_assert(self, node: n.TypeAssertExpr) -> Value:
        typ: GoType | None = None
        if node.type is not None and not (isinstance(node.type, n.Ident) and node.type.name == "data"):
            typ = self._type_expr(node.type)  # Delve finds the type when it compiles, before X runs
        xv = self.eval(node.x)
        if kind_of(xv) != Kind.Interface:
            raise EvalError(f'expression {_q(node.x)} not an interface')
        assert isinstance(xv, Value)
        self.loader.load(xv, _ADDR_ONLY)
        if xv.unreadable:
            raise EvalError(xv.unreadable)
        data = xv.children[0] if xv.children else None
        if data is None or data.unreadable:
            raise EvalError(data.unreadable if data is not None else "invalid interface type")
        type_text = "type" if node.type is None else expr_string(node.type)
        if data.addr == 0:
            raise EvalError(f"interface conversion: {xv.type_name} is nil, not {type_text}")
        if typ is not None and data.type_name != typ.name:
            raise EvalError(f"interface conversion: {xv.type_name} is {data.type_name}, not {typ.name}")
        data.only_addr = False
        return data

    def _as_int(self, x: Operand) -> int:
        if isinstance(x, Constant):
            if x.kind is not ConstKind.INT:
                raise EvalError(f"can not convert constant {_const_str(x)} to int")
            return int(x.number)
        if isinstance(x, NilValue):
            raise EvalError("can not convert value of type  to int")
        self._load(x, LOAD_SINGLE)
        rt = x.real_type
        if rt is None or rt.kind != Kind.Int:
            raise EvalError(f"can not convert value of type {x.type_name} to int")
        return int(x.value)

    def _index(self, node: n.IndexExpr) -> Value:
        xv = self.eval(node.x)
        if isinstance(xv, Value) and xv.unreadable:
            raise EvalError(xv.unreadable)
        if isinstance(xv, Value):
            xv = self._maybe_deref(xv)
        idx = self.eval(node.index)
        cantindex = EvalError(f'expression {_q(node.x)} ({type_string(xv)}) does not support indexing')
        if isinstance(xv, Constant) and xv.kind is ConstKind.STRING:
            raise EvalError(f"can not index {_q(node.x)}")  # a constant string has no base address
        if not isinstance(xv, Value):
            raise cantindex
        k = xv.kind
        if k == Kind.Pointer:  # a pointer to an array (the first dereference gave a pointer)
            rt = xv.real_type
            if rt is None or rt.target is None or rt.target.resolved().kind != Kind.Array:
                raise cantindex
            xv = self._maybe_deref(xv)
            k = xv.kind
        if k in (Kind.Slice, Kind.Array, Kind.String):
            if xv.base == 0:
                raise EvalError(f'can not index {_q(node.x)}')
            return self._slice_access(xv, self._as_int(idx))
        if k == Kind.Map:
            if isinstance(idx, Value):
                self._load(idx, LOAD_FULL)
            return self._map_access(xv, idx)
        raise cantindex

    def _slice_access(self, v: Value, i: int) -> Value:
        if i < 0 or i >= v.len:
            raise EvalError("index out of bounds")
        if v.loaded:
            if v.kind == Kind.String:
                raw = _str_bytes(v.value or "")
                if i >= len(raw):
                    raise EvalError("index out of bounds")
                r = self._typed(_BYTE, raw[i])
                r.addr = v.base + i
                return r
            if i < len(v.children):
                return v.children[i]
            raise EvalError("index out of bounds")
        if v.kind == Kind.String:
            return self.loader.new("", v.base + i, _BYTE)
        return self.loader.index(v, i)

    def _map_access(self, m: Value, idx: Operand) -> Value:
        cfg = LOAD_FULL
        if isinstance(idx, Value) and idx.kind == Kind.String and idx.len > cfg.max_string_len:
            cfg = dataclasses.replace(cfg, max_string_len=idx.len)
        elif isinstance(idx, Constant) and idx.kind is ConstKind.STRING:
            cfg = dataclasses.replace(cfg, max_string_len=max(64, len(_str_bytes(str(idx.value)))))
        first = True
        try:
            for key, val in self.loader.map_entries(m):
                self.loader.load(key, cfg)
                if key.unreadable:
                    raise EvalError(f"can not access unreadable map: {key.unreadable}")
                if first:
                    first = False
                    self._check_type(idx, key)
                if self._compare(Tok.EQL, key, idx):
                    return val
        except OSError as e:
            raise EvalError(f"can not access unreadable map: {error_text(e)}") from None
        if m.unreadable:
            raise EvalError(m.unreadable)
        raise EvalError("key not found")

    def _reslice(self, node: n.SliceExpr) -> Value:
        xv = self.eval(node.x)
        if isinstance(xv, Value) and xv.unreadable:
            raise EvalError(xv.unreadable)
        low = high = 0
        if node.low is not None:
            try:
                low = self._as_int(self.eval(node.low))
            except EvalError as e:
                raise EvalError(f'can not convert {_q(node.low)} to int: {e}') from None
        if node.high is None:
            high = xv.len if isinstance(xv, Value) else 0
        else:
            try:
                high = self._as_int(self.eval(node.high))
            except EvalError as e:
                raise EvalError(f'can not convert {_q(node.high)} to int: {e}') from None
        if isinstance(xv, Constant) and xv.kind is ConstKind.STRING:
            raise EvalError(f"can not slice {_q(node.x)}")
        if not isinstance(xv, Value) or xv.kind not in (Kind.Slice, Kind.Array, Kind.String):
            raise EvalError(f'can not slice {_q(node.x)} (type {type_string(xv)})')
        if xv.base == 0:
            raise EvalError(f'can not slice {_q(node.x)}')
        limit = xv.cap if xv.kind == Kind.Slice else xv.len
        if low < 0 or low > limit or high < 0 or high > limit or high < low:
            raise EvalError("index out of bounds")
        typ = xv.type
        if xv.kind == Kind.Array and xv.elem is not None:
            typ = _fake_slice(xv.elem)
        r = self.loader.new("", 0, typ)
        r.base, r.len, r.cap = xv.base + low * xv.stride, high - low, xv.cap - low
        r.stride, r.elem = xv.stride, xv.elem if xv.kind != Kind.String else None
        r.reg = xv.reg
        r.flags = xv.flags
        # Delve's TrustLen: `x[1:3]`, `x[:3]` (literal bounds, high given) load every element
        if node.high is not None and isinstance(node.high, n.BasicLit) \
                and (node.low is None or isinstance(node.low, n.BasicLit)):
            r.flags |= F_TRUST_LEN
        return r

    # -- pointers ------------------------------------------------------------------

    def _deref(self, node: n.StarExpr) -> Value:
        xv = self.eval(node.x)
        if isinstance(xv, NilValue):
            raise EvalError("nil can not be dereferenced")
        if kind_of(xv) != Kind.Pointer or not isinstance(xv, Value):
            raise EvalError(f'expression {_q(node.x)} ({type_string(xv)}) can not be dereferenced')
        if len(xv.children) == 1:  # pointers made by &x or by a cast from an integer
            xv.children[0].only_addr = False
            return xv.children[0]
        r = self.loader.deref(xv)
        if r.unreadable and r.addr == 0:
            raise EvalError(f"couldn't read pointer: {r.unreadable}")
        if r.addr == 0:
            raise EvalError("nil pointer dereference")
        return r

    def _addr_of(self, node: n.UnaryExpr) -> Value:
        xv = self.eval(node.x)
        if not isinstance(xv, Value) or xv.addr == 0 or xv.type is None:
            raise EvalError(f'can not take address of {_q(node.x)}')
        xv.only_addr = True
        return Value("", 0, pointer_to(xv.type), Kind.Pointer, xv.mem, children=[xv], loaded=True)

    # -- operators -------------------------------------------------------------------

    def _unary(self, node: n.UnaryExpr) -> Operand:
        xv = _untyped(self.eval(node.x))
        if isinstance(xv, Constant):
            return self._const_unary(node.op, xv)
        if isinstance(xv, NilValue):
            raise EvalError(f'operator {TOKEN_STRING[node.op]} can not be applied to {_q(node.x)}')
        self._load(xv, LOAD_SINGLE)
        if xv.value is None or xv.kind not in _SCALARS:
            raise EvalError(f'operator {TOKEN_STRING[node.op]} can not be applied to {_q(node.x)}')
        assert xv.type is not None
        c = self._const_unary(node.op, self._to_const(xv))
        return self._typed(xv.type, self._fit(xv.type, c))

    @staticmethod
    def _const_unary(op: Tok, c: Constant) -> Constant:
        try:
            return unary_op(op, c)
        except ConstantError as e:
            raise EvalError(str(e)) from None

    def _to_const(self, v: Value) -> Constant:
        """The loaded scalar of `v` as an untyped constant (Delve keeps Values as constants)."""
        x = v.value
        if v.kind == Kind.Bool:
            return Constant(ConstKind.BOOL, bool(x))
        if v.kind in _INTS:
            return Constant(ConstKind.INT, int(x))
        if v.kind in _FLOATS:
            return Constant(ConstKind.FLOAT, Fraction(x))
        if v.kind in _COMPLEXES:
            return Constant(ConstKind.COMPLEX, (Constant(ConstKind.FLOAT, Fraction(x.real)),
                                                Constant(ConstKind.FLOAT, Fraction(x.imag))))
        if v.kind == Kind.String:
            return Constant(ConstKind.STRING, self._string(v))
        raise EvalError(f"unsupported operand of kind {KIND_NAMES.get(v.kind, v.kind)}")

    def _fit(self, typ: GoType, c: Constant) -> object:
        """A constant result stored in a value of type `typ` (Python scalar for Value.value)."""
        rt = typ.resolved()
        if rt.kind == Kind.Bool:
            return bool(c.value)
        if rt.kind in _INTS:
            return _wrap(int(Fraction(c.number)), rt.size, rt.kind == Kind.Int)
        if rt.kind in _FLOATS:
            f = float(Fraction(c.number))
            return _f32(f) if rt.kind == Kind.Float32 else f
        if rt.kind in _COMPLEXES:
            return _complex(c)
        if rt.kind == Kind.String:
            return str(c.value)
        return c.value

    def _binary(self, node: n.BinaryExpr) -> Operand:
        op = node.op
        if op in (Tok.INC, Tok.DEC, Tok.ARROW):
            raise EvalError(f"operator {TOKEN_STRING[op]} not supported")
        xv = self._prep(self.eval(node.x))
        if op in (Tok.LAND, Tok.LOR) and not isinstance(xv, NilValue) and kind_of(xv) == Kind.Bool:
            xb = bool(xv.value)
            if xb == (op is Tok.LOR):
                return Constant(ConstKind.BOOL, xb)
        yv = self._prep(self.eval(node.y))
        typ = self._negotiate(op, xv, yv)
        if op in _COMPARISONS:
            return Constant(ConstKind.BOOL, self._compare(op, xv, yv))
        if isinstance(xv, NilValue) or (isinstance(xv, Value) and (xv.kind not in (*_SCALARS, Kind.String))):
            raise EvalError(f'operator {TOKEN_STRING[op]} can not be applied to {_q(node.x)}')
        if isinstance(yv, NilValue) or (isinstance(yv, Value) and (yv.kind not in (*_SCALARS, Kind.String))):
            raise EvalError(f'operator {TOKEN_STRING[op]} can not be applied to {_q(node.y)}')
        xc = xv if isinstance(xv, Constant) else self._to_const(xv)
        yc = yv if isinstance(yv, Constant) else self._to_const(yv)
        if typ is None:
            return self._const_binary(op, xc, yc)
        rt = typ.resolved()
        if rt.kind in _INTS and op in (Tok.QUO, Tok.REM):
            # integer division on typed operands truncates (Delve's QUO_ASSIGN)
            a, b = int(xc.number), int(yc.number)
            if b == 0:
                raise EvalError("runtime error: integer divide by zero")
            q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
            rc = Constant(ConstKind.INT, q if op is Tok.QUO else a - b * q)
        elif rt.kind in _INTS and op is Tok.SHL and int(yc.number) >= 8 * max(rt.size, 8):
            rc = Constant(ConstKind.INT, 0)  # every bit shifted out (without computing a huge number)
        elif rt.kind in _INTS and op in (Tok.SHL, Tok.SHR):
            rc = self._const_binary(op, xc, yc)
        else:
            rc = self._const_binary(op, xc, yc)
        length = len(_str_bytes(str(rc.value))) if rt.kind == Kind.String else 0
        return self._typed(typ, self._fit(typ, rc), length)

    @staticmethod
    def _const_binary(op: Tok, x: Constant, y: Constant) -> Constant:
        try:
            return binary_op(op, x, y)
        except ConstantError as e:
            raise EvalError(str(e)) from None

    def _negotiate(self, op: Tok, xv: Operand, yv: Operand) -> GoType | None:
        if isinstance(xv, NilValue) or isinstance(yv, NilValue):
            other = yv if isinstance(xv, NilValue) else xv
            if op not in (Tok.EQL, Tok.NEQ):
                raise EvalError(f'operator {TOKEN_STRING[op]} can not be applied to "nil"')
            if not isinstance(other, NilValue) and kind_of(other) not in _NILLABLE:
                raise EvalError(f"can not compare {KIND_NAMES.get(kind_of(other), '')} to nil")
            return None
        if op in (Tok.SHL, Tok.SHR):
            if kind_of(xv) not in _INTS:
                raise EvalError(f"shift of type {KIND_NAMES.get(kind_of(xv), '')}")
            yk = kind_of(yv)
            if yk == Kind.Int:
                count = yv.value if isinstance(yv, Value) else yv.number
                if (int(count) if count is not None else 0) < 0:
                    raise EvalError("shift count must not be negative")
            elif yk != Kind.Uint:
                raise EvalError(f"shift count type {KIND_NAMES.get(yk, '')}, must be unsigned integer")
            return xv.type if isinstance(xv, Value) else None
        if isinstance(xv, Constant) and isinstance(yv, Constant):
            return None
        if isinstance(xv, Value) and isinstance(yv, Value):
            if xv.type_name != yv.type_name:
                raise EvalError(f'mismatched types "{xv.type_name}" and "{yv.type_name}"')
            return xv.type
        typed = xv if isinstance(xv, Value) else yv
        const = yv if isinstance(xv, Value) else xv
        assert isinstance(typed, Value)
        self._check_type(const, typed)
        return typed.type

    def _check_type(self, x: Operand, target: Value) -> None:
        """Delve's isType: can `x` be used where a value of target's type is expected."""
        rt = target.real_type
        tname = target.real_type_name
        if isinstance(x, Value):
            if rt is None or not _same_type(rt, x.real_type):
                raise EvalError(f"can not convert value of type {x.type_name} to {tname}")
            return
        if isinstance(x, NilValue):
            if target.kind in (Kind.Slice, Kind.Map, Kind.Func, Kind.Pointer, Kind.Chan, Kind.Interface):
                return
            raise EvalError(f"mismatched types nil and {tname}")
        ok = {
            Kind.Int: (ConstKind.INT,), Kind.Uint: (ConstKind.INT,),
            Kind.Float32: (ConstKind.INT, ConstKind.FLOAT), Kind.Float64: (ConstKind.INT, ConstKind.FLOAT),
            Kind.Bool: (ConstKind.BOOL,), Kind.String: (ConstKind.STRING,),
            Kind.Complex64: (ConstKind.INT, ConstKind.FLOAT, ConstKind.COMPLEX),
            Kind.Complex128: (ConstKind.INT, ConstKind.FLOAT, ConstKind.COMPLEX),
        }.get(target.kind, ())
        if x.kind not in ok:
            raise EvalError(f"can not convert {_const_str(x)} constant to {tname}")

    def _compare(self, op: Tok, xv: Operand, yv: Operand) -> bool:  # noqa: C901 - Delve's compareOp
        k = kind_of(xv) if not isinstance(xv, NilValue) else kind_of(yv)
        if k in _SCALARS:
            # never nil: _negotiate and _check_type refuse to compare nil with a scalar
            assert not isinstance(xv, NilValue) and not isinstance(yv, NilValue)
            xc = xv if isinstance(xv, Constant) else self._to_const(xv)
            yc = yv if isinstance(yv, Constant) else self._to_const(yv)
            return self._const_compare(op, xc, yc)
        if k == Kind.String and not isinstance(xv, NilValue) and not isinstance(yv, NilValue):
            xl = xv.len if isinstance(xv, Value) else len(_str_bytes(str(xv.value)))
            yl = yv.len if isinstance(yv, Value) else len(_str_bytes(str(yv.value)))
            if xl != yl and op in (Tok.EQL, Tok.NEQ):
                return op is Tok.NEQ
            xs, ys = self._string(xv), self._string(yv)
            if len(_str_bytes(xs)) != xl or len(_str_bytes(ys)) != yl:
                raise EvalError("string too long for comparison")
            return self._const_compare(op, Constant(ConstKind.STRING, xs), Constant(ConstKind.STRING, ys))
        if op not in (Tok.EQL, Tok.NEQ):
            raise EvalError(f"operator {TOKEN_STRING[op]} not defined on {KIND_NAMES.get(k, '')}")
        if isinstance(xv, NilValue) or isinstance(yv, NilValue):
            other = yv if isinstance(xv, NilValue) else xv
            eq = isinstance(other, NilValue) or (isinstance(other, Value) and self._is_nil(other))
            return eq if op is Tok.EQL else not eq
        assert isinstance(xv, Value) and isinstance(yv, Value)
        if k == Kind.Pointer:
            eq = self._pointee(xv) == self._pointee(yv)
        elif k in (Kind.Array, Kind.Struct):
            if len(xv.children) != len(yv.children):
                return op is Tok.NEQ
            eq = all(self._compare(Tok.EQL, a, b) for a, b in zip(xv.children, yv.children, strict=True))
        elif k in (Kind.Slice, Kind.Map, Kind.Func, Kind.Chan):
            raise EvalError(f"can not compare {KIND_NAMES[k]} variables")
        elif k == Kind.Interface:
            a, b = xv.children[0], yv.children[0]
            eq = a.real_type_name == b.real_type_name and self._compare(Tok.EQL, a, b)
        else:
            raise EvalError(f"unimplemented comparison of {KIND_NAMES.get(k, '')} variables")
        return eq if op is Tok.EQL else not eq

    @staticmethod
    def _const_compare(op: Tok, x: Constant, y: Constant) -> bool:
        try:
            return bool(binary_op(op, x, y).value)
        except ConstantError as e:
            raise EvalError(str(e)) from None

    def _pointee(self, v: Value) -> int:
        if v.children:
            return v.children[0].addr
        return int(v.value or 0)

    def _is_nil(self, v: Value) -> bool:
        if v.kind == Kind.Pointer:
            return self._pointee(v) == 0
        if v.kind == Kind.Interface:
            return bool(v.children) and v.children[0].addr == 0 and v.children[0].kind == Kind.Invalid
        if v.kind in (Kind.Slice, Kind.Map, Kind.Func, Kind.Chan):
            return v.base == 0
        return False

    # -- calls, builtins and conversions -------------------------------------------

    def _call_or_cast(self, node: n.CallExpr) -> Operand:
        """Delve's compileTypeCastOrFuncCall: a conversion when the callee names a type."""
        if len(node.args) != 1:
            return self._function_call(node)
        fn = n.unparen(node.fun)
        while isinstance(fn, n.StarExpr):
            fn = n.unparen(fn.x)
        if isinstance(fn, n.BasicLit | n.ArrayType | n.StructType | n.FuncType | n.InterfaceType | n.MapType
                      | n.ChanType | n.IndexListExpr):
            return self._type_cast(node)
        if isinstance(fn, n.SelectorExpr) and isinstance(fn.x, n.Ident) or isinstance(fn, n.Ident):
            is_type = self.find_type_expr(fn) is not None
        elif isinstance(fn, n.IndexExpr) and isinstance(fn.x, n.Ident | n.SelectorExpr):
            # maybe an instantiated generic type: the conversion is tried first
            is_type = self.find_type_expr(n.unparen(node.fun)) is not None
        else:
            is_type = False
        return self._type_cast(node) if is_type else self._function_call(node)

    def _function_call(self, node: n.CallExpr) -> Operand:
        r = self._builtin(node)
        if r is not None:
            return r
        if self.call_hook is None:
            # Delve evaluates the function (and, with a debug pinner, the arguments) before
            # it finds out calls are not allowed: their errors come first
            self.eval(node.fun)
            if self.scope.ctx.binary.function_named("runtime.debugPinnerV1") is not None:
                for a in node.args:
                    self.eval(a)
            raise EvalError(ERR_CALLS)
        return self.call_hook(node, self)

    def _builtin(self, node: n.CallExpr) -> Operand | None:
        fn = node.fun
        if not isinstance(fn, n.Ident) or fn.name not in _BUILTINS:
            return None
        args = [self.eval(a) for a in node.args]
        texts = [expr_string(a) for a in node.args]
        name = fn.name
        if name in ("len", "cap"):
            if len(args) != 1:
                raise EvalError(f"wrong number of arguments to {name}: {len(args)}")
            return self._len_cap(name, args[0], texts[0])
        if name == "complex":
            if len(args) != 2:
                raise EvalError(f"wrong number of arguments to complex: {len(args)}")
            parts = []
            for i, a in enumerate(args):
                c = a if isinstance(a, Constant) else None
                if isinstance(a, Value):
                    self._load(a, LOAD_SINGLE)
                    c = self._to_const(a) if a.kind in (*_INTS, *_FLOATS) else None
                if c is None or c.kind not in (ConstKind.INT, ConstKind.FLOAT):
                    raise EvalError(f"invalid argument {i + 1} {texts[i]} (type {type_string(a)}) to complex")
                parts.append(c)
            sizes = [a.real_type.size for a in args if isinstance(a, Value) and a.real_type is not None]
            bits = max(sizes) * 16 if sizes else 128
            typ = GoType(-1, f"complex{bits}", "DW_TAG_base_type",
                         Kind.Complex64 if bits == 64 else Kind.Complex128, bits // 8)
            re_, im = parts
            return self._typed(typ, complex(float(Fraction(re_.number)), float(Fraction(im.number))))
        if len(args) != 1:
            raise EvalError(f"wrong number of arguments to {name}: {len(args)}")
        a = args[0]
        if isinstance(a, Value):
            self._load(a, LOAD_SINGLE)
            if a.kind in _SCALARS and a.value is not None:
                a = self._to_const(a)
        if name == "imag":
            if not isinstance(a, Constant) or a.kind is not ConstKind.COMPLEX:
                raise EvalError(f"invalid argument {texts[0]} (type {type_string(args[0])}) to imag")
            return a.parts[1]
        if not isinstance(a, Constant) or a.kind not in (ConstKind.INT, ConstKind.FLOAT, ConstKind.COMPLEX):
            raise EvalError(f"invalid argument {texts[0]} (type {type_string(args[0])}) to real")
        return a.parts[0] if a.kind is ConstKind.COMPLEX else a

    def _len_cap(self, name: str, arg: Operand, text: str) -> Constant:
        err = EvalError(f"invalid argument {text} (type {type_string(arg)}) for {name}")
        if name == "len" and isinstance(arg, Constant) and arg.kind is ConstKind.STRING:
            return Constant(ConstKind.INT, len(_str_bytes(str(arg.value))))
        if not isinstance(arg, Value):
            raise err
        k = arg.kind
        if k == Kind.Pointer:
            arg = self._maybe_deref(arg)
            if arg.kind != Kind.Array:
                raise err
            k = Kind.Array
        if k == Kind.Array or (name == "len" and k in (Kind.Slice, Kind.String)):
            if arg.unreadable:
                raise EvalError(arg.unreadable)
            return Constant(ConstKind.INT, arg.len)
        if name == "cap" and k == Kind.Slice:
            return Constant(ConstKind.INT, arg.cap)
        if k == Kind.Chan:
            # newVariable already read the channel's qcount/dataqsiz
            if arg.unreadable:
                raise EvalError(arg.unreadable)
            return Constant(ConstKind.INT, arg.len if name == "len" else arg.cap)
        if name == "len" and k == Kind.Map:
            rt = arg.real_type
            if rt is not None and not arg.loaded:
                try:
                    self.loader.load(arg, LoadCfg(False, -1, 0, 0, 0))  # the header only
                except OSError as e:
                    raise EvalError(error_text(e)) from None
            if arg.unreadable:
                raise EvalError(arg.unreadable)
            return Constant(ConstKind.INT, arg.len)
        raise err

    def _type_cast(self, node: n.CallExpr) -> Operand:  # noqa: C901 - Delve's evalTypeCast
        argv = self.eval(node.args[0])
        fn = n.unparen(node.fun)
        target = expr_string(fn)
        styp = self.find_type_expr(fn)
        if styp is None:
            if target in ("[]byte", "[]uint8"):
                styp = _fake_slice(GoType(-1, "uint8", "DW_TAG_base_type", Kind.Uint, 1))
            elif target in ("[]int32", "[]rune"):
                styp = _fake_slice(GoType(-1, "int32", "DW_TAG_base_type", Kind.Int, 4))
            else:
                raise _TypeNotFound(ERR_TYPE_NOT_FOUND)
        typ = styp.resolved()
        converr = EvalError(f'can not convert {_q(node.args[0])} to {dwarf_type_string(typ)}')
        if isinstance(argv, NilValue):
            raise converr
        if isinstance(argv, Value) and _cast_compatible(argv.real_type, typ):
            r = dataclasses.replace(argv, type=styp, kind=typ.kind, children=list(argv.children))
            if typ.kind == Kind.Pointer and argv.kind == Kind.Pointer and argv.loaded and r.children:
                c = r.children[0]
                r.children[0] = self.loader.new(c.name, c.addr, typ.target, c.mem)
                r.children[0].only_addr = True
            return r
        ak = kind_of(argv)
        if isinstance(argv, Value) and typ.kind in (Kind.Pointer, *_INTS, *_FLOATS, *_COMPLEXES):
            self._load(argv, LOAD_SINGLE)
        if typ.kind == Kind.Pointer:
            if ak not in _INTS:
                raise converr
            addr = int(argv.value if isinstance(argv, Value) else argv.number)
            child = self.loader.new("", addr, typ.target, self.scope.ctx.find_fake_memory(addr))
            child.only_addr = True
            return Value("", 0, styp, Kind.Pointer, self.loader.mem, children=[child], loaded=True)
        if typ.kind in _INTS:
            if ak in _INTS or ak in _FLOATS:
                x = argv.value if isinstance(argv, Value) else Fraction(argv.number)
                return self._typed(styp, _wrap(int(x), typ.size, typ.kind == Kind.Int))
            if ak == Kind.Pointer and typ.kind == Kind.Uint and isinstance(argv, Value):
                return self._typed(styp, self._pointee(argv))
        if typ.kind in _FLOATS and (ak in _INTS or ak in _FLOATS):
            x = float(argv.value if isinstance(argv, Value) else Fraction(argv.number))
            return self._typed(styp, _f32(x) if typ.kind == Kind.Float32 else x)
        if typ.kind in _COMPLEXES and (ak in _INTS or ak in _FLOATS):
            x = float(argv.value if isinstance(argv, Value) else Fraction(argv.number))
            return self._typed(styp, complex(x, 0))
        if isinstance(argv, Value):
            self._load(argv, self.load_cfg)
        if typ.kind == Kind.Slice and typ.elem is not None and ak == Kind.String:
            s = self._string(argv)
            ek = typ.elem.resolved()
            if ek.kind == Kind.Uint and ek.size == 1:
                items = list(_str_bytes(s))
            elif ek.kind == Kind.Int and ek.size == 4:
                # Go's []rune(s): each byte of invalid UTF-8 is utf8.RuneError
                items = [0xFFFD if 0xDC80 <= ord(ch) <= 0xDCFF else ord(ch) for ch in s]
            else:
                raise converr
            base = argv.addr if isinstance(argv, Value) else 0
            r = self._typed(styp, None, len(items))
            r.cap, r.elem = len(items), typ.elem
            r.children = [self._typed(typ.elem, x) for x in items]
            for i, c in enumerate(r.children):
                c.addr = base + i
            return r
        if typ.kind == Kind.String:
            if ak == Kind.String:
                s = self._string(argv)
                return self._typed(styp, s, len(_str_bytes(s)))
            if ak in _INTS:
                s = _rune_string(int(argv.value if isinstance(argv, Value) else argv.number))
                return self._typed(styp, s, len(_str_bytes(s)))
            if ak in (Kind.Slice, Kind.Array) and isinstance(argv, Value) and argv.elem is not None:
                ek = argv.elem.resolved()
                vals = [int(c.value) for c in argv.children]
                if ek.kind == Kind.Uint and argv.elem.name in ("uint8", "byte"):
                    s = bytes(v & 0xFF for v in vals).decode("utf-8", "surrogateescape")
                elif ek.kind == Kind.Int and argv.elem.name in ("int32", "rune"):
                    s = "".join(_rune_string(v) for v in vals)
                else:
                    raise converr
                return self._typed(styp, s, len(_str_bytes(s)))
        raise converr

    # -- Set --------------------------------------------------------------------------

    def set_variable(self, symbol: str, value: str) -> None:
        """Delve's SetVariable: `symbol = value`."""
        dst = self.eval_text(symbol)
        if not isinstance(dst, Value) or dst.addr == 0:
            raise EvalError(f'Can not assign to "{symbol}"')
        if dst.unreadable:
            raise EvalError(f'Expression "{symbol}" is unreadable: {dst.unreadable}')
        src = self.eval_text(value)
        self._set_value(dst, src, value)

    def assign(self, dst: Value, src: Operand, src_text: str) -> None:
        """Delve's setValue: also how an injected call's arguments are copied (funcCallCopyOneArg)."""
        self._set_value(dst, src, src_text)

    def _set_value(self, dst: Value, src: Operand, src_text: str) -> None:  # noqa: C901 - Delve's setValue
        if isinstance(src, Value):
            self.loader.load(src, LOAD_SINGLE)
        self._check_type(src, dst)
        if isinstance(src, Value) and src.unreadable:
            raise EvalError(f'Expression "{src_text}" is unreadable: {src.unreadable}')
        rt = dst.real_type
        assert rt is not None
        size = rt.size
        c = src if isinstance(src, Constant) else None
        if isinstance(src, Value) and src.kind in _SCALARS:
            c = self._to_const(src)
        k = dst.kind
        if k in _FLOATS and c is not None:
            f = float(Fraction(c.number))
            self._write(dst, struct.pack("<f" if size == 4 else "<d", f))
            return
        if k in _INTS and c is not None:
            v = int(Fraction(c.number))
            self._write(dst, (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
            return
        if k == Kind.Bool and c is not None:
            self._write(dst, b"\x01" if c.value else b"\x00")
            return
        if k in _COMPLEXES and c is not None:
            z = _complex(c) if dst.type is not None else 0j  # _fit(dst.type, c): dst's type is complex
            self._write(dst, struct.pack("<ff" if size == 8 else "<dd", z.real, z.imag))
            return
        if k == Kind.Func and size == 0:
            raise EvalError(f"can not assign to {dst.name}" if dst.name else "can not assign to function expression")
        if isinstance(src, NilValue):
            self._write(dst, bytes(size))
            return
        if kind_of(src) == Kind.String:
            if isinstance(src, Constant):
                if src.value:
                    raise EvalError(ERR_STR_ALLOC)
                self._write(dst, bytes(16))
                return
            if src.base == 0 and src.len != 0:
                raise EvalError(ERR_STR_ALLOC)
            self._write(dst, src.base.to_bytes(8, "little") + src.len.to_bytes(8, "little", signed=True))
            return
        assert isinstance(src, Value)
        if src.kind == Kind.Slice:
            self._write(dst, src.base.to_bytes(8, "little") + src.len.to_bytes(8, "little", signed=True)
                        + src.cap.to_bytes(8, "little", signed=True))
            return
        if rt.kind == Kind.Pointer:
            self._write(dst, self._pointee(src).to_bytes(8, "little"))
            return
        if src.addr != 0:
            try:
                data = src.mem.read(src.addr, size)
            except OSError as e:
                raise EvalError(error_text(e)) from None
            self._write(dst, data)
            return
        raise EvalError(f"can not set variables of type {KIND_NAMES.get(k, '')} (not implemented)")

    def _write(self, dst: Value, data: bytes) -> None:
        try:
            self.loader.write(dst, data)
        except OSError as e:
            raise EvalError(error_text(e)) from None


def _literal_string_needs_alloc(x: n.Expr) -> bool:
    """Delve's isStringLiteralThatNeedsAlloc: a non-empty string literal, or a sum of them."""
    x = n.unparen(x)
    if isinstance(x, n.BasicLit):
        return x.kind is Tok.STRING and x.value != '""'
    if isinstance(x, n.BinaryExpr) and x.op is Tok.ADD:
        return _literal_string_needs_alloc(x.x) and _literal_string_needs_alloc(x.y)
    return False


class _TypeNotFound(EvalError):
    """reader.ErrTypeNotFound: tells a failed conversion from a failed function lookup."""


def _untyped(x: Operand) -> Operand:
    """A constant-flagged value without a type (an element of `XMM0.uint64`) takes part in
    operations as the untyped constant it is in Delve."""
    if not (isinstance(x, Value) and x.type is None and x.flags & F_CONSTANT and x.loaded):
        return x
    v = x.value
    if isinstance(v, bool):
        return Constant(ConstKind.BOOL, v)
    if isinstance(v, int):
        return Constant(ConstKind.INT, v)
    if isinstance(v, float):
        return Constant(ConstKind.FLOAT, Fraction(v))
    if isinstance(v, str):
        return Constant(ConstKind.STRING, v)
    return x


def _rune_string(r: int) -> str:
    """Go's string(rune): an invalid code point is utf8.RuneError."""
    return chr(r) if 0 <= r <= 0x10FFFF and not 0xD800 <= r <= 0xDFFF else "\ufffd"


def _atoi(text: str) -> int | None:
    """strconv.Atoi: decimal digits with an optional sign, nothing else."""
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    return int(text)


def _fake_slice(elem: GoType) -> GoType:
    return GoType(-1, "[]" + elem.name, "DW_TAG_structure_type", Kind.Slice, 24, elem=elem)


def _same_type(t1: GoType, t2: GoType | None) -> bool:
    if t2 is None:
        return False
    t1, t2 = t1.resolved(), t2.resolved()
    if t1.kind == Kind.Pointer and t1.tag == "DW_TAG_pointer_type":
        return t2.kind == Kind.Pointer and t1.target is not None and t2.target is not None \
            and _same_type(t1.target, t2.target)
    if t1.kind == Kind.Slice:
        return t2.kind == Kind.Slice and t1.elem is not None and _same_type(t1.elem, t2.elem)
    return t1.name == t2.name


def _cast_compatible(t1: GoType | None, t2: GoType) -> bool:
    """typeCastCompatibleTypes: a conversion that only changes the type."""
    if t1 is None or t1.size != t2.size:
        return False
    if t1.name == t2.name:
        return True
    if t1.kind == Kind.Pointer and t2.kind == Kind.Pointer:
        if t1.target is None or t2.target is None:
            return True
        return _cast_compatible(t1.target.resolved(), t2.target.resolved())
    if t1.kind == Kind.Struct and t2.kind == Kind.Struct:
        return [(f.name, f.offset, f.type.name) for f in t1.fields] == \
            [(f.name, f.offset, f.type.name) for f in t2.fields]
    return t1.kind == t2.kind and t1.kind in (Kind.String, *_COMPLEXES, *_FLOATS, *_INTS, Kind.Bool)


def _const_value_text(c: Constant) -> str:
    # %v of a constant.Value in "\"fake\".member" errors: strings print quoted
    return c.go_string()


def _go_node_type(node: n.Expr) -> str:
    return f"*ast.{type(node).__name__}"
