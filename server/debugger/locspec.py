"""Delve location specs: `main.add`, `main.go:42`, `*0x4b7160`, `/regex/`, `+1`, `-1`, `42`.

Parsing is pure; resolving asks the binary (functions, lines) and, for relative
specs, the file and line the user is stopped at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..binary.funcnames import name_without_type_params
from ..binary.gobinary import BinaryError, Function, GoBinary, ambiguous_message
from ..errors import UserError


class LocationError(UserError):
    pass


@dataclass(frozen=True)
class LocSpec:
    kind: str  # "addr" | "regex" | "offset" | "line" | "fileline" | "func"
    text: str
    addr: int = 0
    regex: str = ""
    offset: int = 0
    file: str = ""
    line: int = 0
    func: str = ""


@dataclass
class ResolvedLocation:
    pc: int
    file: str
    line: int
    function: Function | None
    pcs: list[int] = field(default_factory=list)


def parse_locspec(text: str) -> LocSpec:
    if text == "":
        raise LocationError('Malformed breakpoint location "" at 0: empty string')
    if text.startswith("*"):
        try:
            return LocSpec("addr", text, addr=int(text[1:].strip(), 0))
        except ValueError:
            raise LocationError(f'location "{text}" not found') from None
    if text.startswith("/") and text.endswith("/") and len(text) >= 2:
        return LocSpec("regex", text, regex=text[1:-1])
    if text[0] in "+-" and text[1:].isdigit():
        return LocSpec("offset", text, offset=int(text))
    if text.isdigit():
        return LocSpec("line", text, line=int(text))
    head, sep, tail = text.rpartition(":")
    if sep and tail.isdigit():
        if head.endswith(".go") or "/" in head or "\\" in head:
            return LocSpec("fileline", text, file=head, line=int(tail))
        return LocSpec("func", text, func=head, line=int(tail))
    return LocSpec("func", text, func=text)


class LocationResolver:
    def __init__(self, binary: GoBinary) -> None:
        self.binary = binary

    def location_at(self, pc: int) -> ResolvedLocation:
        file, line = self.binary.pc_to_line(pc)
        return ResolvedLocation(pc, file, line, self.binary.function_at(pc), [pc])

    def for_function(self, fn: Function) -> ResolvedLocation:
        return self.location_at(self.binary.function_breakpoint_pc(fn))

    def for_file_line(self, file: str, line: int) -> ResolvedLocation:
        full = self.binary.resolve_file(file)
        pcs = self.binary.line_pcs(full, line)
        loc = self.location_at(pcs[0])
        loc.file, loc.line, loc.pcs = full, line, pcs
        return loc

    def resolve(self, spec: LocSpec, current: tuple[str, int] | None = None,
                include_non_executable: bool = False) -> list[ResolvedLocation]:
        """All locations a spec names; raises LocationError with Delve's FindLocation texts.
        With include_non_executable a file line without code is answered as Delve does: one
        location with pc 0 and no function."""
        not_found = LocationError(f'location "{spec.text}" not found')
        try:
            if spec.kind == "addr":
                return [self.location_at(spec.addr)]
            if spec.kind == "regex":
                try:
                    rx = re.compile(spec.regex)
                except re.error as e:
                    raise LocationError(f"invalid regular expression: {e}") from None
                fns = [f for f in self.binary.functions() if rx.search(f.name)]
                return [self.for_function(f) for f in fns]
            if spec.kind in ("offset", "line", "fileline"):
                if spec.kind == "fileline":
                    file, line = self.binary.resolve_file(spec.file), spec.line
                elif current is None:
                    raise LocationError("no current file/line to resolve a relative location")
                else:
                    file, line = current[0], current[1] + spec.offset if spec.kind == "offset" else spec.line
                try:
                    return [self.for_file_line(file, line)]
                except BinaryError as e:
                    if include_non_executable and "could not find statement" in str(e):
                        return [ResolvedLocation(0, file, line, None)]
                    raise
            fns = self.binary.find_functions(spec.func)
            if not fns:
                raise not_found
            # Instantiations of one generic function are one candidate (Delve's findFuncCandidates).
            names = list(dict.fromkeys(name_without_type_params(f.name) for f in fns))
            if len(names) > 1:
                raise LocationError(ambiguous_message(spec.text, names))
            if spec.line:  # Delve: a line offset from the function's first line
                file, line = self.binary.pc_to_line(fns[0].entry)
                return [self.for_file_line(file, line + spec.line)]
            locs = sorted((self.for_function(f) for f in fns), key=lambda loc: loc.pc)
            locs[0].pcs = [loc.pc for loc in locs]
            return locs[:1]
        except BinaryError as e:
            if spec.kind in ("fileline", "offset", "line", "func") and "could not find statement" in str(e):
                raise LocationError(str(e)) from None
            raise not_found from None
