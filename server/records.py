"""`record`: a dataclass that costs less to create, for the ~300 record classes pydlv defines.

Written by hand because dataclasses.dataclass (Python 3.11) compiles `__init__`, `__repr__` and
`__eq__` from source for every class (`__hash__`, `__setattr__` and `__delattr__` too when
frozen) and builds a missing docstring with inspect.signature: 0.3-0.6 ms a class, ~45 ms of the
~110 ms a server's start spends importing, and as much again in the warm-up's imports.

A record is a real dataclass (fields(), replace(), asdict() work; type checkers see one through
dataclass_transform), made by dataclasses.dataclass itself with its own `__init__` (the fastest
to call, and frozen records' assignments), while `__repr__`, `__eq__` and `__hash__` are one
shared function each, reading the fields dataclass recorded, with dataclass's rules: what the
class defines itself is kept; `field(compare=False)`, `field(hash=...)` and `field(repr=False)`
are honoured; eq without frozen makes the class unhashable, eq with frozen hashes the compared
fields. A class without a docstring gets its name as one.
"""

from __future__ import annotations

import dataclasses
import reprlib
import typing
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, overload

T = TypeVar("T")

__all__ = ["record"]


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, init: bool = True, eq: bool = True, frozen: bool = False, unsafe_hash: bool = False,
           kw_only: bool = False, slots: bool = False) -> Callable[[type[T]], type[T]]: ...


@typing.dataclass_transform(field_specifiers=(dataclasses.field,))
def record(cls: type[T] | None = None, /, *, init: bool = True, eq: bool = True, frozen: bool = False,
           unsafe_hash: bool = False, kw_only: bool = False, slots: bool = False) -> Any:
    """As @dataclass, with the same parameters (those pydlv uses)."""

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, init=init, eq=eq, frozen=frozen, unsafe_hash=unsafe_hash, kw_only=kw_only, slots=slots)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], *, init: bool, eq: bool, frozen: bool, unsafe_hash: bool, kw_only: bool,
          slots: bool) -> type[T]:
    body = dict(cls.__dict__)  # what the class defines itself, before dataclass adds anything
    if cls.__doc__ is None:
        cls.__doc__ = cls.__name__
    made: Any = dataclasses.dataclass(cls, init=init, repr=False, eq=False, frozen=frozen, kw_only=kw_only,
                                      slots=slots)
    fields = dataclasses.fields(made)
    if "__repr__" not in body:
        made._RECORD_REPR = tuple(f.name for f in fields if f.repr)
        made.__repr__ = _repr
    if eq and "__eq__" not in body:
        made._RECORD_EQ = staticmethod(_key([f.name for f in fields if f.compare]))
        made.__eq__ = _eq
    # dataclass's __hash__ rules; a class's own __hash__ is kept (Python sets __hash__ = None
    # in a class that defines __eq__ only: that one is not the class's choice).
    own_hash = "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)
    if unsafe_hash or (eq and frozen and not own_hash):
        made._RECORD_HASH = staticmethod(_key([f.name for f in fields if (f.compare if f.hash is None else f.hash)]))
        made.__hash__ = _hash
    elif eq and not own_hash:
        made.__hash__ = None
    return typing.cast(type[T], made)


def _key(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of an object's attributes `names` (attrgetter gives a bare value for one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        get = attrgetter(names[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    key = self.__class__._RECORD_EQ
    return key(self) == key(other)


def _hash(self: Any) -> int:
    return hash(self.__class__._RECORD_HASH(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__class__._RECORD_REPR)
    return f"{self.__class__.__qualname__}({inner})"
