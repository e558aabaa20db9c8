// Package main is a Go plugin (built with -buildmode=plugin) that testdata/plugin_host loads.
package main

func Fn2() string {
	return "world" // PLUGIN-FN2
}
