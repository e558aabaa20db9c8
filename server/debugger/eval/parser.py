"""A port of go/parser's expression grammar (ParseExpr), errors included.

Delve runs `parser.ParseExpr` on every expression and returns its error text, so clients
see messages like `1:4: expected operand, found 'EOF'`. Each method below mirrors the
go/parser function of the same name (Go 1.27) closely enough that error recovery, and
therefore "(and N more errors)", comes out the same. Statements inside function literal
bodies are only skipped (brace-matched), not parsed: Delve cannot evaluate those anyway.
"""

from __future__ import annotations

from functools import lru_cache

from ...errors import UserError
from .nodes import (
    ArrayType,
    BadExpr,
    BasicLit,
    BinaryExpr,
    CallExpr,
    ChanDir,
    ChanType,
    CompositeLit,
    Ellipsis,
    Expr,
    Field,
    FuncLit,
    FuncType,
    Ident,
    IndexExpr,
    IndexListExpr,
    InterfaceType,
    KeyValueExpr,
    MapType,
    ParenExpr,
    SelectorExpr,
    SliceExpr,
    StarExpr,
    StructType,
    TypeAssertExpr,
    UnaryExpr,
    unparen,
)
from .scanner import Scanner, Source
from .tokens import LITERALS, PRECEDENCE, TOKEN_STRING, Tok

MAX_ERRORS = 10  # go/parser bails out after this many errors without AllErrors

_STMT_START = frozenset({
    Tok.BREAK, Tok.CONST, Tok.CONTINUE, Tok.DEFER, Tok.FALLTHROUGH, Tok.FOR, Tok.GO,
    Tok.GOTO, Tok.IF, Tok.RETURN, Tok.SELECT, Tok.SWITCH, Tok.TYPE, Tok.VAR,
})  # fmt: skip
_EXPR_END = frozenset({Tok.COMMA, Tok.COLON, Tok.SEMICOLON, Tok.RPAREN, Tok.RBRACK, Tok.RBRACE})
_UNARY_OPS = frozenset({Tok.ADD, Tok.SUB, Tok.NOT, Tok.XOR, Tok.AND, Tok.TILDE})
_PARAM_TYPE_START = frozenset({
    Tok.MUL, Tok.ARROW, Tok.FUNC, Tok.LBRACK, Tok.CHAN, Tok.MAP, Tok.STRUCT, Tok.INTERFACE,
    Tok.LPAREN,
})  # fmt: skip
_NAMED_PARAM_TYPE_START = (_PARAM_TYPE_START - {Tok.LBRACK}) | {Tok.IDENT}


class ParseError(UserError):
    """A syntax error, worded exactly as go/parser's scanner.ErrorList.Error()."""

    def __init__(self, message: str, errors: list[tuple[int, int, str]]) -> None:
        super().__init__(message)
        self.errors = errors  # (line, column, msg) sorted as go/scanner sorts them
        self.partial: Expr | None = None  # what go/parser returns along with the error (BadExpr inside)


class _Bailout(Exception):
    """go/parser's bailout panic: too many errors."""


