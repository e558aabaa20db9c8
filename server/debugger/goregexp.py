"""Go's regexp package as Delve uses it: RE2 syntax (google-re2) and Go's error texts.

Every regular expression a client sends (ListFunctions, ListSources, ListTypes, ListPackageVars,
ListPackagesBuildInfo filters, `/re/` location specs) goes through `compile`. RE2 is the engine
Go's regexp/syntax reimplements, so syntax and matching agree; the differences are the wording
of errors (RE2 says `missing ]: [`, Go `error parsing regexp: missing closing ]: `[``) and two
constructs RE2 accepts and Go refuses (`\\C`, and `(?<=`/`(?<!` reported as a bad named capture).
Checked against Go 1.27's regexp.Compile on 107 patterns (tests/unit/test_goregexp.py).
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re2

# RE2's error code texts (re2/regexp.cc) -> Go's regexp/syntax ErrorCode texts.
_GO_CODES = {
    "unexpected error": "regexp/syntax: internal error",
    "invalid escape sequence": "invalid escape sequence",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "missing ]": "missing closing ]",
    "missing )": "missing closing )",
    "unexpected )": "unexpected )",
    "trailing \\": "trailing backslash at end of expression",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid repetition size": "invalid repeat count",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid UTF-8": "invalid UTF-8",
    "invalid named capture group": "invalid named capture",
    "pattern too large - compile failed": "expression too large",
    "pattern too large - reverse compile failed": "expression too large",
}
# Errors found only when the parser reaches the end of the pattern: an error Go meets earlier wins.
_AT_END = ("missing ]", "missing )", "trailing \\")



@functools.cache
def _re2() -> tuple[ModuleType, re2.Options]:
    """The module and its options, imported on the first pattern (not at every start)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would log every bad pattern on stderr
    return re2, options


class RegexpError(ValueError):
    """A pattern Go's regexp.Compile refuses; str() is Go's err.Error()."""

    def __init__(self, code: str, expr: str) -> None:
        super().__init__(f"error parsing regexp: {code}: `{expr}`")
        self.code, self.expr = code, expr


class GoRegexp:
    """A compiled pattern; `search` is Go's MatchString (unanchored)."""

    __slots__ = ("pattern", "_rx")

    def __init__(self, pattern: str, rx: re2._Regexp) -> None:
        self.pattern = pattern
        self._rx = rx

    def search(self, text: str) -> bool:
        return self._rx.search(text) is not None


def _re2_error(pattern: str) -> tuple[str, str] | None:
    """(RE2 error code text, argument) of a pattern RE2 refuses, None if it compiles."""
    re2, options = _re2()
    try:
        re2.compile(pattern, options)
    except re2.error as e:
        raw = e.args[0] if e.args else b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        code, sep, arg = text.partition(": ")
        return (code, arg) if sep else (text, "")
    return None


def _unsupported_escape(pattern: str) -> int:
    r"""Index of the first `\C` outside `\Q...\E` (RE2's any-byte escape, which Go refuses), -1 if none."""
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] != "\\" or i + 1 >= n:
            i += 1
            continue
        nxt = pattern[i + 1]
        if nxt == "Q":
            end = pattern.find("\\E", i + 2)
            if end < 0:
                return -1
            i = end + 2
            continue
        if nxt == "C":
            return i
        i += 2
    return -1


def _go_error(pattern: str, code: str, arg: str) -> RegexpError:
    if code == "trailing \\":
        return RegexpError(_GO_CODES[code], "")
    if code == "invalid perl operator" and arg.startswith("(?<"):
        # Go takes `(?<` as a named capture up to the next '>' (the rest of the pattern without one).
        start = pattern.find(arg)
        rest = pattern[start:] if start >= 0 else arg
        gt = rest.find(">")
        return RegexpError("invalid named capture", rest[:gt + 1] if gt >= 0 else rest)
    return RegexpError(_GO_CODES.get(code, code), arg)


def compile(pattern: str) -> GoRegexp:  # noqa: A001 - the name Go and re use
    """Go's regexp.Compile; raises RegexpError with Go's text."""
    err = _re2_error(pattern)
    cut = _unsupported_escape(pattern)
    if cut >= 0:
        # Go stops at the first error left to right: one before `\C` wins over it.
        before = _re2_error(pattern[:cut])
        if before is not None and before[0] not in _AT_END:
            raise _go_error(pattern[:cut], *before)
        raise RegexpError("invalid escape sequence", "\\C")
    if err is not None:
        raise _go_error(pattern, *err)
    re2, options = _re2()
    return GoRegexp(pattern, re2.compile(pattern, options))
