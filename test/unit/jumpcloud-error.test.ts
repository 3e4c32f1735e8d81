import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRetryAfter } from '../../integrations/http-service-error';
import { JumpCloudError, jumpCloudHttpError } from '../../integrations/jumpcloud/jumpcloud-error';

const PATH = '/v2/usergroups/64f0c0ffee0000000000a001/members';
const httpError = (status: number, body = '', retryAfter: string | null = null) =>
  jumpCloudHttpError('POST', PATH, status, body, retryAfter);

describe('jumpCloudHttpError', () => {
  test('the error names the call and the status, and keeps the status', () => {
    const err = httpError(404);
    assert.ok(err instanceof JumpCloudError);
    assert.equal(err.name, 'JumpCloudError');
    assert.equal(err.status, 404);
    assert.equal(err.message, `JumpCloud POST ${PATH} answered 404`);
  });

  test('400, 401 and 403 carry a hint for the operator and are not retryable', () => {
    const hints: Array<[number, RegExp]> = [
      [400, /check the group and user IDs/],
      [401, /JUMPCLOUD_API_KEY and JUMPCLOUD_ORG_ID/],
      [403, /may not manage user groups/],
    ];
    for (const [status, hint] of hints) {
      const err = httpError(status, '{"message":"nope"}');
      assert.match(err.message, hint, String(status));
      assert.ok(err.message.startsWith(`JumpCloud POST ${PATH} answered ${status}: nope (`), String(status));
      assert.equal(err.retryable, false, String(status));
    }
  });

  test('statuses without a hint get none', () => {
    for (const status of [404, 409, 422, 500]) assert.ok(!httpError(status).message.includes('('), String(status));
  });

  test('408, 425, 429, 500, 502, 503 and 504 are retryable', () => {
    for (const status of [408, 425, 429, 500, 502, 503, 504])
      assert.equal(httpError(status).retryable, true, `${status}`);
  });

  test('other client errors and 501 are not retryable', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 501]) {
      assert.equal(httpError(status).retryable, false, `${status}`);
    }
  });

  test('the detail is the message of a JSON body, or else its error', () => {
    assert.equal(
      httpError(404, '{"message":"Not Found","error":"ignored"}').message,
      `JumpCloud POST ${PATH} answered 404: Not Found`,
    );
    assert.equal(
      httpError(404, '{"error":"no such group"}').message,
      `JumpCloud POST ${PATH} answered 404: no such group`,
    );
  });

  test('JSON without a string message or error, and non-JSON text, are quoted raw, at most 200 characters', () => {
    assert.equal(httpError(404, '{"code":7}').message, `JumpCloud POST ${PATH} answered 404: {"code":7}`);
    const longText = 'a'.repeat(200) + 'b'.repeat(300);
    const err = httpError(502, longText);
    assert.equal(err.message, `JumpCloud POST ${PATH} answered 502: ${'a'.repeat(200)}`);
  });

  test('Retry-After reaches the error as milliseconds', () => {
    assert.equal(httpError(429, '', '2').retryAfterMs, 2000);
    assert.equal(httpError(429, '', null).retryAfterMs, undefined);
  });
});

describe('parseRetryAfter', () => {
  test('delta-seconds become milliseconds', () => {
    assert.equal(parseRetryAfter('5'), 5000);
    assert.equal(parseRetryAfter('0'), 0);
    assert.equal(parseRetryAfter('1.5'), 1500);
  });

  test('an HTTP date in the future becomes the delay until then, never more', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const delay = parseRetryAfter(inTenSeconds);
    assert.ok(delay !== undefined && delay > 0 && delay <= 10_000, `delay ${delay}`);
  });

  test('an HTTP date in the past means no delay', () => {
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT'), 0);
  });

  test('garbage, an empty value and a missing header mean no Retry-After', () => {
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
