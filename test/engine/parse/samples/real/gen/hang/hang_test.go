package hang

import (
	"sync"
	"testing"
)

func worker(ch chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	<-ch
}

// TestHang waits for workers that never get their value: go test -timeout kills it.
func TestHang(t *testing.T) {
	var wg sync.WaitGroup
	ch := make(chan int)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go worker(ch, &wg)
	}
	wg.Wait()
}
