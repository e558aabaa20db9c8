// Package main parks N goroutines (flag -n, default 10000) on a channel, then
// calls ready(): a breakpoint there sees them all (bench/goroutines.py).
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

//go:noinline
func ready(n int) int {
	return n // BP-READY
}

func park(ch chan int, wg *sync.WaitGroup) {
	wg.Done()
	<-ch
}

func main() {
	n := flag.Int("n", 10000, "goroutines to park")
	flag.Parse()
	ch := make(chan int)
	var wg sync.WaitGroup
	wg.Add(*n)
	for i := 0; i < *n; i++ {
		go park(ch, &wg)
	}
	wg.Wait()
	time.Sleep(10 * time.Millisecond) // let the last ones reach <-ch
	fmt.Println("parked", ready(*n))
	close(ch)
}
