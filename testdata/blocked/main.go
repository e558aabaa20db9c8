// Package main is the fixture for `call` on a goroutine that stays parked: a waiter blocked on a
// channel nobody sends to for a few seconds, while main keeps running (tick every 20 ms). Tests
// queue a call on the waiter and cancel it with a halt, then check the program still behaves:
// after about 3 s main releases the waiter, which prints what it got, and main exits 0. With the
// argument "abandon" main exits after 0.3 s with the waiter still parked.
package main

import (
	"fmt"
	"os"
	"time"
)

var ticks int

//go:noinline
func add(a, b int) int {
	return a + b
}

//go:noinline
func tick(n int) int {
	ticks = n // BP-TICK
	return ticks
}

func waiter(ch chan int, done chan bool) {
	v := <-ch
	fmt.Println("waiter got", v, add(v, 1)) // BP-WAITER
	done <- true
}

func main() {
	ch := make(chan int)
	done := make(chan bool)
	go waiter(ch, done)
	time.Sleep(20 * time.Millisecond) // let the waiter park on ch
	fmt.Println("ready")              // BP-READY
	abandon := len(os.Args) > 1 && os.Args[1] == "abandon" // exit with the waiter still parked
	wait := 3 * time.Second
	if abandon {
		wait = 300 * time.Millisecond
	}
	deadline := time.Now().Add(wait)
	for i := 1; time.Now().Before(deadline); i++ {
		tick(i)
		time.Sleep(20 * time.Millisecond)
	}
	if abandon {
		fmt.Println("abandoned", ticks > 0)
		return
	}
	ch <- 41
	<-done
	fmt.Println("released", ticks > 0)
}
