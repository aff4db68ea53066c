// Package timeout holds a test that hangs: one worker returns on an error path without wg.Done, so
// Drain waits forever and `go test -timeout` panics with every goroutine's stack.
package timeout

import (
	"errors"
	"sync"
)

func work(i int) error {
	if i == 2 {
		return errors.New("bad item")
	}
	return nil
}

// Drain runs n workers and waits for all of them.
func Drain(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			if err := work(i); err != nil {
				return // forgot wg.Done()
			}
			wg.Done()
		}(i)
	}
	wg.Wait()
}
