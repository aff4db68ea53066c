#!/bin/sh
# Regenerates the real samples in this directory (see README.md) from the Go programs in gen/:
# Go 1.26 (`go`), Go 1.19 (/usr/lib/go-1.19/bin/go), go.uber.org/goleak from the Go module proxy.
# Takes about two minutes: wait minutes appear in a header only after a goroutine has waited one.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
go119=${GO119:-/usr/lib/go-1.19/bin/go}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here"/gen/* "$work"/

cd "$work/dumpgen"
go build -o "$work/dumpgen.bin" .
# Go 1.26 with labels in the headers; 65 s so every blocked goroutine shows `1 minutes`.
mkdir -p "$work/go126"
GODEBUG=tracebacklabels=1 "$work/dumpgen.bin" -wait 65s -out "$work/go126"
cp "$work/go126/goroutine.debug2.txt" "$here/go126-labels.debug2.txt"
cp "$work/go126/goroutine.debug1.txt" "$here/go126-labels.debug1.txt"
cp "$work/go126/goroutine.pb.gz" "$here/go126-labels.pb.gz"
go tool pprof -traces "$here/go126-labels.pb.gz" > "$here/go126-pprof-traces.txt"
go tool pprof -top "$here/go126-labels.pb.gz" > "$here/go126-pprof-top.txt"
# A panic while a goroutine runs on another thread (`stack unavailable`);
# retried until the spinning goroutine is caught on its thread.
for i in $(seq 1 60); do
  GOMAXPROCS=4 GODEBUG=tracebacklabels=1 GOTRACEBACK=all "$work/dumpgen.bin" -mode crash > "$work/crash.txt" 2>&1 || true
  if grep -q 'stack unavailable' "$work/crash.txt"; then break; fi
done
cp "$work/crash.txt" "$here/go126-crash-otherthread.txt"
# Go 1.19: no creator ids, no labels in headers.
mkdir -p "$work/go119"
"$go119" build -o "$work/dumpgen119.bin" .
"$work/dumpgen119.bin" -out "$work/go119"
cp "$work/go119/goroutine.debug2.txt" "$here/go119.debug2.txt"
cp "$work/go119/goroutine.debug1.txt" "$here/go119.debug1.txt"

# `go test -timeout` panic with the test stuck in WaitGroup.Wait.
cd "$work/hang" && { go test -timeout 1s . > "$here/go126-test-timeout.txt" 2>&1 || true; }
# goleak's failure inside `go test` (indented by the testing package, `]` closing the list).
cd "$work/goleak" && { go test . > "$here/go126-goleak.txt" 2>&1 || true; }
# goleak before v1.2 (v1.1.12): each report line is a caption over Go's own header of the goroutine.
cp "$work/goleak/leak_test.go" "$work/goleak11/"
cd "$work/goleak11" && { go test . > "$here/go126-goleak-v1.1.txt" 2>&1 || true; }
# A race-detector report from `go run -race`.
cd "$work/race" && { go run -race . > "$here/go126-race.txt" 2>&1 || true; }
echo "samples written to $here"
