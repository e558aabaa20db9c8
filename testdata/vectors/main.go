// Package main is the fixture for CPU registers as values: an assembly function loads known
// bytes into RAX and the vector registers, widens one to YMM (AVX) and ZMM (AVX-512) when the
// CPU has them, and stops on its own INT3 (BP-VECTORS: the line after the call).
package main

import "fmt"

// loadVectors: RAX = 42; X2 = {lo, hi}; Y7 = {X2, X2} when avx; Z9 = {Y7, Y7} when avx512;
// then INT3.
//
//go:noescape
func loadVectors(lo, hi uint64, avx, avx512 bool)

// cpuid7 returns CPUID leaf 7's EBX; cpuid1 leaf 1's ECX.
func cpuid7() uint32
func cpuid1() uint32

func main() {
	avx := cpuid1()&(1<<28) != 0
	avx512 := cpuid7()&(1<<16) != 0
	fmt.Println("avx", avx, "avx512", avx512)
	loadVectors(0x3ff199999999999a, 0x4004000000000000, avx, avx512)
	fmt.Println("done") // BP-VECTORS
}
