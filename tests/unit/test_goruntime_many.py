"""10,000 goroutines: all_goroutines must read them in a few large blocks."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import build_program, line_address, open_binary, stopped_at
from pydlv.goruntime.goroutines import GoRuntime

N = 10_000
PROGRAM = f"""package main

import "sync"

//go:noinline
func ready(n int) int {{
	return n + 1 // BP
}}

func park(ch chan int, wg *sync.WaitGroup) {{
	wg.Done()
	<-ch
}}

func main() {{
	ch := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < {N}; i++ {{
		wg.Add(1)
		go park(ch, &wg)
	}}
	wg.Wait()
	ready({N})
	close(ch)
}}
"""


@pytest.fixture(scope="module")
def many_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_program(tmp_path_factory.mktemp("many"), PROGRAM)


def test_ten_thousand_goroutines(many_binary: Path) -> None:
    binary = open_binary(many_binary)
    bp = line_address(binary, "main.ready", 7)
    reads = 0
    try:
        with stopped_at(many_binary, bp) as stop:

            def counting_read(addr: int, size: int) -> bytes:
                nonlocal reads
                reads += 1
                return stop.proc.read_memory(addr, size)

            rt = GoRuntime(binary, counting_read)
            _ = rt.layout  # DWARF work is not what is measured here
            start = time.perf_counter()
            gs = rt.all_goroutines(stop.thread_regs())
            elapsed = time.perf_counter() - start
            parked = [g for g in gs if rt.start_loc(g).function.name == "main.park"]
            assert len(parked) == N
            # wg.Done() comes before `<-ch`: a few may not have parked yet when main goes on.
            assert sum(g.status == 4 for g in parked) >= N - 16
            assert reads < N // 10, reads  # g structs are read in blocks, not one by one
            start = time.perf_counter()
            users = [rt.user_current_loc(g).function.name for g in parked]
            assert users.count("main.park") >= N - 16
            print(f"all_goroutines: {elapsed * 1000:.0f} ms, {reads} reads; "
                  f"userCurrentLoc x{N}: {(time.perf_counter() - start) * 1000:.0f} ms")
    finally:
        binary.close()


def test_locations_of_reads_stacks_together(many_binary: Path) -> None:
    """locations_of (ListGoroutines) answers as locations() one by one, its stack reads vectored."""
    binary = open_binary(many_binary)
    bp = line_address(binary, "main.ready", 7)
    try:
        with stopped_at(many_binary, bp) as stop:
            reads = batches = 0

            def counting_read(addr: int, size: int) -> bytes:
                nonlocal reads
                reads += 1
                return stop.proc.read_memory(addr, size)

            def counting_read_many(ranges: Sequence[tuple[int, int]]) -> list[bytes | None]:
                nonlocal batches
                batches += 1
                return stop.proc.read_memory_many(ranges)

            one = GoRuntime(binary, stop.proc.read_memory)
            many = GoRuntime(binary, counting_read, counting_read_many)
            gs = one.all_goroutines(stop.thread_regs())
            expected = [one.locations(g) for g in gs]
            _ = many.layout
            reads = 0
            assert many.locations_of(gs) == expected
            assert batches == 1
            # Stacks deeper than the read-ahead, and the goroutines on threads, read on their own.
            assert reads < N // 100, reads
    finally:
        binary.close()
