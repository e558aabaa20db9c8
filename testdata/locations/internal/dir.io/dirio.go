// Package dirio lives in a directory whose name has a dot: its functions are named
// locations/internal/dir%2eio.F in the binary, and `dirio.F` names them through DW_AT_go_package_name.
package dirio

import "fmt"

func SomeFunction() {
	fmt.Println("SomeFunction") // LOC-DIRIO
}
