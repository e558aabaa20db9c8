"""Delve's location specs (pkg/locspec): `main.add`, `main.go:42`, `*0x4b7160`, `*fn1`, `/regex/`,
`+1`, `-1`, `42`, `amap["k"]`.

`parse_locspec` is Delve's Parse (pure, with its Malformed... errors). `LocationResolver.find` is
Delve's LocationSpec.Find plus Debugger.findLocation: it asks the binary for functions, files
and lines and, through a `FindScope`, the frame the client named for relative specs and for
expressions (`*EXPR`, and a plain spec that names neither a file nor a function). Without a
scope (no such goroutine or frame, or a breakpoint's LocExpr, which Delve resolves without one)
relative specs and expressions do not resolve, as in Delve.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import field
from fractions import Fraction

from ..binary.funcnames import FuncSpec, name_without_type_params, partial_package_match
from ..binary.gobinary import MAX_CANDIDATES, BinaryError, Function, GoBinary, ambiguous_message
from ..binary.gotypes import KIND_NAMES, Kind
from ..errors import UserError
from ..goruntime.values import Value
from ..records import record
from . import goregexp
from .eval.scanner import go_quote


class LocationError(UserError):
    pass


# ---- specs (Delve's LocationSpec implementations) ------------------------------------------------

@record(frozen=True)
class NormalSpec:
    """file:line, func, func:line (or an expression the user forgot to prefix with '*')."""

    base: str
    func: FuncSpec | None
    line_offset: int  # -1: none given


@record(frozen=True)
class RegexSpec:
    regex: str


@record(frozen=True)
class AddrSpec:
    expr: str


@record(frozen=True)
class OffsetSpec:
    offset: int


@record(frozen=True)
class LineSpec:
    line: int


LocSpec = NormalSpec | RegexSpec | AddrSpec | OffsetSpec | LineSpec

_INT64_MAX = (1 << 63) - 1
_ATOI = re.compile(r"[+-]?[0-9]+")
# strconv.ParseInt(s, 0, 64): optional sign, a base prefix, '_' only between digits after a prefix.
_PARSE_INT0 = re.compile(r"[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)")


def _atoi(s: str) -> int | None:
    """strconv.Atoi, None on error (the error text is _atoi_error)."""
    if not _ATOI.fullmatch(s):
        return None
    v = int(s)
    return v if -_INT64_MAX - 1 <= v <= _INT64_MAX else None


def _atoi_error(s: str) -> str:
    why = "value out of range" if _ATOI.fullmatch(s) else "invalid syntax"
    return f"strconv.Atoi: parsing {go_quote(s)}: {why}"


def _parse_int0(s: str) -> int | None:
    """strconv.ParseInt(s, 0, 64), None on error."""
    if not _PARSE_INT0.fullmatch(s):
        return None
    sign = -1 if s[0] == "-" else 1
    body = s.lstrip("+-").replace("_", "")
    if len(body) > 1 and body[0] == "0" and body[1] in "xXbBoO":
        v = int(body, 0)
    elif len(body) > 1 and body[0] == "0":
        v = int(body, 8)
    else:
        v = int(body)
    v *= sign
    return v if -_INT64_MAX - 1 <= v <= _INT64_MAX else None


def _malformed(text: str, rest: str, reason: str) -> LocationError:
    return LocationError(f"Malformed breakpoint location {go_quote(text)} at {len(text) - len(rest)}: {reason}")


def parse_locspec(text: str) -> LocSpec:
    """Delve's locspec.Parse."""
    if not text:
        raise _malformed(text, text, "empty string")
    first = text[0]
    if first in "+-":
        offset = _atoi(text)
        if offset is None:
            raise _malformed(text, text, _atoi_error(text))
        return OffsetSpec(offset)
    if first == "/" and text.endswith("/"):
        rx, after = _read_regex(text[1:])
        if not after:
            raise _malformed(text, text, "non-terminated regular expression")
        if len(after) > 1:
            raise _malformed(text, text, "no line offset can be specified for regular expression locations")
        return RegexSpec(rx)
    if first == "*":
        return AddrSpec(text[1:])
    return _parse_default(text)


