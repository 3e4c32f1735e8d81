import { z } from 'zod';

export type FaultKind = 'status' | 'latency' | 'drop';

export interface FaultRule {
  kind: FaultKind;
  /**
   * Which calls: for Slack the Web API method name (e.g. 'chat.postMessage') or '*'; for JumpCloud an HTTP method
   * + path regex. Omitted = every call. A string `path` is a regex source.
   */
  match?: { method?: string; path?: string | RegExp };
  /** for 'status' (e.g. 503, 429, or 200 with an ok:false body for Slack) */
  status?: number;
  /** optional JSON body for 'status'; a string is sent as text/plain */
  body?: unknown;
  /** adds a Retry-After header to a 'status' fault */
  retryAfterSeconds?: number;
  /** adds a Location header to a 'status' fault: with a 3xx status, a redirect there */
  location?: string;
  /** for 'latency': delay, then handle normally */
  delayMs?: number;
  /** apply to the next N matching calls, then the rule expires */
  times?: number;
  /** 0..1: apply to this fraction of matching calls (random) */
  fraction?: number;
}

export interface FaultCall {
  method: string;
  path: string;
}

export interface ActiveFaultRule extends FaultRule {
  id: string;
  /** applications left before the rule expires; undefined = unlimited */
  remaining?: number;
}

const ALL_KINDS: readonly FaultKind[] = ['status', 'latency', 'drop'];

function isValidRegexSource(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const faultRuleSchema = z
  .object({
    kind: z.enum(['status', 'latency', 'drop']),
    match: z
      .object({
        method: z.string().min(1).optional(),
        path: z
          .union([
            z.string().refine(isValidRegexSource, 'match.path is not a valid regular expression'),
            z.instanceof(RegExp),
          ])
          .optional(),
      })
      .strict()
      .optional(),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    location: z.url().optional(),
    delayMs: z.number().min(0).optional(),
    times: z.number().int().min(1).optional(),
    fraction: z.number().min(0).max(1).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.kind === 'status' && rule.status === undefined) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: "a 'status' fault needs a status code" });
    }
    if (rule.kind === 'latency' && rule.delayMs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['delayMs'], message: "a 'latency' fault needs delayMs" });
    }
  });

/** Validates a rule that arrived as JSON (control routes); throws an Error whose message names the bad field. */
export function parseFaultRule(input: unknown): FaultRule {
  const parsed = faultRuleSchema.safeParse(input);
  if (!parsed.success) throw new Error(`invalid fault rule: ${z.prettifyError(parsed.error)}`);
  return parsed.data as FaultRule;
}

function toPattern(path: string | RegExp | undefined): RegExp | undefined {
  if (path === undefined) return undefined;
  // Drop the g/y flags so test() has no lastIndex state between calls.
  return typeof path === 'string' ? new RegExp(path) : new RegExp(path.source, path.flags.replace(/[gy]/g, ''));
}

interface StoredRule {
  id: string;
  rule: FaultRule;
  remaining: number | undefined;
  pathPattern: RegExp | undefined;
}

/** Rules that make a stand-in misbehave on purpose: error statuses, latency, dropped connections. */
export class FaultInjector {
  readonly #rules = new Map<string, StoredRule>();
  readonly #random: () => number;
  #nextId = 1;
  #injected = 0;

  constructor(opts: { random?: () => number } = {}) {
    this.#random = opts.random ?? Math.random;
  }

  /** how many faults were applied so far */
  get injected(): number {
    return this.#injected;
  }

  /** returns the rule id */
  add(rule: FaultRule): string {
    const valid = parseFaultRule(rule);
    const id = `fault-${this.#nextId++}`;
    this.#rules.set(id, { id, rule: valid, remaining: valid.times, pathPattern: toPattern(valid.match?.path) });
    return id;
  }

  remove(id: string): void {
    this.#rules.delete(id);
  }

  clear(): void {
    this.#rules.clear();
  }

  list(): ActiveFaultRule[] {
    return [...this.#rules.values()].map(({ id, rule, remaining }) => ({ ...rule, id, remaining }));
  }

  /**
   * Consumes a matching rule (decrements times) and returns it, or undefined. `kinds` narrows the search so a
   * latency rule and a failure rule can both apply to one call.
   */
  take(call: FaultCall, kinds: readonly FaultKind[] = ALL_KINDS): FaultRule | undefined {
    for (const stored of this.#rules.values()) {
      if (!kinds.includes(stored.rule.kind) || !this.#matches(stored, call)) continue;
      if (stored.rule.fraction !== undefined && this.#random() >= stored.rule.fraction) continue;
      if (stored.remaining !== undefined) {
        stored.remaining -= 1;
        if (stored.remaining <= 0) this.#rules.delete(stored.id);
      }
      this.#injected += 1;
      return stored.rule;
    }
    return undefined;
  }

  #matches(stored: StoredRule, call: FaultCall): boolean {
    const method = stored.rule.match?.method;
    if (method !== undefined && method !== '*' && method.toLowerCase() !== call.method.toLowerCase()) return false;
    return stored.pathPattern === undefined || stored.pathPattern.test(call.path);
  }
}
