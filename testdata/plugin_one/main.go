// Package main is a Go plugin (built with -buildmode=plugin) that testdata/plugin_host loads.
package main

import "fmt"

func Fn1() string {
	return "hello" // PLUGIN-FN1
}

func HelloFn(n int) string {
	n++
	s := fmt.Sprintf("hello%d", n)
	return s
}
