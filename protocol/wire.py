"""Go `encoding/json` emulation for dataclasses: Delve's exact bytes out, Go's decoding rules in.

Each wire struct is a dataclass made with `@gostruct("pkg.Name")`; its fields carry their
JSON key, omitempty, Go type name and embedding in `gofield(...)` metadata. The Python
attribute name is the JSON key unless `gofield(json=...)` says otherwise (e.g. the key
`continue`, a Python keyword).

Encoding follows Go: keys in field order, omitempty drops false/0/""/None/empty
containers, map keys sorted, `[]byte` as base64, `<>&` and U+2028/U+2029 escaped,
invalid UTF-8 as U+FFFD. Strings may carry raw bytes as lone surrogates
(`bytes.decode("utf-8", "surrogateescape")`): each becomes one U+FFFD, as Go does per
invalid byte.

Decoding follows Delve 1.27, i.e. Go >= 1.25 `encoding/json` built on json/v2
(GOEXPERIMENT=jsonv2 is the default from Go 1.26): keys matched case-insensitively,
unknown keys ignored, null leaves the zero value, the first type mismatch is reported
with Go's text, the path being the JSON keys *as the client wrote them*.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import orjson

from ..records import record

T = TypeVar("T")

_GO = "go"  # metadata namespace in dataclasses.field


# The overloads type a field by its default like dataclasses.field does, so that
# `x: int = gofield(default="")` is a type error.
@typing.overload
def gofield(
    json: str | None = None, *, omitempty: bool = False, go_type: str | None = None, inline: bool = False,
    default: T,
) -> T: ...
@typing.overload
def gofield(
    json: str | None = None, *, omitempty: bool = False, go_type: str | None = None, inline: bool = False,
    default_factory: Callable[[], T],
) -> T: ...
@typing.overload
def gofield(
    json: str | None = None, *, omitempty: bool = False, go_type: str | None = None, inline: bool = False,
) -> Any: ...
def gofield(
    json: str | None = None,
    *,
    omitempty: bool = False,
    go_type: str | None = None,
    inline: bool = False,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A dataclass field with Go JSON metadata.

    json: the key (default: the attribute name). omitempty: Go's `,omitempty`.
    go_type: the Go type as Go prints it in errors, when the annotation can't tell
    (e.g. "uint64", "api.WatchType", "[][2]string"). inline: a Go embedded struct
    (or pointer to one): its fields sit at the parent level.
    """
    md = {"json": json, "omitempty": omitempty, "go_type": go_type, "inline": inline}
    return dataclasses.field(default=default, default_factory=default_factory, metadata={_GO: md})


# Tells type checkers what wrap() does: dataclasses.dataclass(slots=True), whose defaults
# (eq, no order, not frozen, positional fields) are dataclass_transform's own; gofield
# is a field specifier, so its default/default_factory make a field optional.
@typing.dataclass_transform(field_specifiers=(gofield, dataclasses.field))
def gostruct(go_type: str, shared: bool = False, *, shared_init: bool = False) -> Callable[[type[T]], type[T]]:
    """Class decorator: a slotted dataclass whose Go type name (for error texts) is go_type.

    shared: one object of the class may appear many times in one answer (a location thousands of
    goroutines share); encode() turns each such object into JSON data once.
    A record (records.py: shared __eq__ and __repr__). shared_init: __init__ too
    (`_shared_init`, ~1 us slower a call): for the In/Out structs of methods.py, one or two per
    request; api types, made by the thousand, keep generated ones."""

    def wrap(cls: type[T]) -> type[T]:
        cls.GO_TYPE = go_type  # type: ignore[attr-defined]  # a class attribute no annotation declares
        cls.GO_SHARED = shared  # type: ignore[attr-defined]  # likewise
        if cls.__doc__ is None:
            cls.__doc__ = go_type
        made = record(slots=True, init=not shared_init)(cls)
        if shared_init:
            made._INIT = tuple((f.name, f.default, f.default_factory)  # type: ignore[attr-defined]
                               for f in dataclasses.fields(cast(Any, made)))
            made.__init__ = _shared_init  # type: ignore[method-assign]
        return made

    return wrap


