// Package main is the "condhits" fixture for conditional breakpoints that are evaluated while
// the other threads run: four goroutines call main.work(id, i) for i in [0, N) at the same time,
// then main prints each worker's sum ("sums [a b c d]") and the result of main.scan
// ("scan S"), a loop whose lines start with loads, stores and compares.
package main

import (
	"fmt"
	"sync"
)

const N = 4000

//go:noinline
func work(id, i int) int {
	return id*i + 1
}

//go:noinline
func scan(xs []int) int {
	best := -1
	for i := 0; i < len(xs); i++ {
		if xs[i] > best { // BP-SCAN
			best = xs[i]
		}
	}
	return best
}

func main() {
	var wg sync.WaitGroup
	sums := make([]int, 4)
	for id := 0; id < 4; id++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			s := 0
			for i := 0; i < N; i++ {
				s += work(id, i)
			}
			sums[id] = s
		}(id)
	}
	wg.Wait()
	fmt.Println("sums", sums)
	xs := make([]int, N)
	for i := range xs {
		xs[i] = (i * 7919) % 10007
	}
	fmt.Println("scan", scan(xs))
}
