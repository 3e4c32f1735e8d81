import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { verifySlackSignature, type SlackSignatureInput } from '../../gateway/slack/request-signature';

// Slack's published example from its request-verification documentation.
const vector: SlackSignatureInput = {
  signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: '1531420618',
  rawBody:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  nowSeconds: 1531420618,
};

describe('Slack request signature verification', () => {
  test("Slack's published test vector verifies", () => {
    assert.deepEqual(verifySlackSignature(vector), { ok: true });
  });

  test('the timestamp may be up to 5 minutes away from the clock in either direction, not more', () => {
    assert.equal(verifySlackSignature({ ...vector, nowSeconds: 1531420618 + 300 }).ok, true);
    assert.equal(verifySlackSignature({ ...vector, nowSeconds: 1531420618 - 300 }).ok, true);
    assert.deepEqual(verifySlackSignature({ ...vector, nowSeconds: 1531420618 + 301 }), {
      ok: false,
      reason: 'X-Slack-Request-Timestamp is more than 5 minutes away from now',
    });
    assert.equal(
      verifySlackSignature({ ...vector, nowSeconds: 1531420618 - 301 }).ok,
      false,
      'a timestamp from the future is refused too',
    );
  });

  test('one changed byte of the body, the timestamp or the secret breaks the signature', () => {
    const mismatch = { ok: false, reason: 'X-Slack-Signature does not match the body' };
    assert.deepEqual(verifySlackSignature({ ...vector, rawBody: vector.rawBody.replace('text=', 'text=x') }), mismatch);
    assert.deepEqual(verifySlackSignature({ ...vector, timestamp: '1531420619' }), mismatch);
    assert.deepEqual(verifySlackSignature({ ...vector, signingSecret: `${vector.signingSecret}x` }), mismatch);
  });

  test('missing or malformed headers and other signature versions are refused without comparing', () => {
    assert.equal(verifySlackSignature({ ...vector, timestamp: undefined }).ok, false);
    assert.equal(verifySlackSignature({ ...vector, timestamp: '15314206e3' }).ok, false);
    assert.equal(verifySlackSignature({ ...vector, signature: undefined }).ok, false);
    assert.equal(verifySlackSignature({ ...vector, signature: vector.signature?.replace('v0=', 'v1=') }).ok, false);
    assert.equal(
      verifySlackSignature({ ...vector, signature: vector.signature?.slice(0, -2) }).ok,
      false,
      'a truncated signature',
    );
    assert.equal(verifySlackSignature({ ...vector, signature: vector.signature?.toUpperCase() }).ok, false);
  });
});
