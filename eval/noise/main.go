// Healthy services under load, and the same services with a small leak inside, for `npm run eval`'s
// noise corpus. Usage: noise -scenario NAME -out DIR [-moments 3] [-interval 1s]
//
// Every scenario runs the steady goroutines a service has (../goservice/service.go, copied next to
// this file at build time: HTTP server with idle keep-alive connections, idle workers, ticker and
// signal loops) plus a cache janitor, then its own load, and writes its goroutine profile at each
// moment: DIR/<scenario>.t<i>.{debug2.txt.gz,debug1.txt.gz,pb.gz[,leak.txt.gz]} and
// DIR/<scenario>.meta.json. The leaking function is main.leakSend, so the scorer knows the site.
//
//	busypool   16 workers kept busy by a steady stream of jobs (running, runnable, sleeping, waiting)
//	quiet      nothing but the service's own loops, idle
//	bigpool    2000 workers idle on one reachable job channel, started at boot by one goroutine
//	fanout       a streaming hub over hijacked connections: reader, writer and heartbeat per client,
//	             started by a handler that returned; slow clients leave writers in Write holding their
//	             own lock and heartbeats waiting for it (healthy.go)
//	backpressure fire-and-forget publishers blocked on a bounded queue while the consumer is slow,
//	             draining when it speeds up
//	longpoll     long-poll handlers on a broadcast channel, and sync.Cond waiters that outlive their
//	             request until the next event
//	fanin        a handler fanning out to 6 shards and waiting on a WaitGroup (errgroup-style)
//	sessions     per-session goroutines waiting for their context's deadline, started by gone requests
//	resize       a worker pool an autoscaler grows and shrinks in bursts while the captures run
//	hidden-*   the same, plus request handlers that leak 10 goroutines per interval
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

var (
	jobs  = make(chan func())
	cache sync.Map
)

func janitor() {
	for {
		time.Sleep(time.Minute)
		cache.Range(func(k, _ interface{}) bool { cache.Delete(k); return true })
	}
}

func worker(jobs <-chan func()) {
	for j := range jobs {
		j()
	}
}

var hot sync.Mutex
var counter int

// busyLoad feeds the pool jobs that compute, take a shared lock briefly and sleep a little.
func busyLoad() {
	for {
		jobs <- func() {
			x := 0
			for i := 0; i < 20000; i++ {
				x += i
			}
			hot.Lock()
			counter += x & 1
			hot.Unlock()
			time.Sleep(time.Millisecond)
		}
	}
}

// leakFetch is a handler's backend call: it gives up after a timeout and returns, and the goroutine
// sending the answer blocks on the unbuffered channel forever.
func leakFetch() {
	answer := make(chan string)
	go leakSend(answer)
	select {
	case <-answer:
	case <-time.After(time.Millisecond):
	}
}

func leakSend(answer chan<- string) {
	time.Sleep(5 * time.Millisecond)
	answer <- "late"
}

func handleRequests(n int) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			leakFetch()
		}()
	}
	wg.Wait()
	time.Sleep(20 * time.Millisecond) // the senders wake up and block
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	scenario := flag.String("scenario", "", "busypool, quiet, bigpool, or hidden-<one of them>")
	out := flag.String("out", ".", "directory for the dumps")
	n := flag.Int("moments", 3, "captures")
	interval := flag.Duration("interval", time.Second, "time between captures")
	clients := flag.String("clients", "", "run as the clients of this service (spawnClients)")
	target := flag.String("target", "", "the service's base URL, with -clients")
	flag.Parse()
	if *clients != "" {
		runClients(*clients, *target)
	}
	base := strings.TrimPrefix(*scenario, "hidden-")
	hidden := base != *scenario
	if err := bgStart(); err != nil {
		fail(err)
	}
	go janitor()
	switch base {
	case "busypool":
		for i := 0; i < 16; i++ {
			go worker(jobs)
		}
		go busyLoad()
	case "quiet":
	case "bigpool":
		started := make(chan struct{})
		go func() { // one goroutine starts the whole pool at boot
			for i := 0; i < 2000; i++ {
				go worker(jobs)
			}
			close(started)
		}()
		<-started
	default:
		if !startHealthy(base) {
			fmt.Fprintln(os.Stderr, "unknown scenario", *scenario)
			os.Exit(2)
		}
	}
	time.Sleep(100 * time.Millisecond)
	var moments []evalMoment
	for i := 0; i < *n; i++ {
		if i > 0 {
			time.Sleep(*interval)
		}
		if hidden {
			handleRequests(10)
		}
		m, err := evalDump(*out, *scenario, fmt.Sprintf("t%d", i))
		if err != nil {
			fail(err)
		}
		moments = append(moments, m)
	}
	meta, _ := json.MarshalIndent(map[string]interface{}{"scenario": *scenario, "goVersion": runtime.Version(), "moments": moments}, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, *scenario+".meta.json"), meta, 0o644); err != nil {
		fail(err)
	}
}
