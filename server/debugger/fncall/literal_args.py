"""TEMPORARY: the one piece of expression parsing `call` needs until the evaluator
(server/debugger/eval/) can hand over a call AST: `name(lit, lit, ...)` where a literal
is a Go int, float, bool or interpreted string constant. Delete this module once
caller.py takes its function and arguments from the evaluator.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_CALL_RE = re.compile(r"^\s*([A-Za-z_][\w.]*(?:\.\(\*?\w+\)\.\w+)?)\s*\((.*)\)\s*$", re.S)
_INT_RE = re.compile(r"^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)$")
_FLOAT_RE = re.compile(r"^[+-]?(\d[\d_]*\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")


class LiteralParseError(ValueError):
    pass


@dataclass(frozen=True)
class Literal:
    kind: str  # "int", "float", "bool", "string"
    value: int | float | bool | str
    text: str


@dataclass(frozen=True)
class CallExpr:
    function: str
    args: list[Literal]


def _split_args(text: str) -> list[str]:
    parts, cur, quote, esc = [], [], "", False
    for ch in text:
        if quote:
            cur.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == quote:
                quote = ""
        elif ch in "\"`":
            quote = ch
            cur.append(ch)
        elif ch == ",":
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    last = "".join(cur).strip()
    if last or parts:
        parts.append(last)
    return parts


def parse_literal(text: str) -> Literal:
    if text in ("true", "false"):
        return Literal("bool", text == "true", text)
    if text[:1] == '"' or text[:1] == "`":
        try:
            return Literal("string", ast.literal_eval(text), text)
        except (SyntaxError, ValueError):
            raise LiteralParseError(f"invalid string literal {text}") from None
    if _INT_RE.match(text):
        t = text.replace("_", "")
        neg = t.startswith("-")
        t = t.lstrip("+-")
        if len(t) > 1 and t[0] == "0" and t[1] in "0123456789":
            t = "0o" + t[1:]
        v = int(t, 0)
        return Literal("int", -v if neg else v, text)
    if _FLOAT_RE.match(text):
        return Literal("float", float(text.replace("_", "")), text)
    raise LiteralParseError(f"unsupported argument {text!r}: only constant arguments for now")


def parse_call(text: str) -> CallExpr:
    m = _CALL_RE.match(text)
    if m is None:
        if not text.strip():
            raise LiteralParseError("1:1: expected operand, found 'EOF'")
        raise LiteralParseError(f"expression {text.strip()!r} is not a function call (not supported by pydlv yet)")
    return CallExpr(m.group(1), [parse_literal(a) for a in _split_args(m.group(2))])
