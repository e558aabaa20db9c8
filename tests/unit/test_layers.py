"""The layer import rules: which pydlv packages each package may import.

Every module under server/ (package pydlv) and protocol/ (pydlv.protocol) is parsed, not
imported: absolute `pydlv.` imports, relative ones, imports inside functions and under
`if TYPE_CHECKING:`, and `importlib.import_module(f"{__package__}.name")` all count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

# layer -> the layers its modules may import; None: any. A layer is a package under pydlv
# (pydlv.debugger also holds its subpackages); LAYER_OF_MODULE below names the exceptions.
LAYERS: dict[str, set[str] | None] = {
    "pydlv": set(),  # server/__init__.py runs before any submodule: it imports none
    "errors": set(),  # a leaf module
    "records": set(),  # a leaf module: @record, a dataclass cheaper to create, for every layer
    "protocol": {"protocol", "records"},
    "native": {"native", "errors", "records"},
    "binary": {"binary", "errors", "records"},
    "goruntime": {"goruntime", "binary", "errors", "records"},
    "debugger": {"debugger", "goruntime", "binary", "native", "errors", "records"},
    "rpc": {"rpc", "debugger", "goruntime", "protocol", "errors", "records"},
    "service": {"service", "protocol", "errors", "records"},
    "cli": None,  # the entry points: pydlv.cli, pydlv.cli_args, pydlv.__main__
}

# Modules directly under pydlv that are not a layer of their own name.
LAYER_OF_MODULE = {"cli": "cli", "cli_args": "cli", "cli_build": "cli", "cli_session": "cli", "__main__": "cli",
                   "version": "rpc"}
# Attributes of the root package that modules import (`from .. import __version__`): the root itself.
ROOT_ATTRIBUTES = {"pydlv.__version__"}
# Before the pydlv.rpc package: the flat server/rpc*.py and server/apiconv*.py are the rpc layer.
RPC_FLAT_PREFIXES = ("rpc", "apiconv")

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (("server", "pydlv"), ("protocol", "pydlv.protocol"))  # folder -> its package, as installed


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name (pydlv.x.y...), None when no rule covers it."""
    parts = module.split(".")
    if parts[0] != "pydlv":
        return None
    if len(parts) == 1:
        return "pydlv"
    top = parts[1]
    if top in LAYER_OF_MODULE:
        return LAYER_OF_MODULE[top]
    if top in LAYERS:
        return top
    if top.startswith(RPC_FLAT_PREFIXES):
        return "rpc"
    return None


def may_import(importer: str, imported: str) -> bool:
    """Whether module `importer` may import module `imported` (both pydlv.* names)."""
    src, dst = layer_of(importer), layer_of(imported)
    if src is None:
        return False
    allowed = LAYERS[src]
    return allowed is None or (dst is not None and dst in allowed)


def imports_of(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, module) for each pydlv module that `module`'s source imports, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]

    def resolve(level: int, name: str | None) -> str:
        if level == 0:
            return name or ""
        base = package.split(".")
        base = base[: len(base) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node.level, node.module)
            for alias in node.names:
                # `from pydlv import x` imports pydlv.x; deeper, pydlv.a.x is in pydlv.a's layer anyway.
                yield node.lineno, f"{base}.{alias.name}" if base == "pydlv" else base
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            target = _dynamic_target(node.args[0], package)
            if target is not None:
                yield node.lineno, target


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module"
            or isinstance(func, ast.Name) and func.id == "import_module")


