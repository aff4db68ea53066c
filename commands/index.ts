// The /leak verb registry. Modules are discovered from this directory: any file other than
// index/types exporting `command` is a verb. No edit here is needed to add one.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CommandModule } from './types.js';

export type { CommandModule, CommandInvocation, CommandReply } from './types.js';
export { UsageError } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const SKIP = new Set(['index', 'types']);
/** Order of verbs in help; unknown verbs follow alphabetically. */
const ORDER = ['snapshot', 'diff', 'baseline', 'history', 'services', 'watch', 'checklist', 'postmortem', 'analyze', 'help'];

export class CommandRegistry {
  private readonly byName = new Map<string, CommandModule>();
  private readonly modules: CommandModule[] = [];

  add(m: CommandModule): void {
    for (const name of [m.verb, ...(m.aliases ?? [])]) {
      if (this.byName.has(name)) throw new Error(`/leak verb ${name} defined twice`);
      this.byName.set(name, m);
    }
    this.modules.push(m);
    this.modules.sort((a, b) => rank(a.verb) - rank(b.verb) || a.verb.localeCompare(b.verb));
  }

  get(verb: string): CommandModule | undefined {
    return this.byName.get(verb.toLowerCase());
  }

  list(): CommandModule[] {
    return [...this.modules];
  }

  verbs(): string[] {
    return this.modules.map((m) => m.verb);
  }
}

function rank(verb: string): number {
  const i = ORDER.indexOf(verb);
  return i === -1 ? ORDER.length : i;
}

/** Imports every verb module in commands/. A module that fails to load stops startup with its name. */
export async function loadCommands(dir = here): Promise<CommandRegistry> {
  const reg = new CommandRegistry();
  const files = readdirSync(dir)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .filter((f) => !SKIP.has(f.replace(/\.(ts|js)$/, '')))
    .sort();
  for (const f of files) {
    let mod: { command?: CommandModule };
    try {
      mod = (await import(pathToFileURL(join(dir, f)).href)) as { command?: CommandModule };
    } catch (err) {
      throw new Error(`commands/${f} failed to load: ${(err as Error).message}`);
    }
    if (mod.command) reg.add(mod.command);
  }
  return reg;
}
