import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../config/env';
import { loadWorkerConfig } from '../../worker/config';

const complete = {
  SLACK_BOT_TOKEN: 'xoxb-1',
  JUMPCLOUD_API_KEY: 'key',
  JIT_POLICY_FILE: '/etc/jit/policy.yaml',
  SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
};

test('worker config applies the documented defaults', () => {
  const config = loadWorkerConfig(complete);
  assert.equal(config.TEMPORAL_ADDRESS, 'localhost:7233');
  assert.equal(config.TEMPORAL_NAMESPACE, 'default');
  assert.equal(config.TEMPORAL_TASK_QUEUE, 'jit-access');
  assert.equal(config.SLACK_API_URL, 'https://slack.com/api/');
  assert.equal(config.JUMPCLOUD_API_URL, 'https://console.jumpcloud.com/api');
  assert.equal(config.JUMPCLOUD_ORG_ID, undefined);
  assert.equal(config.RECONCILE_INTERVAL, 300);
  assert.equal(config.WORKER_MAX_CACHED_WORKFLOWS, 100, 'a bounded cache of sleeping grants');
  assert.equal(config.SLACK_SECURITY_CHANNEL, 'C0APPROVALS', 'drift alerts go to the approval channel by default');
});

test('worker config follows JumpCloud Directory Insights by default for JumpCloud’s own API hosts, not for others, and never with off', () => {
  assert.equal(loadWorkerConfig(complete).JUMPCLOUD_INSIGHTS_URL, 'https://api.jumpcloud.com/insights/directory/v1');
  const eu = loadWorkerConfig({ ...complete, JUMPCLOUD_API_URL: 'https://console.eu.jumpcloud.com/api' });
  assert.equal(eu.JUMPCLOUD_INSIGHTS_URL, 'https://api.eu.jumpcloud.com/insights/directory/v1');
  const proxy = loadWorkerConfig({ ...complete, JUMPCLOUD_API_URL: 'https://jc-proxy.example.com/api' });
  assert.equal(proxy.JUMPCLOUD_INSIGHTS_URL, undefined, 'another API host names its Insights URL itself');
  assert.equal(loadWorkerConfig({ ...complete, JUMPCLOUD_INSIGHTS_URL: 'off' }).JUMPCLOUD_INSIGHTS_URL, undefined);
  const given = 'https://jc-proxy.example.com/insights/directory/v1';
  assert.equal(loadWorkerConfig({ ...complete, JUMPCLOUD_INSIGHTS_URL: given }).JUMPCLOUD_INSIGHTS_URL, given);
  assert.throws(
    () => loadWorkerConfig({ ...complete, JUMPCLOUD_INSIGHTS_URL: 'http://10.0.0.7/insights' }),
    (err: Error) => err instanceof ConfigError && /JUMPCLOUD_INSIGHTS_URL/.test(err.message),
  );
});

test('worker config reads the reconcile interval as a duration and a security channel of its own', () => {
  const config = loadWorkerConfig({ ...complete, RECONCILE_INTERVAL: '30s', SLACK_SECURITY_CHANNEL: 'C0SECURITY' });
  assert.equal(config.RECONCILE_INTERVAL, 30);
  assert.equal(config.SLACK_SECURITY_CHANNEL, 'C0SECURITY');
});

