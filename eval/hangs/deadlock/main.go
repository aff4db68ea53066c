// Hang: `fatal error: all goroutines are asleep - deadlock!`. One worker leaves on an error path
// without wg.Done, so the collector waits forever and main waits for the collector.
package main

import "sync"

func process(v int, wg *sync.WaitGroup, events chan<- int) {
	if v < 0 {
		return // error path: forgot wg.Done
	}
	events <- v
	wg.Done()
}

func consume(events <-chan int) {
	for range events { // never closed
	}
}

func collect(wg *sync.WaitGroup, done chan<- struct{}) {
	wg.Wait()
	close(done)
}

func main() {
	events := make(chan int)
	go consume(events)
	var wg sync.WaitGroup
	for _, v := range []int{1, -1, 2} {
		wg.Add(1)
		go process(v, &wg, events)
	}
	done := make(chan struct{})
	go collect(&wg, done)
	<-done
}
