"""Go expressions as Delve reads them: go/parser-exact parsing and constant folding.

- `parse_expr(text) -> Expr` parses like go/parser.ParseExpr and raises `ParseError`
  whose str() is go/parser's error text (what Delve returns to clients).
- `fold(expr) -> Constant | None` evaluates an expression made only of constants with
  Go's untyped-constant rules; `constant_variable(c)` gives the fields Delve's Eval
  reply carries for such a result.
"""

from .constants import Constant, ConstantError, ConstKind, constant_variable, fold, literal_value
from .nodes import Expr
from .parser import ParseError, parse_expr

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
