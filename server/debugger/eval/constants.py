"""Untyped Go constants as Delve's evaluator computes them (go/constant semantics).

Delve evaluates constant sub-expressions with go/constant, which is exact: ints are
unbounded, floats are rationals. Checked against Delve 1.20.2's Eval replies:
`7/2` is the float 3.5 (go/constant's QUO on ints is exact division, not Go's truncating
one), `1/0` fails with `division by zero`, `1 % 0` with
`runtime error: integer divide by zero`, ints beyond int64 are reported with kind Uint64.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import TypeAlias, TypeVar

from ...binary.gotypes import Kind
from ...records import record
from . import nodes as n
from .scanner import Source, go_quote
from .tokens import TOKEN_STRING, Tok

FLAG_CONSTANT = 4  # proc.VariableConstant: api.Variable flag of Delve's constant replies

_INT64_MAX = (1 << 63) - 1


class ConstKind(Enum):
    BOOL = "bool"
    STRING = "string"
    INT = "int"  # also rune literals: go/constant has no separate rune kind
    FLOAT = "float"
    COMPLEX = "complex"


ConstValue: TypeAlias = bool | str | int | Fraction | tuple["Constant", "Constant"]
"""Constant.value by kind: BOOL bool, STRING str (Go string as text), INT int, FLOAT Fraction,
COMPLEX a (real, imag) pair of Constants of kind INT or FLOAT."""


@record(frozen=True, slots=True)
class Constant:
    """An untyped constant: `value` is the ConstValue of its kind."""

    kind: ConstKind
    value: ConstValue

    @property
    def number(self) -> int | Fraction:
        """The value of an INT or FLOAT constant (go/constant's are exact: int or Fraction)."""
        v = self.value
        if isinstance(v, int | Fraction):
            return v
        raise TypeError(f"{self.kind.value} constant has no real value")

    @property
    def parts(self) -> tuple[Constant, Constant]:
        """The (real, imag) parts of a COMPLEX constant."""
        v = self.value
        if isinstance(v, tuple):
            return v
        raise TypeError(f"{self.kind.value} constant has no complex parts")

    def go_string(self) -> str:
        """go/constant's Value.String(), which Delve shows for ints, bools and complexes."""
        k, v = self.kind, self.value
        if k is ConstKind.BOOL:
            return "true" if v else "false"
        if k is ConstKind.STRING:
            return go_quote(str(v))
        if k is ConstKind.INT:
            return str(v)
        if k is ConstKind.FLOAT:
            return _short_float(self.number)
        re, im = self.parts
        return f"({re.go_string()} + {im.go_string()}i)"


# Bounds on untyped constants (go/constant has none: `1 << 100000000000` would allocate 12.5 GB,
# and `"a" + 1 + 1 + ...` doubles a string at each step). Every operand is within them, so each
# operation is cheap, and a result past them is an error. 8192 bits print in 2467 digits.
MAX_CONST_BITS = 8192
MAX_CONST_STRING = 1 << 20


class ConstantError(Exception):
    """An evaluation error, worded as Delve words it."""


# -- literals ----------------------------------------------------------------------


def literal_value(lit: n.BasicLit) -> Constant:
    """constant.MakeFromLiteral: the value of a literal the parser accepted."""
    c = _literal_value(lit)
    if _overflow(c):
        raise ConstantError(f"constant overflow: untyped constants are limited to {MAX_CONST_BITS} bits")
    return c


def _literal_value(lit: n.BasicLit) -> Constant:
    text = lit.value
    if lit.kind in (Tok.INT, Tok.FLOAT, Tok.IMAG) and (len(text) > _MAX_LITERAL_DIGITS or _huge_exponent(text)):
        raise ConstantError(f"constant overflow: untyped constants are limited to {MAX_CONST_BITS} bits")
    if lit.kind is Tok.INT:
        return Constant(
            ConstKind.INT, int(text.replace("_", ""), 0) if not _legacy_octal(text) else int(text, 8)
        )
    if lit.kind is Tok.FLOAT:
        return Constant(ConstKind.FLOAT, _parse_float(text))
    if lit.kind is Tok.IMAG:
        body = text[:-1]
        if _is_int_literal(body):
            im = Constant(
                ConstKind.INT, int(body.replace("_", ""), 0) if not _legacy_octal(body) else int(body, 10)
            )
        else:
            im = Constant(ConstKind.FLOAT, _parse_float(body))
        return Constant(ConstKind.COMPLEX, (Constant(ConstKind.INT, 0), im))
    if lit.kind is Tok.CHAR:
        return Constant(ConstKind.INT, ord(_unquote(text[1:-1], "'")))
    if text.startswith("`"):
        return Constant(ConstKind.STRING, text[1:-1])
    return Constant(ConstKind.STRING, _unquote(text[1:-1], '"'))


def _legacy_octal(text: str) -> bool:
    t = text.replace("_", "")
    return len(t) > 1 and t[0] == "0" and t[1].isdigit()


def _is_int_literal(text: str) -> bool:
    t = text.lower()
    if t.startswith("0x"):
        return "." not in t and "p" not in t
    return not any(c in t for c in ".e") or t.startswith(("0b", "0o"))


_MAX_LITERAL_DIGITS = 4096  # a longer number literal is over MAX_CONST_BITS whatever its base
_EXPONENT = re.compile(r"[eEpP][+-]?([0-9_]+)")


def _huge_exponent(text: str) -> bool:
    """An exponent that would make the exact value (a Fraction) enormous before any check."""
    if text[:2].lower() == "0x":
        m = re.search(r"[pP][+-]?([0-9_]+)", text)
        return m is not None and int(m.group(1).replace("_", "")) > 4 * MAX_CONST_BITS
    m = _EXPONENT.search(text)
    return m is not None and int(m.group(1).replace("_", "")) > MAX_CONST_BITS


def _parse_float(text: str) -> Fraction:
    t = text.replace("_", "").lower()
    if t.startswith("0x"):
        mant, _, exp = t[2:].partition("p")
        whole, _, frac = mant.partition(".")
        digits = int((whole + frac) or "0", 16)
        return Fraction(digits) * Fraction(2) ** (int(exp or "0") - 4 * len(frac))
    return Fraction(Decimal(t))


_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _unquote(body: str, quote: str) -> str:
    """strconv.Unquote of an accepted literal's body. A string is bytes in Go: byte escapes
    (\\x, octal) are bytes, \\u/\\U and plain text their UTF-8; the result is that byte string
    decoded with surrogateescape (invalid UTF-8 kept as lone surrogates, one per byte). A
    rune literal is the number itself."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("utf-8", "surrogateescape")
            i += 1
            continue
        e = body[i + 1]
        if e in _SIMPLE_ESCAPES or e == quote:
            out += _SIMPLE_ESCAPES.get(e, quote).encode()
            i += 2
        elif e in "uU":
            n = 6 if e == "u" else 10
            out += chr(int(body[i + 2 : i + n], 16)).encode("utf-8", "surrogatepass")
            i += n
        else:
            n = 4
            b = int(body[i + 2 : i + 4], 16) if e == "x" else int(body[i + 1 : i + 4], 8)
            if quote == "'":
                return chr(b)
            out.append(b)
            i += n
    return out.decode("utf-8", "surrogateescape")


def _short_float(v: Fraction | int) -> str:
    """go/constant's floatVal.String(): %.6g, more digits if that hides a fraction."""
    f = _to_float64(v)
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    s = _go_g(f, 6)
    if v.denominator != 1 and "." not in s:
        s = repr(f)
    return s


def _go_g(f: float, prec: int) -> str:
    return format(f, f".{prec}g")


def _to_float64(v: Fraction | int) -> float:
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def format_float64(v: Fraction | int) -> str:
    """strconv.FormatFloat(Float64Val(v), 'f', -1, 64), with Delve's +Inf/-Inf/NaN."""
    f = _to_float64(v)
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if math.isnan(f):
        return "NaN"
    s = format(Decimal(repr(f)), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")  # 'f' with precision -1: shortest, no trailing zeros
    return s


# -- folding -----------------------------------------------------------------------


def fold(expr: n.Expr, source: str | None = None) -> Constant | None:
    """The constant value of `expr` if it is made only of literals and operators on them
    (parentheses, unary and binary operators), else None. Raises ConstantError for
    operations Delve rejects (division by zero, invalid operations)."""
    if isinstance(expr, n.BasicLit):
        return literal_value(expr)
    if isinstance(expr, n.ParenExpr):
        return fold(expr.x, source)
    if isinstance(expr, n.Ident) and expr.name in ("true", "false"):
        # Delve resolves these before any variable lookup
        return Constant(ConstKind.BOOL, expr.name == "true")
    if isinstance(expr, n.UnaryExpr):
        x = fold(expr.x, source)
        return None if x is None else unary_op(expr.op, x)
    if isinstance(expr, n.BinaryExpr):
        x = fold(expr.x, source)
        if x is None:
            return None
        y = fold(expr.y, source)
        return None if y is None else binary_op(expr.op, x, y)
    return None


def _as_complex(c: Constant) -> tuple[Fraction, Fraction]:
    if c.kind is ConstKind.COMPLEX:
        re, im = c.parts
        return Fraction(re.number), Fraction(im.number)
    return Fraction(c.number), Fraction(0)


def _make_number(v: Fraction | int, as_float: bool) -> Constant:
    if not as_float:
        return Constant(ConstKind.INT, int(v))
    return Constant(ConstKind.FLOAT, Fraction(v))


def _make_complex(re: Fraction, im: Fraction) -> Constant:
    def part(p: Fraction) -> Constant:
        # go/constant keeps integral parts as ints (they print as "5", not "5.0")
        return Constant(ConstKind.INT, int(p)) if p.denominator == 1 else Constant(ConstKind.FLOAT, p)

    return Constant(ConstKind.COMPLEX, (part(re), part(im)))


_NUMERIC = (ConstKind.INT, ConstKind.FLOAT, ConstKind.COMPLEX)
_RANK = {ConstKind.INT: 0, ConstKind.FLOAT: 1, ConstKind.COMPLEX: 2}


def _invalid(x: Constant, op: Tok, y: Constant) -> ConstantError:
    return ConstantError(f"invalid binary operation {x.go_string()} {TOKEN_STRING[op]} {y.go_string()}")




def _overflow(c: Constant) -> bool:
    v = c.value
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return v.bit_length() > MAX_CONST_BITS
    if isinstance(v, Fraction):
        return max(v.numerator.bit_length(), v.denominator.bit_length()) > MAX_CONST_BITS
    if isinstance(v, str):
        return len(v) > MAX_CONST_STRING
    if isinstance(v, tuple):
        return any(_overflow(p) for p in v)
    return False


def binary_op(op: Tok, x: Constant, y: Constant) -> Constant:
    """A binary operator on two untyped constants, as Delve + go/constant compute it (within
    MAX_CONST_BITS and MAX_CONST_STRING)."""
    result = _binary_op(op, x, y)
    if _overflow(result):
        if result.kind is ConstKind.STRING:
            raise ConstantError(f"constant string longer than {MAX_CONST_STRING} bytes")
        raise ConstantError(f"constant overflow: untyped constants are limited to {MAX_CONST_BITS} bits")
    return result


def _binary_op(op: Tok, x: Constant, y: Constant) -> Constant:
    if op in (Tok.SHL, Tok.SHR):
        return _shift(op, x, y)
    if op in (Tok.EQL, Tok.NEQ, Tok.LSS, Tok.LEQ, Tok.GTR, Tok.GEQ):
        return Constant(ConstKind.BOOL, _compare(op, x, y))
    if x.kind is ConstKind.STRING or y.kind is ConstKind.STRING:
        if op is Tok.ADD and x.kind is ConstKind.STRING and y.kind is ConstKind.STRING:
            return Constant(ConstKind.STRING, str(x.value) + str(y.value))
        if (
            op is Tok.ADD
            and ConstKind.STRING in (x.kind, y.kind)
            and {x.kind, y.kind} <= {ConstKind.STRING, ConstKind.INT}
        ):
            # Delve 1.20 converts the int operand to the string one's type, which keeps
            # the string's value: `"a" + 1` and `1 + "a"` both give "aa".
            s = str(x.value if x.kind is ConstKind.STRING else y.value)
            return Constant(ConstKind.STRING, s + s)
        raise _invalid(x, op, y)
    if x.kind is ConstKind.BOOL or y.kind is ConstKind.BOOL:
        if x.kind is y.kind and op in (Tok.LAND, Tok.LOR):
            r = (x.value and y.value) if op is Tok.LAND else (x.value or y.value)
            return Constant(ConstKind.BOOL, bool(r))
        raise _invalid(x, op, y)
    if op in (Tok.LAND, Tok.LOR):
        raise _invalid(x, op, y)
    rank = max(_RANK[x.kind], _RANK[y.kind])
    if rank == 2:
        return _complex_op(op, x, y)
    a, b = x.number, y.number
    if op is Tok.ADD:
        return _make_number(a + b, rank == 1)
    if op is Tok.SUB:
        return _make_number(a - b, rank == 1)
    if op is Tok.MUL:
        return _make_number(a * b, rank == 1)
    if op is Tok.QUO:
        if b == 0:
            raise ConstantError("division by zero")
        return Constant(ConstKind.FLOAT, Fraction(a) / Fraction(b))
    if rank == 1:
        raise _invalid(x, op, y)  # the rest are integer-only
    ia, ib = int(a), int(b)
    if op is Tok.REM:
        if ib == 0:
            raise ConstantError("runtime error: integer divide by zero")
        return Constant(ConstKind.INT, ia - ib * _trunc_div(ia, ib))
    if op is Tok.AND:
        return Constant(ConstKind.INT, ia & ib)
    if op is Tok.OR:
        return Constant(ConstKind.INT, ia | ib)
    if op is Tok.XOR:
        return Constant(ConstKind.INT, ia ^ ib)
    if op is Tok.AND_NOT:
        return Constant(ConstKind.INT, ia & ~ib)
    raise _invalid(x, op, y)


def _trunc_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _complex_op(op: Tok, x: Constant, y: Constant) -> Constant:
    (a, b), (c, d) = _as_complex(x), _as_complex(y)
    if op is Tok.ADD:
        return _make_complex(a + c, b + d)
    if op is Tok.SUB:
        return _make_complex(a - c, b - d)
    if op is Tok.MUL:
        return _make_complex(a * c - b * d, a * d + b * c)
    if op is Tok.QUO:
        den = c * c + d * d
        if den == 0:
            raise ConstantError("division by zero")
        return _make_complex((a * c + b * d) / den, (b * c - a * d) / den)
    raise _invalid(x, op, y)


def _compare(op: Tok, x: Constant, y: Constant) -> bool:
    if x.kind in _NUMERIC and y.kind in _NUMERIC:
        if ConstKind.COMPLEX in (x.kind, y.kind):
            if op not in (Tok.EQL, Tok.NEQ):
                raise ConstantError(f"invalid comparison {x.go_string()} {TOKEN_STRING[op]} {y.go_string()}")
            eq = _as_complex(x) == _as_complex(y)
            return eq if op is Tok.EQL else not eq
        return _ordered(op, x.number, y.number)
    if x.kind is y.kind and x.kind in (ConstKind.STRING, ConstKind.BOOL):
        if x.kind is ConstKind.BOOL:
            if op not in (Tok.EQL, Tok.NEQ):
                raise ConstantError(f"invalid comparison {x.go_string()} {TOKEN_STRING[op]} {y.go_string()}")
            eq = x.value == y.value
            return eq if op is Tok.EQL else not eq
        # Go compares strings bytewise: compare the UTF-8 encodings
        xb, yb = str(x.value).encode("utf-8", "surrogateescape"), str(y.value).encode("utf-8", "surrogateescape")
        return _ordered(op, xb, yb)
    raise ConstantError(f"invalid comparison {x.go_string()} {TOKEN_STRING[op]} {y.go_string()}")


_Ordered = TypeVar("_Ordered", int | Fraction, bytes)


def _ordered(op: Tok, a: _Ordered, b: _Ordered) -> bool:
    return {
        Tok.EQL: a == b,
        Tok.NEQ: a != b,
        Tok.LSS: a < b,
        Tok.LEQ: a <= b,
        Tok.GTR: a > b,
        Tok.GEQ: a >= b,
    }[op]


def _shift(op: Tok, x: Constant, y: Constant) -> Constant:
    if x.kind is not ConstKind.INT:
        raise ConstantError(f"shift of type {_delve_type_name(x)}")
    if y.kind is not ConstKind.INT:
        raise ConstantError(f"shift count type {_delve_type_name(y)}, must be unsigned integer")
    s = int(y.number)
    if s < 0:
        raise ConstantError(f"invalid shift count {s}")
    v = int(x.number)
    if op is Tok.SHL and v and s > MAX_CONST_BITS:
        raise ConstantError(f"constant overflow: untyped constants are limited to {MAX_CONST_BITS} bits")
    return Constant(ConstKind.INT, v << s if op is Tok.SHL else v >> s)


def _delve_type_name(c: Constant) -> str:
    # the reflect.Kind Delve gives the constant, as it names it in shift errors
    return {
        ConstKind.FLOAT: "float64",
        ConstKind.COMPLEX: "complex128",
        ConstKind.STRING: "string",
        ConstKind.BOOL: "bool",
    }.get(c.kind, "int")


def unary_op(op: Tok, x: Constant) -> Constant:
    """+x, -x, !x, ^x on an untyped constant (constant.UnaryOp)."""
    if op is Tok.ADD and x.kind in _NUMERIC:
        return x
    if op is Tok.SUB and x.kind in _NUMERIC:
        if x.kind is ConstKind.COMPLEX:
            re, im = _as_complex(x)
            return _make_complex(-re, -im)
        return Constant(x.kind, -x.number)
    if op is Tok.XOR and x.kind is ConstKind.INT:
        return Constant(ConstKind.INT, ~int(x.number))
    if op is Tok.NOT and x.kind is ConstKind.BOOL:
        return Constant(ConstKind.BOOL, not x.value)
    raise ConstantError(f"invalid unary operation {TOKEN_STRING[op]}{x.go_string()}")


# -- Delve's reply -----------------------------------------------------------------


@record(frozen=True, slots=True)
class ConstantVariable:
    """The fields of api.Variable that differ from zero for a constant result (the
    name is the expression text; type, realType, addr... stay empty/zero)."""

    kind: Kind
    value: str
    len: int = 0
    flags: int = FLAG_CONSTANT
    children: tuple[tuple[str, Kind, str], ...] = ()  # (name, kind, value) for complexes


def constant_variable(c: Constant) -> ConstantVariable:
    """What Delve's Eval reports for a constant: proc.newConstant + api.ConvertVar."""
    if c.kind is ConstKind.BOOL:
        return ConstantVariable(Kind.Bool, c.go_string())
    if c.kind is ConstKind.STRING:
        s = str(c.value)
        return ConstantVariable(Kind.String, s, len(s.encode("utf-8", "surrogateescape")))
    if c.kind is ConstKind.INT:
        v = int(c.number)
        # Delve 1.20: positive ints past int64 get kind Uint64, negative ones stay Int
        kind = Kind.Uint64 if v > _INT64_MAX else Kind.Int
        return ConstantVariable(kind, str(v))
    if c.kind is ConstKind.FLOAT:
        return ConstantVariable(Kind.Float64, format_float64(c.number))
    re, im = _as_complex(c)
    children = (("real", Kind.Float64, format_float64(re)), ("imaginary", Kind.Float64, format_float64(im)))
    return ConstantVariable(Kind.Complex128, c.go_string(), 2, FLAG_CONSTANT, children)


__all__ = [
    "ConstKind",
    "ConstValue",
    "Constant",
    "ConstantError",
    "ConstantVariable",
    "Source",
    "binary_op",
    "constant_variable",
    "fold",
    "format_float64",
    "literal_value",
    "unary_op",
]
