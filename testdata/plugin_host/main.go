// Package main loads the Go plugins named by its arguments (testdata/plugin_one, plugin_two),
// stopping in runtime.Breakpoint() after each plugin.Open, then calls Fn1 and Fn2: breakpoints
// on plugin code must wait, suspended, until the plugin is loaded (Delve's
// TestPluginSuspendedBreakpoint).
package main

import (
	"fmt"
	"os"
	"plugin"
	"runtime"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	plug1, err := plugin.Open(os.Args[1])
	must(err)
	runtime.Breakpoint() // HOST-OPENED1
	plug2, err := plugin.Open(os.Args[2])
	must(err)
	runtime.Breakpoint() // HOST-OPENED2
	fn1, err := plug1.Lookup("Fn1")
	must(err)
	fn2, err := plug2.Lookup("Fn2")
	must(err)
	a := fn1.(func() string)() // HOST-CALL1
	b := fn2.(func() string)() // HOST-CALL2
	fmt.Println(a, b)
}