def _shared_init(self: Any, *args: Any, **kwargs: Any) -> None:
    """A dataclass __init__ read from the class's _INIT (name, default, default_factory) rows."""
    spec = self._INIT
    if len(args) > len(spec):
        raise TypeError(f"{type(self).__name__}() takes {len(spec)} positional arguments but {len(args)} were given")
    for i, (name, default, factory) in enumerate(spec):
        if i < len(args):
            if name in kwargs:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            value = args[i]
        elif name in kwargs:
            value = kwargs.pop(name)
        elif factory is not dataclasses.MISSING:
            value = factory()
        elif default is not dataclasses.MISSING:
            value = default
        else:
            raise TypeError(f"{type(self).__name__}() missing required argument: {name!r}")
        setattr(self, name, value)
    if kwargs:
        raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}")


# ---------------------------------------------------------------------------------------
# Type descriptions, built once per dataclass from annotations + metadata

_INT_RANGES: dict[str, tuple[int, int]] = {}
for _bits in (8, 16, 32, 64):
    _INT_RANGES[f"int{_bits}"] = (-(1 << (_bits - 1)), (1 << (_bits - 1)) - 1)
    _INT_RANGES[f"uint{_bits}"] = (0, (1 << _bits) - 1)
_INT_RANGES.update(int=_INT_RANGES["int64"], uint=_INT_RANGES["uint64"], uintptr=_INT_RANGES["uint64"],
                   byte=_INT_RANGES["uint8"], rune=_INT_RANGES["int32"])


def register_int_type(go_name: str, underlying: str) -> None:
    """Declare a named Go integer type (e.g. api.WatchType = uint8) for range checks."""
    _INT_RANGES[go_name] = _INT_RANGES[underlying]


@record(slots=True)
class _Type:
    kind: str  # bool int str float bytes any struct ptr list array map
    go: str  # Go type name as errors print it
    elem: _Type | None = None
    cls: type | None = None  # struct
    length: int = 0  # array
    lo: int = 0  # int range
    hi: int = 0

    def struct_cls(self) -> type | None:
        """The class of a struct, or of the struct a pointer points to."""
        return self.cls or (self.elem.cls if self.elem else None)


@record(slots=True)
class _Field:
    attr: str
    key: str
    omitempty: bool
    inline: bool
    type: _Type


_ARRAY_RE = re.compile(r"^\[(\d+)\](.*)$")


def _split_go(go: str | None, prefix_kind: str) -> tuple[str | None, int]:
    """The element Go name of a container Go name; length for arrays."""
    if go is None:
        return None, 0
    if prefix_kind == "list" and go.startswith("[]"):
        return go[2:], 0
    if prefix_kind == "array":
        m = _ARRAY_RE.match(go)
        if m:
            return m.group(2), int(m.group(1))
    if prefix_kind == "map" and go.startswith("map[string]"):
        return go[len("map[string]"):], 0
    return None, 0


def _analyze(tp: Any, go: str | None) -> _Type:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _analyze(args[0] if len(args) == 1 else Any, go.lstrip("*") if go else None)
        if inner.kind in ("struct", "bool", "int", "str", "float"):
            # A Go pointer: null -> None; errors name the pointed-to type.
            return _Type("ptr", inner.go, elem=inner)
        return inner  # slices/maps/bytes are already nil-able
    if origin is list or origin is tuple:
        elems = typing.get_args(tp)
        elem_go, length = _split_go(go, "array")
        if elem_go is not None:
            elem = _analyze(elems[0] if elems else Any, elem_go)
            return _Type("array", go or f"[{length}]{elem.go}", elem=elem, length=length)
        elem_go, _ = _split_go(go, "list")
        elem = _analyze(elems[0] if elems else Any, elem_go)
        return _Type("list", go or "[]" + _container_name(elem), elem=elem)
    if origin is dict:
        kv = typing.get_args(tp)
        elem_go, _ = _split_go(go, "map")
        elem = _analyze(kv[1] if len(kv) == 2 else Any, elem_go)
        return _Type("map", go or "map[string]" + _container_name(elem), elem=elem)
    if tp is bool:
        return _Type("bool", go or "bool")
    if tp is int:
        name = go or "int"
        lo, hi = _INT_RANGES.get(name, _INT_RANGES["int64"])
        return _Type("int", name, lo=lo, hi=hi)
    if tp is str:
        return _Type("str", go or "string")
    if tp is float:
        return _Type("float", go or "float64")
    if tp is bytes:
        return _Type("bytes", go or "[]uint8")
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _Type("struct", go or getattr(tp, "GO_TYPE", None) or tp.__name__, cls=tp)
    return _Type("any", go or "interface {}")


