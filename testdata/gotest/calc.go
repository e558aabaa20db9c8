// Package calc is the "gotest" fixture: a package with tests, for `pydlv test`.
package calc

// Add is what TestAdd checks.
//
//go:noinline
func Add(a, b int) int {
	return a + b
}
