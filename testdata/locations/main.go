// Package main: location specs that name code through values (`*fn1`, `amap["k"]`), methods,
// closures and a package whose directory name has a dot.
package main

import (
	"fmt"
	"runtime"

	dirio "locations/internal/dir.io"
)

type SomeType struct{}

type OtherType struct{}

func (a *SomeType) String() string {
	return "SomeTypeObject" // LOC-SOME-STRING
}

func (a *OtherType) String() string {
	return "OtherTypeObject" // LOC-OTHER-STRING
}

var amap map[string]func()

func init() {
	amap = map[string]func(){
		"k": func() {
			fmt.Println("hello world") // LOC-AMAP-K
		},
	}
}

func afunction(s string) {
	fmt.Println(s) // LOC-AFUNCTION
}

type someStruct struct {
	s string
}

func (o *someStruct) structfunc(s2 string) {
	fmt.Println(o.s, s2)
}

func main() {
	fn1 := afunction
	var o someStruct
	fn2 := o.structfunc
	fn3 := func(s string) {
		fmt.Println("closure", s) // LOC-FN3
	}
	i := 10
	runtime.Breakpoint() // LOC-BREAK
	fn1("test")
	afunction("test")
	fn3("test")
	amap["k"]()
	dirio.SomeFunction()
	var a SomeType
	var b OtherType
	fmt.Println(fn1, fn2, fn3, o, i, a.String(), b.String())
}
