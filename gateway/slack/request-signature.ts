import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request whose timestamp is further than this from our clock is refused. */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Slack payloads are small; the largest, a view_submission, carries our own modal back. */
export const SLACK_BODY_LIMIT_BYTES = 256 * 1024;

export interface SlackSignatureInput {
  signingSecret: string;
  /** X-Slack-Request-Timestamp */
  timestamp: string | undefined;
  /** X-Slack-Signature */
  signature: string | undefined;
  /** The body exactly as received, before any parsing. */
  rawBody: string;
  nowSeconds: number;
}

export type SlackSignatureCheck = { ok: true } | { ok: false; reason: string };

/** Checks Slack's v0 signature: `v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`), within ±5 minutes. */
export function verifySlackSignature(input: SlackSignatureInput): SlackSignatureCheck {
  if (!input.timestamp || !/^\d{1,12}$/.test(input.timestamp))
    return { ok: false, reason: 'missing or malformed X-Slack-Request-Timestamp' };
  if (Math.abs(input.nowSeconds - Number(input.timestamp)) > SLACK_TIMESTAMP_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'X-Slack-Request-Timestamp is more than 5 minutes away from now' };
  }
  if (!input.signature || !/^v0=[0-9a-f]{64}$/.test(input.signature))
    return { ok: false, reason: 'missing or malformed X-Slack-Signature' };
  const expected = createHmac('sha256', input.signingSecret)
    .update(`v0:${input.timestamp}:${input.rawBody}`, 'utf8')
    .digest();
  const given = Buffer.from(input.signature.slice(3), 'hex');
  return timingSafeEqual(expected, given)
    ? { ok: true }
    : { ok: false, reason: 'X-Slack-Signature does not match the body' };
}
