// The resolved reply's restart test on real dumps: a small Go service killed and started again on the
// same address between the firing capture and the final one hands out nearly the same goroutine ids,
// so its highest id falls by a few (the old rule of resolution.ts read a lower id as a restart, and
// capture/restart.ts's marks alone say none); the dumps still tell two processes apart (Go 1.26 prints
// other arguments), and a capture of the same process later is no restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, parseDump } from '../../src/engine/index.js';
import { assessResolution, detectRestart } from '../../src/alerts/resolution.js';
import { detectRestart as byMarks } from '../../src/capture/restart.js';
import { startGoService, type GoService } from '../support/go-service.js';

const ADDR = '127.0.0.1:7312';

async function dump(svc: GoService) {
  const res = await fetch(`${svc.url}/debug/pprof/goroutine?debug=2`);
  assert.equal(res.status, 200);
  return parseDump(await res.text());
}

test('a small process restarted between the firing and the final capture: hidden by a restart; the same process later: not', async () => {
  let svc = await startGoService({ args: ['-addr', ADDR] });
  try {
    await svc.leak('chansend', 30);
    const firing = await dump(svc);
    await svc.leak('chansend', 5);
    const sameLife = await dump(svc);
    await svc.kill();
    svc = await startGoService({ args: ['-addr', ADDR] });
    await svc.leak('chansend', 25);
    const final = await dump(svc);

    const marks = (s: typeof firing) => ({ maxGoroutineId: s.maxId ?? null, total: s.total, capturedAt: 0 });
    assert.equal(byMarks(marks(firing), marks(final)).restarted, false, `ids ${firing.maxId} → ${final.maxId}: the marks alone miss it`);
    assert.equal(detectRestart(firing, final), true);
    assert.equal(detectRestart(firing, sameLife), false);
    const suspects = analyze(firing).findings;
    assert.ok(suspects.length > 0, 'the firing capture has suspects');
    const r = assessResolution(firing, final, suspects);
    assert.equal(r.kind, 'restarted', r.verdict);
  } finally {
    await svc.stop();
  }
});