def _container_name(t: _Type) -> str:
    return "*" + t.go if t.kind == "ptr" else t.go


_FIELDS: dict[type, list[_Field]] = {}


def fields_of(cls: type) -> list[_Field]:
    """The wire description of a dataclass's fields (cached)."""
    got = _FIELDS.get(cls)
    if got is not None:
        return got
    # Module namespace as locals too: by default class attributes would shadow it, and a
    # field named like its type (Stackframe.Location: Location) would resolve to the slot.
    ns = vars(sys.modules[cls.__module__])
    hints = typing.get_type_hints(cls, ns, ns)
    out = []
    for f in dataclasses.fields(cls):
        md = f.metadata.get(_GO, {})
        out.append(_Field(
            attr=f.name,
            key=md.get("json") or f.name,
            omitempty=bool(md.get("omitempty")),
            inline=bool(md.get("inline")),
            type=_analyze(hints[f.name], md.get("go_type")),
        ))
    _FIELDS[cls] = out
    return out


# ---------------------------------------------------------------------------------------
# Encoding: dataclass -> plain dict/list (generated code per class) -> orjson -> Go escapes


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _sorted_map(m: dict) -> dict:
    return {k: _plain(m[k]) for k in sorted(m)}


def _plain(v: Any) -> Any:
    """Any value as JSON-ready Python data, the way Go would marshal it."""
    if v is None or isinstance(v, (str, int, float)):
        return v
    enc = _ENCODERS.get(type(v))
    if enc is not None:
        return enc(v)
    if dataclasses.is_dataclass(v):
        return _encoder_for(type(v))(v)
    if isinstance(v, dict):
        return _sorted_map(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (bytes, bytearray, memoryview)):
        return _b64(bytes(v))
    raise TypeError(f"cannot encode {type(v).__name__} as JSON")


_ENCODERS: dict[type, Callable[[Any], dict]] = {}
_ENC_NAMES: dict[type, str] = {}
# JSON data of each `shared` object met during one encode(), by id (the object is kept with it, so
# the id cannot be reused meanwhile; the `is` check makes a clear by another thread harmless).
_SHARED: dict[int, tuple[Any, dict]] = {}
_ENC_NS: dict[str, Any] = {"_b64": _b64, "_plain": _plain, "_sorted_map": _sorted_map, "_SHARED": _SHARED}


def _enc_name(cls: type) -> str:
    name = _ENC_NAMES.get(cls)
    if name is None:
        name = _ENC_NAMES[cls] = f"_enc{len(_ENC_NAMES)}_{cls.__name__}"
    return name


def _value_expr(t: _Type, v: str, pending: list[type]) -> str:
    """Python source turning value `v` of type t into plain JSON data."""
    if t.kind in ("bool", "int", "str", "float"):
        return v
    if t.kind == "bytes":
        return f"(None if {v} is None else _b64({v}))"
    cls = t.struct_cls() if t.kind in ("struct", "ptr") else None
    if cls is not None:
        pending.append(cls)
        return f"(None if {v} is None else {_enc_name(cls)}({v}))"
    if t.kind == "ptr":
        return v
    if t.kind in ("list", "array") and t.elem is not None:
        e = t.elem
        if e.kind in ("bool", "int", "str", "float"):
            return v  # orjson takes lists/tuples of scalars as they are
        if e.kind in ("struct", "ptr") and e.struct_cls() is not None:
            inner = _value_expr(e, "x", pending)
            return f"(None if {v} is None else [{inner} for x in {v}])"
    if t.kind == "map" and t.elem is not None and t.elem.kind in ("bool", "int", "str", "float"):
        return f"(None if {v} is None else {{k: {v}[k] for k in sorted({v})}})"
    return f"_plain({v})"


