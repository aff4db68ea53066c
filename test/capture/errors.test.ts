// Each capture failure carries its few words (CaptureError.brief) from the figures its builder
// words the message with; captureBrief only falls back, for failures recorded without a brief,
// and never reads figures out of a message's English.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureBrief, CaptureError, COORDINATOR_BRIEF, explain } from '../../src/capture/errors.js';
import { translate } from '../../src/capture/http.js';

const url = 'http://10.0.3.7:6060/debug/pprof/goroutine?debug=0';
const name = 'svc-order (10.0.3.7:6060)';

const cases: Array<[CaptureError, string]> = [
  [explain.unreachable(name, url, 'connection refused'), 'unreachable: connection refused'],
  [explain.unreachable(name, url, 'ENOTFOUND'), 'unreachable: ENOTFOUND'],
  [explain.connectTimeout(name, url, 5), 'no connection within 5 s'],
  [explain.timeout(name, url, 3), 'no profile within 3 s'],
  [explain.timeout(name, url, 2.5, '--timeout'), 'no profile within 2.5 s'],
  [explain.status(name, url, 503), 'HTTP 503'],
  [explain.status(name, url, 403), 'HTTP 403'],
  [explain.status(name, 'http://10.0.3.7:808/debug/pprof/goroutine', 418), 'HTTP 418'],
  [explain.noLeakProfile(name, url, 404), 'no goroutine leak profile'],
  [explain.noPprof(name, url, 404), 'no pprof endpoint (404)'],
  [explain.noPprof(name, url), 'a web page, not pprof'],
  [explain.redirect(name, url, 302), 'redirect refused'],
  [explain.tooLarge(name, url, 64 * 1024 * 1024), 'profile over 64 MiB'],
  [explain.tooLarge(name, url, 1.5 * 1024 * 1024, '--max-bytes'), 'profile over 1.5 MiB'],
  [explain.overLimit(name, url, 'more than 5,000,000 records'), 'over the decode limits'],
  [explain.notGoroutineProfile(name, url, 'a heap profile'), 'not a goroutine profile'],
  [explain.aborted(name), 'cancelled'],
];

test('each capture failure knows its few words, with the figure its message gives', () => {
  for (const [err, brief] of cases) {
    assert.equal(err.brief, brief, err.userMessage);
    assert.equal(captureBrief({ brief: err.brief, code: err.code, message: err.userMessage }), brief);
  }
});

test('the figures in the brief are the ones in the message (same numbers, one source)', () => {
  assert.match(explain.timeout(name, url, 7).userMessage, /within 7 s/);
  assert.match(explain.connectTimeout(name, url, 9).userMessage, /within 9 s/);
  assert.match(explain.status(name, url, 502).userMessage, /HTTP 502/);
  assert.match(explain.tooLarge(name, url, 8 * 1024 * 1024).userMessage, /larger than the 8 MiB limit/);
  assert.match(explain.unreachable(name, url, 'connection reset').userMessage, /\(connection reset\)/);
});

test('rewording a message cannot change its brief', () => {
  for (const [err, brief] of cases) {
    // The same failure told in other words (a rewrite of the builders' English, a translation), and
    // in words that carry other figures: the few words recorded with it are what shows, since
    // nothing reads them back out of the sentence.
    for (const words of ['Der Dienst hat nicht rechtzeitig geantwortet; versuchen Sie es erneut.', 'Could not connect within 99 s (HTTP 500); larger than the 1 MiB limit.']) {
      const reworded = new CaptureError(err.code, words, { ...(err.status === undefined ? {} : { status: err.status }), brief: err.brief });
      assert.equal(captureBrief({ brief: reworded.brief, code: reworded.code, message: reworded.userMessage }), brief, words);
    }
  }
});

test('the brief survives re-wrapping a failure with its cause (translate)', () => {
  const ctx = { name, timeoutMs: 4000, signal: new AbortController().signal } as Parameters<typeof translate>[1];
  const err = translate(Object.assign(new Error('connect ECONNREFUSED 10.0.3.7:6060'), { code: 'ECONNREFUSED' }), ctx, url);
  assert.equal(err.code, 'unreachable');
  assert.equal(err.brief, 'unreachable: connection refused');
  assert.ok(err.cause, 'the cause is kept for logs');
});

