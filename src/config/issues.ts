// Config validation errors worded for the person editing leakbot.yml: zod's issues say what is
// wrong ("Unrecognized key", "expected record, received undefined"); these lines also say what
// to write instead — the known key a typo was meant to be, what `services:` looks like, a plain
// number where a unit was appended.
import type { z } from 'zod';
import { didYouMean } from '../slack/suggest.js';

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
  // An unknown key first: it is usually the cause of what follows (`servces:` → services missing).
  const ordered = [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  for (const issue of ordered) {
    const where = issue.path.join('.') || '(root)';
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const near = didYouMean(key, known);
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
    if (issue.code === 'invalid_key' && issue.path.length === 2 && issue.path[0] === 'services') {
      // zod says only "Invalid key in record": say what a name may hold (Slack users type it).
      lines.push(`${where}: not a service name: use letters, digits, '.', '_' or '-' (no spaces or '/'), starting with a letter or digit, at most 63 characters, e.g. svc-order`);
      continue;
    }
    if (issue.code === 'invalid_type' && issue.path.length === 2 && issue.path[0] === 'services' && (value === null || value === undefined)) {
      lines.push(`${where}: has no settings: give it where its pprof endpoint is, e.g.\n      url: http://10.0.3.7:6060   (or targets, dns, prometheus: see README "Services with several instances")`);
      continue;
    }
    if (issue.code === 'too_small' && issue.origin === 'number' && typeof value === 'number') {
      lines.push(`${where}: must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`);
      continue;
    }
    if (issue.code === 'invalid_type' && issue.expected === 'array' && (typeof value === 'string' || typeof value === 'number')) {
      lines.push(`${where}: must be a list: write the value in [brackets] (several are separated by commas)`);
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