def _encoder_for(cls: type) -> Callable[[Any], dict]:
    enc = _ENCODERS.get(cls)
    if enc is not None:
        return enc
    pending: list[type] = []
    name = _enc_name(cls)
    shared = getattr(cls, "GO_SHARED", False)
    lines = [f"def {name}(o):"]
    if shared:
        lines += ["    hit = _SHARED.get(id(o))", "    if hit is not None and hit[0] is o: return hit[1]"]
    lines.append("    d = {}")
    for f in fields_of(cls):
        key = repr(f.key)
        if f.inline:
            # Go embedding: the inner struct's keys at this level; a nil embedded pointer adds none.
            lines.append(f"    v = o.{f.attr}")
            lines.append(f"    if v is not None: d.update({_value_expr(f.type, 'v', pending)})")
        elif f.omitempty and f.type.kind != "struct":  # Go never omits a struct value
            lines.append(f"    v = o.{f.attr}")
            lines.append(f"    if v: d[{key}] = {_value_expr(f.type, 'v', pending)}")
        else:
            lines.append(f"    d[{key}] = {_value_expr(f.type, f'o.{f.attr}', pending)}")
    if hasattr(cls, "go_encode_hook"):
        lines.append("    o.go_encode_hook(d)")
    if shared:
        lines.append("    _SHARED[id(o)] = (o, d)")
    lines.append("    return d")
    exec("\n".join(lines), _ENC_NS)  # generated once per class: a flat function is ~3x faster than a loop
    enc = _ENCODERS[cls] = _ENC_NS[name]
    for dep in pending:
        if dep not in _ENCODERS:
            _encoder_for(dep)
    return enc


_SURROGATES = re.compile("[\ud800-\udfff]")


