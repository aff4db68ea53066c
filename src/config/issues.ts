// Config validation errors worded for the person editing leakbot.yml: zod's issues say what is
// wrong ("Unrecognized key", "expected record, received undefined"); these lines also say what
// to write instead — the known key a typo was meant to be, what `services:` looks like, a plain
// number where a unit was appended.
import type { z } from 'zod';

/** Internals of a zod 4 schema that this module reads to find the keys valid at a path. */
interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** Unwraps default/optional/nullable wrappers down to the schema that holds the value. */
function unwrap(def: SchemaDef): SchemaDef {
  let d = def;
  while (d.innerType && (d.type === 'default' || d.type === 'optional' || d.type === 'nullable' || d.type === 'prefault')) d = d.innerType._zod.def;
  return d;
}

/** The keys an object at `path` of `schema` accepts (record keys and array indexes are stepped
 *  over), or [] when the path leads to no object. */
export function knownKeys(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let d = unwrap(defOf(schema));
  for (const seg of path) {
    if (d.type === 'object' && d.shape && typeof seg === 'string' && d.shape[seg]) d = unwrap(d.shape[seg]._zod.def);
    else if (d.type === 'record' && d.valueType) d = unwrap(d.valueType._zod.def);
    else if (d.type === 'array' && d.element) d = unwrap(d.element._zod.def);
    else return [];
  }
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

/** Levenshtein distance, case-insensitive (a key typed `TimeoutSeconds` is one letter off). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

/** The known key `key` most likely stands for: at most 2 edits away (3 for long keys), or one is
 *  the other with a suffix (`timeout` for `timeoutSeconds`); undefined when none is close. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(key, k);
    const limit = Math.max(key.length, k.length) >= 12 ? 3 : 2;
    const prefix = key.length >= 4 && k.toLowerCase().startsWith(key.toLowerCase());
    if ((d <= limit || prefix) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

const SERVICES_EXAMPLE = 'services:\n      svc-order:\n        url: http://10.0.3.7:6060   (see examples/leakbot.yml)';

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * One line per zod issue, `path: what to fix`. `raw` is the parsed YAML (after ${VAR} expansion)
 * the issues came from, to tell a missing `services:` from a list and a `5s` from a number.
 * Values are never echoed, except a number typed with a unit (`5s`): config values may hold
 * expanded ${VAR} secrets.
 */
export function describeIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const where = issue.path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const near = closestKey(key, known);
        lines.push(
          `${where}: unknown key "${key}"` +
            (near ? ` (did you mean "${near}"?)` : known.length ? ` (known here: ${known.join(', ')})` : ''),
        );
      }
      continue;
    }
    const value = valueAt(raw, issue.path);
    if (issue.code === 'invalid_type' && issue.path.length === 1 && issue.path[0] === 'services') {
      lines.push(
        value === undefined
          ? `services: missing. List the services leakbot may capture, each with its pprof address:\n    ${SERVICES_EXAMPLE}`
          : `services: must map each service's name to its settings${Array.isArray(value) ? ', not be a list' : ''}:\n    ${SERVICES_EXAMPLE}`,
      );
      continue;
    }
    if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof value === 'string') {
      // Echoed only when it is a number with a unit: any other text might be an expanded ${VAR}.
      const m = /^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]{1,5})\s*$/.exec(value);
      lines.push(m ? `${where}: must be a plain number, got "${m[1]}${m[2]}" (the key's name gives the unit: write ${m[1]})` : `${where}: must be a number, got text`);
      continue;
    }
    lines.push(`${where}: ${issue.message}`);
  }
  return lines;
}
