import { createHmac } from 'node:crypto';

/** Slack's v0 request signature: 'v0=' + hex HMAC-SHA256(signing secret, `v0:${timestamp}:${rawBody}`). */
export function signSlackRequest(signingSecret: string, timestampSeconds: number, rawBody: string): string {
  const baseString = `v0:${timestampSeconds}:${rawBody}`;
  return `v0=${createHmac('sha256', signingSecret).update(baseString, 'utf8').digest('hex')}`;
}