test('a CaptureError built without a brief gets a phrase for its code, not words from its message', () => {
  assert.equal(new CaptureError('timeout', 'took longer than 3 s').brief, 'timed out');
  assert.equal(new CaptureError('http-status', 'answered 500', { status: 500 }).brief, 'HTTP 500');
  assert.equal(new CaptureError('http-status', 'answered badly').brief, 'HTTP error');
  assert.equal(new CaptureError('unreachable', 'Could not reach x (connection refused). Is the service').brief, 'unreachable');
});

test('an old record without a brief: a phrase for its code, never figures parsed from the English', () => {
  // Fleet checkpoints and capture failures stored by a version that kept only code and message.
  const old = (code: string | undefined, message: string) => captureBrief({ code, message });
  assert.equal(old('timeout', 'svc-order (p) did not deliver its goroutine profile within 4 s (http://p:6060/…). Raise it.'), 'timed out');
  assert.equal(old('unreachable', 'Could not reach svc (http://p) (connection refused). Is the service running'), 'unreachable');
  assert.equal(old('http-status', 'svc failed to produce its goroutine profile (HTTP 503) at http://p.'), 'HTTP error');
  assert.equal(old('too-large', 'The goroutine profile of svc is larger than the 64 MiB limit'), 'profile too large');
  assert.equal(old('not-pprof', 'svc has no pprof endpoint at http://p (404).'), 'not pprof');
  assert.equal(old('aborted', 'The capture of svc was cancelled.'), 'cancelled');
  for (const [code, brief] of Object.entries(COORDINATOR_BRIEF)) assert.equal(old(code, 'Another capture of svc-order (p) is taking too long; try again in a minute.'), brief);
  // No code (or one this version does not know): the message's first clause, cut at 60 characters.
  assert.equal(old(undefined, 'still capturing after 12 s; this summary is updated when it answers or times out'), 'still capturing after 12 s');
  assert.equal(old('something-new', 'snapshot #4 is no longer stored'), 'snapshot #4 is no longer stored');
  assert.equal(old('constructor', 'a. b'), 'a', 'a code that is an Object.prototype name is no code');
  assert.equal(old(undefined, ''), 'not captured');
  assert.equal(captureBrief({}), 'not captured');
  assert.equal(old(undefined, 'x'.repeat(200)).length, 60);
});

test('a timeout under a second is worded in ms (--timeout 1ms is not "within 0 s"), in the message and its brief', () => {
  const ctx = (timeoutMs: number) => {
    const ac = new AbortController();
    ac.abort();
    return { name, timeoutMs, signal: ac.signal, userSignal: undefined, timeoutSetting: '--timeout' } as unknown as Parameters<typeof translate>[1];
  };
  for (const [ms, words] of [[1, '1 ms'], [250, '250 ms'], [1000, '1 s'], [2500, '2.5 s'], [30_000, '30 s']] as const) {
    const e = translate(new Error('aborted'), ctx(ms), url);
    assert.match(e.userMessage, new RegExp(`within ${words} \\(`), `${ms} ms`);
    assert.equal(e.brief, `no profile within ${words}`);
  }
  assert.match(explain.connectTimeout(name, url, 0.05).userMessage, /within 50 ms\./);
});

test('a URL the user typed (the CLI) is "the URL"; the bot keeps "the registered URL"', () => {
  for (const status of [404, undefined]) {
    assert.match(explain.noPprof(name, url, status).userMessage, /the registered URL/);
    const typed = explain.noPprof(name, url, status, 'typed').userMessage;
    assert.match(typed, /Check (that )?the URL /);
    assert.doesNotMatch(typed, /registered/);
  }
  assert.match(explain.redirect(name, url, 302).userMessage, /Register the address/);
  assert.doesNotMatch(explain.redirect(name, url, 302, 'typed').userMessage, /Regist/);
});
