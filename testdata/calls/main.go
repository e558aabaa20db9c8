// Package main is the fixture for injected function calls (`call`), mirroring the
// runtime's own debug_test.go: int/float args and results, a large frame, GC and stack
// growth inside the call, a panic, refusals. Marker comments (BP-...) locate lines.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
)

var sink int

// Referenced so the linker keeps every function a test calls.
var keep = []any{add, fn, mixed, ten, fill, large, callGC, growStack, boomInt, voidFn, double, sum, greet,
	concatGC, churn, describe, errText, fmt.Sprintf, fmt.Sprint, huge, &bigArray}

//go:noinline
func add(a, b int) int {
	return a + b
}

// TestDebugCall's function.
//
//go:noinline
func fn(x int, y float64) (y0Ret int, y1Ret float64) {
	return x + 1, y + 1.0
}

//go:noinline
func mixed(a int8, b uint16, c float32, d bool, e int64, f uint) (int, float32, bool) {
	n := int(a) + int(b) + int(e) + int(f)
	return n, c * 2, !d
}

// Ten integer arguments: the tenth goes to the stack.
//
//go:noinline
func ten(a, b, c, d, e, f, g, h, i, j int) int {
	return a + b*2 + c*3 + d*4 + e*5 + f*6 + g*7 + h*8 + i*9 + j*10
}

// TestDebugCallLarge's frame size: a [128]int result on the stack.
//
//go:noinline
func fill(n int) (out [128]int) {
	for i := range out {
		out[i] = n + i
	}
	return
}

// An argument frame above the runtime's largest debugCall frame (65536 bytes).
//
var bigArray [9000]int

//go:noinline
func huge(in [9000]int) int {
	return in[0]
}

//go:noinline
func large(in [128]int) (out [128]int) {
	for i := range in {
		out[i] = in[i] + 1
	}
	return
}

// TestDebugCallGC.
//
//go:noinline
func callGC() int {
	runtime.GC()
	return 1
}

// TestDebugCallGrowStack: grows the stack of the call's goroutine, checking its own
// stack pointers survive the copies.
//
//go:noinline
func growStack(depth int) int {
	x := 0
	growStackIter(&x, depth)
	if x != depth+1 {
		panic("stack is corrupted")
	}
	return x
}

func growStackIter(p *int, n int) {
	if n == 0 {
		*p = n + 1
		runtime.GC()
		return
	}
	*p = n + 1
	x := 0
	growStackIter(&x, n-1)
	if x != n {
		panic("stack is corrupted")
	}
}

// TestDebugCallPanic.
//
//go:noinline
func boomInt(n int) int {
	panic("test")
}

//go:noinline
func voidFn(n int) {
	sink += n
}

//go:noinline
func double(n int) int {
	r := n * 2 // BP-CALLEE
	return r
}

// A user variadic function: the []int backing array is allocated in the target.
//
//go:noinline
func sum(xs ...int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

//go:noinline
func greet(name string) string {
	return "hello, " + name
}

// Runs a GC before reading its arguments: a heap string only the debugger references
// (an inner call's result) must have been kept alive.
//
//go:noinline
func concatGC(a, b string) string {
	runtime.GC()
	return a + b
}

// Frees, then reuses, every unreferenced small object: an inner call's result the
// debugger holds unpinned would be overwritten by the time the outer call reads it.
//
//go:noinline
func churn(s string) string {
	runtime.GC()
	runtime.GC()
	for i := 0; i < 20000; i++ {
		junk = append(junk[:0], fmt.Sprintf("XXXXXXXX%d", i))
	}
	return s
}

var junk []string

type celsius struct{ deg int }

func (c celsius) String() string { return fmt.Sprintf("%dC", c.deg) }

type tempErr struct{ msg string }

func (e *tempErr) Error() string { return "temp: " + e.msg }

//go:noinline
func describe(s fmt.Stringer) string {
	return "<" + s.String() + ">"
}

//go:noinline
func errText(err error) string {
	return err.Error()
}

// A method called through an interface holding a pointer (`call c.Inc(5)`).
type Counter interface{ Inc(n int) int }

type counter struct{ n int }

// On the heap: a call may pass it (a stack object fails Delve's escape check).
var shared Counter = &counter{n: 10}

//go:noinline
func (c *counter) Inc(n int) int {
	c.n += n
	return c.n
}

// TestDebugCallUnsafePoint: nosplit leaves no safe points but calls.
//
//go:nosplit
func unsafeSpot(n *uint32) {
	for i := 0; i < 2; i++ {
		atomic.AddUint32(n, 1) // BP-UNSAFE
	}
}

func main() {
	var c Counter = &counter{}
	arr := fill(0)
	x := 7
	p := &x
	f := 2.5
	xs := []int{4, 5, 6}
	name, base := "gopher", 40
	offset := func(x int) int { return x + base }
	temp := celsius{21}
	var stringer fmt.Stringer = temp
	terr := &tempErr{"hot"}
	var anErr error = terr // the static itab (*tempErr, error) a call's boxing needs
	total := add(x, 1) // BP-MAIN
	base++
	fmt.Println(offset(1), xs, name, temp, stringer, anErr, c.Inc(0), shared.Inc(0), arr[127])
	var counter uint32
	unsafeSpot(&counter)
	runtime.GC() // a breakpoint on runtime.GC stops inside the runtime
	if *p != 7 || f != 2.5 {
		fmt.Println("corrupted", *p, f)
		os.Exit(3)
	}
	fmt.Println("total", total, "counter", counter, "sink", sink, "ok", len(keep)) // BP-END
}
