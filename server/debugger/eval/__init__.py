"""Go expressions as Delve reads them: go/parser-exact parsing and constant folding.

- `parse_expr(text) -> Expr` parses like go/parser.ParseExpr and raises `ParseError`
  whose str() is go/parser's error text (what Delve returns to clients).
- `fold(expr) -> Constant | None` evaluates an expression made only of constants with
  Go's untyped-constant rules; `constant_variable(c)` gives the fields Delve's Eval
  reply carries for such a result.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .constants import Constant, ConstantError, ConstKind, constant_variable, fold, literal_value
    from .nodes import Expr
    from .parser import ParseError, parse_expr

# Imported on first use (PEP 562): `from .eval.scanner import go_quote` (an error text of the
# location specs or hit conditions) must not load the parser and the constants (~10 ms).
_MODULE_OF = {"Constant": "constants", "ConstantError": "constants", "ConstKind": "constants",
              "constant_variable": "constants", "fold": "constants", "literal_value": "constants",
              "Expr": "nodes", "ParseError": "parser", "parse_expr": "parser"}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ConstKind",
    "Constant",
    "ConstantError",
    "Expr",
    "ParseError",
    "constant_variable",
    "fold",
    "literal_value",
    "parse_expr",
]