def _sanitize(v: Any) -> Any:
    """Replace lone surrogates (invalid UTF-8 carried through surrogateescape) by U+FFFD."""
    if isinstance(v, str):
        return _SURROGATES.sub("\ufffd", v)
    if isinstance(v, dict):
        return {_sanitize(k): _sanitize(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_sanitize(x) for x in v]
    return v


def html_escape(data: bytes) -> bytes:
    """Go's HTML-safe escaping on JSON text. Outside strings JSON has none of these bytes.

    Plain `in`/replace run at memchr speed; a regex here was 10x slower than orjson itself.
    """
    if b"<" in data:
        data = data.replace(b"<", b"\\u003c")
    if b">" in data:
        data = data.replace(b">", b"\\u003e")
    if b"&" in data:
        data = data.replace(b"&", b"\\u0026")
    if b"\xe2" in data:  # one byte: memchr; a 2-byte needle takes the slow search path
        data = data.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    return data


def to_plain(obj: Any) -> Any:
    """obj (dataclass, dict, list, scalar) as plain JSON data, keys in Go's order; the data of a
    `shared` object appearing several times is one dict, referred to from each place."""
    try:
        return _plain(obj)
    finally:
        _SHARED.clear()


def encode(obj: Any) -> bytes:
    """Go-compatible compact JSON of obj (no trailing newline)."""
    plain = to_plain(obj)
    try:
        out = orjson.dumps(plain)
    except orjson.JSONEncodeError:
        out = orjson.dumps(_sanitize(plain))  # only strings carrying invalid UTF-8 get here
    return html_escape(out)


# ---------------------------------------------------------------------------------------
# Decoding: parsed JSON (Python objects) -> dataclass, with Go's rules and error texts


class JsonFloat(float):
    """A JSON number with a fraction or exponent, remembering its text for Go's error messages.

    Pass `parse_float=JsonFloat` to json.loads: Go reports `number 1e2`, not `number 100.0`.
    """

    __slots__ = ("raw",)
    raw: str

    def __new__(cls, text: str) -> JsonFloat:
        self = super().__new__(cls, text)
        self.raw = text
        return self


class DecodeError(ValueError):
    """A Go json.UnmarshalTypeError (or a jsonrpc codec error); str() is Go's exact text."""


def json_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


def _pointer_token(key: str) -> str:
    # Go builds the path from a JSON Pointer (RFC 6901) whose escapes stay in the text.
    return key.replace("~", "~0").replace("/", "~1")


def type_error(value_desc: str, go_type: str, path: Sequence[str], root: str = "") -> DecodeError:
    """Go 1.25+ (json/v2 based) UnmarshalTypeError text.

    Field = the path joined by "."; when its last token is all digits (an array index,
    or a map key that looks like one) the words "Go struct field " are left out.
    """
    if not path:
        return DecodeError(f"json: cannot unmarshal {value_desc} into Go value of type {go_type}")
    field = ".".join(path)
    last = path[-1]
    into = "" if last and last.strip("0123456789") == "" else "Go struct field "
    return DecodeError(f"json: cannot unmarshal {value_desc} into {into}{root}.{field} of type {go_type}")


def _number_text(v: Any) -> str:
    if isinstance(v, JsonFloat):
        return v.raw
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return repr(v)
    return str(v)


def fix_str(s: str) -> str:
    if s.isascii():
        return s
    return _SURROGATES.sub("\ufffd", s)  # Go turns invalid UTF-8 and lone \ud800 escapes into U+FFFD


class _Decoder:
    __slots__ = ("root",)

    def __init__(self, root: str) -> None:
        self.root = root

    def value(self, t: _Type, v: Any, path: tuple[str, ...]) -> Any:
        k = t.kind
        if v is None:
            return None if k in ("ptr", "list", "map", "bytes", "any") else _zero(t)
        if k == "str":
            if isinstance(v, str):
                return fix_str(v)
        elif k == "int":
            if isinstance(v, int) and not isinstance(v, bool):
                if t.lo <= v <= t.hi:
                    return v
                raise type_error(f"number {v}", t.go, path, self.root)
            if isinstance(v, float):
                raise type_error(f"number {_number_text(v)}", t.go, path, self.root)
        elif k == "bool":
            if isinstance(v, bool):
                return v
        # _analyze sets cls for structs and elem for containers: the None tests are for the type checker.
        elif k == "struct":
            if isinstance(v, dict) and t.cls is not None:
                return self.struct(t.cls, v, path)
        elif k == "ptr":
            if t.elem is not None:
                return self.value(t.elem, v, path)
        elif k == "list":
            e = t.elem
            if isinstance(v, list) and e is not None:
                return [self.value(e, x, (*path, str(i))) for i, x in enumerate(v)]
        elif k == "array":
            e = t.elem
            if isinstance(v, list) and e is not None:
                out = [self.value(e, x, (*path, str(i))) for i, x in enumerate(v[: t.length])]
                out.extend(_zero(e) for _ in range(t.length - len(out)))
                return out
        elif k == "map":
            e = t.elem
            if isinstance(v, dict) and e is not None:
                return {fix_str(key): self.value(e, x, (*path, _pointer_token(key))) for key, x in v.items()}
        elif k == "float":
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
        elif k == "bytes":
            if isinstance(v, str):
                try:
                    return base64.b64decode(v, validate=True)
                except ValueError:
                    raise DecodeError(f"illegal base64 data at input byte 0 (field {'.'.join(path)})") from None
        else:  # any
            return v
        raise type_error(json_kind(v), t.go, path, self.root)

    def struct(self, cls: type, obj: dict, path: tuple[str, ...]) -> Any:
        exact, folded = _key_index(cls)
        kw: dict[str, Any] = {}
        inner: dict[str, dict[str, Any]] = {}
        for key, v in obj.items():
            hit = exact.get(key) or folded.get(fold_key(key))
            if hit is None:
                continue  # unknown keys are ignored
            owner, f = hit
            val = self.value(f.type, v, (*path, _pointer_token(key)))
            if v is None and f.type.kind not in ("ptr", "list", "map", "bytes", "any"):
                continue  # null leaves a non-pointer as it was
            (inner.setdefault(owner, {}) if owner else kw)[f.attr] = val
        for attr, make in _go_defaults(cls):
            if attr not in kw and attr not in inner:
                kw[attr] = make()
        for owner, sub in inner.items():
            emb_cls = _embedded_cls(next(f for f in fields_of(cls) if f.attr == owner))
            kw[owner] = emb_cls(**{a: mk() for a, mk in _go_defaults(emb_cls) if a not in sub}, **sub)
        return cls(**kw)


def fold_key(key: str) -> str:
    # Go's case folding (strings.EqualFold); for our ASCII field names only these
    # non-ASCII letters fold onto ASCII ones: U+017F long s and U+212A Kelvin.
    k = key.lower()
    return k if k.isascii() else k.replace("\u017f", "s")


def _embedded_cls(f: _Field) -> type:
    cls = f.type.struct_cls()
    if cls is None:
        raise TypeError(f"inline field {f.attr} is not a struct or a pointer to one")
    return cls


_KEYS: dict[type, tuple[dict, dict]] = {}


def _key_index(cls: type) -> tuple[dict[str, tuple[str, _Field]], dict[str, tuple[str, _Field]]]:
    got = _KEYS.get(cls)
    if got is None:
        exact: dict[str, tuple[str, _Field]] = {}
        for f in fields_of(cls):
            if f.inline:
                for sub in fields_of(_embedded_cls(f)):
                    exact.setdefault(sub.key, (f.attr, sub))
            else:
                exact[f.key] = ("", f)  # the outer struct's own field wins over embedded ones
        folded = {fold_key(k): v for k, v in reversed(list(exact.items()))}
        got = _KEYS[cls] = (exact, folded)
    return got


_GO_DEFAULTS: dict[type, tuple[tuple[str, Callable[[], Any]], ...]] = {}


def _go_defaults(cls: type) -> tuple[tuple[str, Callable[[], Any]], ...]:
    """Fields whose Python default differs from Go's zero value, with a maker of the latter.

    Output-friendly defaults (an allocated `[]`/`{}`) are nil in Go's zero value, and a
    nested struct's zero holds Go-zero fields too: decoding must give what Go would.
    """
    got = _GO_DEFAULTS.get(cls)
    if got is None:
        out: list[tuple[str, Callable[[], Any]]] = []
        types_by_attr = {f.attr: f.type for f in fields_of(cls)}
        for f in dataclasses.fields(cls):
            if f.default_factory in (list, dict):
                out.append((f.name, lambda: None))
            elif f.default_factory is not dataclasses.MISSING:
                t = types_by_attr[f.name]
                if t.kind == "struct" and t.cls is not None:
                    out.append((f.name, functools.partial(zero_value, t.cls)))
        got = _GO_DEFAULTS[cls] = tuple(out)
    return got


def zero_value(cls: type[T]) -> T:
    """Go's zero value of a wire struct (nil slices and maps, zero nested structs)."""
    return cls(**{attr: make() for attr, make in _go_defaults(cls)})


def _zero(t: _Type) -> Any:
    k = t.kind
    if k == "struct" and t.cls is not None:  # always set for a struct: a test for the type checker
        return zero_value(t.cls)
    if k == "array" and t.elem is not None:
        return [_zero(t.elem) for _ in range(t.length)]
    return {"bool": False, "int": 0, "str": "", "float": 0.0}.get(k)


_ROOTS: dict[type, _Type] = {}


def decode(cls: type[T], value: Any, path: Sequence[str] = (), root: str = "") -> T:
    """Build a `cls` from parsed JSON like Go's json.Unmarshal into a `*cls`.

    path: the JSON path of value inside the document (tokens as written, e.g. ("0",) for
    params[0]); root: the Go name of the document's root type as Go's errors print it
    ("" for Delve's params, an unnamed [1]interface{}). Raises DecodeError with Go's text.
    """
    t = _ROOTS.get(cls)
    if t is None:
        t = _ROOTS[cls] = _analyze(cls, None)
    d = _Decoder(root)
    if value is None:
        return _zero(t)
    return d.value(t, value, tuple(path))
