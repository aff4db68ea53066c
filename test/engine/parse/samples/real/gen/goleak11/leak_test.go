package goleaksample

import (
	"testing"

	"go.uber.org/goleak"
)

func leak() {
	ch := make(chan int)
	for i := 0; i < 2; i++ {
		go func() { <-ch }()
	}
}

// TestLeak leaves two goroutines blocked on a channel nobody closes: goleak reports them.
func TestLeak(t *testing.T) {
	defer goleak.VerifyNone(t)
	leak()
}
