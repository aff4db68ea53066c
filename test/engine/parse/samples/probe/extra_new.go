//go:build go1.25
package main
import "sync"
func extra() {
	var wg sync.WaitGroup
	wg.Go(func() { <-globalCh })
}
