// Memory of what a job already posted to Slack: idempotency key → channel + ts. A retried or
// restarted job finds its earlier message here and updates it instead of posting a second one.
import type { Redis } from 'ioredis';

export interface PostedRef {
  channel: string;
  ts: string;
  /** files.uploadV2 results remember the file id instead. */
  fileId?: string;
}

const TTL_SECONDS = 14 * 24 * 3600;

export class PostMemory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'leakbot',
  ) {}

  private k(key: string): string {
    return `${this.prefix}:post:${key}`;
  }

  async get(key: string): Promise<PostedRef | null> {
    const v = await this.redis.get(this.k(key));
    return v ? (JSON.parse(v) as PostedRef) : null;
  }

  async set(key: string, ref: PostedRef): Promise<void> {
    await this.redis.set(this.k(key), JSON.stringify(ref), 'EX', TTL_SECONDS);
  }

  /** Marks a key as "post in flight" so a crash between Slack's answer and set() is detectable. */
  async markIntent(key: string): Promise<boolean> {
    return (await this.redis.set(this.k(`${key}:intent`), String(Date.now()), 'EX', TTL_SECONDS, 'NX')) === 'OK';
  }

  /** Forgets the marker: the post certainly did not happen, so a retry may post without looking. */
  async clearIntent(key: string): Promise<void> {
    await this.redis.del(this.k(`${key}:intent`));
  }

  async hasIntent(key: string): Promise<boolean> {
    return (await this.redis.exists(this.k(`${key}:intent`))) === 1;
  }

  /** When the first attempt marked its intent (ms since epoch), or null without a marker. */
  async intentSince(key: string): Promise<number | null> {
    const v = await this.redis.get(this.k(`${key}:intent`));
    return v && Number.isFinite(Number(v)) ? Number(v) : null;
  }
}
