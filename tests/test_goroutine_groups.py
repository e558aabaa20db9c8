"""ListGoroutines' filters and grouping as Delve 1.27.1 answers them (TestGoroutinesGrouping), on
testdata/labels: 24 goroutines from two `go` statements, labelled name=one/two/three or not at all,
stopped in runtime.Breakpoint(). The counts below are what Delve 1.27.1 answered on the Go 1.27
build; the runtime's own goroutines vary between releases, so they are counted, not assumed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gotoolchains import TESTDATA, GoToolchain, marker_line
from rpcclient import RawClient, start_server
from serverhelpers import cont

# api.GoroutineField
CURRENT_LOC, USER_LOC, GO_LOC, START_LOC, LABEL, RUNNING, USER, WAITING_ON_CHANNEL = range(1, 9)
MAIN_GO = str(TESTDATA / "labels" / "main.go")


@pytest.fixture(scope="module")
def labels(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawClient]:
    srv = start_server(build_go("labels", go), tmp=tmp_path_factory.mktemp("labels"))
    try:
        c = srv.client()
        cont(c)
        yield c
    finally:
        srv.stop()


def _list(c: RawClient, *filters: tuple[int, str, bool], **grouping: Any) -> dict[str, Any]:
    out: dict[str, Any] = c.call("ListGoroutines", {
        "Filters": [{"Kind": k, "Arg": a, "Negated": n} for k, a, n in filters], **grouping})
    return out


def _groups(out: dict[str, Any]) -> list[tuple[str, int, int, int]]:
    return [(g["Name"], g["Offset"], g["Count"], g["Total"]) for g in out["Groups"] or []]


def test_group_and_filter_by_label(labels: RawClient) -> None:
    c = labels
    total = len(_list(c)["Goroutines"])
    unnamed = total - 18
    out = _list(c, GroupBy=LABEL, GroupByKey="name", MaxGroupMembers=2, MaxGroups=10)
    assert _groups(out) == [("name=", 0, 2, unnamed), ("name=one", 2, 2, 6), ("name=three", 4, 2, 6),
                            ("name=two", 6, 2, 6)]
    assert len(out["Goroutines"]) == 8 and out["TooManyGroups"] is False
    # the members kept are the group's first ones, groups in name order
    assert [(g.get("labels") or {}).get("name", "") for g in out["Goroutines"]] == ["", "", "one", "one", "three", "three",
                                                                        "two", "two"]
    out = _list(c, GroupBy=LABEL, GroupByKey="name", MaxGroupMembers=1, MaxGroups=2)
    assert (_groups(out), len(out["Goroutines"]), out["TooManyGroups"]) == (
        [("name=", 0, 1, unnamed), ("name=one", 1, 1, 6)], 2, True)
    # `name=`: the goroutines without the label (a missing label reads "", as a Go map)
    assert len(_list(c, (LABEL, "name=", False))["Goroutines"]) == unnamed
    assert len(_list(c, (LABEL, "name", False))["Goroutines"]) == 18
    assert len(_list(c, (LABEL, "name=one", True))["Goroutines"]) == total - 6
    # Delve's groups are the keys it kept members for: none without MaxGroupMembers
    out = _list(c, GroupBy=GO_LOC, MaxGroupMembers=0)
    assert (out["Goroutines"], out["Groups"], out["TooManyGroups"]) == ([], [], False)


def test_group_and_filter_by_location(labels: RawClient) -> None:
    c = labels
    total = len(_list(c)["Goroutines"])
    go1, go2 = marker_line("labels", "GO-POINT1"), marker_line("labels", "GO-POINT2")
    sleepy = next(n for n, text in enumerate(Path(MAIN_GO).read_text().splitlines(), 1)
                  if text.startswith("func sleepy("))
    out = _list(c, (GO_LOC, "gopoint1", False), GroupBy=LABEL, GroupByKey="name", MaxGroupMembers=100)
    assert _groups(out) == [("name=", 0, 3, 3), ("name=one", 3, 3, 3), ("name=three", 6, 3, 3),
                            ("name=two", 9, 3, 3)]
    groups = dict((name, tot) for name, _, _, tot in _groups(_list(c, GroupBy=GO_LOC, MaxGroupMembers=1)))
    assert groups[f"{MAIN_GO}:{go1} in main.gopoint1"] == 12 and groups[f"{MAIN_GO}:{go2} in main.gopoint2"] == 12
    groups = dict((name, tot) for name, _, _, tot in _groups(_list(c, GroupBy=START_LOC, MaxGroupMembers=1)))
    assert groups[f"{MAIN_GO}:{sleepy} in main.sleepy"] == 24
    # stopped on the Breakpoint() line (Go 1.19: its return address, the next line)
    [running] = _list(c, (RUNNING, "", False))["Goroutines"]
    assert running["currentLoc"]["line"] - marker_line("labels", "LABELS-BREAK") in (0, 1)
    main_loc = f"{MAIN_GO}:{running['currentLoc']['line']} in main.main"
    for by in (CURRENT_LOC, USER_LOC):
        groups = dict((name, tot) for name, _, _, tot in _groups(_list(c, GroupBy=by, MaxGroupMembers=1)))
        assert groups[main_loc] == 1 and sum(groups.values()) == total, by
    out = _list(c, (USER_LOC, "main.go", False), GroupBy=USER_LOC, MaxGroupMembers=5)
    assert _groups(out) == [(main_loc, 0, 1, 1)]
    # the sleepers are all user goroutines
    assert _list(c, (START_LOC, "main.sleepy", False), (USER, "", True))["Goroutines"] == []
    assert _groups(_list(c, GroupBy=USER, MaxGroupMembers=1)) == [("user=false", 0, 1, total - 25),
                                                                   ("user=true", 1, 1, 25)]
    out = _list(c, (RUNNING, "", False), GroupBy=RUNNING, MaxGroupMembers=5)
    assert (_groups(out), [g["id"] for g in out["Goroutines"]]) == ([("running=true", 0, 1, 1)], [1])
    assert _groups(_list(c, GroupBy=RUNNING, MaxGroupMembers=1)) == [("running=false", 0, 1, total - 1),
                                                                      ("running=true", 1, 1, 1)]
    # unknown kinds filter nothing and group everything under ""
    assert len(_list(c, (42, "x", False))["Goroutines"]) == total
    assert _groups(_list(c, GroupBy=42, MaxGroupMembers=5)) == [("", 0, 5, total)]
