// Hang: a service whose config reload holds the write lock while it waits for a reply that never
// comes; every reader, main included, blocks in RWMutex.RLock. eval/hangs.ts sends SIGQUIT once the
// program printed READY and keeps the dump Go writes to stderr.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

type config struct {
	mu     sync.RWMutex
	values map[string]string
}

// reload takes the write lock, then waits for a validator that was never started.
func (c *config) reload(reply <-chan error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := <-reply; err != nil {
		return
	}
}

func (c *config) get(key string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.values[key]
}

func serveRequests(c *config, n int) {
	for i := 0; i < n; i++ {
		go func() { _ = c.get("timeout") }()
	}
}

// metrics flushes counters every second; its timer also keeps the runtime from calling this a
// deadlock, as a real service's listeners and tickers do.
func metrics() {
	for range time.Tick(time.Second) {
	}
}

func main() {
	go metrics()
	c := &config{values: map[string]string{"timeout": "1s"}}
	held := make(chan struct{})
	go func() {
		c.mu.Lock() // make sure reload wins the lock before anyone reads
		c.mu.Unlock()
		close(held)
	}()
	<-held
	go c.reload(make(chan error))
	time.Sleep(50 * time.Millisecond)
	serveRequests(c, 3)
	time.Sleep(50 * time.Millisecond)
	fmt.Println("READY")
	_ = os.Stdout.Sync()
	fmt.Println(c.get("timeout")) // blocks forever
}
