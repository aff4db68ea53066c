// Healthy shapes a production Go service really has, which a leak detector must not call leaks. Each
// runs real traffic over loopback (its own HTTP server and clients) so the dumps show what net/http
// and the runtime really print; see main.go for the list.
//
// Go 1.19 builds this file too: nothing newer than 1.19's standard library is used (no
// context.AfterFunc, no errgroup module).
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// startHealthy starts the load of one of the services below and waits until it is in its steady
// state; false for a name it does not know. The clients run in a child process (runClients), so the
// dumps show the service alone, as a production capture would.
func startHealthy(name string) bool {
	switch name {
	case "fanout":
		startFanout()
	case "backpressure":
		startBackpressure()
	case "longpoll":
		startLongpoll()
	case "fanin":
		startFanin()
	case "sessions":
		startSessions()
	case "resize":
		startResize()
	default:
		return false
	}
	return true
}

// clientLoads: what each service's clients do, given the service's base URL (run by the child).
var clientLoads = map[string]func(url string){
	"fanout": func(url string) {
		addr := strings.TrimPrefix(url, "http://")
		for i := 0; i < 24; i++ {
			go streamReader(addr, 0, 0)
		}
		for i := 0; i < 12; i++ {
			go streamReader(addr, 3*time.Second, 0)
		}
		for { // short-lived viewers come and go
			go streamReader(addr, 0, time.Duration(300+rand.Intn(900))*time.Millisecond)
			time.Sleep(100 * time.Millisecond)
		}
	},
	"backpressure": func(url string) {
		for i := 0; i < 6; i++ {
			go postLoop(url+"/ingest", i%2 == 0)
		}
	},
	"longpoll": func(url string) {
		for i := 0; i < 40; i++ {
			go pollLoop(url+"/poll", true, 0)
		}
		for i := 0; i < 20; i++ {
			go pollLoop(url+"/watch", i%2 == 0, 0)
		}
	},
	"fanin": func(url string) {
		for i := 0; i < 8; i++ {
			go pollLoop(url+"/search", true, 0)
		}
	},
	"sessions": func(url string) {
		for i := 0; i < 4; i++ {
			go pollLoop(url+"/login", i%2 == 0, 20*time.Millisecond)
		}
	},
	"resize": func(url string) {
		for i := 0; i < 3; i++ {
			go pollLoop(url+"/work", false, 5*time.Millisecond)
		}
	},
}

var childStdins []io.WriteCloser

// spawnClients runs this program again as the clients of service `name` at url. The child reads its
// stdin until this process exits (the pipe closes) and then exits too, however this one ends.
func spawnClients(name, url string) {
	cmd := exec.Command(os.Args[0], "-clients", name, "-target", url)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	w, err := cmd.StdinPipe()
	if err != nil {
		fail(err)
	}
	childStdins = append(childStdins, w) // kept open (and reachable: a collected pipe closes) until exit
	if err := cmd.Start(); err != nil {
		fail(err)
	}
}

// runClients is the child's side of spawnClients; it never returns.
func runClients(name, url string) {
	load, ok := clientLoads[name]
	if !ok {
		fail(fmt.Errorf("no clients for %q", name))
	}
	go load(url)
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// serve starts an HTTP server on a loopback port and returns its base URL.
func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go (&http.Server{Handler: h}).Serve(ln)
	return "http://" + ln.Addr().String()
}

// ---- fanout: a streaming hub (websocket-like) over hijacked connections ----
//
// Each connection gets a reader and a writer goroutine and a heartbeat, started by the handler that
// hijacked it and returned (the conn.serve goroutine that created them is gone). A broadcaster sends
// every client each message through a small buffered queue and drops for a client whose queue is full.
// Slow clients stop reading for seconds: their writer sits in net.Conn.Write holding the client's
// lock, and their heartbeat waits for that lock (one lock per client). Clients come and go.

type streamClient struct {
	conn net.Conn
	mu   sync.Mutex // serialises writes: messages and pings
	send chan []byte
	done chan struct{}
}

var hub = struct {
	sync.Mutex
	clients map[*streamClient]bool
}{clients: map[*streamClient]bool{}}

func (c *streamClient) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	_, err := c.conn.Write(b)
	return err
}

