// Driver for Go's goroutine leak scenarios (GOROOT/src/runtime/testdata/testgoroutineleakprofile and
// its goker/ subfolder). eval/gen.ts copies those sources into a temporary directory, swaps their
// main.go for this file and rewrites `pprof.Lookup("goroutineleak")` into evalLeakProfile(...), so the
// scenarios build on Go 1.19 and on Go 1.26 without GOEXPERIMENT=goroutineleakprofile too.
//
// Usage: <binary> <Scenario> -out DIR -k K
//
// The process starts the steady goroutines a real service has (HTTP server with idle keep-alive
// connections, an idle worker pool, a ticker loop, a signal loop), writes its goroutine profile as
// moment t0 (the baseline), runs the scenario once, writes t1, runs the scenario K more times, writes
// t2, and exits.
// Files: DIR/<Scenario>.<moment>.{debug2.txt.gz,debug1.txt.gz,pb.gz[,leak.txt.gz]} and
// DIR/<Scenario>.meta.json. The background and the capture live in ../goservice/service.go (copied
// next to this file at build time). Harness code is named main.main, main.eval* and main.bg* so the
// scorer can tell it from the scenario's own goroutines.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
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

func evalSettle() {
	for i := 0; i < yieldCount; i++ {
		runtime.Gosched()
	}
	time.Sleep(50 * time.Millisecond)
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
	// t0: the service before the scenario ever ran, the baseline an operator would have taken.
	evalSettle()
	m, err := evalDump(*out, scenario, "t0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	moments = append(moments, m)
	f()
	evalSettle()
	if m, err = evalDump(*out, scenario, "t1"); err != nil {
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
