// Driver for Go's goroutine leak scenarios (GOROOT/src/runtime/testdata/testgoroutineleakprofile and
// its goker/ subfolder). eval/gen.ts copies those sources into a temporary directory, swaps their
// main.go for this file and rewrites `pprof.Lookup("goroutineleak")` into evalLeakProfile(...), so the
// scenarios build on Go 1.19 and on Go 1.26 without GOEXPERIMENT=goroutineleakprofile too.
//
// Usage: <binary> <Scenario> -out DIR -k K
//
// The process starts the steady goroutines a real service has (HTTP server with idle keep-alive
// connections, an idle worker pool, a ticker loop, a signal loop), runs the scenario once, writes its
// goroutine profile as moment t1, runs the scenario K more times, writes t2, and exits.
// Files: DIR/<Scenario>.<moment>.{debug2.txt.gz,debug1.txt.gz,pb.gz[,leak.txt.gz]} and
// DIR/<Scenario>.meta.json. Harness code is named main.main, main.eval* and main.bg* so the scorer can
// tell it from the scenario's own goroutines.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
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

// The number of times the main (profiling) goroutine should yield
// in order to allow the leaking goroutines to get stuck (same constant as Go's main.go).
const yieldCount = 10

var cmds = map[string]func(){}

func register(name string, f func()) {
	if cmds[name] != nil {
		panic("duplicate registration: " + name)
	}
	cmds[name] = f
}

func registerInit(name string, f func()) {
	if len(os.Args) >= 2 && os.Args[1] == name {
		f()
	}
}

// evalProfile stands in for the scenario's own leak profile: the driver captures profiles itself, at
// moments it chooses, and a leak-profile request from the scenario would leave "(leaked)" marks in
// every later plain dump.
type evalProfile struct{}

func (evalProfile) WriteTo(w io.Writer, debug int) error { return nil }

func evalLeakProfile(lookup func(string) *pprof.Profile, name string) evalProfile {
	_ = lookup
	_ = name
	return evalProfile{}
}

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

func evalSettle() {
	for i := 0; i < yieldCount; i++ {
		runtime.Gosched()
	}
	time.Sleep(50 * time.Millisecond)
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

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: driver <Scenario> -out DIR -k K")
		os.Exit(2)
	}
	scenario := os.Args[1]
	fs := flag.NewFlagSet("driver", flag.ExitOnError)
	out := fs.String("out", ".", "directory for the dumps")
	k := fs.Int("k", 3, "runs between the first and the second moment")
	fs.Parse(os.Args[2:])
	f := cmds[scenario]
	if f == nil {
		fmt.Fprintln(os.Stderr, "unknown scenario: "+scenario)
		os.Exit(2)
	}
	if err := bgStart(); err != nil {
		fmt.Fprintln(os.Stderr, "background:", err)
		os.Exit(1)
	}
	var moments []evalMoment
	f()
	evalSettle()
	m, err := evalDump(*out, scenario, "t1")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	moments = append(moments, m)
	for i := 0; i < *k; i++ {
		f()
	}
	evalSettle()
	if m, err = evalDump(*out, scenario, "t2"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	moments = append(moments, m)
	meta, _ := json.MarshalIndent(map[string]interface{}{
		"scenario":  scenario,
		"goVersion": runtime.Version(),
		"k":         *k,
		"moments":   moments,
	}, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, scenario+".meta.json"), meta, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
