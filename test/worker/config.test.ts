import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../worker/config';

const complete = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  JUMPCLOUD_API_KEY: 'key',
};

test('worker config applies the documented defaults', () => {
  const config = loadWorkerConfig(complete);
  assert.equal(config.TEMPORAL_ADDRESS, 'localhost:7233');
  assert.equal(config.TEMPORAL_NAMESPACE, 'default');
  assert.equal(config.TEMPORAL_TASK_QUEUE, 'jit-access');
  assert.equal(config.SLACK_API_URL, 'https://slack.com/api/');
  assert.equal(config.JUMPCLOUD_API_URL, 'https://console.jumpcloud.com/api');
  assert.equal(config.JUMPCLOUD_ORG_ID, undefined);
});

test('worker config names every missing secret', () => {
  assert.throws(
    () => loadWorkerConfig({ SLACK_BOT_TOKEN: '' }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /SLACK_BOT_TOKEN: is required/);
      assert.match(err.message, /JUMPCLOUD_API_KEY: is required/);
      return true;
    },
  );
});

test('worker config names a malformed URL and a malformed number', () => {
  assert.throws(
    () =>
      loadWorkerConfig({ ...complete, JUMPCLOUD_API_URL: 'console.jumpcloud', WORKER_SHUTDOWN_GRACE_SECONDS: 'soon' }),
    (err: Error) =>
      /JUMPCLOUD_API_URL: must be a URL/.test(err.message) && /WORKER_SHUTDOWN_GRACE_SECONDS/.test(err.message),
  );
});

test('the worker process stops at start with a message naming the bad variable', () => {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    JUMPCLOUD_API_KEY: 'key',
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  };
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../worker/main.ts')], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /SLACK_BOT_TOKEN: is required/);
  assert.doesNotMatch(run.stderr, /JUMPCLOUD_API_KEY/);
});
