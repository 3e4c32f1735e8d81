import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A modal's private_metadata round-trips through the user's Slack client, so whatever we put there comes back as
 * input. Signing it with a key derived from the signing secret means a submission can only carry what we wrote.
 */
export function signMetadata(secret: string, data: unknown): string {
  const payload = Buffer.from(JSON.stringify(data), 'utf8').toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The data signed by signMetadata, or undefined when it was altered, forged or is not ours. */
export function verifyMetadata(secret: string, text: string): unknown {
  const [payload, signature, ...rest] = text.split('.');
  if (!payload || !signature || rest.length > 0) return undefined;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function mac(secret: string, payload: string): Buffer {
  // A distinct label keeps these MACs from ever being confused with Slack request signatures.
  return createHmac('sha256', secret).update(`jit-private-metadata:v1:${payload}`, 'utf8').digest();
}
