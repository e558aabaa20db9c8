// Package main parks labelled goroutines (pprof label "name": one, two, three, or none), started
// from two `go` statements, then stops in runtime.Breakpoint(): ListGoroutines' filters and
// grouping have something to sort.
package main

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

func sleepy(wg *sync.WaitGroup, lbl string) {
	defer wg.Done()
	if lbl != "" {
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("name", lbl)))
	}
	time.Sleep(10 * time.Minute)
}

func gopoint1(wg *sync.WaitGroup, lbl string) {
	go sleepy(wg, lbl) // GO-POINT1
}

func gopoint2(wg *sync.WaitGroup, lbl string) {
	go sleepy(wg, lbl) // GO-POINT2
}

func main() {
	var wg sync.WaitGroup
	for _, lbl := range []string{"one", "two", "three", ""} {
		for i := 0; i < 3; i++ {
			wg.Add(2)
			gopoint1(&wg, lbl)
			gopoint2(&wg, lbl)
		}
	}
	time.Sleep(50 * time.Millisecond) // let them all reach their Sleep
	runtime.Breakpoint() // LABELS-BREAK
	wg.Wait()
}
