// Command peers parses one goroutine dump with a Go peer of leakbot's parser, for `npm run bench`
// (bench/peers.bench.ts). It prints one JSON line: the goroutines read and the in-process time,
// measured from opening the file to the parsed result (the Go runtime's start-up is outside it;
// the bench measures the whole process separately).
//
//	peers -parser gostackparse dump.txt   github.com/DataDog/gostackparse: Parse
//	peers -parser panicparse dump.txt     github.com/maruel/panicparse/v2: ScanSnapshot, then
//	                                      Aggregate(AnyPointer), its grouping of similar stacks
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/DataDog/gostackparse"
	"github.com/maruel/panicparse/v2/stack"
)

type result struct {
	Parser     string  `json:"parser"`
	Goroutines int     `json:"goroutines"`
	Groups     int     `json:"groups,omitempty"`
	Errors     int     `json:"errors"`
	ParseMs    float64 `json:"parseMs"`
}

func main() {
	parser := flag.String("parser", "gostackparse", "gostackparse or panicparse")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: peers -parser gostackparse|panicparse dump.txt")
		os.Exit(2)
	}
	start := time.Now()
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	r := result{Parser: *parser}
	switch *parser {
	case "gostackparse":
		gs, errs := gostackparse.Parse(f)
		r.Goroutines, r.Errors = len(gs), len(errs)
	case "panicparse":
		// Parse and group only: argument naming is O(n²) and path guessing scans the disk, both off.
		opts := &stack.Opts{NameArguments: false, GuessPaths: false, AnalyzeSources: false}
		s, _, err := stack.ScanSnapshot(bufio.NewReaderSize(f, 64*1024), io.Discard, opts)
		if err != nil && err != io.EOF {
			r.Errors = 1
		}
		if s != nil {
			r.Goroutines = len(s.Goroutines)
			r.Groups = len(s.Aggregate(stack.AnyPointer).Buckets)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown parser %q\n", *parser)
		os.Exit(2)
	}
	r.ParseMs = float64(time.Since(start).Microseconds()) / 1000
	_ = json.NewEncoder(os.Stdout).Encode(r)
}
