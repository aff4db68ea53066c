// The other profiles net/http/pprof serves, fetched from a real Go service (leaksvc): each is refused
// with a sentence that names it (CPU, heap, allocs, block/mutex, threadcreate; profile.proto and
// debug=1 text) and says which URL to fetch instead, never read as goroutines.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DumpFormatError, parseDump, readSnapshot } from '../../../src/engine/index.js';
import { startGoService, type GoService } from '../../support/go-service.js';

describe('profiles that are not of goroutines, from a real service', { timeout: 180_000 }, () => {
  let svc: GoService;
  before(async () => {
    svc = await startGoService();
  });
  after(() => svc?.stop());

  const fetchProfile = async (path: string): Promise<Buffer> => {
    const res = await fetch(`${svc.url}${path}`);
    assert.equal(res.status, 200, path);
    return Buffer.from(await res.arrayBuffer());
  };

  /** Refused (from bytes and from a stream alike) with a message matching `named`. */
  async function refused(bytes: Buffer, named: RegExp): Promise<void> {
    const msg = (e: unknown): string => {
      assert.ok(e instanceof DumpFormatError, String(e));
      return e.message;
    };
    let inMemory = '';
    try {
      parseDump(bytes);
    } catch (e) {
      inMemory = msg(e);
    }
    let streamed = '';
    try {
      await readSnapshot((async function* () { yield bytes; })());
    } catch (e) {
      streamed = msg(e);
    }
    assert.equal(streamed, inMemory);
    assert.match(inMemory, named);
    assert.match(inMemory, /not a goroutine profile: .*Fetch \/debug\/pprof\/goroutine\?debug=2 from the service instead$/);
  }

  it('profile.proto: names the profile from its sample types', async () => {
    await refused(await fetchProfile('/debug/pprof/profile?seconds=1'), /^this is a CPU profile \(\/debug\/pprof\/profile; sample types samples, cpu\)/);
    await refused(await fetchProfile('/debug/pprof/heap'), /^this is a heap profile \(\/debug\/pprof\/heap; sample types alloc_objects, alloc_space, inuse_objects, inuse_space\)/);
    await refused(await fetchProfile('/debug/pprof/allocs'), /^this is an allocs profile \(\/debug\/pprof\/allocs;/);
    for (const p of ['block', 'mutex']) await refused(await fetchProfile(`/debug/pprof/${p}`), /^this is a block or mutex profile \(.*; sample types contentions, delay\)/);
    await refused(await fetchProfile('/debug/pprof/threadcreate'), /^this is a threadcreate profile/);
  });

  it('debug=1 text: names the profile from its first line', async () => {
    for (const p of ['heap', 'allocs']) await refused(await fetchProfile(`/debug/pprof/${p}?debug=1`), /^this is a heap profile \(\/debug\/pprof\/heap or \/debug\/pprof\/allocs\) in its debug=1 text/);
    await refused(await fetchProfile('/debug/pprof/block?debug=1'), /^this is a block profile/);
    await refused(await fetchProfile('/debug/pprof/mutex?debug=1'), /^this is a mutex profile/);
    // Its records look like debug=1 goroutine records: before, it was read as 7 "goroutines".
    await refused(await fetchProfile('/debug/pprof/threadcreate?debug=1'), /^this is a threadcreate profile/);
  });

  it('the goroutine profile itself is still read', async () => {
    for (const q of ['debug=0', 'debug=1', 'debug=2']) assert.ok(parseDump(await fetchProfile(`/debug/pprof/goroutine?${q}`)).total > 0, q);
  });
});
