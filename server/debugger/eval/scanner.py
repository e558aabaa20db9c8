"""A port of go/scanner for one expression: the same tokens, semicolon insertion and
error texts, because Delve hands go/parser's errors to clients verbatim.

Offsets are indices into the Python string (code points); `Source.position` turns them
into go/token's byte-based line:column only when an error is reported.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from .tokens import KEYWORDS, Tok

EOF_CH = ""  # s.ch at end of input (go/scanner uses -1)
BOM = "\ufeff"

_ASCII_IDENT_TAIL = re.compile(r"[A-Za-z0-9_]*")
_KEYWORD_MIN_LEN = 2  # one-letter identifiers are never keywords
_SIMPLE: dict[str, tuple[Tok, bool]] = {
    ",": (Tok.COMMA, False),
    "(": (Tok.LPAREN, False),
    ")": (Tok.RPAREN, True),
    "[": (Tok.LBRACK, False),
    "]": (Tok.RBRACK, True),
    "{": (Tok.LBRACE, False),
    "}": (Tok.RBRACE, True),
    "~": (Tok.TILDE, False),
}


class Source:
    """The expression text with go/token's position arithmetic (lines, byte columns)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # go/token.File.AddLine ignores a line start at the very end of the file
        self.line_starts = [0]
        if "\n" in text:  # most expressions are one line: no regular expression to compile
            self.line_starts += [m.end() for m in re.finditer("\n", text) if m.end() < len(text)]

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) as go/token prints them: 1-based, column counted in UTF-8 bytes."""
        i = bisect.bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[i]
        seg = self.text[start:offset]
        col = len(seg) if seg.isascii() else len(seg.encode("utf-8", "surrogatepass"))
        return i + 1, col + 1

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)


ErrorHandler = Callable[[int, str], None]


def _is_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_" or (ch >= "\x80" and ch.isalpha())


def _is_digit(ch: str) -> bool:
    return ("0" <= ch <= "9") or (ch >= "\x80" and ch.isdecimal())


def _is_hex(ch: str) -> bool:
    return ("0" <= ch <= "9") or ("a" <= ch <= "f") or ("A" <= ch <= "F")


def _digit_val(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - 48
    if "a" <= ch <= "f":
        return ord(ch) - 87
    if "A" <= ch <= "F":
        return ord(ch) - 55
    return 16


_QUOTE_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                  "\v": "\\v", "\\": "\\\\", '"': '\\"'}


def go_quote(s: str) -> str:
    """strconv.Quote (fmt's %q of a string): Go escapes, printable runes kept."""
    out = ['"']
    for ch in s:
        esc = _QUOTE_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte of invalid UTF-8 (surrogateescape)
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def go_quote_rune(ch: str) -> str:
    """fmt's %q of a rune, for the characters these messages can hold."""
    if ch == "'":
        return "'\\''"
    if ch == "\\":
        return "'\\\\'"
    if ch.isprintable():
        return f"'{ch}'"
    return "'" + ch.encode("unicode_escape").decode("ascii") + "'"


def go_unicode_verb(ch: str) -> str:
    """fmt's %#U: `U+0040 '@'`, or just `U+0007` when the rune is not printable."""
    code = f"U+{ord(ch):04X}"
    return f"{code} '{ch}'" if ch.isprintable() else code


def _litname(prefix: str) -> str:
    return {
        "x": "hexadecimal literal",
        "o": "octal literal",
        "0": "octal literal",
        "b": "binary literal",
    }.get(prefix, "decimal literal")


def _invalid_sep(x: str) -> int:
    """Index of the first '_' that does not separate digits, or -1 (scanner.invalidSep)."""
    x1 = " "
    d = "."
    i = 0
    if len(x) >= 2 and x[0] == "0":
        x1 = x[1].lower()
        if x1 in "xob":
            d = "0"
            i = 2
    while i < len(x):
        p = d
        d = x[i]
        if d == "_":
            if p != "0":
                return i
        elif "0" <= d <= "9" or (x1 == "x" and _is_hex(d)):
            d = "0"
        else:
            if p == "_":
                return i - 1
            d = "."
        i += 1
    if d == "_":
        return len(x) - 1
    return -1


class Scanner:
    """go/scanner.Scanner over one string; comments are skipped (the parser drops them)."""

    def __init__(self, src: str, err: ErrorHandler) -> None:
        self.src = src
        self.n = len(src)
        self.err = err
        self.ch = " "
        self.offset = 0
        self.rd = 0
        self.insert_semi = False
        self.nl_pos = -1  # position of a newline inside a /*...*/ comment, or -1
        self._next()
        if self.ch == BOM:
            self._next()  # a BOM is ignored at the very beginning only

    def _next(self) -> None:
        if self.rd < self.n:
            self.offset = self.rd
            r = self.src[self.rd]
            if r == "\x00":
                self.err(self.offset, "illegal character NUL")
            elif r >= "\x80":
                if "\ud800" <= r <= "\udfff":
                    # a lone surrogate is what undecodable bytes become on our side
                    self.err(self.offset, "illegal UTF-8 encoding")
                elif r == BOM and self.offset > 0:
                    self.err(self.offset, "illegal byte order mark")
            self.rd += 1
            self.ch = r
        else:
            self.offset = self.n
            self.ch = EOF_CH

    def _peek(self) -> str:
        return self.src[self.rd] if self.rd < self.n else ""

    # -- comments ------------------------------------------------------------------

    def _scan_comment(self) -> int:
        """Skips a comment; returns the offset of its first newline (0 if none)."""
        offs = self.offset - 1
        nl_offset = 0
        if self.ch == "/":
            # //-style: up to, not including, the newline
            j = self.src.find("\n", self.rd)
            end = self.n if j < 0 else j
            self.rd = end
            self._next()
            return 0
        self._next()
        while self.ch != EOF_CH:
            ch = self.ch
            if ch == "\n" and nl_offset == 0:
                nl_offset = self.offset
            self._next()
            if ch == "*" and self.ch == "/":
                self._next()
                return nl_offset
        self.err(offs, "comment not terminated")
        return nl_offset

    # -- identifiers and numbers ---------------------------------------------------

    def _scan_identifier(self) -> str:
        offs = self.offset
        m = _ASCII_IDENT_TAIL.match(self.src, self.rd)
        assert m is not None
        self.rd = m.end()
        self._next()
        if self.ch >= "\x80":
            while _is_letter(self.ch) or _is_digit(self.ch):
                self._next()
        return self.src[offs : self.offset]

    def _digits(self, base: int, invalid: list[int]) -> int:
        digsep = 0
        if base <= 10:
            top = chr(48 + base)
            while "0" <= self.ch <= "9" or self.ch == "_":
                ds = 1
                if self.ch == "_":
                    ds = 2
                elif self.ch >= top and invalid[0] < 0:
                    invalid[0] = self.offset
                digsep |= ds
                self._next()
        else:
            while _is_hex(self.ch) or self.ch == "_":
                digsep |= 2 if self.ch == "_" else 1
                self._next()
        return digsep

    def _scan_number(self) -> tuple[Tok, str]:
        offs = self.offset
        tok = Tok.ILLEGAL
        base = 10
        prefix = ""
        digsep = 0
        invalid = [-1]

        if self.ch != ".":
            tok = Tok.INT
            if self.ch == "0":
                self._next()
                c = self.ch
                if c in ("x", "X"):
                    self._next()
                    base, prefix = 16, "x"
                elif c in ("o", "O"):
                    self._next()
                    base, prefix = 8, "o"
                elif c in ("b", "B"):
                    self._next()
                    base, prefix = 2, "b"
                else:
                    base, prefix = 8, "0"
                    digsep = 1  # leading 0
            digsep |= self._digits(base, invalid)

        if self.ch == ".":
            tok = Tok.FLOAT
            if prefix in ("o", "b"):
                self.err(self.offset, "invalid radix point in " + _litname(prefix))
            self._next()
            digsep |= self._digits(base, invalid)

        if digsep & 1 == 0:
            self.err(self.offset, _litname(prefix) + " has no digits")

        e = self.ch
        if e in ("e", "E", "p", "P"):
            if e in ("e", "E") and prefix not in ("", "0"):
                self.err(self.offset, f"{go_quote_rune(e)} exponent requires decimal mantissa")
            elif e in ("p", "P") and prefix != "x":
                self.err(self.offset, f"{go_quote_rune(e)} exponent requires hexadecimal mantissa")
            self._next()
            tok = Tok.FLOAT
            if self.ch in ("+", "-"):
                self._next()
            ds = self._digits(10, [0])
            digsep |= ds
            if ds & 1 == 0:
                self.err(self.offset, "exponent has no digits")
        elif prefix == "x" and tok == Tok.FLOAT:
            self.err(self.offset, "hexadecimal mantissa requires a 'p' exponent")

        if self.ch == "i":
            tok = Tok.IMAG
            self._next()

        lit = self.src[offs : self.offset]
        if tok == Tok.INT and invalid[0] >= 0:
            bad = lit[invalid[0] - offs]
            self.err(invalid[0], f"invalid digit {go_quote_rune(bad)} in {_litname(prefix)}")
        if digsep & 2:
            i = _invalid_sep(lit)
            if i >= 0:
                self.err(offs + i, "'_' must separate successive digits")
        return tok, lit

    # -- strings and runes -----------------------------------------------------------

    def _scan_escape(self, quote: str) -> bool:
        offs = self.offset
        ch = self.ch
        if ch in ("a", "b", "f", "n", "r", "t", "v", "\\", quote):
            self._next()
            return True
        if "0" <= ch <= "7":
            n, base, top = 3, 8, 255
        elif ch == "x":
            self._next()
            n, base, top = 2, 16, 255
        elif ch == "u":
            self._next()
            n, base, top = 4, 16, 0x10FFFF
        elif ch == "U":
            self._next()
            n, base, top = 8, 16, 0x10FFFF
        else:
            msg = "escape sequence not terminated" if ch == EOF_CH else "unknown escape sequence"
            self.err(offs, msg)
            return False
        x = 0
        while n > 0:
            d = _digit_val(self.ch) if self.ch != EOF_CH else 16
            if d >= base:
                if self.ch == EOF_CH:
                    msg = "escape sequence not terminated"
                else:
                    msg = f"illegal character {go_unicode_verb(self.ch)} in escape sequence"
                self.err(self.offset, msg)
                return False
            x = x * base + d
            self._next()
            n -= 1
        if x > top or 0xD800 <= x < 0xE000:
            self.err(offs, "escape sequence is invalid Unicode code point")
            return False
        return True

    def _scan_rune(self) -> str:
        offs = self.offset - 1
        valid = True
        n = 0
        while True:
            ch = self.ch
            if ch == "\n" or ch == EOF_CH:
                if valid:
                    self.err(offs, "rune literal not terminated")
                    valid = False
                break
            self._next()
            if ch == "'":
                break
            n += 1
            if ch == "\\" and not self._scan_escape("'"):
                valid = False
        if valid and n != 1:
            self.err(offs, "illegal rune literal")
        return self.src[offs : self.offset]

    def _scan_string(self) -> str:
        offs = self.offset - 1
        while True:
            ch = self.ch
            if ch == "\n" or ch == EOF_CH:
                self.err(offs, "string literal not terminated")
                break
            self._next()
            if ch == '"':
                break
            if ch == "\\":
                self._scan_escape('"')
        return self.src[offs : self.offset]

    def _scan_raw_string(self) -> str:
        offs = self.offset - 1
        while True:
            ch = self.ch
            if ch == EOF_CH:
                self.err(offs, "raw string literal not terminated")
                break
            self._next()
            if ch == "`":
                break
        # go/scanner strips carriage returns from raw strings
        return self.src[offs : self.offset].replace("\r", "")

    # -- tokens ----------------------------------------------------------------------

    def _switch2(self, tok0: Tok, tok1: Tok) -> Tok:
        if self.ch == "=":
            self._next()
            return tok1
        return tok0

    def _switch3(self, tok0: Tok, tok1: Tok, ch2: str, tok2: Tok) -> Tok:
        if self.ch == "=":
            self._next()
            return tok1
        if self.ch == ch2:
            self._next()
            return tok2
        return tok0

    def _switch4(self, tok0: Tok, tok1: Tok, ch2: str, tok2: Tok, tok3: Tok) -> Tok:
        if self.ch == "=":
            self._next()
            return tok1
        if self.ch == ch2:
            self._next()
            if self.ch == "=":
                self._next()
                return tok3
            return tok2
        return tok0

    def scan(self) -> tuple[int, Tok, str]:
        """The next token: (offset, kind, literal), like Scanner.Scan."""
        while True:
            if self.nl_pos >= 0:
                pos, self.nl_pos = self.nl_pos, -1
                return pos, Tok.SEMICOLON, "\n"
            ch = self.ch
            while ch in (" ", "\t", "\r") or (ch == "\n" and not self.insert_semi):
                self._next()
                ch = self.ch
            pos = self.offset
            simple = _SIMPLE.get(ch)
            if simple is not None:
                # one-character tokens that never combine with what follows
                self._next()
                self.insert_semi = simple[1]
                return pos, simple[0], ""
            insert_semi = False
            lit = ""
            if _is_letter(ch):
                lit = self._scan_identifier()
                if len(lit) >= _KEYWORD_MIN_LEN:
                    tok = KEYWORDS.get(lit, Tok.IDENT)
                    insert_semi = tok in (Tok.IDENT, Tok.BREAK, Tok.CONTINUE, Tok.FALLTHROUGH, Tok.RETURN)
                else:
                    tok = Tok.IDENT
                    insert_semi = True
            elif "0" <= ch <= "9" or (ch == "." and "0" <= self._peek() <= "9" and self._peek() != ""):
                insert_semi = True
                tok, lit = self._scan_number()
            else:
                self._next()  # always make progress
                if ch == EOF_CH:
                    if self.insert_semi:
                        self.insert_semi = False
                        return pos, Tok.SEMICOLON, "\n"
                    tok = Tok.EOF
                elif ch == "\n":
                    self.insert_semi = False
                    return pos, Tok.SEMICOLON, "\n"
                elif ch == '"':
                    insert_semi = True
                    tok, lit = Tok.STRING, self._scan_string()
                elif ch == "'":
                    insert_semi = True
                    tok, lit = Tok.CHAR, self._scan_rune()
                elif ch == "`":
                    insert_semi = True
                    tok, lit = Tok.STRING, self._scan_raw_string()
                elif ch == ":":
                    tok = self._switch2(Tok.COLON, Tok.DEFINE)
                elif ch == ".":
                    tok = Tok.PERIOD
                    if self.ch == "." and self._peek() == ".":
                        self._next()
                        self._next()
                        tok = Tok.ELLIPSIS
                elif ch == ",":
                    tok = Tok.COMMA
                elif ch == ";":
                    tok, lit = Tok.SEMICOLON, ";"
                elif ch == "(":
                    tok = Tok.LPAREN
                elif ch == ")":
                    insert_semi = True
                    tok = Tok.RPAREN
                elif ch == "[":
                    tok = Tok.LBRACK
                elif ch == "]":
                    insert_semi = True
                    tok = Tok.RBRACK
                elif ch == "{":
                    tok = Tok.LBRACE
                elif ch == "}":
                    insert_semi = True
                    tok = Tok.RBRACE
                elif ch == "+":
                    tok = self._switch3(Tok.ADD, Tok.ADD_ASSIGN, "+", Tok.INC)
                    insert_semi = tok == Tok.INC
                elif ch == "-":
                    tok = self._switch3(Tok.SUB, Tok.SUB_ASSIGN, "-", Tok.DEC)
                    insert_semi = tok == Tok.DEC
                elif ch == "*":
                    tok = self._switch2(Tok.MUL, Tok.MUL_ASSIGN)
                elif ch == "/":
                    if self.ch in ("/", "*"):
                        nl_offset = self._scan_comment()
                        if self.insert_semi and nl_offset != 0:
                            self.nl_pos = nl_offset
                            self.insert_semi = False
                        continue  # comments are not tokens for the parser
                    tok = self._switch2(Tok.QUO, Tok.QUO_ASSIGN)
                elif ch == "%":
                    tok = self._switch2(Tok.REM, Tok.REM_ASSIGN)
                elif ch == "^":
                    tok = self._switch2(Tok.XOR, Tok.XOR_ASSIGN)
                elif ch == "<":
                    if self.ch == "-":
                        self._next()
                        tok = Tok.ARROW
                    else:
                        tok = self._switch4(Tok.LSS, Tok.LEQ, "<", Tok.SHL, Tok.SHL_ASSIGN)
                elif ch == ">":
                    tok = self._switch4(Tok.GTR, Tok.GEQ, ">", Tok.SHR, Tok.SHR_ASSIGN)
                elif ch == "=":
                    tok = self._switch2(Tok.ASSIGN, Tok.EQL)
                elif ch == "!":
                    tok = self._switch2(Tok.NOT, Tok.NEQ)
                elif ch == "&":
                    if self.ch == "^":
                        self._next()
                        tok = self._switch2(Tok.AND_NOT, Tok.AND_NOT_ASSIGN)
                    else:
                        tok = self._switch3(Tok.AND, Tok.AND_ASSIGN, "&", Tok.LAND)
                elif ch == "|":
                    tok = self._switch3(Tok.OR, Tok.OR_ASSIGN, "|", Tok.LOR)
                elif ch == "~":
                    tok = Tok.TILDE
                else:
                    if ch != BOM:
                        if ch in ("\u201c", "\u201d"):
                            self.err(pos, f"curly quotation mark {go_quote_rune(ch)} (use neutral '\"')")
                        else:
                            self.err(pos, f"illegal character {go_unicode_verb(ch)}")
                    insert_semi = self.insert_semi  # preserve insertSemi info
                    tok, lit = Tok.ILLEGAL, ch
            self.insert_semi = insert_semi
            return pos, tok, lit
