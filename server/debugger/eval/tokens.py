"""Go's lexical tokens (go/token), with the spellings go/parser prints in its errors."""

from __future__ import annotations

from enum import IntEnum


class Tok(IntEnum):
    """Token kinds; the order follows go/token only for readability."""

    ILLEGAL = 0
    EOF = 1
    COMMENT = 2
    # literals
    IDENT = 3
    INT = 4
    FLOAT = 5
    IMAG = 6
    CHAR = 7
    STRING = 8
    # operators
    ADD = 10
    SUB = 11
    MUL = 12
    QUO = 13
    REM = 14
    AND = 15
    OR = 16
    XOR = 17
    SHL = 18
    SHR = 19
    AND_NOT = 20
    ADD_ASSIGN = 21
    SUB_ASSIGN = 22
    MUL_ASSIGN = 23
    QUO_ASSIGN = 24
    REM_ASSIGN = 25
    AND_ASSIGN = 26
    OR_ASSIGN = 27
    XOR_ASSIGN = 28
    SHL_ASSIGN = 29
    SHR_ASSIGN = 30
    AND_NOT_ASSIGN = 31
    LAND = 32
    LOR = 33
    ARROW = 34
    INC = 35
    DEC = 36
    EQL = 37
    LSS = 38
    GTR = 39
    ASSIGN = 40
    NOT = 41
    NEQ = 42
    LEQ = 43
    GEQ = 44
    DEFINE = 45
    ELLIPSIS = 46
    LPAREN = 47
    LBRACK = 48
    LBRACE = 49
    COMMA = 50
    PERIOD = 51
    RPAREN = 52
    RBRACK = 53
    RBRACE = 54
    SEMICOLON = 55
    COLON = 56
    TILDE = 57
    # keywords
    BREAK = 60
    CASE = 61
    CHAN = 62
    CONST = 63
    CONTINUE = 64
    DEFAULT = 65
    DEFER = 66
    ELSE = 67
    FALLTHROUGH = 68
    FOR = 69
    FUNC = 70
    GO = 71
    GOTO = 72
    IF = 73
    IMPORT = 74
    INTERFACE = 75
    MAP = 76
    PACKAGE = 77
    RANGE = 78
    RETURN = 79
    SELECT = 80
    STRUCT = 81
    SWITCH = 82
    TYPE = 83
    VAR = 84


_OPERATORS = {
    Tok.ADD: "+", Tok.SUB: "-", Tok.MUL: "*", Tok.QUO: "/", Tok.REM: "%",
    Tok.AND: "&", Tok.OR: "|", Tok.XOR: "^", Tok.SHL: "<<", Tok.SHR: ">>", Tok.AND_NOT: "&^",
    Tok.ADD_ASSIGN: "+=", Tok.SUB_ASSIGN: "-=", Tok.MUL_ASSIGN: "*=", Tok.QUO_ASSIGN: "/=",
    Tok.REM_ASSIGN: "%=", Tok.AND_ASSIGN: "&=", Tok.OR_ASSIGN: "|=", Tok.XOR_ASSIGN: "^=",
    Tok.SHL_ASSIGN: "<<=", Tok.SHR_ASSIGN: ">>=", Tok.AND_NOT_ASSIGN: "&^=",
    Tok.LAND: "&&", Tok.LOR: "||", Tok.ARROW: "<-", Tok.INC: "++", Tok.DEC: "--",
    Tok.EQL: "==", Tok.LSS: "<", Tok.GTR: ">", Tok.ASSIGN: "=", Tok.NOT: "!",
    Tok.NEQ: "!=", Tok.LEQ: "<=", Tok.GEQ: ">=", Tok.DEFINE: ":=", Tok.ELLIPSIS: "...",
    Tok.LPAREN: "(", Tok.LBRACK: "[", Tok.LBRACE: "{", Tok.COMMA: ",", Tok.PERIOD: ".",
    Tok.RPAREN: ")", Tok.RBRACK: "]", Tok.RBRACE: "}", Tok.SEMICOLON: ";", Tok.COLON: ":",
    Tok.TILDE: "~",
}  # fmt: skip

KEYWORDS: dict[str, Tok] = {t.name.lower(): t for t in Tok if t >= Tok.BREAK}

# token.Token.String(): operators and keywords print as themselves, the rest by name.
TOKEN_STRING: dict[Tok, str] = {t: t.name for t in Tok}
TOKEN_STRING.update(_OPERATORS)
TOKEN_STRING.update({t: s for s, t in KEYWORDS.items()})

LITERALS = frozenset({Tok.IDENT, Tok.INT, Tok.FLOAT, Tok.IMAG, Tok.CHAR, Tok.STRING})

# token.Token.Precedence(): binary operators only; everything else is 0 (LowestPrec).
PRECEDENCE: dict[Tok, int] = {
    Tok.LOR: 1,
    Tok.LAND: 2,
    Tok.EQL: 3, Tok.NEQ: 3, Tok.LSS: 3, Tok.LEQ: 3, Tok.GTR: 3, Tok.GEQ: 3,
    Tok.ADD: 4, Tok.SUB: 4, Tok.OR: 4, Tok.XOR: 4,
    Tok.MUL: 5, Tok.QUO: 5, Tok.REM: 5, Tok.SHL: 5, Tok.SHR: 5, Tok.AND: 5, Tok.AND_NOT: 5,
}  # fmt: skip
