// Shared by eval's Go programs (goker/driver.go, noise/main.go): the steady goroutines every service
// has and the profile capture. eval copies this file next to a program's own files when it builds it,
// so each program stays one `package main` without a module dependency.
//
// Harness code is named main.bg* and main.eval* so scorers can tell it from the program under test.
package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ---- steady background goroutines of a service ----

var (
	bgJobs    chan func()
	bgStop    chan struct{}
	bgClient  *http.Client
	bgSignals chan os.Signal
	bgServer  *http.Server
)

const bgWorkers = 8
const bgConns = 4

func bgWorker(jobs <-chan func()) {
	for j := range jobs {
		j()
	}
}

func bgTicker(stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}

func bgSignalLoop(c <-chan os.Signal) {
	for range c {
	}
}

func bgStart() error {
	bgJobs = make(chan func())
	bgStop = make(chan struct{})
	for i := 0; i < bgWorkers; i++ {
		go bgWorker(bgJobs)
	}
	go bgTicker(bgStop)
	bgSignals = make(chan os.Signal, 1)
	signal.Notify(bgSignals, syscall.SIGHUP)
	go bgSignalLoop(bgSignals)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// Every request waits until bgConns are in flight, so the client opens bgConns connections and
	// keeps them idle afterwards (server conn.serve and client readLoop/writeLoop in IO wait/select).
	var inflight int32
	all := make(chan struct{})
	bgServer = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt32(&inflight, 1) == bgConns {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, "ok")
	})}
	go bgServer.Serve(ln)
	bgClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: bgConns, IdleConnTimeout: time.Hour}}
	url := "http://" + ln.Addr().String() + "/"
	var wg sync.WaitGroup
	errs := make(chan error, bgConns)
	for i := 0; i < bgConns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := bgClient.Get(url)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// ---- profile capture ----

type evalMoment struct {
	Name       string            `json:"name"`
	CapturedAt int64             `json:"capturedAt"`
	Goroutines int               `json:"goroutines"`
	Files      map[string]string `json:"files"`
}

func evalWrite(path string, gz bool, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if !gz {
		return write(f)
	}
	z := gzip.NewWriter(f)
	if err := write(z); err != nil {
		return err
	}
	return z.Close()
}

func evalDump(dir, scenario, moment string) (evalMoment, error) {
	m := evalMoment{Name: moment, CapturedAt: time.Now().UnixMilli(), Goroutines: runtime.NumGoroutine(), Files: map[string]string{}}
	g := pprof.Lookup("goroutine")
	kinds := []struct {
		key   string
		ext   string
		debug int
		gz    bool
	}{{"debug2", "debug2.txt.gz", 2, true}, {"debug1", "debug1.txt.gz", 1, true}, {"proto", "pb.gz", 0, false}}
	for _, k := range kinds {
		name := fmt.Sprintf("%s.%s.%s", scenario, moment, k.ext)
		debug := k.debug
		if err := evalWrite(filepath.Join(dir, name), k.gz, func(w io.Writer) error { return g.WriteTo(w, debug) }); err != nil {
			return m, err
		}
		m.Files[k.key] = name
	}
	// After the plain dumps: a leak-profile request runs a leak-detecting GC whose marks stick.
	if lp := pprof.Lookup("goroutineleak"); lp != nil {
		name := fmt.Sprintf("%s.%s.leak.txt.gz", scenario, moment)
		if err := evalWrite(filepath.Join(dir, name), true, func(w io.Writer) error { return lp.WriteTo(w, 2) }); err != nil {
			return m, err
		}
		m.Files["leak"] = name
	}
	return m, nil
}

