import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ErrorCode,
  WebAPIFileUploadInvalidArgumentsError,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { classifySlackError } from '../../integrations/slack/slack-error';

// The errors are the classes @slack/web-api itself throws, so their `code` and fields are exactly what a real
// WebClient call rejects with.
const platformError = (error: string, extra: Record<string, unknown> = {}) =>
  new WebAPIPlatformError({ ok: false, error, ...extra });

describe('classifySlackError', () => {
  test('the errors under test carry the ErrorCode the classifier switches on', () => {
    assert.equal(new WebAPIRateLimitedError(3).code, ErrorCode.RateLimitedError);
    assert.equal(platformError('channel_not_found').code, ErrorCode.PlatformError);
    assert.equal(new WebAPIHTTPError(502, 'Bad Gateway', {}).code, ErrorCode.HTTPError);
    assert.equal(new WebAPIRequestError(new Error('ECONNRESET')).code, ErrorCode.RequestError);
  });

  test('a rate limit is retryable after the number of seconds Slack asked for', () => {
    const failure = classifySlackError(new WebAPIRateLimitedError(7));
    assert.equal(failure.retryable, true);
    assert.equal(failure.retryAfterMs, 7000);
  });

  test('a rate limit without retryAfter waits one second', () => {
    const failure = classifySlackError({ code: ErrorCode.RateLimitedError });
    assert.equal(failure.retryable, true);
    assert.equal(failure.retryAfterMs, 1000);
  });

  test('transient platform errors are retryable, without a fixed delay', () => {
    for (const code of [
      'ratelimited',
      'rate_limited',
      'internal_error',
      'fatal_error',
      'request_timeout',
      'service_unavailable',
    ]) {
      const failure = classifySlackError(platformError(code));
      assert.equal(failure.retryable, true, code);
      assert.equal(failure.retryAfterMs, undefined, code);
    }
  });

  test('permanent platform errors are not retryable', () => {
    for (const code of ['channel_not_found', 'not_in_channel', 'invalid_auth', 'account_inactive', 'invalid_blocks']) {
      const failure = classifySlackError(platformError(code));
      assert.equal(failure.retryable, false, code);
      assert.ok(failure.message.includes(code), `the message names ${code}`);
    }
  });

  test('a missing scope is not retryable and the message names the scope that is needed', () => {
    const failure = classifySlackError(
      platformError('missing_scope', { needed: 'chat:write', provided: 'users:read' }),
    );
    assert.equal(failure.retryable, false);
    assert.ok(failure.message.includes('missing_scope'));
    assert.ok(failure.message.includes('chat:write'));
  });

  test('a platform error without an error code is treated as permanent', () => {
    const failure = classifySlackError({ code: ErrorCode.PlatformError, data: {} });
    assert.equal(failure.retryable, false);
  });

  test('an HTTP error is retryable and the message names the status', () => {
    const failure = classifySlackError(new WebAPIHTTPError(503, 'Service Unavailable', {}, 'down'));
    assert.equal(failure.retryable, true);
    assert.equal(failure.retryAfterMs, undefined);
    assert.ok(failure.message.includes('503'));
  });

  test('a request error (Slack unreachable) is retryable', () => {
    const failure = classifySlackError(new WebAPIRequestError(new Error('connect ECONNREFUSED 127.0.0.1:1')));
    assert.equal(failure.retryable, true);
    assert.ok(failure.message.includes('ECONNREFUSED'));
  });

  test('unknown errors are retryable and keep their message', () => {
    const plain = classifySlackError(new Error('socket hang up'));
    assert.deepEqual(plain, { message: 'socket hang up', retryable: true });
    const upload = classifySlackError(new WebAPIFileUploadInvalidArgumentsError('bad upload'));
    assert.equal(upload.retryable, true);
    assert.deepEqual(classifySlackError('just a string'), { message: 'just a string', retryable: true });
  });
});
