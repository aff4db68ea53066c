// Hang: a healthy service (HTTP server, idle keep-alive connection, ticker) in which one background
// goroutine, the cache refresher, waits on RWMutex.RLock forever: a migration took the write lock and
// returned on an error path without unlocking. eval/hangs.ts sends SIGQUIT once READY is printed and
// scores the dump as captured and with every wait aged 219 minutes (issue 8's lone lock waiter).
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

type store struct {
	mu   sync.RWMutex
	rows map[string]int
}

func (s *store) migrate() error {
	s.mu.Lock()
	if len(s.rows) == 0 {
		return errors.New("empty store") // forgot s.mu.Unlock()
	}
	s.mu.Unlock()
	return nil
}

func (s *store) refreshCache(done chan<- struct{}) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	close(done)
}

func ticker() {
	for range time.Tick(time.Second) {
	}
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	go ticker()
	client := &http.Client{Transport: &http.Transport{IdleConnTimeout: time.Hour}}
	resp, err := client.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		panic(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	s := &store{rows: map[string]int{}}
	_ = s.migrate()
	go s.refreshCache(make(chan struct{}))
	time.Sleep(50 * time.Millisecond)
	fmt.Println("READY")
	_ = os.Stdout.Sync()
	select {} // serve forever
}
