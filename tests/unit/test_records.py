"""records.record behaves as dataclasses.dataclass where pydlv relies on it: equality, hashing,
repr, the class's own methods, fields(), replace(), slots."""

from __future__ import annotations

import dataclasses
from dataclasses import field

import pytest
from pydlv.records import record


@record(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0
    note: str = field(default="", compare=False, repr=False)


@record
class Node:
    name: str
    children: list[Node] = field(default_factory=list)


@record(frozen=True)
class OwnEq:
    a: int

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnEq)

    def __hash__(self) -> int:
        return 7


@record(eq=False)
class Identity:
    a: int


@record(slots=True, unsafe_hash=True)
class Keyed:
    a: int
    b: str = field(default="", hash=False)


@dataclasses.dataclass(frozen=True, slots=True)
class DataPoint:
    x: int
    y: int = 0
    note: str = field(default="", compare=False, repr=False)


def test_equality_and_hash_as_dataclass() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b")  # compare=False
    assert Point(1, 2) != Point(1, 3)
    assert hash(Point(1, 2, "a")) == hash(Point(1, 2, "b")) == hash(DataPoint(1, 2))
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2
    assert Point(1, 2) != DataPoint(1, 2)  # another class: NotImplemented both ways
    assert Node("a") == Node("a") and Node("a") != Node("b")
    with pytest.raises(TypeError):
        hash(Node("a"))  # eq without frozen: unhashable, as dataclass makes it
    assert OwnEq(1) == OwnEq(2) and hash(OwnEq(1)) == 7  # the class's own kept
    i = Identity(1)
    assert i == i and Identity(1) != Identity(1) and hash(i) == object.__hash__(i)  # eq=False: identity
    assert hash(Keyed(1, "x")) == hash(Keyed(1, "y")) and Keyed(1, "x") != Keyed(1, "y")


def test_repr_fields_and_frozen() -> None:
    assert repr(Point(1, 2, "hidden")) == repr(DataPoint(1, 2, "hidden")).replace("DataPoint", "Point") == \
        "Point(x=1, y=2)"
    n = Node("root")
    n.children.append(n)
    assert repr(n) == "Node(name='root', children=[...])"  # a cycle, as dataclass shows it
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "note"]
    assert dataclasses.replace(Point(1, 2), y=5) == Point(1, 5)
    assert dataclasses.asdict(Point(1, 2)) == {"x": 1, "y": 2, "note": ""}
    p = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    assert not hasattr(p, "__dict__")  # slots
    assert Point.__doc__ == "Point" and Node.__doc__ == "Node"
