// People by name where Slack cannot render a mention: the postmortem's Markdown file (and the
// canvas, for readers outside the workspace's mention rendering) name users as "Real Name (@handle)"
// from users.info (https://api.slack.com/methods/users.info, scope users:read), cached per process.
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';

/** A Slack user mention in our draft texts. */
export const MENTION = /<@([UW][A-Z0-9]+)>/g;

const TTL_MS = 3600_000;
const MAX_ENTRIES = 5000;

/** users.info results by user id, per process: a name changes rarely and a postmortem asks for a
 *  handful of people; a failed lookup is remembered briefly (as null) so it is not retried per draft. */
export class UserNames {
  private readonly cache = new Map<string, { name: string | null; at: number }>();

  constructor(
    private readonly client: Pick<WebClient, 'users'>,
    private readonly log?: Logger,
  ) {}

  /** Display name for each id (ids Slack does not know, or a refused call, are left out). Never throws. */
  async resolve(ids: Iterable<string>, now = Date.now()): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const hit = this.cache.get(id);
        let name = hit && now - hit.at < TTL_MS ? hit.name : undefined;
        if (name === undefined) {
          name = await this.lookup(id);
          if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
          this.cache.set(id, { name, at: now });
        }
        if (name) out.set(id, name);
      }),
    );
    return out;
  }

  private async lookup(id: string): Promise<string | null> {
    try {
      const res = (await this.client.users.info({ user: id })) as { user?: { name?: string; real_name?: string; profile?: { display_name?: string; real_name?: string } } };
      const u = res.user;
      if (!u) return null;
      const real = u.profile?.real_name || u.real_name || u.profile?.display_name;
      const handle = u.profile?.display_name || u.name;
      if (real && handle && real !== handle) return `${real} (@${handle})`;
      return real || (handle ? `@${handle}` : null);
    } catch (err) {
      this.log?.info({ user: id, err: (err as { data?: { error?: string } }).data?.error ?? (err as Error).message }, 'users.info failed; showing the user id');
      return null;
    }
  }
}

/** Every user id mentioned (<@U…>) anywhere in a JSON-able value. */
export function mentionedUsers(value: unknown): string[] {
  return [...new Set([...JSON.stringify(value).matchAll(MENTION)].map((m) => m[1]!))];
}
