// Reader for `/debug/pprof/goroutine?debug=0` (and goroutineleak): a profile.proto, already
// gunzipped. Every sample is one distinct stack with a count; frames come innermost first, and a
// location with inlined calls lists the inlined callee first and its caller last.
import { createRequire } from 'node:module';
import type { Profile } from 'pprof-format';
import type { Frame } from '../model.js';
import { classify } from '../classify.js';
import type { FrameTable } from '../intern.js';
import { notGoroutines } from './detect.js';
import { DumpFormatError } from './errors.js';
import { aggregated, type Emit, type ParseReport } from './types.js';

let pprofFormat: typeof import('pprof-format') | null = null;
/** pprof-format, loaded on the first profile.proto (its CommonJS build, synchronously, as the readers
 *  are): importing it took ~7 ms of every CLI start, and most dumps people hand over are text. */
function decodeProfile(bytes: Uint8Array): Profile {
  pprofFormat ??= createRequire(import.meta.url)('pprof-format') as typeof import('pprof-format');
  return pprofFormat.Profile.decode(bytes);
}

const EXPECTED = 'expected a goroutine profile (gzip-compressed profile.proto from /debug/pprof/goroutine?debug=0)';

export function parseProto(bytes: Uint8Array, table: FrameTable, emit: Emit): ParseReport {
  let p: Profile;
  try {
    p = decodeProfile(bytes);
  } catch (e) {
    throw new DumpFormatError(`not a valid profile.proto (${(e as Error).message}): ${EXPECTED}`);
  }
  const strings = p.stringTable.strings;
  const str = (i: number | bigint | undefined): string => (i === undefined ? '' : (strings[Number(i)] ?? ''));
  const types = p.sampleType.map((t) => str(t.type));
  const valueIndex = types.findIndex((t) => t === 'goroutine' || t === 'goroutineleak');
  if (valueIndex < 0) {
    const named = types.filter((t) => t !== '');
    if (named.length > 0) throw new DumpFormatError(notGoroutines(profileName(named, str(p.defaultSampleType))));
    const what =
      types.length > 0 ? 'a profile whose sample types have no names (its string table is missing: a cut or corrupt profile.proto?)'
      : 'a profile with no sample type (an empty, cut or corrupt profile.proto?)';
    throw new DumpFormatError(`got ${what}: ${EXPECTED}`);
  }
  const leakProfile = types[valueIndex] === 'goroutineleak';

  const functions = new Map<number, { name: string; file: string }>();
  for (const f of p.function) functions.set(Number(f.id), { name: elideTypeArgs(str(f.name)), file: str(f.filename) });
  // Each location expands to one or more frames (inlining), shared by every sample that uses it.
  const locations = new Map<number, Frame[]>();
  const warnings: string[] = [];
  let unsymbolised = 0;
  for (const loc of p.location) {
    const frames: Frame[] = [];
    for (const ln of loc.line) {
      const fn = functions.get(Number(ln.functionId));
      if (!fn) continue;
      frames.push(table.frameOf(fn.name, fn.file, Number(ln.line)));
    }
    if (frames.length === 0) {
      unsymbolised++;
      frames.push(table.frameOf(`0x${Number(loc.address).toString(16)}`, '', 0));
    }
    locations.set(Number(loc.id), frames);
  }
  if (unsymbolised > 0) warnings.push(`${unsymbolised} location(s) had no symbol (stripped binary?)`);

  let missing = 0;
  for (const s of p.sample) {
    const count = Number(s.value[valueIndex] ?? 0);
    if (!Number.isSafeInteger(count) || count <= 0) continue;
    const frames: Frame[] = [];
    for (const id of s.locationId) {
      const lf = locations.get(Number(id));
      if (lf) for (const f of lf) frames.push(f);
      else missing++;
    }
    // runtime.goexit closes every goroutine's stack and says nothing.
    while (frames.length > 0 && frames[frames.length - 1]!.func === 'runtime.goexit') frames.pop();
    const labels: Record<string, string> = {};
    for (const l of s.label) {
      const k = str(l.key);
      if (k === '') continue;
      const v = l.str !== undefined && Number(l.str) !== 0 ? str(l.str) : String(l.num ?? '');
      labels[k] = v;
    }
    const g = aggregated(count, classify(null, frames), frames, labels, leakProfile);
    emit(g);
  }
  if (missing > 0) warnings.push(`${missing} sample location(s) missing from the profile`);
  // Go's profile builder stamps the time it started writing (runtime/pprof/proto.go, time_nanos).
  const ms = Number(p.timeNanos ?? 0) / 1e6;
  return { truncated: false, warnings, leakProfile, ...(ms > 0 && Number.isFinite(ms) ? { profileTime: Math.round(ms) } : {}) };
}

/** Which pprof profile a profile.proto is, from its sample types (and default sample type), as
 *  runtime/pprof writes them (pprof.go, protomem.go) and net/http/pprof serves them: e.g.
 *  `a CPU profile (/debug/pprof/profile; sample types samples, cpu)`. Block and mutex profiles have
 *  the same types, so they are named together. */
export function profileName(types: readonly string[], defaultType: string): string {
  const has = (t: string) => types.includes(t);
  const [name, served] =
    has('cpu') ? ['a CPU profile', '/debug/pprof/profile']
    : has('inuse_space') || has('alloc_space') ? (defaultType === 'alloc_space' ? ['an allocs profile', '/debug/pprof/allocs'] : ['a heap profile', '/debug/pprof/heap'])
    : has('contentions') && has('delay') ? ['a block or mutex profile', '/debug/pprof/block, /debug/pprof/mutex']
    : has('threadcreate') ? ['a threadcreate profile', '/debug/pprof/threadcreate']
    : ['a profile', null];
  return `${name} (${served === null ? '' : `${served}; `}sample types ${types.join(', ')})`;
}

/** Proto names carry instantiated type arguments (`Pool[go.shape.string]`) where the text formats
 *  print `Pool[...]`: use the text form so a stack has one signature in every format. */
export function elideTypeArgs(name: string): string {
  if (!name.includes('[')) return name;
  let out = '';
  let depth = 0;
  for (const ch of name) {
    if (ch === '[') {
      if (depth++ === 0) out += '[...]';
    } else if (ch === ']') {
      if (depth > 0) depth--;
    } else if (depth === 0) out += ch;
  }
  return out;
}
