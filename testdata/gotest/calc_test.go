package calc

import (
	"os"
	"testing"
)

func TestAdd(t *testing.T) {
	got := Add(2, 3) // BP-TESTADD
	if got != 5 {
		t.Fatalf("Add(2, 3) = %d", got)
	}
	wd, _ := os.Getwd()
	t.Logf("wd %s", wd)
}

func TestOther(t *testing.T) {
	if Add(1, 1) != 2 {
		t.Fatal("Add(1, 1) != 2")
	}
}
