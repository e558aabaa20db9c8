// Package main is the "exitcode" fixture: prints two lines and exits with status 3 from
// main.finish, so tests can check the exit status a debugger reports ("... exited with status 3").
package main

import (
	"fmt"
	"os"
)

const exitStatus = 3

//go:noinline
func finish(code int) {
	fmt.Println("finishing with status", code) // BP-FINISH
	os.Exit(code)
}

func main() {
	fmt.Println("exitcode start") // BP-START
	finish(exitStatus)
}
