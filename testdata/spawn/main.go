// Package main is the "spawn" fixture for follow-exec: `spawn N` starts itself N times as
// `child C0` ... `child C<N-1>` (one after the other, each waited for), then /bin/true (a program
// that is not Go), then calls main.done and exits 0. `spawn-pgid` starts `child G` in a process
// group of its own (SysProcAttr.Setpgid), then calls main.done. A child calls main.greet with its
// name and exits 0.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

//go:noinline
func greet(name string) int {
	fmt.Println("hello from", name) // BP-GREET
	return len(name)
}

//go:noinline
func done(n int) {
	fmt.Println("done", n) // BP-DONE
}

func run(args ...string) {
	start(false, args...)
}

func start(ownGroup bool, args ...string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = os.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: ownGroup}
	if err := cmd.Run(); err != nil {
		fmt.Println("run:", err)
		os.Exit(1)
	}
}

func main() {
	exe, _ := os.Executable()
	switch os.Args[1] {
	case "spawn":
		n, _ := strconv.Atoi(os.Args[2])
		for i := 0; i < n; i++ {
			run(exe, "child", fmt.Sprintf("C%d", i))
		}
		run("/bin/true")
		done(n)
	case "spawn-pgid":
		start(true, exe, "child", "G")
		done(1)
	case "child":
		greet(os.Args[2])
	}
}
