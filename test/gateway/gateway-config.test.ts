import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../config/env';
import { loadGatewayConfig, stepUpSettings } from '../../gateway/config';
import { parsePolicy } from '../../config/policy';

const complete = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_SIGNING_SECRET: 'secret',
  SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
  JUMPCLOUD_API_KEY: 'key',
  JIT_POLICY_FILE: '/config/policy.yaml',
};

test('gateway config applies the documented defaults', () => {
  const config = loadGatewayConfig(complete);
  assert.equal(config.PORT, 3000);
  assert.equal(config.SLACK_COMMAND, '/jit');
  assert.equal(config.TEMPORAL_ADDRESS, 'localhost:7233');
  assert.equal(config.TEMPORAL_TASK_QUEUE, 'jit-access');
  assert.equal(config.SLACK_API_URL, 'https://slack.com/api/');
  assert.equal(config.SLACK_RESPONSE_URL_PREFIX, 'https://hooks.slack.com/');
});

test('gateway config refuses an outbound base URL that is not https:// unless its host is loopback, naming the variable', () => {
  for (const variable of ['JUMPCLOUD_API_URL', 'SLACK_API_URL', 'SLACK_RESPONSE_URL_PREFIX'] as const) {
    for (const url of ['http://hooks.slack.com/', 'http://192.168.1.4/api/', 'http://localhost.example.com/']) {
      assert.throws(
        () => loadGatewayConfig({ ...complete, [variable]: url }),
        (err: Error) =>
          err instanceof ConfigError && new RegExp(`${variable}: must be an https:// URL`).test(err.message),
        `${variable}=${url}`,
      );
    }
    for (const url of [
      'https://example.com/api/',
      'http://127.0.0.1:3001/response/',
      'http://[::1]:3/',
      'http://localhost/',
    ]) {
      assert.equal(loadGatewayConfig({ ...complete, [variable]: url })[variable], url, `${variable}=${url}`);
    }
  }
});

test('the response_url prefix must be a path ending in /, so that it cannot match a longer host name', () => {
  assert.throws(
    () => loadGatewayConfig({ ...complete, SLACK_RESPONSE_URL_PREFIX: 'https://hooks.slack.com/commands' }),
    (err: Error) => err instanceof ConfigError && /SLACK_RESPONSE_URL_PREFIX: must end with \//.test(err.message),
  );
  // A bare origin is its root path: https://hooks.slack.com is https://hooks.slack.com/, never hooks.slack.com.evil.
  assert.equal(
    loadGatewayConfig({ ...complete, SLACK_RESPONSE_URL_PREFIX: 'https://HOOKS.slack.com' }).SLACK_RESPONSE_URL_PREFIX,
    'https://hooks.slack.com/',
  );
});

test('gateway config names every missing required variable', () => {
  assert.throws(
    () => loadGatewayConfig({ SLACK_BOT_TOKEN: 'xoxb-1', JUMPCLOUD_API_KEY: 'key' }),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['SLACK_SIGNING_SECRET', 'SLACK_APPROVAL_CHANNEL', 'JIT_POLICY_FILE'])
        assert.match(err.message, new RegExp(`${name}: is required`));
      assert.doesNotMatch(err.message, /SLACK_BOT_TOKEN/);
      return true;
    },
  );
});

test('gateway config names a channel given by name, a bad port and a bad command', () => {
  assert.throws(
    () => loadGatewayConfig({ ...complete, SLACK_APPROVAL_CHANNEL: '#approvals', PORT: 'http', SLACK_COMMAND: 'jit' }),
    (err: Error) =>
      /SLACK_APPROVAL_CHANNEL: must be a Slack channel ID/.test(err.message) &&
      /PORT: /.test(err.message) &&
      /SLACK_COMMAND: must be a slash command/.test(err.message),
  );
});

test('the gateway process stops at start with a message naming a broken policy file and its line', () => {
  const policyFile = join(mkdtempSync(join(tmpdir(), 'gateway-')), 'policy.yaml');
  writeFileSync(
    policyFile,
    'defaults:\n  approvalTimeout: 30m\n  durations: [15m]\ngroups:\n  - id: 64f0c0ffee0000000000a001\n    maxDuration: forever\n    approvers: [U0A]\n',
  );
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...complete, JIT_POLICY_FILE: policyFile };
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../gateway/main.ts')], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 1);
  assert.match(
    run.stderr,
    /Invalid policy in .*policy\.yaml:\n {2}groups\[0\]\.maxDuration \(line 6\): must be a positive duration/,
  );
  assert.doesNotMatch(run.stderr, /secret|xoxb/);
});

test('a policy asking for step-up stops the gateway at start unless the identity provider is configured, naming what is missing', () => {
  const policy = parsePolicy(
    [
      'defaults:',
      '  approvalTimeout: 10m',
      '  durations: [1h]',
      'groups:',
      '  - id: 64f0c0ffee0000000000beef',
      '    name: prod-db',
      '    maxDuration: 1h',
      '    approvers: [U0APPROVER]',
      '    stepUp: true',
    ].join('\n'),
    'policy',
  );
  assert.throws(
    () => stepUpSettings(loadGatewayConfig({ ...complete, STEP_UP_OIDC_ISSUER: 'https://idp.example.com/' }), policy),
    (err: unknown) =>
      err instanceof ConfigError &&
      /policy asks for step-up sign-in \(prod-db\), and STEP_UP_OIDC_CLIENT_ID, STEP_UP_OIDC_CLIENT_SECRET, GATEWAY_PUBLIC_URL are not set/.test(
        err.message,
      ),
  );
  const settings = stepUpSettings(
    loadGatewayConfig({
      ...complete,
      STEP_UP_OIDC_ISSUER: 'https://idp.example.com/',
      STEP_UP_OIDC_CLIENT_ID: 'jit',
      STEP_UP_OIDC_CLIENT_SECRET: 'secret',
      GATEWAY_PUBLIC_URL: 'https://jit.example.com/',
      STEP_UP_MAX_AGE: '2m',
    }),
    policy,
  );
  assert.deepEqual(settings.stepUpSignIn, {
    issuer: 'https://idp.example.com/',
    clientId: 'jit',
    clientSecret: 'secret',
    publicUrl: 'https://jit.example.com/',
    maxAgeSeconds: 120,
  });
  const withoutStepUp = { ...policy, groups: policy.groups.map((g) => ({ ...g, stepUp: false })) };
  assert.deepEqual(stepUpSettings(loadGatewayConfig(complete), withoutStepUp), {}, 'neither asked for nor configured');
});
