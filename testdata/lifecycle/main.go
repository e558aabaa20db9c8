// Package main is the "lifecycle" fixture: a program to attach to, kill from outside, restart
// with new arguments, rebuild and redirect. Prints "args: [...]" and "label L" (main.label, set
// with -ldflags -X by build-flag tests); with -stdin, "stdin: TEXT" (all of its standard input);
// with -stderr, "to stderr" on its standard error; with -child it starts `/bin/sleep 30`
// (a child in its process group) and prints "child PID"; prints "ready PID", then calls main.tick
// every 10 ms, -ticks times or, with -until FILE, until FILE exists (at most 60 s); then prints
// "finished" and exits 0.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

var ticks int

var label = "plain"

// tick is where tests break while the program runs.
//
//go:noinline
func tick(n int) int {
	ticks = n // BP-TICK
	return ticks
}

func main() {
	child := flag.Bool("child", false, "start /bin/sleep 30 first")
	until := flag.String("until", "", "tick until this file exists")
	count := flag.Int("ticks", 3, "ticks to run without -until")
	stdin := flag.Bool("stdin", false, "print standard input")
	stderr := flag.Bool("stderr", false, "write to standard error")
	flag.Parse()
	fmt.Println("args:", flag.Args())
	fmt.Println("label", label)
	if *stdin {
		text, err := io.ReadAll(os.Stdin)
		fmt.Printf("stdin: %q %v\n", text, err)
	}
	if *stderr {
		fmt.Fprintln(os.Stderr, "to stderr")
	}
	if *child {
		cmd := exec.Command("/bin/sleep", "30")
		if err := cmd.Start(); err != nil {
			fmt.Println("child:", err)
			os.Exit(1)
		}
		fmt.Println("child", cmd.Process.Pid)
	}
	fmt.Println("ready", os.Getpid())
	deadline := time.Now().Add(60 * time.Second)
	for n := 1; ; n++ {
		tick(n)
		if *until == "" && n >= *count {
			break
		}
		if *until != "" {
			if _, err := os.Stat(*until); err == nil || time.Now().After(deadline) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("finished") // BP-FINISHED
}