class _Parser:
    def __init__(self, text: str) -> None:
        self.source = Source(text)
        self.errors: list[tuple[int, str]] = []  # (offset, msg) in the order reported
        self.scanner = Scanner(text, self._scanner_error)
        self.pos = 0
        self.tok = Tok.ILLEGAL
        self.lit = ""
        self.sync_pos = 0
        self.sync_cnt = 0
        self.expr_lev = 0
        self.in_rhs = False
        self.next()

    # -- support ---------------------------------------------------------------------

    def _scanner_error(self, offset: int, msg: str) -> None:
        # scanner errors go straight into the list, without the same-line filter
        self.errors.append((offset, msg))

    def next(self) -> None:
        self.pos, self.tok, self.lit = self.scanner.scan()

    def end(self) -> int:
        return self.scanner.offset

    def error(self, pos: int, msg: str) -> None:
        n = len(self.errors)
        if n > 0 and self.source.line(self.errors[-1][0]) == self.source.line(pos):
            return  # discard: likely a spurious error
        if n > MAX_ERRORS:
            raise _Bailout
        self.errors.append((pos, msg))

    def error_expected(self, pos: int, msg: str) -> None:
        msg = "expected " + msg
        if pos == self.pos:
            if self.tok == Tok.SEMICOLON and self.lit == "\n":
                msg += ", found newline"
            elif self.tok in LITERALS:
                msg += ", found " + self.lit
            else:
                msg += ", found '" + TOKEN_STRING[self.tok] + "'"
        self.error(pos, msg)

    def expect(self, tok: Tok) -> int:
        pos = self.pos
        if self.tok != tok:
            self.error_expected(pos, "'" + TOKEN_STRING[tok] + "'")
        self.next()
        return pos

    def expect_closing(self, tok: Tok, context: str) -> int:
        if self.tok != tok and self.tok == Tok.SEMICOLON and self.lit == "\n":
            self.error(self.pos, "missing ',' before newline in " + context)
            self.next()
        return self.expect(tok)

    def expect_semi(self) -> None:
        if self.tok in (Tok.RPAREN, Tok.RBRACE):
            return  # optional before a closing ')' or '}'
        if self.tok == Tok.COMMA:
            self.error_expected(self.pos, "';'")
            self.next()
            return
        if self.tok == Tok.SEMICOLON:
            self.next()
            return
        self.error_expected(self.pos, "';'")
        self.advance(_STMT_START)

    def at_comma(self, context: str, follow: Tok) -> bool:
        if self.tok == Tok.COMMA:
            return True
        if self.tok != follow:
            msg = "missing ','"
            if self.tok == Tok.SEMICOLON and self.lit == "\n":
                msg += " before newline"
            self.error(self.pos, msg + " in " + context)
            return True  # "insert" comma and continue
        return False

    def advance(self, to: frozenset[Tok]) -> None:
        while self.tok != Tok.EOF:
            if self.tok in to:
                if self.pos == self.sync_pos and self.sync_cnt < 10:
                    self.sync_cnt += 1
                    return
                if self.pos > self.sync_pos:
                    self.sync_pos = self.pos
                    self.sync_cnt = 0
                    return
            self.next()

    # -- identifiers and lists -------------------------------------------------------

    def parse_ident(self) -> Ident:
        pos = self.pos
        name = "_"
        if self.tok == Tok.IDENT:
            name = self.lit
            self.next()
        else:
            self.expect(Tok.IDENT)
        return Ident(pos, name)

    # -- types -----------------------------------------------------------------------

    def parse_type(self) -> Expr:
        typ = self.try_ident_or_type()
        if typ is None:
            pos = self.pos
            self.error_expected(pos, "type")
            self.advance(_EXPR_END)
            return BadExpr(pos, self.pos)
        return typ

    def parse_qualified_ident(self, ident: Ident | None) -> Expr:
        typ = self.parse_type_name(ident)
        if self.tok == Tok.LBRACK:
            typ = self.parse_type_instance(typ)
        return typ

    def parse_type_name(self, ident: Ident | None) -> Expr:
        if ident is None:
            ident = self.parse_ident()
        if self.tok == Tok.PERIOD:
            self.next()
            sel = self.parse_ident()
            return SelectorExpr(ident.pos, ident, sel)
        return ident

    def parse_array_type(self, lbrack: int, length: Expr | None) -> ArrayType:
        if length is None:
            self.expr_lev += 1
            if self.tok == Tok.ELLIPSIS:
                length = Ellipsis(self.pos, None)
                self.next()
            elif self.tok != Tok.RBRACK:
                length = self.parse_rhs()
            self.expr_lev -= 1
        if self.tok == Tok.COMMA:
            self.error(self.pos, "unexpected comma; expecting ]")
            self.next()
        self.expect(Tok.RBRACK)
        elt = self.parse_type()
        return ArrayType(lbrack, length, elt)

    def parse_array_field_or_type_instance(self, x: Ident) -> tuple[Ident | None, Expr]:
        lbrack = self.expect(Tok.LBRACK)
        trailing_comma = -1
        args: list[Expr] = []
        if self.tok != Tok.RBRACK:
            self.expr_lev += 1
            args.append(self.parse_rhs())
            while self.tok == Tok.COMMA:
                comma = self.pos
                self.next()
                if self.tok == Tok.RBRACK:
                    trailing_comma = comma
                    break
                args.append(self.parse_rhs())
            self.expr_lev -= 1
        self.expect(Tok.RBRACK)
        if not args:
            elt = self.parse_type()
            return x, ArrayType(lbrack, None, elt)
        if len(args) == 1:
            elt2 = self.try_ident_or_type()
            if elt2 is not None:
                if trailing_comma >= 0:
                    self.error(trailing_comma, "unexpected comma; expecting ]")
                return x, ArrayType(lbrack, args[0], elt2)
        return None, _pack_index_expr(x, args)

    def parse_field_decl(self) -> Field:
        names: list[Ident] = []
        typ: Expr
        if self.tok == Tok.IDENT:
            name = self.parse_ident()
            if self.tok in (Tok.PERIOD, Tok.STRING, Tok.SEMICOLON, Tok.RBRACE):
                typ = name  # embedded type
                if self.tok == Tok.PERIOD:
                    typ = self.parse_qualified_ident(name)
            else:
                names = [name]
                while self.tok == Tok.COMMA:
                    self.next()
                    names.append(self.parse_ident())
                if len(names) == 1 and self.tok == Tok.LBRACK:
                    first, typ = self.parse_array_field_or_type_instance(name)
                    if first is None:
                        names = []
                else:
                    typ = self.parse_type()
        elif self.tok == Tok.MUL:
            star = self.pos
            self.next()
            if self.tok == Tok.LPAREN:
                self.error(self.pos, "cannot parenthesize embedded type")
                self.next()
                typ = self.parse_qualified_ident(None)
                if self.tok == Tok.RPAREN:
                    self.next()
            else:
                typ = self.parse_qualified_ident(None)
            typ = StarExpr(star, typ)
        elif self.tok == Tok.LPAREN:
            self.error(self.pos, "cannot parenthesize embedded type")
            self.next()
            if self.tok == Tok.MUL:
                star = self.pos
                self.next()
                typ = StarExpr(star, self.parse_qualified_ident(None))
            else:
                typ = self.parse_qualified_ident(None)
            if self.tok == Tok.RPAREN:
                self.next()
        else:
            pos = self.pos
            self.error_expected(pos, "field name or embedded type")
            self.advance(_EXPR_END)
            typ = BadExpr(pos, self.pos)
        tag = None
        if self.tok == Tok.STRING:
            tag = BasicLit(self.pos, self.tok, self.lit)
            self.next()
        self.expect_semi()
        return Field(names, typ, tag)

    def parse_struct_type(self) -> StructType:
        pos = self.expect(Tok.STRUCT)
        self.expect(Tok.LBRACE)
        fields: list[Field] = []
        while self.tok in (Tok.IDENT, Tok.MUL, Tok.LPAREN):
            fields.append(self.parse_field_decl())
        self.expect(Tok.RBRACE)
        return StructType(pos, fields)

    def parse_pointer_type(self) -> StarExpr:
        star = self.expect(Tok.MUL)
        return StarExpr(star, self.parse_type())

    def parse_dots_type(self) -> Ellipsis:
        pos = self.expect(Tok.ELLIPSIS)
        return Ellipsis(pos, self.parse_type())

    def parse_param_decl(self, name: Ident | None, type_sets_ok: bool) -> tuple[Ident | None, Expr | None]:
        f_name: Ident | None = None
        f_typ: Expr | None = None
        ptok = self.tok
        if name is not None:
            self.tok = Tok.IDENT  # force the IDENT case below
        elif type_sets_ok and self.tok == Tok.TILDE:
            return None, self.embedded_elem(None)

        if self.tok == Tok.IDENT:
            if name is not None:
                f_name = name
                self.tok = ptok
            else:
                f_name = self.parse_ident()
            tok = self.tok
            if tok in _NAMED_PARAM_TYPE_START:
                f_typ = self.parse_type()
            elif tok == Tok.LBRACK:
                f_name, f_typ = self.parse_array_field_or_type_instance(f_name)
            elif tok == Tok.ELLIPSIS:
                return f_name, self.parse_dots_type()
            elif tok == Tok.PERIOD:
                f_typ = self.parse_qualified_ident(f_name)
                f_name = None
            elif tok == Tok.TILDE and type_sets_ok:
                return f_name, self.embedded_elem(None)
            elif tok == Tok.OR and type_sets_ok:
                return None, self.embedded_elem(f_name)
        elif self.tok in _PARAM_TYPE_START:
            f_typ = self.parse_type()
        elif self.tok == Tok.ELLIPSIS:
            return None, self.parse_dots_type()
        else:
            self.error_expected(self.pos, "')'")
            self.advance(_EXPR_END)

        if type_sets_ok and self.tok == Tok.OR and f_typ is not None:
            f_typ = self.embedded_elem(f_typ)
        return f_name, f_typ

    def parse_parameter_list(
        self, name0: Ident | None, typ0: Expr | None, closing: Tok, dddok: bool
    ) -> list[Field]:
        tparams = closing == Tok.RBRACK
        pos0 = self.pos
        if name0 is not None:
            pos0 = name0.pos
        elif typ0 is not None:
            pos0 = typ0.pos

        params: list[list] = []  # [name, typ] pairs, mutated below like go/parser's []field
        named = 0
        typed = 0
        par_name: Ident | None
        par_typ: Expr | None
        while name0 is not None or (self.tok != closing and self.tok != Tok.EOF):
            if typ0 is not None:
                if tparams:
                    typ0 = self.embedded_elem(typ0)
                par_name, par_typ = name0, typ0
            else:
                par_name, par_typ = self.parse_param_decl(name0, tparams)
            name0 = None
            typ0 = None
            if par_name is not None or par_typ is not None:
                params.append([par_name, par_typ])
                if par_name is not None and par_typ is not None:
                    named += 1
                if par_typ is not None:
                    typed += 1
            if not self.at_comma("parameter list", closing):
                break
            self.next()

        if not params:
            return []

        if named == 0:
            for par in params:  # all unnamed: the names found are type names
                if par[0] is not None:
                    par[1] = par[0]
                    par[0] = None
            if tparams:
                if named == typed:
                    err_pos, msg = self.pos, "missing type constraint"
                else:
                    err_pos, msg = pos0, "missing type parameter name"
                    if len(params) == 1:
                        msg += " or invalid array length"
                self.error(err_pos, msg)
        elif named != len(params):
            err_pos = -1
            typ: Expr | None = None
            for par in reversed(params):
                if par[1] is not None:
                    typ = par[1]
                    if par[0] is None:
                        err_pos = typ.pos
                        par[0] = Ident(err_pos, "_")
                elif typ is not None:
                    par[1] = typ
                else:
                    err_pos = par[0].pos
                    par[1] = BadExpr(err_pos, self.pos)
            if err_pos >= 0:
                if named == typed:
                    err_pos = self.pos
                    msg = "missing type constraint" if tparams else "missing parameter type"
                elif tparams:
                    msg = "missing type parameter name"
                    if len(params) == 1:
                        msg += " or invalid array length"
                else:
                    msg = "missing parameter name"
                self.error(err_pos, msg)

        first = True
        for i, par in enumerate(params):
            t = par[1]
            if isinstance(t, Ellipsis) and (not dddok or i + 1 < len(params)):
                if first:
                    first = False
                    if dddok:
                        self.error(t.pos, "can only use ... with final parameter")
                    else:
                        self.error(t.pos, "invalid use of ...")
                par[1] = BadExpr(t.pos, t.pos)

        if named == 0:
            return [Field([], par[1]) for par in params]
        fields: list[Field] = []
        for name, typ_ in params:
            if fields and fields[-1].type is typ_:
                fields[-1].names.append(name)
            else:
                fields.append(Field([name], typ_))
        return fields

    def parse_type_parameters(self) -> int | None:
        """Parses `[...]` after `func`; returns the '[' offset, or None if empty."""
        lbrack = self.expect(Tok.LBRACK)
        params: list[Field] = []
        if self.tok != Tok.RBRACK:
            params = self.parse_parameter_list(None, None, Tok.RBRACK, False)
        rbrack = self.expect(Tok.RBRACK)
        if not params:
            self.error(rbrack, "empty type parameter list")
            return None
        return lbrack

    def parse_parameters(self, result: bool) -> list[Field] | None:
        if not result or self.tok == Tok.LPAREN:
            self.expect(Tok.LPAREN)
            params: list[Field] = []
            if self.tok != Tok.RPAREN:
                params = self.parse_parameter_list(None, None, Tok.RPAREN, not result)
            self.expect(Tok.RPAREN)
            return params
        typ = self.try_ident_or_type()
        if typ is not None:
            return [Field([], typ)]
        return None

    def parse_func_type(self) -> FuncType:
        pos = self.expect(Tok.FUNC)
        if self.tok == Tok.LBRACK:
            opening = self.parse_type_parameters()
            if opening is not None:
                self.error(opening, "function type must have no type parameters")
        params = self.parse_parameters(False) or []
        results = self.parse_parameters(True)
        return FuncType(pos, params, results)

    def parse_method_spec(self) -> Field:
        names: list[Ident] = []
        typ: Expr
        x = self.parse_type_name(None)
        if isinstance(x, Ident):
            if self.tok == Tok.LBRACK:
                lbrack = self.pos
                self.next()
                self.expr_lev += 1
                y = self.parse_expr()
                self.expr_lev -= 1
                if isinstance(y, Ident) and self.tok != Tok.COMMA and self.tok != Tok.RBRACK:
                    # generic method m[T any]: parsed for a better error
                    self.parse_parameter_list(y, None, Tok.RBRACK, False)
                    self.expect(Tok.RBRACK)
                    self.error(lbrack, "interface method must have no type parameters")
                    params = self.parse_parameters(False) or []
                    results = self.parse_parameters(True)
                    names = [x]
                    typ = FuncType(lbrack, params, results)
                else:
                    lst = [y]
                    if self.at_comma("type argument list", Tok.RBRACK):
                        self.expr_lev += 1
                        self.next()
                        while self.tok != Tok.RBRACK and self.tok != Tok.EOF:
                            lst.append(self.parse_type())
                            if not self.at_comma("type argument list", Tok.RBRACK):
                                break
                            self.next()
                        self.expr_lev -= 1
                    self.expect_closing(Tok.RBRACK, "type argument list")
                    typ = _pack_index_expr(x, lst)
            elif self.tok == Tok.LPAREN:
                lparen = self.pos
                params = self.parse_parameters(False) or []
                results = self.parse_parameters(True)
                names = [x]
                typ = FuncType(lparen, params, results)
            else:
                typ = x
        else:
            typ = x
            if self.tok == Tok.LBRACK:
                typ = self.parse_type_instance(typ)
        return Field(names, typ)

    def embedded_elem(self, x: Expr | None) -> Expr:
        if x is None:
            x = self.embedded_term()
        while self.tok == Tok.OR:
            op_pos = self.pos
            self.next()
            y = self.embedded_term()
            x = BinaryExpr(x.pos, Tok.OR, x, y, op_pos)
        return x

    def embedded_term(self) -> Expr:
        if self.tok == Tok.TILDE:
            pos = self.pos
            self.next()
            return UnaryExpr(pos, Tok.TILDE, self.parse_type())
        t = self.try_ident_or_type()
        if t is None:
            pos = self.pos
            self.error_expected(pos, "~ term or type")
            self.advance(_EXPR_END)
            return BadExpr(pos, self.pos)
        return t

    def parse_interface_type(self) -> InterfaceType:
        pos = self.expect(Tok.INTERFACE)
        self.expect(Tok.LBRACE)
        methods: list[Field] = []
        while True:
            if self.tok == Tok.IDENT:
                f = self.parse_method_spec()
                if not f.names:
                    f.type = self.embedded_elem(f.type)
                self.expect_semi()
                methods.append(f)
            elif self.tok == Tok.TILDE:
                typ = self.embedded_elem(None)
                self.expect_semi()
                methods.append(Field([], typ))
            else:
                t = self.try_ident_or_type()
                if t is None:
                    break
                typ = self.embedded_elem(t)
                self.expect_semi()
                methods.append(Field([], typ))
        self.expect(Tok.RBRACE)
        return InterfaceType(pos, methods)

    def parse_map_type(self) -> MapType:
        pos = self.expect(Tok.MAP)
        self.expect(Tok.LBRACK)
        key = self.parse_type()
        self.expect(Tok.RBRACK)
        value = self.parse_type()
        return MapType(pos, key, value)

    def parse_chan_type(self) -> ChanType:
        pos = self.pos
        direction = ChanDir.BOTH
        arrow = -1
        if self.tok == Tok.CHAN:
            self.next()
            if self.tok == Tok.ARROW:
                arrow = self.pos
                self.next()
                direction = ChanDir.SEND
        else:
            arrow = self.expect(Tok.ARROW)
            self.expect(Tok.CHAN)
            direction = ChanDir.RECV
        value = self.parse_type()
        return ChanType(pos, direction, value, arrow)

    def parse_type_instance(self, typ: Expr) -> Expr:
        opening = self.expect(Tok.LBRACK)
        self.expr_lev += 1
        lst: list[Expr] = []
        while self.tok != Tok.RBRACK and self.tok != Tok.EOF:
            lst.append(self.parse_type())
            if not self.at_comma("type argument list", Tok.RBRACK):
                break
            self.next()
        self.expr_lev -= 1
        closing = self.expect_closing(Tok.RBRACK, "type argument list")
        if not lst:
            self.error_expected(closing, "type argument list")
            return IndexExpr(typ.pos, typ, BadExpr(opening + 1, closing))
        return _pack_index_expr(typ, lst)

    def try_ident_or_type(self) -> Expr | None:
        tok = self.tok
        if tok == Tok.IDENT:
            typ = self.parse_type_name(None)
            if self.tok == Tok.LBRACK:
                typ = self.parse_type_instance(typ)
            return typ
        if tok == Tok.LBRACK:
            lbrack = self.expect(Tok.LBRACK)
            return self.parse_array_type(lbrack, None)
        if tok == Tok.STRUCT:
            return self.parse_struct_type()
        if tok == Tok.MUL:
            return self.parse_pointer_type()
        if tok == Tok.FUNC:
            return self.parse_func_type()
        if tok == Tok.INTERFACE:
            return self.parse_interface_type()
        if tok == Tok.MAP:
            return self.parse_map_type()
        if tok in (Tok.CHAN, Tok.ARROW):
            return self.parse_chan_type()
        if tok == Tok.LPAREN:
            lparen = self.pos
            self.next()
            typ = self.parse_type()
            self.expect(Tok.RPAREN)
            return ParenExpr(lparen, typ)
        return None

    # -- function literal bodies -----------------------------------------------------

    def skip_body(self) -> int:
        """Consumes `{ ... }` by brace matching; returns a count of its statements.

        go/parser parses the statements; Delve rejects function literals after parsing,
        so only the shape (and the unterminated-body error) matters here.
        """
        self.expect(Tok.LBRACE)
        depth = 0
        count = 0
        in_stmt = False
        while self.tok != Tok.EOF:
            tok = self.tok
            if tok == Tok.RBRACE and depth == 0:
                break
            if tok in (Tok.LBRACE, Tok.LPAREN, Tok.LBRACK):
                depth += 1
            elif tok in (Tok.RBRACE, Tok.RPAREN, Tok.RBRACK):
                depth -= 1
            if depth == 0 and tok == Tok.SEMICOLON:
                in_stmt = False
            elif not in_stmt:
                in_stmt = True
                count += 1
            self.next()
        if self.tok != Tok.RBRACE:
            self.error_expected(self.pos, "'}'")
        self.next()
        return count

    # -- expressions -----------------------------------------------------------------

    def parse_func_type_or_lit(self) -> Expr:
        typ = self.parse_func_type()
        if self.tok != Tok.LBRACE:
            return typ
        self.expr_lev += 1
        n = self.skip_body()
        self.expr_lev -= 1
        return FuncLit(typ.pos, typ, n)

    def parse_operand(self) -> Expr:
        tok = self.tok
        if tok == Tok.IDENT:
            return self.parse_ident()
        if tok in (Tok.INT, Tok.FLOAT, Tok.IMAG, Tok.CHAR, Tok.STRING):
            x = BasicLit(self.pos, tok, self.lit)
            self.next()
            return x
        if tok == Tok.LPAREN:
            lparen = self.pos
            self.next()
            self.expr_lev += 1
            x2 = self.parse_rhs()  # types may be parenthesized: (some type)
            self.expr_lev -= 1
            self.expect(Tok.RPAREN)
            return ParenExpr(lparen, x2)
        if tok == Tok.FUNC:
            return self.parse_func_type_or_lit()
        typ = self.try_ident_or_type()
        if typ is not None:
            return typ
        pos = self.pos
        self.error_expected(pos, "operand")
        self.advance(_STMT_START)
        return BadExpr(pos, self.pos)

    def parse_type_assertion(self, x: Expr) -> Expr:
        self.expect(Tok.LPAREN)
        typ: Expr | None = None
        if self.tok == Tok.TYPE:
            self.next()  # type switch guard: typ stays None
        else:
            typ = self.parse_type()
        self.expect(Tok.RPAREN)
        return TypeAssertExpr(x.pos, x, typ)

    def parse_index_or_slice_or_instance(self, x: Expr) -> Expr:
        self.expect(Tok.LBRACK)
        if self.tok == Tok.RBRACK:
            # empty index: accepted for tolerance, but complain
            self.error_expected(self.pos, "operand")
            rbrack = self.pos
            self.next()
            return IndexExpr(x.pos, x, BadExpr(rbrack, rbrack))
        self.expr_lev += 1
        args: list[Expr] = []
        first = None if self.tok == Tok.COLON else self.parse_rhs()
        index: list[Expr | None] = [first, None, None]
        colons = [0, 0]
        ncolons = 0
        if self.tok == Tok.COLON:
            while self.tok == Tok.COLON and ncolons < 2:
                colons[ncolons] = self.pos
                ncolons += 1
                self.next()
                if self.tok not in (Tok.COLON, Tok.RBRACK, Tok.EOF):
                    index[ncolons] = self.parse_rhs()
        elif self.tok == Tok.COMMA and first is not None:  # first is None only if a colon came first
            args.append(first)
            while self.tok == Tok.COMMA:
                self.next()
                if self.tok != Tok.RBRACK and self.tok != Tok.EOF:
                    args.append(self.parse_type())
        self.expr_lev -= 1
        rbrack = self.expect(Tok.RBRACK)

        if ncolons > 0 or first is None:  # first is None implies ncolons > 0
            slice3 = False
            if ncolons == 2:
                slice3 = True
                if index[1] is None:
                    self.error(colons[0], "middle index required in 3-index slice")
                    index[1] = BadExpr(colons[0] + 1, colons[1])
                if index[2] is None:
                    self.error(colons[1], "final index required in 3-index slice")
                    index[2] = BadExpr(colons[1] + 1, rbrack)
            return SliceExpr(x.pos, x, index[0], index[1], index[2], slice3)
        if not args:
            return IndexExpr(x.pos, x, first)
        return _pack_index_expr(x, args)

    def parse_call_or_conversion(self, fun: Expr) -> CallExpr:
        self.expect(Tok.LPAREN)
        self.expr_lev += 1
        args: list[Expr] = []
        ellipsis = False
        while self.tok != Tok.RPAREN and self.tok != Tok.EOF and not ellipsis:
            args.append(self.parse_rhs())  # builtins may expect a type: make(T, ...)
            if self.tok == Tok.ELLIPSIS:
                ellipsis = True
                self.next()
            if not self.at_comma("argument list", Tok.RPAREN):
                break
            self.next()
        self.expr_lev -= 1
        self.expect_closing(Tok.RPAREN, "argument list")
        return CallExpr(fun.pos, fun, args, ellipsis)

    def parse_value(self) -> Expr:
        if self.tok == Tok.LBRACE:
            return self.parse_literal_value(None)
        return self.parse_expr()

    def parse_element(self) -> Expr:
        x = self.parse_value()
        if self.tok == Tok.COLON:
            self.next()
            x = KeyValueExpr(x.pos, x, self.parse_value())
        return x

    def parse_literal_value(self, typ: Expr | None) -> Expr:
        lbrace = self.expect(Tok.LBRACE)
        elts: list[Expr] = []
        self.expr_lev += 1
        if self.tok != Tok.RBRACE:
            while self.tok != Tok.RBRACE and self.tok != Tok.EOF:
                elts.append(self.parse_element())
                if not self.at_comma("composite literal", Tok.RBRACE):
                    break
                self.next()
        self.expr_lev -= 1
        self.expect_closing(Tok.RBRACE, "composite literal")
        return CompositeLit(typ.pos if typ is not None else lbrace, typ, elts)

    def parse_primary_expr(self, x: Expr | None) -> Expr:
        if x is None:
            x = self.parse_operand()
        while True:
            tok = self.tok
            if tok == Tok.PERIOD:
                self.next()
                if self.tok == Tok.IDENT:
                    x = SelectorExpr(x.pos, x, self.parse_ident())
                elif self.tok == Tok.LPAREN:
                    x = self.parse_type_assertion(x)
                else:
                    pos = self.pos
                    self.error_expected(pos, "selector or type assertion")
                    if self.tok != Tok.RBRACE:
                        self.next()  # make progress
                    x = SelectorExpr(x.pos, x, Ident(pos, "_"))
            elif tok == Tok.LBRACK:
                x = self.parse_index_or_slice_or_instance(x)
            elif tok == Tok.LPAREN:
                x = self.parse_call_or_conversion(x)
            elif tok == Tok.LBRACE:
                # a composite literal, if x can be its type
                t = unparen(x)
                if isinstance(t, (BadExpr, Ident, SelectorExpr, IndexExpr, IndexListExpr)):
                    if self.expr_lev < 0:
                        return x
                elif not isinstance(t, (ArrayType, StructType, MapType)):
                    return x
                if t is not x:
                    self.error(t.pos, "cannot parenthesize type in composite literal")
                x = self.parse_literal_value(x)
            else:
                return x

    def parse_unary_expr(self) -> Expr:
        tok = self.tok
        if tok in _UNARY_OPS:
            pos = self.pos
            self.next()
            return UnaryExpr(pos, tok, self.parse_unary_expr())
        if tok == Tok.ARROW:
            arrow = self.pos
            self.next()
            x = self.parse_unary_expr()
            if isinstance(x, ChanType):
                # `<-chan T` was a channel type: re-associate the arrow with it
                typ: Expr = x
                direction = ChanDir.SEND
                while isinstance(typ, ChanType) and direction == ChanDir.SEND:
                    if typ.dir == ChanDir.RECV:
                        self.error_expected(typ.arrow, "'chan'")
                    arrow, typ.pos, typ.arrow = typ.arrow, arrow, arrow
                    direction, typ.dir = typ.dir, ChanDir.RECV
                    typ = typ.value
                if direction == ChanDir.SEND:
                    self.error_expected(arrow, "channel type")
                return x
            return UnaryExpr(arrow, Tok.ARROW, x)
        if tok == Tok.MUL:
            pos = self.pos
            self.next()
            return StarExpr(pos, self.parse_unary_expr())
        return self.parse_primary_expr(None)

    def parse_binary_expr(self, x: Expr | None, prec1: int) -> Expr:
        if x is None:
            x = self.parse_unary_expr()
        while True:
            op = self.tok
            if self.in_rhs and op == Tok.ASSIGN:
                op = Tok.EQL  # go/parser reads `a = b` in a rhs as a misspelt `==`
            oprec = PRECEDENCE.get(op, 0)
            if oprec < prec1:
                return x
            op_pos = self.expect(op)
            y = self.parse_binary_expr(None, oprec + 1)
            x = BinaryExpr(x.pos, op, x, y, op_pos)

    def parse_expr(self) -> Expr:
        return self.parse_binary_expr(None, 1)

    def parse_rhs(self) -> Expr:
        old = self.in_rhs
        self.in_rhs = True
        x = self.parse_expr()
        self.in_rhs = old
        return x

    # -- entry -----------------------------------------------------------------------

    def parse(self) -> Expr:
        x = self.parse_rhs()
        if self.tok == Tok.SEMICOLON and self.lit == "\n":
            self.next()  # a semicolon was inserted: consume it
        self.expect(Tok.EOF)
        return x

    def error_text(self) -> ParseError:
        errs = sorted(self.errors)
        located = [(*self.source.position(off), msg) for off, msg in errs]
        line, col, msg = located[0]
        text = f"{line}:{col}: {msg}"
        if len(located) > 1:
            text += f" (and {len(located) - 1} more errors)"
        return ParseError(text, located)


def _pack_index_expr(x: Expr, exprs: list[Expr]) -> Expr:
    if len(exprs) == 1:
        return IndexExpr(x.pos, x, exprs[0])
    return IndexListExpr(x.pos, x, exprs)


def parse_expr(text: str) -> Expr:
    """Parses one Go expression like go/parser.ParseExpr; raises ParseError with its text."""
    p = _Parser(text)
    try:
        x = p.parse()
    except _Bailout:
        x = None
    except RecursionError:
        # go/parser allows 100000 levels; Python's stack gives out far sooner
        p.errors.append((p.pos, "exceeded max nesting depth"))
        x = None
    if p.errors or x is None:
        err = p.error_text()
        err.partial = x
        raise err
    return x


# Trees of expressions asked again (a breakpoint's condition at every hit, an editor's watch, a
# name looked up after each stop) come from here: the evaluator never changes the tree it is given.
parse_expr_cached = lru_cache(maxsize=256)(parse_expr)
