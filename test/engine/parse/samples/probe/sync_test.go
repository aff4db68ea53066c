//go:build go1.25
package main
import ("testing"; "testing/synctest"; "os"; "runtime/pprof"; "time"; "sync")
func TestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		go func() { <-ch }()
		var wg sync.WaitGroup; wg.Add(1)
		go func() { wg.Wait() }()
		go func() { time.Sleep(time.Hour) }()
		go func() { select { case <-ch: case <-time.After(time.Hour): } }()
		synctest.Wait()
		f, _ := os.Create("bubble.debug2." + os.Getenv("TAG"))
		pprof.Lookup("goroutine").WriteTo(f, 2)
		f.Close()
		close(ch); wg.Done()
	})
}
