// Package main calls tick a million times (flag -n): bench/compare.py puts a breakpoint with the
// condition `i % 1000 == 0` on it and times evaluations per second of a false condition.
package main

import (
	"flag"
	"fmt"
)

var sink int

//go:noinline
func tick(i int) {
	sink += i // BP-TICK
}

func main() {
	n := flag.Int("n", 1000000, "calls of tick")
	flag.Parse()
	for i := 0; i < *n; i++ {
		tick(i)
	}
	fmt.Println(sink)
}
