import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeIssues } from './issues.js';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Replaces ${VAR} with the environment's value; a missing variable is an error, not an empty string,
 *  so a typo never sends an empty Authorization header to production. */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      // The key comes last and in parentheses: "Authorization: …" would be blanked by the log scrubber
      // (src/log.ts scrubSecrets) and hide which variable is missing.
      if (v === undefined) throw new ConfigError(`environment variable ${name} is not set (used as \${${name}} in ${path.join('.') || '(root)'})`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, env, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env, [...path, k])]));
  }
  return value;
}

export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env, source = 'config'): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) raw = {};
  const result = configSchema.safeParse(expandEnv(raw, env));
  if (!result.success) {
    const lines = describeIssues(configSchema, result.error.issues, raw).map((l) => `  ${l}`);
    throw new ConfigError(`${source}: invalid configuration\n${lines.join('\n')}`);
  }
  for (const [name, svc] of Object.entries(result.data.services)) {
    for (const re of svc.ignore) checkRegex(re, `services.${name}.ignore`, source);
  }
  for (const re of result.data.ignore) checkRegex(re, 'ignore', source);
  return result.data;
}

function checkRegex(re: string, path: string, source: string): void {
  try {
    new RegExp(re);
  } catch (err) {
    throw new ConfigError(`${source}: ${path}: not a valid regular expression: ${(err as Error).message}`);
  }
}

export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read LEAKBOT_CONFIG ${path}: ${fileProblem(err)}`);
  }
  const config = parseConfig(text, env, path);
  checkTemplatePaths(config, path);
  return config;
}

/** A file system error in words (an errno code means nothing to the person editing the config). */
function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory, not a file' : (code ?? (err as Error).message);
}

/** Template overrides are read at start (src/incident/templates.ts); a path that names no file is
 *  said here with its key and where a relative path was looked for (the config file's folder). */
function checkTemplatePaths(config: Config, configPath: string): void {
  for (const key of ['checklist', 'postmortem'] as const) {
    const given = config.templates[key];
    if (!given) continue;
    const full = isAbsolute(given) ? given : resolve(dirname(configPath), given);
    let why: string | undefined;
    try {
      if (!statSync(full).isFile()) why = fileProblem({ code: 'EISDIR' });
    } catch (err) {
      why = fileProblem(err);
    }
    if (why) {
      const at = full === given ? '' : ` (looked for ${full}: relative paths start at the config file's folder)`;
      throw new ConfigError(`${configPath}: templates.${key}: ${given}: ${why}${at}`);
    }
  }
}
