/**
 * The Prometheus endpoints of the worker and the gateway, scraped across a grant's life, and the example alert rules
 * checked against what they export. The worker's metrics come from the SDK's Runtime, installed once per process (this
 * process already has one, from test/support/temporal.ts), so the worker runs as a child process: `worker/main.ts`
 * with a full environment, pointed at the stand-ins of a gateway harness on the run's Temporal dev server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { parse } from 'yaml';
import { ConfigError } from '../../config/env';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { reconcilerWorkflowId } from '../../integrations/temporal/reconciler-service';
import { loadWorkerConfig, workerTelemetry } from '../../worker/config';
import { createGatewayHarness, type GatewayHarness } from '../gateway/gateway-harness';
import { eventually } from '../support/eventually';
import { APPROVAL_CHANNEL, JUMPCLOUD_API_KEY, SLACK_BOT_TOKEN } from '../support/grant-harness';
import { closeTestTemporal } from '../support/temporal';
import { startWorkerProcess } from '../support/worker-process';

after(() => closeTestTemporal());

const root = join(__dirname, '..', '..');
const alertRulesFile = join(root, 'deploy', 'prometheus', 'alert-rules.yml');
const SECURITY_CHANNEL = 'C0SECURITY';

// --- the Prometheus text format, as far as these checks need it ---

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  text: string;
  samples: Sample[];
  /** `# TYPE` of each metric family */
  types: Map<string, string>;
}

function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!sample || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return { text, samples, types };
}

/** The sum of the samples of `name` that carry every label in `labels`; 0 when there is none. */
function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

function hasSeries(scrape: Scrape, name: string): boolean {
  return scrape.samples.some((s) => s.name === name);
}

async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return parseExposition(await response.text());
}

// --- metric names in PromQL ---