def _dynamic_target(arg: ast.expr, package: str) -> str | None:
    """The module of import_module("pydlv.x") or import_module(f"{__package__}.x")."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if (isinstance(arg, ast.JoinedStr) and len(arg.values) == 2
            and isinstance(first := arg.values[0], ast.FormattedValue)
            and isinstance(first.value, ast.Name) and first.value.id == "__package__"
            and isinstance(rest := arg.values[1], ast.Constant) and isinstance(rest.value, str)):
        return package + rest.value
    return None


def violations(tree: ast.AST, module: str, is_package: bool, where: str) -> list[str]:
    out = []
    for line, imported in sorted(set(imports_of(tree, module, is_package))):  # once per line
        if imported != "pydlv" and not imported.startswith("pydlv.") or imported in ROOT_ATTRIBUTES:
            continue  # stdlib, third party, or the bare root package (imported by everything anyway)
        if not may_import(module, imported):
            out.append(f"{where}:{line} -> {imported}  (layer {layer_of(module)} -> {layer_of(imported)})")
    return out


def tree_modules() -> Iterator[tuple[Path, str, bool]]:
    """(file, module name, is a package) for every module of the source tree, named as installed."""
    for folder, package in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder).with_suffix("").parts
            is_package = rel[-1] == "__init__"
            if is_package:
                rel = rel[:-1]
            yield path, ".".join((package, *rel)), is_package


def test_tree_follows_the_layer_rules() -> None:
    found: list[str] = []
    count = 0
    for path, module, is_package in tree_modules():
        count += 1
        where = str(path.relative_to(ROOT))
        if layer_of(module) is None:
            found.append(f"{where}: module {module} has no layer: add it to LAYERS in {Path(__file__).name}")
            continue
        tree = ast.parse(path.read_text(), str(path))
        found += violations(tree, module, is_package, where)
    assert count > 50, "the source tree was not found"
    assert not found, "imports across the layer rules:\n" + "\n".join(found)


# ---- the rules and the resolution themselves, without the tree ---------------------------------


@pytest.mark.parametrize(("module", "layer"), [
    ("pydlv", "pydlv"),
    ("pydlv.errors", "errors"),
    ("pydlv.protocol", "protocol"),
    ("pydlv.protocol.wire", "protocol"),
    ("pydlv.native.process", "native"),
    ("pydlv.debugger.eval.parser", "debugger"),
    ("pydlv.rpc", "rpc"),
    ("pydlv.rpc.server", "rpc"),
    ("pydlv.rpc_stack", "rpc"),  # the flat files of today's layout
    ("pydlv.apiconv_vars", "rpc"),
    ("pydlv.version", "rpc"),
    ("pydlv.service.http", "service"),
    ("pydlv.cli", "cli"),
    ("pydlv.cli_args", "cli"),
    ("pydlv.__main__", "cli"),
    ("pydlv.unheard_of", None),
    ("ptrace.binding", None),
])
def test_layer_of(module: str, layer: str | None) -> None:
    assert layer_of(module) == layer


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("pydlv.debugger.eval.evaluator", "pydlv.goruntime.values", True),
    ("pydlv.debugger.debugger", "pydlv.native.process", True),
    ("pydlv.debugger.debugger", "pydlv.protocol.api", False),
    ("pydlv.debugger.debugger", "pydlv.rpc_common", False),
    ("pydlv.rpc.server", "pydlv.debugger.debugger", True),
    ("pydlv.rpc_stack", "pydlv.protocol.api", True),
    ("pydlv.rpc.server", "pydlv.native.launch", False),
    ("pydlv.apiconv", "pydlv.binary.gotypes", False),
    ("pydlv.service.headless", "pydlv.protocol.stream", True),
    ("pydlv.service.headless", "pydlv.rpc", False),
    ("pydlv.service.headless", "pydlv.debugger", False),
    ("pydlv.goruntime.unwind", "pydlv.binary.pclntab", True),
    ("pydlv.binary.pclntab", "pydlv.goruntime.model", False),
    ("pydlv.native.process", "pydlv.errors", True),
    ("pydlv.errors", "pydlv.native", False),
    ("pydlv.protocol.methods", "pydlv.errors", False),
    ("pydlv.cli", "pydlv.native.launch", True),
    ("pydlv.__main__", "pydlv.cli", True),
    ("pydlv", "pydlv.cli", False),
    ("pydlv.native.process", "pydlv.unheard_of", False),
    ("pydlv.unheard_of", "pydlv.errors", False),
])
def test_may_import(importer: str, imported: str, ok: bool) -> None:
    assert may_import(importer, imported) is ok


SERVICE_SOURCE = '''
from __future__ import annotations
import importlib
from typing import TYPE_CHECKING
import pydlv.protocol.api
from ..native import launch
from . import connection
from .. import rpc
from ..protocol.stream import Request

if TYPE_CHECKING:
    from pydlv.debugger.debugger import Debugger

def late():
    from ..binary import elfimage
    return importlib.import_module(f"{__package__}.http"), importlib.import_module("pydlv.goruntime")
'''


def test_imports_resolved() -> None:
    tree = ast.parse(SERVICE_SOURCE)
    got = sorted(m for _, m in imports_of(tree, "pydlv.service.headless", is_package=False))
    assert got == sorted([
        "__future__", "importlib", "typing", "pydlv.protocol.api", "pydlv.native", "pydlv.service",
        "pydlv.rpc", "pydlv.protocol.stream", "pydlv.debugger.debugger", "pydlv.binary",
        "pydlv.service.http", "pydlv.goruntime",
    ])
    # In a package's __init__, `.` is the package itself.
    init = ast.parse("from . import a\nfrom .. import b\nfrom ..c import d\nfrom ... import e\n")
    assert [m for _, m in imports_of(init, "pydlv.debugger.eval", is_package=True)] == [
        "pydlv.debugger.eval", "pydlv.debugger", "pydlv.debugger.c", "pydlv.e"]


def test_violations_named_with_file_and_line() -> None:
    tree = ast.parse(SERVICE_SOURCE)
    got = violations(tree, "pydlv.service.headless", False, "server/service/headless.py")
    assert [v.split("  ")[0] for v in got] == [
        "server/service/headless.py:6 -> pydlv.native",
        "server/service/headless.py:8 -> pydlv.rpc",
        "server/service/headless.py:12 -> pydlv.debugger.debugger",
        "server/service/headless.py:15 -> pydlv.binary",
        "server/service/headless.py:16 -> pydlv.goruntime",
    ]
