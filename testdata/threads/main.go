// Package main is the "threads" fixture: 8 goroutines each locked to its own OS thread (so the
// debugger must follow at least 8 threads that all exist at once) plus many short goroutines.
// Prints one deterministic line, "total 4746689", and exits 0.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

const lockedWorkers = 8
const shortGoroutines = 200

// work is where tests break: it runs once on each locked thread.
//
//go:noinline
func work(id, n int) int {
	sum := 0 // BP-WORK
	for i := 0; i < n; i++ {
		sum += (i * id) % 7
	}
	return sum
}

func main() {
	var wg sync.WaitGroup
	ready := make(chan struct{})
	start := make(chan struct{})
	results := make([]int, lockedWorkers)
	for t := 0; t < lockedWorkers; t++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			// Locked and then blocked on start: the runtime must create a new M for each worker,
			// so all 8 threads are alive together before any work begins.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ready <- struct{}{}
			<-start
			results[id] = work(id+1, 100000)
		}(t)
	}
	for t := 0; t < lockedWorkers; t++ {
		<-ready
	}
	close(start) // BP-START

	var mu sync.Mutex
	extra := 0
	for g := 0; g < shortGoroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			mu.Lock()
			extra += g * g
			mu.Unlock()
		}(g)
	}
	wg.Wait()

	total := extra
	for _, r := range results {
		total += r
	}
	fmt.Println("total", total) // BP-TOTAL
}