const PROMQL_WORDS = new Set([
  // aggregations, functions and keywords the example rules may use
  ...['sum', 'min', 'max', 'avg', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'stdvar', 'group'],
  ...['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'absent', 'absent_over_time'],
  ...['changes', 'resets', 'time', 'vector', 'scalar', 'clamp_min', 'clamp_max', 'label_replace', 'label_join'],
  ...['avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'last_over_time'],
  ...['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset'],
  ...['inf', 'nan'],
]);

/** Series Prometheus makes itself for every target; no exporter serves them. */
const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The metric names an expression reads: identifiers before `{`, `[`, `)`, whitespace or the end, minus PromQL's own. */
function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const [, name] of bare.matchAll(/(?<![a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?=[{[)\s]|$)/g)) {
    if (!PROMQL_WORDS.has((name as string).toLowerCase())) names.add(name as string);
  }
  return [...names];
}

function exportedBy(scrapes: Scrape[], name: string): boolean {
  const histogram = /^(.*)_(?:bucket|sum|count)$/.exec(name)?.[1];
  return scrapes.some((s) => hasSeries(s, name) || (histogram !== undefined && s.types.get(histogram) === 'histogram'));
}

// --- the worker as a child process ---

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The worker as a child process, with its metrics endpoint. */
async function startMetricsWorker(h: GatewayHarness) {
  const address = `127.0.0.1:${await freePort()}`;
  const worker = startWorkerProcess(undefined, h, {
    SLACK_SECURITY_CHANNEL: SECURITY_CHANNEL,
    RECONCILE_INTERVAL: '1s',
    WORKER_METRICS_ADDRESS: address,
    // A webhook that answers 404: every audit event is given up at once, so its counter is exported.
    AUDIT_WEBHOOK_URL: `${h.jumpcloud.origin}/no-audit-webhook-here`,
    AUDIT_WEBHOOK_SECRET: 'metrics-test-webhook-secret',
  });
  const metricsUrl = `http://${address}/metrics`;
  return {
    ...worker,
    metricsUrl,
    /** Resolves with the scrape once `check` accepts it; fails early, with the worker's output, if the worker exits. */
    scrapeUntil: (what: string, check: (s: Scrape) => boolean, timeoutMs = 30_000) =>
      Promise.race([
        worker.exited,
        eventually(
          what,
          async () => {
            const s = await scrape(metricsUrl);
            return check(s) ? s : undefined;
          },
          timeoutMs,
        ),
      ]),
  };
}

// --- the tests ---

test('WORKER_METRICS_ADDRESS must be an IP address and port; unset, the worker serves no metrics', () => {
  const complete = {
    SLACK_BOT_TOKEN: 'xoxb-1',
    JUMPCLOUD_API_KEY: 'key',
    JIT_POLICY_FILE: '/etc/jit/policy.yaml',
    SLACK_APPROVAL_CHANNEL: 'C0APPROVALS',
  };
  assert.equal(workerTelemetry(loadWorkerConfig(complete)), undefined);
  for (const good of ['0.0.0.0:9464', '127.0.0.1:1', '[::]:9464']) {
    const config = loadWorkerConfig({ ...complete, WORKER_METRICS_ADDRESS: good });
    const metrics = workerTelemetry(config)?.metrics;
    assert.ok(metrics && 'prometheus' in metrics, good);
    assert.equal(metrics.prometheus.bindAddress, good);
  }
  for (const bad of ['localhost:9464', '9464', ':9464', '0.0.0.0', '0.0.0.0:0', '0.0.0.0:70000', '::1:9464']) {
    assert.throws(
      () => loadWorkerConfig({ ...complete, WORKER_METRICS_ADDRESS: bad }),
      (err: Error) =>
        err instanceof ConfigError && /WORKER_METRICS_ADDRESS: must be an IP address and port/.test(err.message),
      bad,
    );
  }
});

test(
  'the worker and the gateway count a grant from start to expiry, and every metric the alert rules use is exported',
  { timeout: 180_000 },
  async (t) => {
    const child: { worker?: { stop(): Promise<void> } } = {};
    // Registered before the harness, so the worker stops while the stand-ins it talks to still answer.
    t.after(() => child.worker?.stop());
    const h = await createGatewayHarness(t, {}, { worker: false });
    t.after(async () => {
      try {
        await h.client.workflow.getHandle(reconcilerWorkflowId(h.taskQueue)).terminate('test over');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    });
    const worker = await startMetricsWorker(h);
    child.worker = worker;
    const gatewayMetricsUrl = `${h.slack.gatewayUrl ?? ''}/metrics`;

    // The worker is up once its reconciler has finished a run: the gauge exists, with nothing open yet.
    const ready = await worker.scrapeUntil(
      'the first reconciler run in the worker metrics',
      (s) => valueOf(s, 'jit_reconciler_runs_total') >= 1,
      90_000,
    );
    assert.ok(hasSeries(ready, 'jit_reconciler_drift_open'), 'the drift gauge is set after a run');
    assert.equal(valueOf(ready, 'jit_reconciler_drift_open'), 0);
    assert.equal(valueOf(ready, 'jit_grants_started_total'), 0);
    assert.ok(
      valueOf(ready, 'temporal_num_pollers', { poller_type: 'workflow_task' }) > 0,
      'the SDK reports its pollers',
    );
    const gatewayBefore = await scrape(gatewayMetricsUrl);

    // Every approval-message update fails for good, so those notifications are given up.
    h.slack.faults.add({
      kind: 'status',
      status: 200,
      body: { ok: false, error: 'message_not_found' },
      match: { method: 'chat.update' },
    });
    const started = await h.grants.start(h.grantInput({ durationSeconds: 3 }));
    assert.equal(started.outcome, 'started');
    const { workflowId } = started;
    const approvalMessage = await h.slack.waitFor(
      'the approval request',
      () =>
        h.slack
          .messages(APPROVAL_CHANNEL)
          .find((m) => m.ephemeralTo === undefined && JSON.stringify(m.blocks ?? []).includes(workflowId)),
      30_000,
    );
    const pending = await worker.scrapeUntil('the grant counted as started', (s) =>
      hasSeries(s, 'jit_grants_started_total'),
    );
    assert.equal(valueOf(pending, 'jit_grants_started_total', { workflowType: 'accessGrantWorkflow' }), 1);
    assert.equal(valueOf(pending, 'jit_grants_decided_total'), 0);

    // Approve through the gateway, as an approver's click does.
    const ack = await h.click(h.approver, approvalMessage, ActionIds.approve);
    assert.equal(ack.status, 200, ack.body);
    await h.waitForStatus(workflowId, 'ACTIVE');
    // The removal's first attempt fails, so it is retried.
    h.jumpcloud.faults.add({ kind: 'status', status: 503, times: 1, match: { method: 'POST', path: '/members$' } });
    const active = await worker.scrapeUntil('the grant counted as granted', (s) =>
      hasSeries(s, 'jit_grants_granted_total'),
    );
    assert.equal(valueOf(active, 'jit_grants_decided_total', { decision: 'approve' }), 1);
    assert.equal(valueOf(active, 'jit_grants_granted_total'), 1);
    assert.equal(valueOf(active, 'jit_grant_approval_to_membership_seconds_count'), 1);

    await h.waitForStatus(workflowId, 'EXPIRED');
    const expired = await worker.scrapeUntil(
      'the grant counted as ended, with its revocation lag and a notification given up',
      (s) =>
        hasSeries(s, 'jit_grants_ended_total') &&
        valueOf(s, 'jit_notifications_given_up_total') >= 1 &&
        valueOf(s, 'jit_audit_records_given_up_total', { sink: 'webhook' }) >= 1 &&
        hasSeries(s, 'jit_membership_operation_retries_total'),
    );
    assert.equal(valueOf(expired, 'jit_grants_ended_total', { status: 'EXPIRED' }), 1);
    assert.equal(valueOf(expired, 'jit_grants_ended_total'), 1, 'one grant, one end');
    assert.equal(valueOf(expired, 'jit_grant_revocation_lag_seconds_count'), 1);
    assert.ok(
      valueOf(expired, 'jit_membership_operation_retries_total', { activityType: 'revokeMembership' }) >= 1,
      'the failed removal attempt is counted as retried',
    );
    assert.equal(valueOf(expired, 'jit_membership_operation_retries_total', { activityType: 'addMembership' }), 0);
    assert.equal(expired.types.get('jit_grant_revocation_lag_seconds'), 'histogram');
    assert.ok(
      expired.samples.some((x) => x.name === 'jit_grant_revocation_lag_seconds_bucket' && x.labels.le === '3600'),
      'the revocation lag has the buckets of grantHistogramBuckets, up to an hour, not the SDK default',
    );
    assert.equal(expired.types.get('jit_grants_ended_total'), 'counter');

    // A membership nobody granted is drift: the gauge rises and the finding is counted.
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    const drifted = await worker.scrapeUntil(
      'the drift gauge at 1',
      (s) => valueOf(s, 'jit_reconciler_drift_open') === 1,
    );
    assert.ok(valueOf(drifted, 'jit_reconciler_drift_found_total') >= 1);
    assert.ok(valueOf(drifted, 'jit_reconciler_runs_total') > valueOf(ready, 'jit_reconciler_runs_total'));

    // The gateway counted the click by its route pattern, and timed the acknowledgement.
    const interactions = { route: '/slack/interactions', method: 'POST', status_code: '200' };
    const gatewayAfter = await scrape(gatewayMetricsUrl);
    assert.equal(
      valueOf(gatewayAfter, 'jit_gateway_requests_total', interactions) -
        valueOf(gatewayBefore, 'jit_gateway_requests_total', interactions),
      1,
    );
    const ackCount = 'jit_gateway_slack_ack_duration_seconds_count';
    assert.equal(
      valueOf(gatewayAfter, ackCount, { route: '/slack/interactions' }) -
        valueOf(gatewayBefore, ackCount, { route: '/slack/interactions' }),
      1,
    );
    assert.ok(hasSeries(gatewayAfter, 'process_cpu_seconds_total'), 'the default process metrics are exported');
    assert.ok(
      valueOf(gatewayAfter, 'jit_gateway_requests_total', { route: '/metrics', status_code: '200' }) >= 1,
      'scrapes are counted under their route',
    );

    // A request to no route is labelled as such, not with its URL.
    const missing = await fetch(`${h.slack.gatewayUrl ?? ''}/no/such/${h.requester.slackUserId}`);
    assert.equal(missing.status, 404);
    const gatewayLast = await scrape(gatewayMetricsUrl);
    assert.equal(valueOf(gatewayLast, 'jit_gateway_requests_total', { route: 'unmatched', status_code: '404' }), 1);

    // No label carries a user, a group or a workflow.
    for (const [endpoint, s] of [
      ['worker', expired],
      ['gateway', gatewayLast],
    ] as const) {
      for (const secret of [
        h.requester.slackUserId,
        h.requester.email,
        h.requester.jumpcloudUserId,
        h.approver.slackUserId,
        h.group.id,
        workflowId,
        SLACK_BOT_TOKEN,
        JUMPCLOUD_API_KEY,
      ]) {
        assert.ok(!s.text.includes(secret), `the ${endpoint} metrics mention ${secret}`);
      }
    }

    const rules = parse(readFileSync(alertRulesFile, 'utf8')) as {
      groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }>;
    };
    const scrapes = [drifted, gatewayLast];
    const checked: string[] = [];
    for (const rule of rules.groups.flatMap((g) => g.rules)) {
      const names = metricNamesIn(rule.expr);
      assert.ok(names.length > 0, `${rule.alert}: no metric found in ${rule.expr}`);
      for (const name of names.filter((n) => !SCRAPE_SERIES.has(n))) {
        assert.ok(exportedBy(scrapes, name), `${rule.alert} uses ${name}, which neither endpoint exports`);
        checked.push(name);
      }
    }
    assert.ok(checked.length >= 8, `only ${checked.length} metric uses checked: ${checked.join(', ')}`);
  },
);

test('the PromQL name extractor finds metrics, not functions, labels, durations or grouping labels', () => {
  assert.deepEqual(
    metricNamesIn(
      'histogram_quantile(0.99, sum by (le, route) (rate(http_seconds_bucket{route=~"/a b(c)"}[5m]))) > 2 and on (job) up == 0',
    ),
    ['http_seconds_bucket', 'up'],
  );
  assert.deepEqual(metricNamesIn('absent(temporal_num_pollers{poller_type="workflow_task"})'), [
    'temporal_num_pollers',
  ]);
  assert.deepEqual(metricNamesIn('sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.05'), ['a_total', 'b_total']);
  assert.deepEqual(metricNamesIn('max by (taskQueue) (drift_open) > 0'), ['drift_open']);
});
