// captureBrief reads the figures out of the messages explain writes: every builder's message gives
// the few words the fleet summary shows for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureBrief, explain } from '../../src/capture/errors.js';

const url = 'http://10.0.3.7:6060/debug/pprof/goroutine?debug=0';
const name = 'svc-order (10.0.3.7:6060)';

test('each capture failure has a few words with its figure', () => {
  const cases: Array<[ReturnType<typeof explain.timeout>, string]> = [
    [explain.unreachable(name, url, 'connection refused'), 'unreachable: connection refused'],
    [explain.unreachable(name, url, 'ENOTFOUND'), 'unreachable: ENOTFOUND'],
    [explain.connectTimeout(name, url, 5), 'no connection within 5 s'],
    [explain.timeout(name, url, 3), 'no profile within 3 s'],
    [explain.status(name, url, 503), 'HTTP 503'],
    [explain.status(name, url, 403), 'HTTP 403'],
    [explain.status(name, 'http://10.0.3.7:808/debug/pprof/goroutine', 418), 'HTTP 418'],
    [explain.noLeakProfile(name, url, 404), 'no goroutine leak profile'],
    [explain.noPprof(name, url, 404), 'no pprof endpoint (404)'],
    [explain.noPprof(name, url), 'a web page, not pprof'],
    [explain.redirect(name, url, 302), 'redirect refused'],
    [explain.tooLarge(name, url, 64 * 1024 * 1024), 'profile over 64 MiB'],
    [explain.overLimit(name, url, 'more than 5,000,000 records'), 'over the decode limits'],
    [explain.notGoroutineProfile(name, url, 'a heap profile'), 'not a goroutine profile'],
    [explain.aborted(name), 'cancelled'],
  ];
  for (const [err, brief] of cases) assert.equal(captureBrief(err.code, err.userMessage), brief, err.userMessage);
});

test('coordinator codes and messages of no known code', () => {
  assert.equal(captureBrief('busy', 'Another capture of svc-order (p) is taking too long; try again in a minute.'), 'another capture still running');
  assert.equal(captureBrief(undefined, 'still capturing after 12 s; this summary is updated when it answers or times out'), 'still capturing after 12 s');
  assert.equal(captureBrief(undefined, 'snapshot #4 is no longer stored'), 'snapshot #4 is no longer stored');
  assert.equal(captureBrief(undefined, ''), 'not captured');
  assert.equal(captureBrief(undefined, 'x'.repeat(200)).length, 60);
});
