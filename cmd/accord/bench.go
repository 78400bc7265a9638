package main

import (
	"fmt"
	"io"
)

func runBench(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "accord bench: use go test -bench (see README, Performance)")
	return 2
}
