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

from dataclasses import dataclass


def split_name(name: str) -> tuple[str, str, str]:
    """(package, receiver, base) as Delve's Function.parse."""
    if name.startswith(("go:", "type:")):
        return "", "", name
    dot1 = dot2 = -1
    depth = 0
    for i, c in enumerate(name):
        if depth == 0:
            if c == "[":
                depth += 1
            elif c == "/":
                dot1 = dot2 = -1
            elif c == ".":
                if dot1 < 0:
                    dot1 = i
                elif dot2 < 0:
                    dot2 = i
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
    if dot1 < 0:
        return "", "", name
    if dot2 < 0:
        return name[:dot1], "", name[dot1 + 1 :]
    return name[:dot1], name[dot1 + 1 : dot2], name[dot2 + 1 :]


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


@dataclass(frozen=True, slots=True)
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
