#!/bin/sh
# Re-captures the header-variant samples from the probe program (Go 1.27 via the module proxy):
# pprof labels in debug=2 headers (GODEBUG default for a go 1.27 module), (leaked) marks, and
# synctest bubbles with (durable) states.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/probe/* "$work"/
cd "$work"
TAG=go127 GOTOOLCHAIN=go1.27.0 go run . >/dev/null
TAG=go127 GOTOOLCHAIN=go1.27.0 go test -run Bubble . >/dev/null 2>&1 || true
cp goroutine.debug2.go127 "$here/labels-header.go127.txt"
cp goroutineleak.debug2.go127 "$here/leak.go127.txt"
cp bubble.debug2.go127 "$here/bubble.go127.txt"
cp goroutine.debug1.go127 "$here/labels.go127.debug1.txt"
cp goroutine.debug0.go127 "$here/labels.go127.pb.gz"
