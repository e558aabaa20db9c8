"""pprof labels of a goroutine (g.labels -> runtime/pprof.labelMap, Go 1.21+ layout)."""

from __future__ import annotations

import pytest
from conftest import build_program, line_address, open_binary, stopped_at
from pydlv.goruntime.goroutines import GoRuntime

PROGRAM = """package main

import (
	"context"
	"runtime/pprof"
)

//go:noinline
func ready(n int) int {
	return n + 1
}

func main() {
	ready(0)
	pprof.Do(context.Background(), pprof.Labels("k1", "v1", "zz", "last"), func(context.Context) {
		ready(1)
	})
}
"""


def test_labels(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = build_program(tmp_path_factory.mktemp("labels"), PROGRAM)
    binary = open_binary(path)
    bp = line_address(binary, "main.ready", 10)
    try:
        for hit, expected in ((1, {}), (2, {"k1": "v1", "zz": "last"})):
            with stopped_at(path, bp, hit=hit) as stop:
                rt = GoRuntime(binary, stop.proc.read_memory)
                g = rt.thread_goroutine(stop.tid, stop.proc.regs(stop.tid))
                assert g is not None and g.id == 1
                assert rt.labels(g) == expected
    finally:
        binary.close()
