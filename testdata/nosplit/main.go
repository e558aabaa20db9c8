// Package main is the fixture for a call on a thread that is inside a //go:nosplit loop when the
// target is halted: main prints "spinning", then spins without a safe point for about 2 s, until
// another goroutine sets `stop`; the runtime refuses calls there ("call not at safe point") and
// the program must finish as if nothing happened, printing "spun true 3".
package main

import (
	"fmt"
	"sync/atomic"
	"time"
)

var stop uint32

//go:noinline
func add(a, b int) int { return a + b }

//go:nosplit
func spin(p *uint32) int {
	n := 0
	for atomic.LoadUint32(p) == 0 {
		n++
	}
	return n
}

func main() {
	go func() {
		time.Sleep(2 * time.Second)
		atomic.StoreUint32(&stop, 1)
	}()
	fmt.Println("spinning")
	n := spin(&stop)
	fmt.Println("spun", n > 0, add(1, 2))
}
