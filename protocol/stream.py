"""Go net/rpc/jsonrpc (JSON-RPC 1.0) stream codec: a byte stream in, requests out; replies as bytes.

Delve reads a stream of concatenated JSON objects (whitespace between them optional) and
answers each with `{"id":…,"result":…,"error":…}\\n`. Anything that is not an object
(a syntax error, a batch array, a bare number) or an envelope whose `method` is not a
string ends the connection without a reply: feed() then returns a FramingError.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable
from typing import Any

from ..records import record
from . import wire


@record(slots=True)
class Request:
    method: str  # "" when absent or null (Delve then answers "unknown method: ")
    params: Any  # parsed JSON of `params`; None when absent or null (Go: "missing params")
    id_raw: bytes  # the id's JSON text as Delve echoes it (compacted), b"null" when absent


@record(slots=True)
class FramingError:
    """The stream is unusable: the caller closes the connection without a reply."""

    message: str

    def __str__(self) -> str:
        return self.message


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character in literal {name}")  # Go has no NaN/Infinity literals


# parse_float keeps a number's text for Go's "cannot unmarshal number 1e2 into …" messages.
_DECODER = json.JSONDecoder(parse_float=wire.JsonFloat, parse_constant=_reject_constant)
# The json module's own scanners (CPython's C ones): public in practice, absent from typeshed.
_scan_value: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]  # not in typeshed
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]  # not in typeshed
_WS = re.compile(r"[ \t\n\r]*")
_NOT_WS = re.compile(rb"[^ \t\n\r]")
_IN_STRING = re.compile(rb'["\\]')
_STRUCTURAL = re.compile(rb'["{}\[\]]')
_NEEDS_COMPACT = re.compile(r'[ \t\n\r<>&\u2028\u2029]')
_COMPACT = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.S)
# Go's encoding/json refuses deeper nesting ("exceeded max depth"); Python's parser stops earlier
# (about 1000 levels), which also closes the connection.
MAX_DEPTH = 10000
_CLOSERS = {0x7D: 0x7B, 0x5D: 0x5B}  # } -> {, ] -> [


class _Malformed(Exception):
    pass


class StreamDecoder:
    """Incremental splitter + envelope parser. Each byte is scanned once: O(n) over the stream.

    Between values it skips whitespace; inside a value it jumps (by regex) from one
    structural byte to the next, tracking string/escape state and a bracket stack, so a
    value split over any number of feeds is found without rescanning.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0  # next byte to scan
        self._start = -1  # start of the value being scanned, -1 between values
        self._stack = bytearray()  # open brackets of the current value
        self._in_string = False
        self._dead = False

    @property
    def pending(self) -> int:
        """Bytes held for a value not complete yet (what a size limit applies to)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Request | FramingError]:
        if self._dead:
            return []
        buf = self._buf
        buf += data
        out: list[Request | FramingError] = []
        pos = self._pos
        if self._start < 0 and pos < len(buf):
            pos = self._fast(out, pos)
            if self._dead:
                return out
        n, stack = len(buf), self._stack
        while pos < n:
            if self._start < 0:
                m = _NOT_WS.search(buf, pos)
                if m is None:
                    pos = n
                    break
                pos = m.start()
                if buf[pos] != 0x7B:
                    return self._fail(out, "the stream holds something other than a JSON object")
                self._start = pos
                stack.append(0x7B)
                pos += 1
            elif self._in_string:
                m = _IN_STRING.search(buf, pos)
                if m is None:
                    pos = n
                    break
                p = m.start()
                if buf[p] == 0x5C:  # backslash: skip the escaped byte, which may not be here yet
                    if p + 1 >= n:
                        pos = p
                        break
                    pos = p + 2
                else:
                    self._in_string = False
                    pos = p + 1
            else:
                m = _STRUCTURAL.search(buf, pos)
                if m is None:
                    pos = n
                    break
                p = m.start()
                c = buf[p]
                pos = p + 1
                if c == 0x22:
                    self._in_string = True
                elif c == 0x7B or c == 0x5B:
                    stack.append(c)
                    if len(stack) > MAX_DEPTH:
                        return self._fail(out, "exceeded max depth")
                elif stack.pop() != _CLOSERS[c]:
                    return self._fail(out, "mismatched brackets")
                elif not stack:
                    item = _parse_request(bytes(buf[self._start:pos]))
                    self._start = -1
                    if isinstance(item, FramingError):
                        return self._fail(out, item.message)
                    out.append(item)
        # Drop what is consumed (bytearray deletes a prefix without copying the rest).
        keep = self._start if self._start >= 0 else pos
        if keep:
            del buf[:keep]
            pos -= keep
            if self._start >= 0:
                self._start = 0
        self._pos = pos
        return out

    def _fast(self, out: list[Request | FramingError], pos: int) -> int:
        """Parse whole values straight from the buffer with the C JSON scanner.

        Used at a value boundary; stops at the first value that does not parse (incomplete,
        or malformed) and returns its byte offset for the incremental scanner, which
        waits for the rest or reports the error. Each byte is looked at a bounded number
        of times, so the stream stays O(n).
        """
        chunk = bytes(self._buf[pos:])
        ascii_only = chunk.isascii()
        text = chunk.decode("ascii") if ascii_only else chunk.decode("utf-8", "surrogateescape")
        i, n = 0, len(text)
        while True:
            i = _WS.match(text, i).end()  # type: ignore[union-attr]  # `*`: always matches
            if i >= n:
                break
            if text[i] != "{":
                self._fail(out, "the stream holds something other than a JSON object")
                return pos
            try:
                obj, end = _scan_value(text, i)
            except (StopIteration, ValueError, RecursionError):
                break
            req = _request_from_object(obj, text, i, end)
            if isinstance(req, FramingError):
                self._fail(out, req.message)
                return pos
            out.append(req)
            i = end
        return pos + (i if ascii_only else len(text[:i].encode("utf-8", "surrogateescape")))

    def _fail(self, out: list[Request | FramingError], why: str) -> list[Request | FramingError]:
        self._dead = True
        self._buf = bytearray()
        out.append(FramingError(why))
        return out


def _parse_request(raw: bytes) -> Request | FramingError:
    """One complete top-level object -> Request, like Go's jsonrpc serverRequest decoding."""
    text = raw.decode("utf-8", "surrogateescape")  # Go passes invalid UTF-8 through
    try:
        members = _members(text)
    except (_Malformed, ValueError, StopIteration, IndexError) as e:
        return FramingError(f"invalid JSON: {e or 'syntax error'}")
    except RecursionError:
        return FramingError("exceeded max depth")  # nesting deeper than Python's parser goes
    method: Any = ""
    params: Any = None
    id_raw = b"null"
    for key, (value, start, end) in members.items():
        if key == "method":
            if value is None:
                method = ""
            elif isinstance(value, str):
                method = wire.fix_str(value)
            else:
                return FramingError(f"json: cannot unmarshal {wire.json_kind(value)} into Go struct field "
                                    f"serverRequest.method of type string")
        elif key == "params":
            params = value
        elif key == "id":
            id_raw = _raw_id(text[start:end])
    return Request(method, params, id_raw)


