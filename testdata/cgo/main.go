// Package main calls a C function that calls back into Go: the stack at
// the callback marker has Go frames on both sides of C frames (unwinding through cgo).
package main

/*
#include <stdio.h>

extern int goCallback(int);

static int __attribute__((noinline)) cWork(int x) {
	int r = goCallback(x + 1);
	return r * 2;
}

static int cEntry(int x) {
	return cWork(x) + 1;
}
*/
import "C"

import "fmt"

//export goCallback
func goCallback(x C.int) C.int {
	y := int(x) * 10 // BP-CALLBACK
	return C.int(y)
}

//go:noinline
func callC(n int) int {
	return int(C.cEntry(C.int(n)))
}

func main() {
	r := callC(4)
	fmt.Println("result", r)
}
