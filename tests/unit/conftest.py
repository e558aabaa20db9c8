"""Fixtures for runtime-model unit tests: testdata built with each installed Go,
and a real process stopped at a breakpoint by pydlv's own native layer."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gotoolchains
import pytest
from ptrace.binding.linux_struct import user_regs_struct
from pydlv.native.launch import launch_traced
from pydlv.native.process import StopKind, TracedProcess

REPO = Path(__file__).resolve().parents[2]
TESTDATA = REPO / "testdata"

# (label, go command): the versions the project supports and can test here.
TOOLCHAINS = [("go1.27", shutil.which("go") or "go"), ("go1.19", "/usr/lib/go-1.19/bin/go")]


def go_build(go: str, src: Path, out: Path, cgo: bool = False) -> Path:
    env = dict(os.environ, GOTOOLCHAIN="local", GOFLAGS="-mod=mod", CGO_ENABLED="1" if cgo else "0")
    subprocess.run([go, "build", "-gcflags=all=-N -l", "-o", str(out), "."], cwd=src, env=env,
                   check=True, capture_output=True, timeout=300)
    return out


def build_program(tmp: Path, source: str, go: str | None = None) -> Path:
    """Build a one-file Go program written by a test (module mode, no dependencies)."""
    go = go or shutil.which("go")
    if go is None:
        pytest.skip("go not installed")
    (tmp / "go.mod").write_text("module prog\n\ngo 1.21\n")
    (tmp / "main.go").write_text(source)
    return go_build(go, tmp, tmp / "prog")


def line_containing(src: Path, needle: str) -> int:
    for n, text in enumerate(src.read_text().splitlines(), 1):
        if needle in text:
            return n
    raise LookupError(needle)


def marker_line(src: Path, marker: str) -> int:
    return line_containing(src, f"// {marker}")


def open_binary(path: Path) -> Any:
    """GoBinary from server/binary/gobinary.py (written separately); skip until it exists."""
    try:
        from pydlv.binary import gobinary
    except ImportError:
        pytest.skip("pydlv.binary.gobinary is not available yet")
    opener = getattr(gobinary, "open", None) or gobinary.GoBinary.open
    return opener(str(path))


def line_address(binary: Any, function: str, line: int) -> int:
    """Lowest pc of `line` inside `function`: where a debugger puts a line breakpoint."""
    entry = binary.symbol_address(function)
    fn = binary.function_at(entry)
    for pc in range(fn.entry, fn.end):
        if binary.pc_to_line(pc)[1] == line:
            return pc
    raise LookupError(f"{function}: no pc for line {line}")


@pytest.fixture(scope="session", params=TOOLCHAINS, ids=[t[0] for t in TOOLCHAINS])
def basic_binary(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    label, go = request.param
    if not Path(go).exists() and shutil.which(go) is None:
        pytest.skip(f"{label} not installed")
    tc = gotoolchains.find(label.removeprefix("go"))
    if tc is None:
        pytest.skip(f"{label} not installed")
    return gotoolchains.build("basic", tc)


@dataclass
class Stop:
    """A traced process with every thread stopped after `tid` hit a breakpoint."""

    proc: TracedProcess
    tid: int

    def thread_regs(self) -> dict[int, user_regs_struct]:
        return {t: self.proc.regs(t) for t in self.proc.threads}


@contextmanager
def stopped_at(path: Path, addr: int, hit: int = 1,
               accept: Callable[[Stop], bool] | None = None) -> Iterator[Stop]:
    """Launch `path` and run it until the hit-th time a thread reaches `addr` (counting
    only the hits `accept` approves, if given); the process is killed on exit.

    ptrace requests must all come from the thread that launched the process: enter
    and use this on one thread (pytest's main thread).
    """
    proc = TracedProcess(launch_traced([str(path)], str(path.parent)), launched=True)
    try:
        proc.breakpoints.insert(addr)
        while True:
            event = proc.resume_until_event()
            if event.kind is not StopKind.BREAKPOINT or event.addr != addr:
                raise RuntimeError(f"breakpoint at {addr:#x} not reached: {event}")
            stop = Stop(proc, event.tid)
            if accept is None or accept(stop):
                hit -= 1
            if hit <= 0:
                break
            proc.consume_breakpoint(event.tid, addr)
        yield stop
    finally:
        proc.kill()


@dataclass
class StoppedBasic:
    binary: Any
    stop: Stop


@pytest.fixture(scope="session")
def stopped_basic(basic_binary: Path) -> Iterator[StoppedBasic]:
    """testdata/basic stopped at BP-ADD in main.add, called from main.loop."""
    binary = open_binary(basic_binary)
    bp = line_address(binary, "main.add", marker_line(TESTDATA / "basic" / "main.go", "BP-ADD"))
    try:
        with stopped_at(basic_binary, bp) as stop:
            yield StoppedBasic(binary, stop)
    finally:
        binary.close()
