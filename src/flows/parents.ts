// Thread parents that a module draws itself. A snapshot or diff thread's parent is written from its
// ThreadRecord (flows/thread.ts); an alert thread's parent is drawn from the alert ledger by the
// alerts module. recordOutcome asks the registry so a /leak verb's verdict reaches that parent too.
import type { ThreadRecord } from '../store/threads.js';

/** Redraws the parent message of one thread from its record (state = latest verdict). Slack errors
 *  propagate (SlackPostError). */
export type ParentRenderer = (rec: ThreadRecord) => Promise<void>;

/** Thread kind ('alert', …) → the renderer of its parent. */
export class ParentRegistry {
  private readonly byKind = new Map<string, ParentRenderer>();

  /** Throws when the kind already has a renderer (two modules drawing one message). */
  register(kind: string, render: ParentRenderer): void {
    if (this.byKind.has(kind)) throw new Error(`a parent renderer for '${kind}' threads is already registered`);
    this.byKind.set(kind, render);
  }

  get(kind: string): ParentRenderer | undefined {
    return this.byKind.get(kind);
  }
}
