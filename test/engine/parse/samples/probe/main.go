package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

type Pool[T any] struct{ ch chan T }

func (p *Pool[T]) worker() {
	<-p.ch
}

var mu sync.Mutex
var rw sync.RWMutex
var globalCh = make(chan int)

func main() {
	var leakCh = make(chan int)
	for i := 0; i < 3; i++ {
		go func() {
			func() { leakCh <- 1 }()
		}()
	}
	p := &Pool[string]{ch: make(chan string)}
	go p.worker()
	go func() { select {} }()
	go func() { var c chan int; c <- 1 }()
	go func() { var c chan int; <-c }()
	go func() { runtime.LockOSThread(); <-globalCh }()
	mu.Lock()
	go func() { mu.Lock() }()
	rw.Lock()
	go func() { rw.RLock() }()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { wg.Wait() }()
	c := sync.NewCond(&sync.Mutex{})
	go func() { c.L.Lock(); c.Wait() }()
	go func() { time.Sleep(time.Hour) }()
	go func() {
		pprof.Do(context.Background(), pprof.Labels("handler", "/api/order", "tenant", "a\"b"), func(ctx context.Context) {
			<-globalCh
		})
	}()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { conn, _ := ln.Accept(); buf := make([]byte, 1); conn.Read(buf) }()
	conn, _ := net.Dial("tcp", ln.Addr().String())
	_ = conn
	go func() { select { case <-globalCh: case <-leakCh: } }()
	go deep(0)
	extra()
	time.Sleep(300 * time.Millisecond)
	for _, name := range []string{"goroutine", "goroutineleak"} {
		prof := pprof.Lookup(name)
		if prof == nil {
			continue
		}
		for _, d := range []int{0, 1, 2} {
			f, _ := os.Create(fmt.Sprintf("%s.debug%d.%s", name, d, os.Getenv("TAG")))
			prof.WriteTo(f, d)
			f.Close()
		}
	}
	if os.Getenv("PANIC") != "" {
		panic("boom")
	}
}

func deep(n int) {
	if n < 120 {
		deep(n + 1)
		return
	}
	<-globalCh
}
