// Package main is the "sleeper" fixture: a program that runs long without doing anything a
// debugger must report, so tests can act while a `continue` is pending (State while running,
// halt from another connection, disconnects and signals mid-continue). Prints "ready", then calls
// main.tick every 100 ms for about 60 s, prints "slept N" and exits 0.
package main

import (
	"fmt"
	"time"
)

var ticks int

// tick is where tests break once the target has been running for a while.
//
//go:noinline
func tick(n int) int {
	ticks = n // BP-TICK
	return ticks
}

func main() {
	fmt.Println("ready") // BP-READY
	deadline := time.Now().Add(60 * time.Second)
	for i := 1; time.Now().Before(deadline); i++ {
		tick(i)
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println("slept", ticks)
}