test('worker config names a bad reconcile interval, a missing policy file and a missing alert channel', () => {
  assert.throws(
    () => loadWorkerConfig({ ...complete, RECONCILE_INTERVAL: 'often' }),
    (err: Error) => err instanceof ConfigError && /RECONCILE_INTERVAL: must be a duration/.test(err.message),
  );
  assert.throws(
    () => loadWorkerConfig({ ...complete, JIT_POLICY_FILE: '' }),
    (err: Error) => err instanceof ConfigError && /JIT_POLICY_FILE: is required/.test(err.message),
  );
  assert.throws(
    () => loadWorkerConfig({ ...complete, SLACK_APPROVAL_CHANNEL: '' }),
    (err: Error) =>
      err instanceof ConfigError && /SLACK_SECURITY_CHANNEL: is required, or SLACK_APPROVAL_CHANNEL/.test(err.message),
  );
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

test('worker config refuses every outbound base URL that is not https:// unless its host is loopback, naming the variable', () => {
  const outbound = [
    'JUMPCLOUD_API_URL',
    'SLACK_API_URL',
    'SERVICENOW_INSTANCE_URL',
    'JIRA_BASE_URL',
    'AUDIT_WEBHOOK_URL',
  ] as const;
  for (const variable of outbound) {
    for (const url of [
      'http://console.jumpcloud.com/api',
      'http://10.0.0.7/x',
      'http://127.0.0.1.example.com/',
      'ftp://x/y',
    ]) {
      assert.throws(
        () => loadWorkerConfig({ ...complete, [variable]: url }),
        (err: Error) =>
          err instanceof ConfigError && new RegExp(`${variable}: must be an https:// URL`).test(err.message),
        `${variable}=${url}`,
      );
    }
  }
  const sinks = {
    SERVICENOW_TOKEN: 'oauth-token',
    JIRA_EMAIL: 'jit@example.com',
    JIRA_API_TOKEN: 'jira-token',
    JIRA_PROJECT_KEY: 'SEC',
    AUDIT_WEBHOOK_SECRET: 'a-secret-of-sixteen+',
  };
  for (const url of [
    'https://example.com/api',
    'http://127.0.0.1:3002/api',
    'http://127.8.9.1/',
    'http://[::1]:3/',
    'http://localhost:3005/',
  ]) {
    const env = { ...complete, ...sinks, ...Object.fromEntries(outbound.map((variable) => [variable, url])) };
    assert.equal(loadWorkerConfig(env).JUMPCLOUD_API_URL, url, url);
  }
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

test('worker config configures no audit sink by default, and each sink from its variables', () => {
  assert.deepEqual(loadWorkerConfig(complete).auditSinks, {});
  const config = loadWorkerConfig({
    ...complete,
    SERVICENOW_INSTANCE_URL: 'https://example.service-now.com',
    SERVICENOW_TOKEN: 'oauth-token',
    JIRA_BASE_URL: 'https://example.atlassian.net',
    JIRA_EMAIL: 'jit@example.com',
    JIRA_API_TOKEN: 'jira-token',
    JIRA_PROJECT_KEY: 'SEC',
    AUDIT_WEBHOOK_URL: 'https://siem.example.com/hooks/jit',
    AUDIT_WEBHOOK_SECRET: 'a-secret-of-sixteen+',
  });
  assert.deepEqual(config.auditSinks.serviceNow, {
    instanceUrl: 'https://example.service-now.com',
    table: 'u_jit_access_grant',
    auth: { kind: 'bearer', token: 'oauth-token' },
  });
  assert.equal(config.auditSinks.jira?.issueType, 'Task');
  assert.equal(config.auditSinks.jira?.doneTransition, undefined);
  assert.equal(config.auditSinks.webhook?.url, 'https://siem.example.com/hooks/jit');
});

test('worker config names the missing half of every audit sink, and never echoes a secret', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ SERVICENOW_USERNAME: 'audit' }, /SERVICENOW_INSTANCE_URL: is required when SERVICENOW_USERNAME is set/],
    [
      { SERVICENOW_INSTANCE_URL: 'https://x.service-now.com', SERVICENOW_USERNAME: 'audit' },
      /SERVICENOW_PASSWORD: is required when SERVICENOW_USERNAME is set/,
    ],
    [
      { SERVICENOW_INSTANCE_URL: 'https://x.service-now.com' },
      /SERVICENOW_USERNAME: is required with SERVICENOW_PASSWORD/,
    ],
    [
      {
        SERVICENOW_INSTANCE_URL: 'https://x.service-now.com',
        SERVICENOW_TOKEN: 't0ken-value',
        SERVICENOW_PASSWORD: 'pw',
      },
      /SERVICENOW_TOKEN: set either/,
    ],
    [
      { JIRA_BASE_URL: 'https://x.atlassian.net', JIRA_EMAIL: 'a@b.c' },
      /JIRA_API_TOKEN: is required when JIRA_BASE_URL/,
    ],
    [{ JIRA_DONE_TRANSITION: 'Done' }, /JIRA_BASE_URL: is required when JIRA_DONE_TRANSITION is set/],
    [{ JIRA_PROJECT_KEY: 'sec-team' }, /JIRA_PROJECT_KEY: must be a Jira project key/],
    [{ AUDIT_WEBHOOK_URL: 'https://siem.example.com' }, /AUDIT_WEBHOOK_SECRET: is required when AUDIT_WEBHOOK_URL/],
    [{ AUDIT_WEBHOOK_SECRET: 'sixteen-characters!' }, /AUDIT_WEBHOOK_URL: is required when AUDIT_WEBHOOK_SECRET/],
    [
      { AUDIT_WEBHOOK_URL: 'https://siem.example.com', AUDIT_WEBHOOK_SECRET: 'short' },
      /AUDIT_WEBHOOK_SECRET: must be at least 16/,
    ],
  ];
  for (const [env, expected] of cases) {
    assert.throws(
      () => loadWorkerConfig({ ...complete, ...env }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError, `${JSON.stringify(env)}: ${String(err)}`);
        assert.match(err.message, expected);
        for (const secret of ['t0ken-value', 'pw', 'sixteen-characters!', 'short']) {
          if (Object.values(env).includes(secret)) assert.ok(!err.message.includes(secret), `${secret} echoed`);
        }
        return true;
      },
    );
  }
});
