"""Go function-name anatomy and Delve's partial matching of function locations.

Reproduces Delve's rules (pkg/locspec, proc.Function.parse) so that "add",
"Point.Scale", "(*Point).Scale", "main.(*Point).Scale" and
"internal/runtime/maps.add" select the same functions they do in Delve:
a name splits into package / receiver / base at the first two dots after the
last slash (ignoring dots inside generic brackets); a spec of 1, 2 or 3 dotted
parts fills base, receiver-or-package, package; package parts match a suffix
of the package path at a '/' boundary.
"""

from __future__ import annotations

import re

from ..records import record

_BRACKETS = re.compile(r"[\[\]]")


def split_name(name: str) -> tuple[str, str, str]:
    """(package, receiver, base) as Delve's Function.parse: split at the first two dots after
    the last slash, none of them inside generic brackets.

    Found with string methods on the stretches outside brackets rather than a loop over every
    character: indexing thousands of names (type arguments make them long) is one call each."""
    if name.startswith(("go:", "type:")):
        return "", "", name
    if "[" not in name:
        tail = name.rfind("/") + 1
        dot1 = name.find(".", tail)
        dot2 = name.find(".", dot1 + 1) if dot1 >= 0 else -1
    else:
        dots = _top_level_dots(name)
        dot1 = dots[0] if dots else -1
        dot2 = dots[1] if len(dots) > 1 else -1
    if dot1 < 0:
        return "", "", name
    if dot2 < 0:
        return name[:dot1], "", name[dot1 + 1 :]
    return name[:dot1], name[dot1 + 1 : dot2], name[dot2 + 1 :]


def _top_level_dots(name: str) -> list[int]:
    """The first two '.' after the last '/', both outside brackets. A ']' with no open
    bracket is an ordinary character, as in Delve's loop."""
    spans: list[tuple[int, int]] = []  # [lo, hi) outside brackets
    depth, start = 0, 0
    for m in _BRACKETS.finditer(name):
        i = m.start()
        if name[i] == "[":
            if depth == 0:
                spans.append((start, i))
            depth += 1
        elif depth > 0:
            depth -= 1
            if depth == 0:
                start = i + 1
    if depth == 0:
        spans.append((start, len(name)))
    slash = -1
    for lo, hi in reversed(spans):
        slash = name.rfind("/", lo, hi)
        if slash >= 0:
            break
    dots: list[int] = []
    for lo, hi in spans:
        lo = max(lo, slash + 1)
        while len(dots) < 2 and (d := name.find(".", lo, hi)) >= 0:
            dots.append(d)
            lo = d + 1
    return dots


def base_name(name: str) -> str:
    """split_name(name)[2]: the last element (`State` of `os.(*File).State`)."""
    return split_name(name)[2]


def _clear_inst(s: str) -> str:
    start, end = s.find("["), s.rfind("]")
    if start < 0 or start == end:
        return s
    return s[:start] + s[end + 1 :]


def name_without_type_params(name: str) -> str:
    """"pkg.F[go.shape.int]" -> "pkg.F" (Delve's NameWithoutTypeParams)."""
    if "[" not in name:
        return name
    pkg, rcv, base = split_name(name)
    if not pkg:
        return name
    rcv, base = _clear_inst(rcv), _clear_inst(base)
    return f"{pkg}.{rcv}.{base}" if rcv else f"{pkg}.{base}"


def strip_receiver_decoration(s: str) -> str:
    if len(s) >= 3 and s.startswith("(*") and s.endswith(")"):
        return s[2:-1]
    return s


def partial_package_match(expr: str, path: str) -> bool:
    if len(expr) < len(path) - 1:
        return path.endswith(expr) and path[len(path) - len(expr) - 1] == "/"
    return expr == path


@record(frozen=True, slots=True)
class FuncSpec:
    base: str
    receiver: str = ""
    package: str = ""
    package_or_receiver: str = ""
    absolute_package: bool = False

    @classmethod
    def parse(cls, spec: str) -> FuncSpec | None:
        """Delve's parseFuncLocationSpec; None when the text cannot name a function."""
        pathend = spec.rfind("/")
        if pathend < 0:
            parts = spec.split(".")
        else:
            parts = spec[pathend:].split(".")
            parts[0] = spec[:pathend] + parts[0]
        base = receiver = package = por = ""
        if len(parts) == 1:
            base = parts[0]
        elif len(parts) == 2:
            base = parts[1]
            r = strip_receiver_decoration(parts[0])
            if r != parts[0]:
                receiver = r
            elif "/" in r:
                package = r
            else:
                por = r
        elif len(parts) == 3:
            base, receiver, package = parts[2], strip_receiver_decoration(parts[1]), parts[0]
        else:
            return None
        absolute = False
        if package.startswith("/"):
            package, absolute = package[1:], True
        if "/" in base or "/" in receiver:
            return None
        return cls(base, receiver, package, por, absolute)

    @property
    def needs_packages(self) -> bool:
        """Whether `match` consults the package map (a package part that is not absolute)."""
        return bool((self.package and not self.absolute_package) or self.package_or_receiver)

    def match(self, name: str, package_map: dict[str, list[str]] | None = None) -> bool:
        pkg, rcv, base = split_name(name)
        if self.base != base:
            return False
        rcv = strip_receiver_decoration(rcv)
        if self.receiver and self.receiver != rcv:
            return False
        if self.package:
            if self.absolute_package:
                if self.package != pkg:
                    return False
            elif not _package_match(self.package, pkg, package_map):
                return False
        return not (self.package_or_receiver
                    and not _package_match(self.package_or_receiver, pkg, package_map)
                    and self.package_or_receiver != rcv)


def _package_match(spec_pkg: str, sym_pkg: str, package_map: dict[str, list[str]] | None) -> bool:
    for path in (package_map or {}).get(spec_pkg, ()):
        if partial_package_match(path, sym_pkg):
            return True
    return partial_package_match(spec_pkg, sym_pkg)
