// Reading leakbot's conversation back from the Slack stand-in.
import type { SlackStub, StubMessage } from '../support/slack-stub.js';

export interface Thread {
  parent: StubMessage;
  replies: StubMessage[];
}

/** Waits for the n-th (0-based) parent message in `channel` to be finished (its text no longer
 *  says "capturing…" / "analysing…") with at least `minReplies` replies. */
export async function waitThread(slack: SlackStub, channel: string, n = 0, minReplies = 1, timeoutMs = 90_000): Promise<Thread> {
  return slack.waitFor(
    `thread #${n} in ${channel} to finish`,
    () => {
      const parent = slack.parents(channel)[n];
      if (!parent || /capturing…|analysing…/.test(parent.text)) return null;
      const replies = slack.replies(channel, parent.ts);
      return replies.length >= minReplies ? { parent, replies } : null;
    },
    timeoutMs,
  );
}

/** The message once its blocks are in (posts are placeholder-first: text only, then the blocks by
 *  chat.update), else undefined — for waits whose assertions read the blocks. */
export function built(m: StubMessage | undefined): StubMessage | undefined {
  return m?.blocks ? m : undefined;
}

/** All text a message shows: fallback text plus every text field in its blocks. */
export function messageText(m: StubMessage): string {
  const out: string[] = [m.text];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks);
  return out.join('\n');
}

export function basename(p: string): string {
  return p.split('/').pop() ?? p;
}
