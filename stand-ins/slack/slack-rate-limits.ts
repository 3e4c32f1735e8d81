/** Slack's Web API rate-limit tiers: each method is assigned one, and the allowance applies per method. */
export type SlackTier = 1 | 2 | 3 | 4;

/** The allowance a Web API method draws on: its tier's, or chat.postMessage's own per-channel limit. */
export type MethodRateLimit = SlackTier | 'per-channel';

/**
 * How the stand-in limits Web API calls, per method (or, for chat.postMessage, per channel) for the one app and
 * workspace it serves. Every figure defaults to Slack's published one; tests set small ones to stay quick.
 */
export interface SlackRateLimits {
  /** calls per minute each method of a tier allows (default 1, 20, 50 and 100 for tiers 1 to 4) */
  perMinuteByTier?: Partial<Record<SlackTier, number>>;
  /** chat.postMessage messages per second into one channel once its burst is spent (default 1) */
  postMessagesPerSecondPerChannel?: number;
  /** chat.postMessage messages one channel accepts at once (default 3) */
  postMessageBurstPerChannel?: number;
}

// The figures follow Slack's published limits: tiers of 1+, 20+, 50+ and 100+ calls per minute, and about one
// message per second per channel with short bursts allowed. Slack gives no size for those bursts; three is a modest
// reading. Slack also names a workspace-wide message limit without a figure, so the stand-in does not model it.
const SLACK_PER_MINUTE_BY_TIER: Readonly<Record<SlackTier, number>> = { 1: 1, 2: 20, 3: 50, 4: 100 };
const SLACK_POST_MESSAGES_PER_SECOND_PER_CHANNEL = 1;
const SLACK_POST_MESSAGE_BURST_PER_CHANNEL = 3;

/** Refills continuously at `perMs` up to `capacity`; a call takes one token. */
class TokenBucket {
  #tokens: number;
  #updatedAt: number;

  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    now: number,
  ) {
    this.#tokens = capacity;
    this.#updatedAt = now;
  }

  /** 0 when a token was taken, else the milliseconds until one will be there */
  take(now: number): number {
    this.#tokens = Math.min(this.capacity, this.#tokens + Math.max(0, now - this.#updatedAt) * this.perMs);
    this.#updatedAt = now;
    // The tolerance absorbs float error, so a client that waited exactly the advertised Retry-After gets in.
    if (this.#tokens >= 1 - 1e-9) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / this.perMs;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`Slack stand-in: rate limit ${name} must be > 0`);
  return value;
}

/**
 * Slack's rate limits as token buckets. A tier's bucket holds a minute's allowance and refills it over the minute,
 * which reads "N+ per minute, bursts tolerated" literally; a refused call does not spend anything.
 */
export class SlackRateLimiter {
  readonly #perMinuteByTier: Readonly<Record<SlackTier, number>>;
  readonly #postPerSecond: number;
  readonly #postBurst: number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(limits: SlackRateLimits = {}) {
    const perMinute = { ...SLACK_PER_MINUTE_BY_TIER, ...limits.perMinuteByTier };
    for (const tier of [1, 2, 3, 4] as const) positive(`perMinuteByTier[${tier}]`, perMinute[tier]);
    this.#perMinuteByTier = perMinute;
    this.#postPerSecond = positive(
      'postMessagesPerSecondPerChannel',
      limits.postMessagesPerSecondPerChannel ?? SLACK_POST_MESSAGES_PER_SECOND_PER_CHANNEL,
    );
    this.#postBurst = positive(
      'postMessageBurstPerChannel',
      limits.postMessageBurstPerChannel ?? SLACK_POST_MESSAGE_BURST_PER_CHANNEL,
    );
  }

  /**
   * Counts one call of `method` (into `channel`, for the per-channel limit) if its allowance has room. Answers
   * undefined when admitted, else the Retry-After Slack would send: whole seconds, at least 1.
   */
  admit(method: string, limit: MethodRateLimit, channel: string): number | undefined {
    const key = limit === 'per-channel' ? `${method} in ${channel}` : method;
    const now = Date.now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket =
        limit === 'per-channel'
          ? new TokenBucket(this.#postBurst, this.#postPerSecond / 1000, now)
          : new TokenBucket(this.#perMinuteByTier[limit], this.#perMinuteByTier[limit] / 60_000, now);
      this.#buckets.set(key, bucket);
    }
    const waitMs = bucket.take(now);
    return waitMs === 0 ? undefined : Math.max(1, Math.ceil(waitMs / 1000));
  }
}
