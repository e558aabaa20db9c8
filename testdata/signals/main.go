// Package main is the "signals" fixture. A debugger must forward the target's own signals:
//   - SIGUSR1, sent to itself 3 times and handled via os/signal: prints "got SIGUSR1 N" for each;
//   - SIGURG, which the Go runtime uses for async preemption: with GOMAXPROCS=1 two goroutines
//     spin in loops that contain no call (no cooperative preemption point), so main only gets the
//     CPU back, and the program only finishes, if SIGURG reaches the target. Prints "preempted ok".
//
// Exits 0. If SIGURG were swallowed the program would hang: tests must use a timeout.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const usr1Count = 3

var stop int32

// spin loops without calls (atomic.LoadInt32 is an intrinsic or a NOSPLIT assembly function),
// so only an asynchronous preemption can take the CPU away from it.
//
//go:noinline
func spin(counter *int64) {
	n := int64(0) // BP-SPIN
	for atomic.LoadInt32(&stop) == 0 {
		n++
	}
	*counter = n
}

func signals() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	for i := 1; i <= usr1Count; i++ {
		if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
			panic(err)
		}
		<-c // waiting for each one: two pending SIGUSR1 would merge into one
		fmt.Println("got SIGUSR1", i) // BP-GOT
	}
	signal.Stop(c)
}

func preemption() {
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	counts := make([]int64, 2)
	for i := range counts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			spin(&counts[i])
		}(i)
	}
	// Sleeping hands the only P to a spinner; waking up needs the spinners to be preempted.
	time.Sleep(300 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	wg.Wait()
	if counts[0] > 0 && counts[1] > 0 {
		fmt.Println("preempted ok") // BP-PREEMPTED
	} else {
		fmt.Println("preempted FAILED", counts[0], counts[1])
		os.Exit(1)
	}
}

func main() {
	signals()
	preemption()
}
