// Package main: calls the compiler inlines. Built as Delve's EnableInlining fixtures are
// (-gcflags=-N for this package only, inlining on): breakpoints on an inlined function and on
// lines of inlined bodies, frames and variables of inlined calls, nested inlining.
package main

import "fmt"

func inlineThis(a int) int {
	z := a * a      // INL-BODY
	return f(z + a) // INL-RETURN
}

func outer(x int) int {
	return inlineThis(x) + 1 // INL-OUTER
}

func initialize(a, b *int) {
	*a = 3
	*b = 4
}

func main() {
	var a, b int
	initialize(&a, &b)
	a = inlineThis(a) // INL-CALL1
	b = inlineThis(b) // INL-CALL2
	c := outer(a)     // INL-CALL3
	fmt.Printf("%d %d %d\n", a, b, c)
}

//go:noinline
func f(x int) int {
	return x
}