func (c *streamClient) writePump() {
	for {
		select {
		case m := <-c.send:
			if c.write(m) != nil {
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *streamClient) heartbeat() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if c.write([]byte("ping\n")) != nil {
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *streamClient) readPump() {
	defer func() {
		hub.Lock()
		delete(hub.clients, c)
		hub.Unlock()
		close(c.done)
		c.conn.Close()
	}()
	r := bufio.NewReader(c.conn)
	for {
		if _, err := r.ReadString('\n'); err != nil {
			return
		}
	}
}

func serveStream(w http.ResponseWriter, r *http.Request) {
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
	rw.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetWriteBuffer(8 << 10)
	}
	c := &streamClient{conn: conn, send: make(chan []byte, 8), done: make(chan struct{})}
	hub.Lock()
	hub.clients[c] = true
	hub.Unlock()
	go c.writePump()
	go c.heartbeat()
	go c.readPump()
}

func broadcast() {
	msg := []byte(strings.Repeat("x", 16<<10) + "\n")
	for range time.Tick(20 * time.Millisecond) {
		hub.Lock()
		for c := range hub.clients {
			select {
			case c.send <- msg:
			default: // queue full: drop for this client
			}
		}
		hub.Unlock()
	}
}

// streamReader is a client: it reads the stream, pausing `pause` after each read (slow clients), and
// hangs up after `life` (0: never).
func streamReader(addr string, pause, life time.Duration) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer conn.Close()
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetReadBuffer(8 << 10)
	}
	fmt.Fprintf(conn, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	end := time.Now().Add(life)
	buf := make([]byte, 4<<10)
	for life == 0 || time.Now().Before(end) {
		if _, err := conn.Read(buf); err != nil {
			return
		}
		if pause > 0 {
			time.Sleep(pause)
		}
	}
}

func startFanout() {
	go broadcast()
	spawnClients("fanout", serve(http.HandlerFunc(serveStream)))
	time.Sleep(1500 * time.Millisecond)
}

// ---- backpressure: fire-and-forget publishers on a bounded queue ----
//
// An ingest handler accepts an event, hands it to a goroutine that publishes it on a bounded queue,
// and answers 202 at once (so its goroutine, or its whole connection, is gone while the publisher
// waits). The consumer alternates slow phases (a downstream hiccup: the queue fills and publishers
// block on the send) and fast ones (it drains). Half the clients do not keep connections alive.

var ingestQueue = make(chan string, 16)

func publish(ev string) {
	ingestQueue <- ev
}

// ingestConsumer is slow (50/s) for 700 ms of every 1.5 s and fast otherwise: arrivals (about
// 300/s) pile up on the queue, then drain.
func ingestConsumer() {
	start := time.Now()
	for {
		<-ingestQueue
		if time.Since(start)%(1500*time.Millisecond) < 700*time.Millisecond {
			time.Sleep(20 * time.Millisecond) // downstream hiccup
		}
	}
}

func postLoop(url string, keepAlive bool) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: !keepAlive}}
	for i := 0; ; i++ {
		resp, err := c.Post(url, "text/plain", strings.NewReader(fmt.Sprint("event ", i)))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startBackpressure() {
	url := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		go publish(string(b))
		w.WriteHeader(http.StatusAccepted)
	}))
	go ingestConsumer()
	spawnClients("backpressure", url)
	time.Sleep(3 * time.Second)
}

// ---- longpoll: handlers waiting for the next event ----
//
// /poll waits on a broadcast channel (closed and replaced at each event) until the event, the
// client's disconnect or a 2 s timeout. /watch waits for a version change with a sync.Cond in a
// helper goroutine (Cond.Wait cannot select on a context): when the request ends first, the helper
// keeps waiting until the next event, with its creator gone. Events come every 1.5 s.

var (
	feedMu   sync.Mutex
	feedCond = sync.NewCond(&feedMu)
	feedVer  int
	feedNext = make(chan struct{})
)

func publishEvents() {
	for range time.Tick(1500 * time.Millisecond) {
		feedMu.Lock()
		feedVer++
		close(feedNext)
		feedNext = make(chan struct{})
		feedMu.Unlock()
		feedCond.Broadcast()
	}
}

func pollHandler(w http.ResponseWriter, r *http.Request) {
	feedMu.Lock()
	next := feedNext
	feedMu.Unlock()
	select {
	case <-next:
		io.WriteString(w, "event")
	case <-r.Context().Done():
	case <-time.After(2 * time.Second):
		w.WriteHeader(http.StatusNotModified)
	}
}

func waitVersion(seen int, changed chan<- int) {
	feedMu.Lock()
	for feedVer == seen {
		feedCond.Wait()
	}
	v := feedVer
	feedMu.Unlock()
	changed <- v // buffered: never blocks
}

func watchHandler(w http.ResponseWriter, r *http.Request) {
	feedMu.Lock()
	seen := feedVer
	feedMu.Unlock()
	changed := make(chan int, 1)
	go waitVersion(seen, changed)
	select {
	case v := <-changed:
		fmt.Fprint(w, v)
	case <-r.Context().Done():
	case <-time.After(time.Duration(200+rand.Intn(800)) * time.Millisecond):
		w.WriteHeader(http.StatusNotModified)
	}
}