def _request_from_object(obj: dict[str, Any], text: str, start: int, end: int) -> Request | FramingError:
    """Fast path: the envelope already parsed. The id's own text is re-read only when the
    parsed value cannot give it back exactly (anything but a non-zero integer or absent)."""
    folded = {wire.fold_key(k) for k in obj}
    if len(folded) != len(obj):
        return _parse_request(text[start:end].encode("utf-8", "surrogateescape"))  # case-variant duplicates
    method: Any = ""
    params: Any = None
    id_raw = b"null"
    for key, value in obj.items():
        k = wire.fold_key(key)
        if k == "method":
            if isinstance(value, str):
                method = wire.fix_str(value)
            elif value is not None:
                return FramingError(f"json: cannot unmarshal {wire.json_kind(value)} into Go struct field "
                                    f"serverRequest.method of type string")
        elif k == "params":
            params = value
        elif k == "id":
            if type(value) is int and value != 0:  # "-0" must echo as typed
                id_raw = str(value).encode()
            else:
                return _parse_request(text[start:end].encode("utf-8", "surrogateescape"))
    return Request(method, params, id_raw)


def _members(text: str) -> dict[str, tuple[Any, int, int]]:
    """Top-level members: folded key -> (value, start, end of its text). Last one wins, as in Go."""
    out: dict[str, tuple[Any, int, int]] = {}
    idx = _WS.match(text, 1).end()  # type: ignore[union-attr]  # `*`: always matches
    if text[idx] == "}":
        idx += 1
    else:
        while True:
            if text[idx] != '"':
                raise _Malformed("expected a key")
            key, idx = _scanstring(text, idx + 1)
            idx = _WS.match(text, idx).end()  # type: ignore[union-attr]  # `*`: always matches
            if text[idx] != ":":
                raise _Malformed("expected ':'")
            start = _WS.match(text, idx + 1).end()  # type: ignore[union-attr]  # `*`: always matches
            value, end = _scan_value(text, start)
            out[wire.fold_key(key)] = (value, start, end)
            idx = _WS.match(text, end).end()  # type: ignore[union-attr]  # `*`: always matches
            c = text[idx]
            idx += 1
            if c == "}":
                break
            if c != ",":
                raise _Malformed("expected ',' or '}'")
            idx = _WS.match(text, idx).end()  # type: ignore[union-attr]  # `*`: always matches
    if idx != len(text):
        raise _Malformed("trailing data")
    return out


def _raw_id(text: str) -> bytes:
    # Go keeps the id as json.RawMessage and re-marshals it: compacted, <>& and U+2028/9
    # escaped, escapes and number spellings (1E400, "\u00e9") kept verbatim.
    if _NEEDS_COMPACT.search(text):
        text = _COMPACT.sub(lambda m: m.group(1) or "", text)
    return wire.html_escape(text.encode("utf-8", "surrogateescape"))


def encode_response(id_raw: bytes, result: Any | None, error: str | None) -> bytes:
    """One reply line as Delve writes it.

    Success (error None or ""): result encoded (an Out dataclass or plain data), error null.
    Failure: result null, error the string.
    """
    if not error:
        return b'{"id":' + id_raw + b',"result":' + wire.encode(result) + b',"error":null}\n'
    return b'{"id":' + id_raw + b',"result":null,"error":' + wire.encode(error) + b"}\n"
