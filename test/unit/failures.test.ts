import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/common';
import { jumpCloudFailure, slackFailure } from '../../activities/failures';
import { JumpCloudError, jumpCloudHttpError } from '../../integrations/jumpcloud/jumpcloud-error';

const unavailable = () => jumpCloudHttpError('POST', '/v2/usergroups/g/members', 503, '', null);
const forbidden = () => jumpCloudHttpError('POST', '/v2/usergroups/g/members', 403, '{"message":"Forbidden"}', null);

describe('jumpCloudFailure', () => {
  test('a retryable JumpCloud error becomes a retryable JumpCloudError failure carrying the status', () => {
    const err = unavailable();
    const failure = jumpCloudFailure(err);
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'JumpCloudError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.message, err.message);
    assert.deepEqual(failure.details, [{ status: 503 }]);
    assert.equal(failure.nextRetryDelay, undefined);
  });

  test('a permanent JumpCloud error becomes a non-retryable failure', () => {
    const failure = jumpCloudFailure(forbidden());
    assert.equal(failure.type, 'JumpCloudError');
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, [{ status: 403 }]);
  });

  test('with alwaysRetry a permanent JumpCloud error is retried too', () => {
    const failure = jumpCloudFailure(forbidden(), { alwaysRetry: true });
    assert.equal(failure.type, 'JumpCloudError');
    assert.equal(failure.nonRetryable, false);
  });

  test('an error without a status (e.g. an ambiguous user) keeps undefined status in its details', () => {
    const failure = jumpCloudFailure(new JumpCloudError('two users share an email', undefined, false));
    assert.equal(failure.nonRetryable, true);
    assert.deepEqual(failure.details, [{ status: undefined }]);
  });

  test("JumpCloud's Retry-After becomes the next retry delay", () => {
    const err = jumpCloudHttpError('GET', '/v2/usergroups/g/members', 429, '', '3');
    assert.equal(err.retryAfterMs, 3000);
    const failure = jumpCloudFailure(err);
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 3000);
  });

  test('a non-JumpCloud error becomes a retryable failure typed by its class', () => {
    const failure = jumpCloudFailure(new TypeError('fetch failed'));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'TypeError');
    assert.equal(failure.nonRetryable, false);
  });

  test('a non-Error value becomes a retryable failure', () => {
    const failure = jumpCloudFailure('boom');
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.nonRetryable, false);
  });
});

describe('slackFailure', () => {
  test('a permanent Slack error becomes a non-retryable SlackError failure', () => {
    const failure = slackFailure(new WebAPIPlatformError({ ok: false, error: 'channel_not_found' }));
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'SlackError');
    assert.equal(failure.nonRetryable, true);
  });

  test('a Slack rate limit becomes a retryable failure with the asked-for delay', () => {
    const failure = slackFailure(new WebAPIRateLimitedError(4));
    assert.equal(failure.type, 'SlackError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, 4000);
  });

  test('a Slack HTTP error becomes a retryable failure without a fixed delay', () => {
    const failure = slackFailure(new WebAPIHTTPError(500, 'Internal Server Error', {}));
    assert.equal(failure.type, 'SlackError');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, undefined);
  });
});