// pollLoop is a client calling url again and again, `pause` apart.
func pollLoop(url string, keepAlive bool, pause time.Duration) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: !keepAlive}}
	for {
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		} else {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(pause)
	}
}

func startLongpoll() {
	mux := http.NewServeMux()
	mux.HandleFunc("/poll", pollHandler)
	mux.HandleFunc("/watch", watchHandler)
	url := serve(mux)
	go publishEvents()
	spawnClients("longpoll", url)
	time.Sleep(6 * time.Second)
}

// ---- fanin: a handler fans out to backends and waits for all (errgroup-style) ----
//
// /search calls 6 shards at once, each in its own goroutine, and waits on a WaitGroup; the first
// error cancels the others (what golang.org/x/sync/errgroup does). Shards answer in 20–300 ms.

func shardHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(time.Duration(20+rand.Intn(280)) * time.Millisecond):
		io.WriteString(w, "hits")
	case <-r.Context().Done():
	}
}

type fanGroup struct {
	wg     sync.WaitGroup
	once   sync.Once
	err    error
	cancel context.CancelFunc
}

func (g *fanGroup) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.once.Do(func() { g.err = err; g.cancel() })
		}
	}()
}

func (g *fanGroup) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

func fetchShard(ctx context.Context, c *http.Client, url string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func startFanin() {
	shards := serve(http.HandlerFunc(shardHandler))
	backend := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	front := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		g := &fanGroup{cancel: cancel}
		for i := 0; i < 6; i++ {
			url := fmt.Sprintf("%s/shard/%d", shards, i)
			g.Go(func() error { return fetchShard(ctx, backend, url) })
		}
		if err := g.Wait(); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	}))
	spawnClients("fanin", front)
	time.Sleep(2 * time.Second)
}

// ---- sessions: per-session watchers that end with their context ----
//
// /login opens a session with a deadline (0.3–1.5 s here, against 6 s of uptime before the first
// capture; in production minutes against days, so the ids of live sessions are recent in both) and starts a goroutine
// that removes it when its context ends, then returns: the watchers pile up while sessions live, each
// started by a request that is long gone, and leave at their deadlines. A time.AfterFunc does the
// same for refresh tokens (it starts no goroutine until it fires).

var sessionsLive sync.Map
var sessionSeq int64

func watchSession(ctx context.Context, id int64) {
	<-ctx.Done()
	sessionsLive.Delete(id)
}

func loginHandler(w http.ResponseWriter, r *http.Request) {
	id := atomic.AddInt64(&sessionSeq, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(300+rand.Intn(1200))*time.Millisecond)
	sessionsLive.Store(id, cancel)
	go watchSession(ctx, id)
	time.AfterFunc(time.Duration(300+rand.Intn(1200))*time.Millisecond, func() { sessionsLive.Load(id) })
	fmt.Fprint(w, id)
}

func startSessions() {
	url := serve(http.HandlerFunc(loginHandler))
	spawnClients("sessions", url)
	time.Sleep(6 * time.Second) // several session lifetimes: steady state
}

// ---- resize: a worker pool an autoscaler grows and shrinks at runtime ----
//
// The autoscaler (alive all along) starts workers in batches when the queue backs up and retires some
// when it is idle, so the pool's goroutines come from several bursts far apart in the id history, with
// other goroutines (requests, timers) started between them. The workers idle on one job channel.

type resizePool struct {
	jobs   chan func()
	retire chan struct{}
	size   int32
}

func (p *resizePool) worker() {
	for {
		select {
		case j := <-p.jobs:
			j()
		case <-p.retire:
			atomic.AddInt32(&p.size, -1)
			return
		}
	}
}

func (p *resizePool) autoscale(bursts []int) {
	for _, n := range bursts {
		if n > 0 {
			for i := 0; i < n; i++ {
				atomic.AddInt32(&p.size, 1)
				go p.worker()
			}
		} else {
			for i := 0; i < -n; i++ {
				p.retire <- struct{}{}
			}
		}
		time.Sleep(400 * time.Millisecond)
	}
	for range time.Tick(time.Minute) { // the next evaluation, after this run's captures
	}
}

func startResize() {
	p := &resizePool{jobs: make(chan func()), retire: make(chan struct{})}
	url := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		p.jobs <- func() { close(done) }
		<-done
	}))
	spawnClients("resize", url)
	// Grown and shrunk across the captures (every 400 ms; captures 1 s apart).
	go p.autoscale([]int{16, 24, -8, 32, 16, -12, 24, 8, -16, 32})
	time.Sleep(1300 * time.Millisecond)
}
