"""The on-disk index of a binary (binary/indexcache.py): what a second session reads instead of
computing, ignored when corrupt or stale, safe with concurrent writers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import open_binary
from pydlv.binary import indexcache
from pydlv.binary.indexcache import IndexCache, go_build_id

BUILD_ID = "abc/def/ghi"


def _cache_files(d: Path) -> list[Path]:
    return sorted(d.iterdir()) if d.exists() else []


def test_round_trip(tmp_path: Path) -> None:
    c = IndexCache.open(BUILD_ID, 1234, tmp_path)
    assert c.enabled and c.entries == {}
    c.put("names", {"main.main": 3, "main.add": 1})
    c.put("inline", {"fmt.x": [1, 2]})
    c.save()
    [f] = _cache_files(tmp_path)
    assert f.name.endswith("-1234.idx")
    again = IndexCache.open(BUILD_ID, 1234, tmp_path)
    assert again.get("names") == {"main.main": 3, "main.add": 1}
    assert again.get("inline") == {"fmt.x": [1, 2]}
    assert not again.dirty
    again.save()  # nothing new: not rewritten
    assert f.stat().st_mtime_ns == _cache_files(tmp_path)[0].stat().st_mtime_ns


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty"])
def test_corrupt_file_is_ignored_then_replaced(tmp_path: Path, damage: str) -> None:
    c = IndexCache.open(BUILD_ID, 99, tmp_path)
    c.put("names", {f"f{i}": i for i in range(1000)})
    c.save()
    [f] = _cache_files(tmp_path)
    raw = f.read_bytes()
    f.write_bytes({"garbage": os.urandom(len(raw)), "truncated": raw[: len(raw) // 2],
                   "flipped": raw[:-10] + bytes([raw[-10] ^ 0xFF]) + raw[-9:], "empty": b""}[damage])
    broken = IndexCache.open(BUILD_ID, 99, tmp_path)
    assert broken.entries == {}
    broken.put("names", {"a": 1})
    broken.save()
    assert IndexCache.open(BUILD_ID, 99, tmp_path).get("names") == {"a": 1}


def test_stale_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = IndexCache.open(BUILD_ID, 7, tmp_path)
    c.put("names", {"a": 1})
    c.save()
    # Another format (or another Python's marshal) under the same name: not used.
    monkeypatch.setattr(indexcache, "FORMAT", indexcache.FORMAT + 1)
    assert IndexCache.open(BUILD_ID, 7, tmp_path).entries == {}
    monkeypatch.undo()
    # Another binary never shares the file: the name holds the build ID and the size.
    assert IndexCache.open(BUILD_ID, 8, tmp_path).entries == {}
    assert IndexCache.open(BUILD_ID + "x", 7, tmp_path).entries == {}
    assert IndexCache.open(BUILD_ID, 7, tmp_path).get("names") == {"a": 1}


WRITER = """
import sys
from pathlib import Path
from pydlv.binary.indexcache import IndexCache
directory, n, build_id = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for round_ in range(20):
    c = IndexCache.open(build_id, 5, Path(directory))
    c.put("names", {f"w{n}-{i}": i for i in range(2000)})
    c.put("writer", (n, round_))
    c.save()
"""


def test_concurrent_writers(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(n), BUILD_ID]) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 4
    files = _cache_files(tmp_path)
    assert len(files) == 1, files  # no temporary file left behind
    got = IndexCache.open(BUILD_ID, 5, tmp_path)
    n, round_ = got.get("writer")
    assert got.get("names") == {f"w{n}-{i}": i for i in range(2000)}  # one writer's whole version


def test_disabled_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYDLV_CACHE_DIR", str(tmp_path))
    assert indexcache.cache_dir() == tmp_path
    monkeypatch.setenv("PYDLV_NO_CACHE", "1")
    assert indexcache.cache_dir() is None
    c = IndexCache.open(BUILD_ID, 1)
    c.put("names", {"a": 1})
    c.save()
    assert not c.enabled and _cache_files(tmp_path) == []
    assert not IndexCache.open("", 1, tmp_path).enabled  # no Go build ID: no cache


def test_go_build_id_of_a_real_binary(basic_binary: Path) -> None:
    from pydlv.binary.elfimage import ElfImage

    img = ElfImage(str(basic_binary))
    try:
        bid = go_build_id(img.section_bytes(".note.go.buildid"))
    finally:
        img.close()
    want = subprocess.run(["go", "tool", "buildid", str(basic_binary)], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert bid == want


def test_binary_answers_the_same_from_the_cache(basic_binary: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYDLV_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PYDLV_NO_CACHE", raising=False)

    def facts(b: object) -> tuple[object, ...]:
        g = b.dwarf_types.struct_layout("runtime.g")  # type: ignore[attr-defined]
        main = b.function_named("main.main")  # type: ignore[attr-defined]
        return (main.entry, main.optimized, b.function_named("runtime.main").optimized,  # type: ignore[attr-defined]
                b.symbol_address("runtime.text"), b.inlined_call_pcs("main.add"),  # type: ignore[attr-defined]
                b.function_named("fmt.Println").entry, g.size, g.fields)  # type: ignore[attr-defined]

    def more_facts(b: object) -> tuple[object, ...]:
        types = b.go_types  # type: ignore[attr-defined]
        point = types.by_name("main.Point")
        return ([f.name for f in b.find_functions("Println")], b.sources(),  # type: ignore[attr-defined]
                point.offset, point.size, [f.name for f in point.fields], types.by_name("add"),
                sorted(types._index().items())[:50], len(types._index()), sorted(types._runtime.items())[:50])

    cold = open_binary(basic_binary)
    try:
        want = facts(cold)
        want_more = more_facts(cold)
        cold.save_index()
    finally:
        cold.close()
    [f] = _cache_files(tmp_path)
    warm = open_binary(basic_binary)
    try:
        for entry in ("symbols", "names", "inline", "optimized", "layouts", "sources", "files", "types"):
            assert warm._cache.get(entry) is not None, entry
        assert facts(warm) == want
        assert "_units" not in warm.__dict__  # answered without reading DWARF
        assert more_facts(warm) == want_more
        assert not warm.go_types.index_walked  # the type names too, with no walk of the type DIEs
    finally:
        warm.close()
    # A corrupt file: the binary is read as if there were no cache.
    f.write_bytes(b"PYDLVIX1" + b"\0" * 64)
    again = open_binary(basic_binary)
    try:
        assert facts(again) == want
        assert more_facts(again) == want_more
    finally:
        again.close()


def test_least_recently_used_files_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(indexcache, "MAX_FILES", 3)
    for n in range(5):
        c = IndexCache.open(f"build-{n}", 10, tmp_path)
        c.put("names", {"n": n})
        c.save()
        os.utime(c.path, (1000 + n, 1000 + n))  # written in this order
    assert len(_cache_files(tmp_path)) == 3
    assert IndexCache.open("build-0", 10, tmp_path).entries == {}  # the oldest went
    assert IndexCache.open("build-2", 10, tmp_path).get("names") == {"n": 2}  # read: now recent
    c = IndexCache.open("build-5", 10, tmp_path)
    c.put("names", {"n": 5})
    c.save()
    assert IndexCache.open("build-3", 10, tmp_path).entries == {}  # least recently used then
    assert IndexCache.open("build-2", 10, tmp_path).get("names") == {"n": 2}
