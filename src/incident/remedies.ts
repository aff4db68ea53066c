import type { PatternId } from '../engine/model.js';

// What a postmortem should ask the team to change, per leak pattern, and the contributing factors a
// pattern is evidence of. The engine's advice says how to fix one site; these are the follow-ups that
// keep the whole class of bug out (tests, linters, alerts).

export type FactorId =
  | 'no-cancellation'
  | 'unclosed-body'
  | 'resource-not-released'
  | 'timer-not-stopped'
  | 'waitgroup-misuse'
  | 'lock-discipline'
  | 'nil-channel'
  | 'no-goleak'
  | 'no-growth-alert'
  | 'no-pprof-in-ci'
  | 'no-baseline';

export const FACTORS: Array<{ id: FactorId; text: string }> = [
  { id: 'no-cancellation', text: 'Missing context cancellation or timeout on a blocking operation' },
  { id: 'unclosed-body', text: 'HTTP response body not closed on every path' },
  { id: 'resource-not-released', text: 'Pooled connection, rows, Tx or semaphore slot not released on every path' },
  { id: 'timer-not-stopped', text: 'Timer or ticker not stopped' },
  { id: 'waitgroup-misuse', text: 'WaitGroup misuse (Add/Done mismatch, Done skipped on an early return)' },
  { id: 'lock-discipline', text: 'Lock not released (or Cond not signalled) on every path' },
  { id: 'nil-channel', text: 'Operation on a nil or never-initialised channel' },
  { id: 'no-goleak', text: 'No goleak (go.uber.org/goleak) check in the package tests' },
  { id: 'no-growth-alert', text: 'No goroutine-growth alert (a person noticed first)' },
  { id: 'no-pprof-in-ci', text: 'Goroutine profiles not compared in CI or load tests' },
  { id: 'no-baseline', text: 'No healthy capture baseline to compare with' },
];

export const PATTERN_FACTORS: Record<PatternId, FactorId[]> = {
  'chan-send-no-receiver': ['no-cancellation'],
  'chan-recv-never-closed': ['no-cancellation'],
  'select-no-cancel': ['no-cancellation'],
  'select-no-cases': ['nil-channel'],
  'nil-chan': ['nil-channel'],
  'waitgroup-never-done': ['waitgroup-misuse'],
  'lock-never-released': ['lock-discipline'],
  'cond-never-signalled': ['lock-discipline'],
  'unclosed-http-body': ['unclosed-body'],
  'net-read-no-deadline': ['no-cancellation'],
  'listener-never-closed': ['resource-not-released'],
  'event-loop-never-stopped': ['resource-not-released'],
  'tls-handshake-no-deadline': ['no-cancellation'],
  'http-call-no-timeout': ['no-cancellation'],
  'pool-exhausted': ['resource-not-released', 'no-cancellation'],
  // The pattern is a pile in time.Sleep (engine/patterns.ts): no timer or ticker is in sight.
  'sleep-loop': ['no-cancellation'],
  'blocked-other': [],
};

/** Action items per pattern; `{site}` is replaced with the leak site. */
export const PATTERN_ACTIONS: Record<PatternId, string[]> = {
  'chan-send-no-receiver': [
    'Fix the send at {site}: give the channel a buffer of 1, or select on ctx.Done() so an abandoned send returns',
    'Audit sibling call sites for "return early after timeout" while a goroutine still sends its result',
  ],
  'chan-recv-never-closed': [
    'Make the producer feeding {site} close the channel when done (exactly once, by the sender), or select on ctx.Done()',
  ],
  'select-no-cancel': ['Add a ctx.Done() (or quit channel) case to the select at {site} and cancel the context when the owner returns'],
  'select-no-cases': ['Remove the empty select{} at {site} or give it a way to return (ctx.Done())'],
  'nil-chan': ['Initialise the channel used at {site} before use, or guard the nil case explicitly'],
  'waitgroup-never-done': ['Call wg.Done() with defer at the top of each goroutine waited on at {site}; match every Add to a Done'],
  'lock-never-released': ['Release the lock with defer right after acquiring it, on every path reaching {site}'],
  'cond-never-signalled': ['Signal or Broadcast the Cond waited on at {site} on every state change, and re-check the condition in a loop'],
  'unclosed-http-body': [
    'Close resp.Body on every path (defer resp.Body.Close() right after the error check) for the request made at {site}',
    'Enable the bodyclose linter (golangci-lint) in CI',
  ],
  'net-read-no-deadline': ['Set read/write deadlines (or a context-aware client timeout) on the connection read at {site}'],
  'tls-handshake-no-deadline': ['Bound the TLS handshake at {site}: http.Server ReadHeaderTimeout, or a deadline (SetDeadline, HandshakeContext with a timeout) around tls.Server/tls.Client'],
  'listener-never-closed': ['Shut down the old server (srv.Shutdown or Close, ln.Close for a bare listener) where the code at {site} starts a new one, or keep one server'],
  'event-loop-never-stopped': ['Stop the networking engine whose event loops {site} leaves running (nbio Engine.Stop or Shutdown, gnet.Stop) on every path that starts one, or share one engine'],
  'http-call-no-timeout': ['Give the HTTP call made at {site} a deadline (http.Client Timeout or a request context with a timeout), and check the latency of the backend it reaches'],
  'pool-exhausted': [
    'Release what the code behind {site} acquires on every path (defer rows.Close(), Commit/Rollback, Release), and give the acquire a deadline',
  ],
  'sleep-loop': [
    'Make the time.Sleep at {site} end when its caller gives up: a poll loop selects on a time.Ticker (defer t.Stop()) and ctx.Done() and starts once, not per call; a one-off delay selects on time.After and ctx.Done()',
  ],
  'blocked-other': ['Find who should wake the goroutines blocked at {site} and add a cancellation path'],
};

/** Follow-ups that apply to any goroutine leak, with the factor that makes them relevant. */
export const GENERAL_ACTIONS: Array<{ factor: FactorId; text: string }> = [
  { factor: 'no-goleak', text: 'Add goleak.VerifyTestMain (or VerifyNone per test) to the package that leaked' },
  { factor: 'no-growth-alert', text: 'Add a goroutine-growth alert (deriv(go_goroutines[30m]) > 0 sustained) routed to leakbot' },
  { factor: 'no-baseline', text: 'Record a healthy baseline after the fix: /leak baseline {service}' },
  { factor: 'no-pprof-in-ci', text: 'Run leakbot diff --fail-on-leak on goroutine profiles taken before and after the load test in CI' },
];