def _parse_default(text: str) -> LocSpec:
    parts = text.split(":")
    if len(parts) > 2:
        parts = [":".join(parts[:-1]), parts[-1]]
    if len(parts) == 1:
        line = _parse_int0(parts[0])
        if line is not None:
            return LineSpec(line)
        return NormalSpec(parts[0], FuncSpec.parse(parts[0]), -1)
    offset = _atoi(parts[1])
    if offset is None or offset < 0:
        raise _malformed(text, parts[1], "line offset negative or not a number")
    return NormalSpec(parts[0], FuncSpec.parse(parts[0]), offset)


def _read_regex(s: str) -> tuple[str, str]:
    """Delve's readRegex: up to the first unescaped '/', `\\/` unescaped; (regex, rest from '/')."""
    out: list[str] = []
    escaped = False
    for i, ch in enumerate(s):
        if escaped:
            out.append("/" if ch == "/" else "\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "/":
            return "".join(out), s[i:]
        else:
            out.append(ch)
    return "".join(out), ""


# ---- substitute-path rules (Delve's locspec.SubstitutePath) ------------------------------------

def _windows_abs(path: str) -> bool:
    if path.startswith("\\\\"):
        return True
    return len(path) >= 3 and path[1] == ":" and path[2] in "/\\"


def _is_abs(path: str) -> bool:
    return path.startswith("/") or _windows_abs(path)


def _join_path(to: str, rest: str) -> str:
    seps = {c for c in to if c in "/\\"}
    sep = seps.pop() if len(seps) == 1 else ""
    if sep == "/":
        rest = rest.replace("\\", "/")
    elif sep == "\\":
        rest = rest.replace("/", "\\")
    else:
        sep = "/"
    to_ends, rest_starts = to.endswith(("/", "\\")), rest.startswith(("/", "\\"))
    if to_ends and rest_starts:
        return to[:-1] + rest
    if to_ends or rest_starts:
        return to + rest
    return to + sep + rest


def substitute_path(path: str, rules: list[tuple[str, str]]) -> str:
    """Delve's SubstitutePath: the first rule whose `from` is a path prefix of `path` rewrites it."""
    ci = _windows_abs(path) or any(_windows_abs(a) or _windows_abs(b) for a, b in rules)
    for frm, to in rules:
        if path == frm:
            return to
        if frm == "":
            match, rest = not _is_abs(path), path
        else:
            if ci:
                match = path.lower().startswith(frm.lower())
                if match:
                    path, frm = path.lower(), frm.lower()
            else:
                match = path.startswith(frm)
            rest = path[len(frm):] if match else ""
            match = match and (frm.endswith(("/", "\\")) or rest.startswith(("/", "\\")))
        if match:
            if to == "":
                return rest[1:] if rest.startswith(("/", "\\")) else rest
            return _join_path(to, rest)
    return path


# ---- resolving ------------------------------------------------------------------------------------

@record
class FindScope:
    """The frame a FindLocation names (Delve's EvalScope): its pc, and an evaluator of expressions
    there that returns an eval Operand (Value, Constant or nil) or raises a UserError."""

    pc: int
    evaluate: Callable[[str], object]


@record
class ResolvedLocation:
    pc: int
    file: str
    line: int
    function: Function | None
    pcs: list[int] = field(default_factory=list)


@record
class FindResult:
    locations: list[ResolvedLocation]
    substitute: str = ""  # FindLocationOut.SubstituteLocExpr


class _NotFound(Exception):
    """Delve's ErrLocationNotFound inside a Find: findLocation turns an empty result into it."""


_INT_KINDS = frozenset({Kind.Int, Kind.Int8, Kind.Int16, Kind.Int32, Kind.Int64, Kind.Uint, Kind.Uint8,
                        Kind.Uint16, Kind.Uint32, Kind.Uint64, Kind.Uintptr})
# ConstKind names -> the Go type of such a constant
_CONST_KIND_NAMES = {"BOOL": "bool", "STRING": "string", "INT": "int", "FLOAT": "float64", "COMPLEX": "complex128"}


class LocationResolver:
    def __init__(self, binary: GoBinary) -> None:
        self.binary = binary

    # -- the pieces Delve's proc package provides ------------------------------------------

    def location_at(self, pc: int) -> ResolvedLocation:
        file, line = self.binary.pc_to_line(pc)
        return ResolvedLocation(pc, file, line, self.binary.function_at(pc), [pc])

    def for_function(self, fn: Function) -> ResolvedLocation:
        return self.location_at(self.binary.function_breakpoint_pc(fn))

    def file_line_pcs(self, file: str, line: int) -> list[int]:
        """Delve's FindFileLocation (file: a name as the binary has it)."""
        return self.binary.line_pcs(file, line)

    def _location(self, pcs: list[int]) -> ResolvedLocation:
        """Delve's addressesToLocation, then findLocation's PCToLine of the first pc."""
        if not pcs:
            return ResolvedLocation(0, "", 0, None, [])
        loc = self.location_at(pcs[0])
        loc.pcs = list(pcs)
        return loc

    # -- Find ---------------------------------------------------------------------------

    def find(self, text: str, spec: LocSpec, scope: FindScope | None, include_non_executable: bool = False,
             substitute_rules: list[tuple[str, str]] | None = None,
             process_args: list[str] | None = None) -> FindResult:
        """Delve's Debugger.findLocation for one target: every location `spec` names, Delve's
        errors (`location "X" not found` when nothing is found)."""
        try:
            res = self._find(text, spec, scope, include_non_executable, substitute_rules or [], process_args or [])
        except _NotFound:
            res = FindResult([])
        except BinaryError as e:
            raise LocationError(str(e)) from None
        if not res.locations:
            raise LocationError(f"location {go_quote(text)} not found")
        return res

    def _find(self, text: str, spec: LocSpec, scope: FindScope | None, non_exec: bool,
              rules: list[tuple[str, str]], process_args: list[str]) -> FindResult:
        if isinstance(spec, NormalSpec):
            return self._find_normal(text, spec, scope, non_exec, rules, process_args)
        if isinstance(spec, RegexSpec):
            return self._find_regex(spec, scope)
        if isinstance(spec, AddrSpec):
            return self._find_addr(spec, scope)
        if scope is None:
            raise LocationError("could not determine current location (scope is nil)")
        file, line = self.binary.pc_to_line(scope.pc)
        fn = self.binary.function_at(scope.pc)
        if isinstance(spec, OffsetSpec):
            if spec.offset == 0:
                return FindResult([self._location([scope.pc])], f"{file}:{line}" if fn is not None else "")
            target = line + spec.offset
        else:
            target = spec.line
        if fn is None:
            raise LocationError("could not determine current location")
        subst = f"{file}:{target}"
        try:
            return FindResult([self._location(self.file_line_pcs(file, target))], subst)
        except BinaryError as e:
            if non_exec and _could_not_find_line(e):
                return FindResult([ResolvedLocation(0, file, target, None)], subst)
            raise LocationError(str(e)) from None

    def _find_regex(self, spec: RegexSpec, scope: FindScope | None) -> FindResult:
        if scope is None:
            raise LocationError("could not determine location (scope is nil)")
        try:
            rx = goregexp.compile(spec.regex)
        except goregexp.RegexpError as e:
            raise LocationError(f"invalid filter argument: {e}") from None
        locs = []
        # Delve's Functions are in entry order: those only inlined (entry 0) come first
        for name in self.binary.inline_only_names() + [f.name for f in self.binary.functions()]:
            if rx.search(name):
                try:
                    pcs = self.binary.function_pcs(name, 0)
                except BinaryError:
                    continue
                if pcs:
                    locs.append(self._location(pcs))
        return FindResult(locs)

    def _find_addr(self, spec: AddrSpec, scope: FindScope | None) -> FindResult:
        if scope is None:
            addr = _parse_int0(spec.expr)
            if addr is None:
                raise LocationError("could not determine current location (scope is nil)")
            return FindResult([self._addr_location(addr)])
        from .eval.constants import Constant, ConstKind  # loaded by the evaluation itself

        v = scope.evaluate(spec.expr)
        if isinstance(v, Constant):
            if v.kind is ConstKind.INT:
                return FindResult([self._addr_location(int(v.number))])
            raise LocationError(f"wrong expression kind: {_CONST_KIND_NAMES[v.kind.name]}")
        if not isinstance(v, Value):  # nil
            raise LocationError("wrong expression kind: ptr")
        if v.unreadable:
            raise LocationError(v.unreadable)
        if v.kind in _INT_KINDS:
            value = v.value
            n = int(value) if isinstance(value, int | Fraction) else 0
            return FindResult([self._addr_location(n)])
        if v.kind == Kind.Func:
            fn = self.binary.function_at(v.base)
            if fn is None:
                raise _NotFound()
            pc = self.binary.first_pc_after_prologue(fn, sameline=False)
            return FindResult([self._addr_location(pc)], v.name or spec.expr)
        raise LocationError(f"wrong expression kind: {KIND_NAMES.get(v.kind, str(v.kind))}")

    def _addr_location(self, addr: int) -> ResolvedLocation:
        """An AddrLocationSpec's answer: PC only (no PCs), file/line/function as PCToLine says."""
        loc = self.location_at(addr & (1 << 64) - 1)
        loc.pcs = []
        return loc

    def _find_normal(self, text: str, spec: NormalSpec, scope: FindScope | None, non_exec: bool,
                     rules: list[tuple[str, str]], process_args: list[str]) -> FindResult:
        files: list[str] = []
        if rules or (process_args and spec.base.startswith(".")):
            for source in self.binary.sources():
                subst = substitute_path(source, rules) if rules else source
                if partial_package_match(spec.base, subst) or (
                        process_args and _relative_to_binary(spec.base, process_args[0], subst)):
                    files.append(source)
                    if len(files) >= MAX_CANDIDATES:
                        break
        else:  # the sources named as they are: found by name, not by trying every one
            files = self.binary.sources_matching(spec.base)[:MAX_CANDIDATES]
        limit = MAX_CANDIDATES - len(files)
        funcs: list[str] = []
        if spec.func is not None and limit > 0:
            funcs = self._func_candidates(spec, limit)
        if not files and not funcs:
            if scope is None:
                raise _NotFound()
            # Perhaps an expression the user forgot to prefix with '*'.
            try:
                return self._find_addr(AddrSpec(text), scope)
            except (UserError, OSError):
                raise _NotFound() from None
        if len(files) + len(funcs) > 1:
            raise LocationError(ambiguous_message(text, files + funcs))
        if files:
            if spec.line_offset < 0:
                raise LocationError("Malformed breakpoint location, no line offset specified")
            try:
                pcs = self.file_line_pcs(files[0], spec.line_offset)
            except BinaryError as e:
                if non_exec and _could_not_find_line(e):
                    return FindResult([ResolvedLocation(0, files[0], spec.line_offset, None)])
                raise
            return FindResult([self._location(pcs)])
        return FindResult([self._location(self.binary.function_pcs(funcs[0], spec.line_offset))])

    def _func_candidates(self, spec: NormalSpec, limit: int) -> list[str]:
        """Delve's findFuncCandidates: an exact name alone, else up to `limit` names (the
        instantiations of a generic function are one candidate, its generic name)."""
        fns = self.binary.find_functions(spec.base)
        names = list(dict.fromkeys(name_without_type_params(f.name) for f in fns))
        if spec.base in names:
            return [spec.base]
        if spec.func is not None:  # functions that exist only inlined are candidates too
            pm = self.binary.package_map() if spec.func.needs_packages else None  # DWARF: only if asked
            for n in self.binary.inline_only_names():
                if spec.func.match(n, pm):
                    if n == spec.base:
                        return [n]
                    if name_without_type_params(n) not in names:
                        names.append(name_without_type_params(n))
        return names[:limit]


def _relative_to_binary(expr: str, debugname: str, file: str) -> bool:
    """Delve's tryMatchRelativePathByProc: `./x.go` relative to the executable's directory."""
    return bool(expr) and expr[0] == "." and file == posixpath.normpath(
        posixpath.join(posixpath.dirname(debugname), expr))


def _could_not_find_line(e: BinaryError) -> bool:
    """Delve's ErrCouldNotFindLine (the file is known, the line has no statement; or no such file)."""
    text = str(e)
    return text.startswith(("could not find statement at", "could not find file"))
