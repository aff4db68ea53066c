// Dump generator for parser samples: label-carrying goroutines blocked in channel operations,
// one locked to its thread, one spinning (so a crash prints "stack unavailable").
package main

import (
	"context"
	"flag"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"time"
)

func recvForever(ch chan int) { <-ch }

func sendForever(ch chan int) { ch <- 1 }

func locked(ch chan int) {
	runtime.LockOSThread()
	<-ch
}

func spin(stop *int32) {
	for *stop == 0 {
	}
}

func main() {
	wait := flag.Duration("wait", 0, "how long to let the goroutines wait before dumping")
	mode := flag.String("mode", "profile", "profile: write debug=2/1/0 files; crash: panic with a spinning goroutine")
	dir := flag.String("out", ".", "directory for the profiles")
	flag.Parse()
	ch := make(chan int)
	out := make(chan int) // nobody receives: the senders stay blocked
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		labels := pprof.Labels("handler", "/api/checkout", "worker id", string(rune('0'+i)))
		go pprof.Do(context.Background(), labels, func(context.Context) { wg.Done(); recvForever(ch) })
	}
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { wg.Done(); sendForever(out) }()
	}
	wg.Add(1)
	go pprof.Do(context.Background(), pprof.Labels("role", "locked"), func(context.Context) { wg.Done(); locked(ch) })
	wg.Wait()
	time.Sleep(10 * time.Millisecond) // let them park
	// Go stamps when a goroutine began waiting during a GC and prints wait minutes from that stamp:
	// one GC after they park, another just before the dump.
	runtime.GC()
	time.Sleep(*wait)
	runtime.GC()
	if *mode == "crash" {
		var stop int32
		for i := 0; i < 4; i++ {
			go spin(&stop)
		}
		time.Sleep(50 * time.Millisecond)
		panic("boom: sample crash with a goroutine running on another thread")
	}
	for _, d := range []struct {
		debug int
		name  string
	}{{2, "debug2.txt"}, {1, "debug1.txt"}, {0, "pb.gz"}} {
		f, err := os.Create(*dir + "/goroutine." + d.name)
		if err != nil {
			panic(err)
		}
		pprof.Lookup("goroutine").WriteTo(f, d.debug)
		f.Close()
	}
}
