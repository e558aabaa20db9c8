// Package main is the "kinds" fixture: one local of every value kind Delve renders, printed with
// fmt first so tests can compare the debugger's view with the program's own. Marker comments
// (BP-...) give the lines tests stop at.
package main

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"
	"unsafe"
)

// Color is an enum: Delve renders its values as `Green (1)`.
type Color int

const (
	Red Color = iota
	Green
	Blue
)

// Perm is a flag set: Delve renders combinations as `Read|Exec (5)`.
type Perm uint8

const (
	Read  Perm = 1
	Write Perm = 2
	Exec  Perm = 4
)

type Inner struct {
	A int
	B string
}

type Outer struct {
	Inner // embedded
	P     *Inner
	N     int
}

type Key struct {
	X, Y int
}

type MyErr struct{ Code int }

func (e *MyErr) Error() string { return fmt.Sprintf("myerr %d", e.Code) }

type Pair[K comparable, V any] struct {
	First  K
	Second V
}

func named(x int) int { return x + 1 }

//go:noinline
func sink(xs ...interface{}) int { return len(xs) }

//go:noinline
func generic[T comparable](x T, p Pair[T, string]) T {
	sink(x, p) // BP-GENERIC
	return x
}

func p(name string, format string, v interface{}) {
	fmt.Printf("%s=%s\n", name, fmt.Sprintf(format, v))
}

func kinds() {
	b := true
	i8, i16, i32, i64 := int8(-8), int16(-16), int32(-32), int64(-64)
	i := -1
	u8, u16, u32, u64 := uint8(8), uint16(16), uint32(32), uint64(1<<63+64)
	u := uint(7)
	up := uintptr(0x1234)
	f32 := float32(1.5)
	f64 := -2.25
	finf := math.Inf(1)
	fnan := math.NaN()
	c64 := complex64(complex(1.5, -2))
	c128 := complex(-0.5, 3.25)
	s := "héllo, 世界"
	long := strings.Repeat("0123456789", 10)
	bad := "a\xffb\xfe"
	arr := [3]int{1, 2, 3}
	var empty0 [0]int
	in := Inner{A: 5, B: "in"}
	o := Outer{Inner: Inner{A: 1, B: "emb"}, P: &in, N: 9}
	var nilSlice []int
	emptySlice := []int{}
	structs := []Inner{{1, "one"}, {2, "two"}}
	bigSlice := make([]int, 100)
	for k := range bigSlice {
		bigSlice[k] = k * k
	}
	small := map[string]int{"a": 1}
	big := make(map[int]string)
	for k := 0; k < 1000; k++ {
		big[k] = fmt.Sprint("v", k)
	}
	// 53 inserts into a hinted 8-bucket map trigger a grow to 16 buckets on the 53rd; old
	// buckets are evacuated lazily, so before Go 1.24 the map is still mid-grow here.
	growing := make(map[int]int, 52)
	for k := 0; k < 53; k++ {
		growing[k] = -k
	}
	keyed := map[Key]string{{1, 2}: "p12"}
	var nilMap map[string]int
	ch := make(chan int, 4)
	ch <- 10
	ch <- 20
	var nilChan chan int
	fn := named
	base := 100
	closure := func(x int) int { return x + base }
	var nilFn func()
	err1 := errors.New("plain error")
	var err2 error = &MyErr{Code: 42}
	var nilErr error
	var ifInt interface{} = 42
	var ifStr interface{} = "str"
	var ifStruct interface{} = Key{3, 4}
	var ifPtr interface{} = &in
	var ifNil interface{}
	uptr := unsafe.Pointer(&in)
	pair := Pair[int, string]{First: 7, Second: "seven"}
	var nilPtr *Inner
	color := Green
	badColor := Color(10)
	perm := Read | Exec
	permOne := Write
	tm := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	pp := &o.P

	p("b", "%v", b)
	p("i8", "%v", i8)
	p("i16", "%v", i16)
	p("i32", "%v", i32)
	p("i64", "%v", i64)
	p("i", "%v", i)
	p("u8", "%v", u8)
	p("u16", "%v", u16)
	p("u32", "%v", u32)
	p("u64", "%v", u64)
	p("u", "%v", u)
	p("up", "%d", up)
	p("f32", "%v", f32)
	p("f64", "%v", f64)
	p("finf", "%v", finf)
	p("fnan", "%v", fnan)
	p("c64", "%v", c64)
	p("c128", "%v", c128)
	p("s", "%s", s)
	p("long", "%s", long)
	p("bad", "%q", bad)
	p("arr", "%v", arr)
	p("empty0", "%v", empty0)
	p("o", "%+v", o)
	p("nilSlice", "%v", nilSlice == nil)
	p("emptySlice", "%v", emptySlice == nil)
	p("structs", "%v", structs)
	p("bigSlice", "%v", len(bigSlice))
	p("small", "%v", small)
	p("big", "%v", len(big))
	p("growing", "%v", len(growing))
	p("keyed", "%v", keyed)
	p("nilMap", "%v", nilMap == nil)
	p("ch", "%v", len(ch))
	p("nilChan", "%v", nilChan == nil)
	p("fn", "%v", fn(1))
	p("closure", "%v", closure(1))
	p("nilFn", "%v", nilFn == nil)
	p("err1", "%v", err1)
	p("err2", "%v", err2)
	p("nilErr", "%v", nilErr)
	p("ifInt", "%v", ifInt)
	p("ifStr", "%v", ifStr)
	p("ifStruct", "%v", ifStruct)
	p("ifPtr", "%v", ifPtr != nil)
	p("ifNil", "%v", ifNil)
	p("uptr", "%d", uintptr(uptr))
	p("in", "%p", &in)
	p("pair", "%+v", pair)
	p("nilPtr", "%v", nilPtr)
	p("color", "%d", color)
	p("badColor", "%d", badColor)
	p("perm", "%d", perm)
	p("permOne", "%d", permOne)
	p("tm", "%v", tm)
	p("pp", "%v", pp != nil)
	fmt.Println("kinds ready")
	os.Stdout.Sync()
	sink(b, i8, i16, i32, i64, i, u8, u16, u32, u64, u, up, f32, f64, finf, fnan, c64, c128, s, long, bad, arr, // BP-KINDS
		empty0, o, nilSlice, emptySlice, structs, bigSlice, small, big, growing, keyed, nilMap, ch, nilChan, fn,
		closure, nilFn, err1, err2, nilErr, ifInt, ifStr, ifStruct, ifPtr, ifNil, uptr, pair, nilPtr, color,
		badColor, perm, permOne, tm, pp)
}

func main() {
	kinds()
	generic(11, Pair[int, string]{First: 12, Second: "twelve"})
	generic("gs", Pair[string, string]{First: "a", Second: "b"})
}
