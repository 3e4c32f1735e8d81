/**
 * Acknowledgement latency of the Slack gateway under sustained load (Slack gives up on an app that has not answered within 3 s).
 *
 *   npm run bench            (BENCH_CLIENTS=20 BENCH_SECONDS=10 by default)
 *
 * Starts its own Temporal dev server, the Slack and JumpCloud stand-ins, a worker, and the gateway as its own
 * process (gateway/main.ts, configured through the environment like production), all on loopback. Concurrent
 * clients (on a worker thread) send signed `/jit` commands and Approve clicks for a fixed time and time each answer.
 * A bare Fastify route in its own process is the baseline, and `/jit help` (answered inline) shows the cost of the
 * gateway's own request path. Then the same again with JumpCloud answering every gateway lookup after 2 s (a latency
 * fault in the stand-in) and Temporal 2 s away (a loopback TCP proxy holding every chunk from the gateway to
 * Temporal for 2 s). Prints one table. Not a test: nothing here asserts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadPolicy } from '../config/policy';
import { createActivities } from '../activities';
import { JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { ActionIds } from '../integrations/slack/block-kit/ids';
import { createSlackClient } from '../integrations/slack/slack-client';
import { createGrantService } from '../integrations/temporal/grant-service';
import { reconcilerConfig } from '../integrations/temporal/reconciler-service';
import { startJumpCloudStandIn } from '../stand-ins/jumpcloud/jumpcloud-stand-in';
import { startSlackStandIn, type SlackStandIn } from '../stand-ins/slack/slack-stand-in';
import { signSlackRequest } from '../stand-ins/slack/slack-signature';
import { freePort, startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';
import { createGrantWorker } from '../worker/create-worker';
import { percentile } from './percentile';
import { startDelayingProxy } from './delaying-proxy';
import { type LoadJob, type LoadResult, type PreparedRequest } from './load-driver';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Requests prepared per client: a bound on each client's loop, whatever the clock does. */
const MAX_REQUESTS_PER_CLIENT = 2500;
const SLOW_MS = 2000;
const WARM_UP_SECONDS = 2;

const root = join(__dirname, '..');
const BOT_TOKEN = 'xoxb-bench';
const SIGNING_SECRET = 'bench-signing-secret';
const JUMPCLOUD_KEY = 'bench-jumpcloud-key';
const APPROVAL_CHANNEL = 'C0BENCHAPPROVALS';
const TASK_QUEUE = 'bench-ack-latency';
const APPROVERS = ['U0BENCHAPPROVER1', 'U0BENCHAPPROVER2'];
const GROUPS = { normal: 'b0000000000000000000000a', slow: 'b0000000000000000000000b' };

interface Row {
  scenario: string;
  latencies: number[];
  errors: number;
}

const hex24 = (n: number) => n.toString(16).padStart(24, '0');
const requester = (i: number) => ({
  slackUserId: `U0BENCHUSER${i}`,
  email: `bench-user-${i}@example.com`,
  jumpcloudUserId: hex24(0xa000 + i),
});

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    await run(cleanups);
  } finally {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

async function run(cleanups: Array<() => Promise<unknown>>): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const cliPath =
    process.env.TEMPORAL_CLI_PATH ??
    execFileSync('bash', [join(root, 'scripts/ensure-temporal-cli.sh')], { encoding: 'utf8' }).trim();
  log(`starting the Temporal dev server (${cliPath})`);
  const temporal = await startTemporalDevServer({ cliPath });
  cleanups.push(() => temporal.stop());

  const people = Array.from({ length: CLIENTS }, (_, i) => requester(i));
  const jumpcloud = await startJumpCloudStandIn({
    apiKey: JUMPCLOUD_KEY,
    seed: {
      users: people.map((p) => ({ id: p.jumpcloudUserId, email: p.email, username: p.slackUserId.toLowerCase() })),
      groups: [
        { id: GROUPS.normal, name: 'bench-normal' },
        { id: GROUPS.slow, name: 'bench-slow' },
      ],
    },
  });
  cleanups.push(() => jumpcloud.close());
  const slack = await startSlackStandIn({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    users: [
      ...people.map((p) => ({ id: p.slackUserId, name: p.slackUserId, email: p.email })),
      ...APPROVERS.map((id) => ({ id, name: id })),
    ],
    // Triggers and response URLs are minted before each run, so they are given a long life.
    triggerTtlMs: 10 * 60_000,
  });
  cleanups.push(() => slack.close());

  const connection = await Connection.connect({ address: temporal.address });
  cleanups.push(() => connection.close());
  const grants = createGrantService(new Client({ connection }), TASK_QUEUE);
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  cleanups.push(() => nativeConnection.close());
  // The gateway's policy file is the worker's too.
  const policyFile = writePolicy();
  const policy = loadPolicy(policyFile);
  const worker = await createGrantWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    activities: createActivities({
      directory: new JumpCloudClient({ baseUrl: jumpcloud.baseUrl, apiKey: JUMPCLOUD_KEY }),
      slack: createSlackClient({ token: BOT_TOKEN, apiUrl: slack.apiUrl }),
      grants,
      policy: () => policy,
      securityChannel: APPROVAL_CHANNEL,
      reconcilerConfig: () => reconcilerConfig(policy, { intervalSeconds: 300, securityChannel: APPROVAL_CHANNEL }),
    }),
    shutdownGraceSeconds: 1,
  });
  const running = worker.run();
  cleanups.push(async () => {
    worker.shutdown();
    await running;
  });

  const rows: Row[] = [];
  const baseline = await startProcess('bare Fastify route', join(root, 'bench/bare-fastify-server.ts'), {});
  await warmUp(baseline.url, slack, people);
  rows.push({
    scenario: 'baseline: bare Fastify route',
    ...(await drive(baseline.url, (i) => commandBody(slack, people[i] ?? requester(i)))),
  });
  await baseline.stop();

  for (const mode of ['normal', 'slow'] as const) {
    const slow = mode === 'slow';
    let temporalAddress = temporal.address;
    if (slow) {
      const proxy = await startDelayingProxy(temporal.address, SLOW_MS);
      cleanups.push(() => proxy.close());
      temporalAddress = proxy.address;
      jumpcloud.faults.add({
        kind: 'latency',
        delayMs: SLOW_MS,
        match: { method: 'GET', path: '^/api/(systemusers|v2/users/)' },
      });
    }
    // Pending requests to click Approve on: one per client.
    const workflowIds = await Promise.all(
      people.map((person, i) => startPendingGrant(grants, person, GROUPS[mode], `${mode}-${i}`)),
    );
    const gateway = await startProcess(`gateway (${mode})`, join(root, 'gateway/main.ts'), {
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
      SLACK_API_URL: slack.apiUrl,
      SLACK_RESPONSE_URL_PREFIX: slack.responseUrlPrefix,
      JUMPCLOUD_API_KEY: JUMPCLOUD_KEY,
      JUMPCLOUD_API_URL: jumpcloud.baseUrl,
      JIT_POLICY_FILE: policyFile,
      LOG_LEVEL: 'error',
      GATEWAY_SHUTDOWN_GRACE_SECONDS: '20',
    });
    await warmUp(gateway.url, slack, people);
    const label = slow ? `, JumpCloud + Temporal ${SLOW_MS / 1000} s slow` : '';
    const callsBefore = slack.calls.length;
    if (!slow) {
      // The gateway's own request path (signature, parsing, answer) without any work after the answer.
      rows.push({
        scenario: '/jit help (answered inline, no background work)',
        ...(await drive(gateway.url, (i) => commandBody(slack, people[i] ?? requester(i), 'help'))),
      });
    }
    rows.push({
      scenario: `/jit${label}`,
      ...(await drive(gateway.url, (i) => commandBody(slack, people[i] ?? requester(i)))),
    });
    let clicks = 0;
    rows.push({
      scenario: `Approve click${label}`,
      ...(await drive(gateway.url, (i) => {
        clicks += 1;
        return approveBody(slack, workflowIds[i] ?? '', APPROVERS[clicks % APPROVERS.length] ?? '');
      })),
    });
    log(`gateway (${mode}) stopping; letting its background work finish`);
    await gateway.stop();
    const approved = (await Promise.all(workflowIds.map((id) => grants.state(id)))).filter(
      (s) => s.decidedBy !== undefined,
    ).length;
    const views = slack.calls.slice(callsBefore).filter((c) => c.method === 'views.update' && c.ok).length;
    log(
      `gateway (${mode}) background work done: ${views} request forms filled in, ${approved}/${workflowIds.length} requests approved`,
    );
    for (const id of workflowIds)
      await grants.revoke(id, { bySlackUserId: APPROVERS[0] ?? '' }, `bench-cleanup-${id}`).catch(() => undefined);
  }

  printTable(rows);
}

/** `CLIENTS` clients on a worker thread, each sending its prepared requests one after another for `SECONDS`. */
async function drive(url: string, prepare: (client: number) => PreparedRequest): Promise<Omit<Row, 'scenario'>> {
  const requests = Array.from({ length: CLIENTS }, (_, client) =>
    Array.from({ length: MAX_REQUESTS_PER_CLIENT }, () => prepare(client)),
  );
  const job: LoadJob = { url, signingSecret: SIGNING_SECRET, seconds: SECONDS, requests };
  // tsx's hooks do not reach worker threads on their own; the worker registers them before loading the driver.
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(join(__dirname, 'load-driver.ts'))});`, {
    eval: true,
    workerData: job,
  });
  const result = await new Promise<LoadResult>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  if (result.exhausted > 0)
    log(`${result.exhausted} clients ran out of their ${MAX_REQUESTS_PER_CLIENT} prepared requests early`);
  return { latencies: result.latencies, errors: result.errors };
}

async function warmUp(url: string, slack: SlackStandIn, people: Array<ReturnType<typeof requester>>): Promise<void> {
  const end = performance.now() + WARM_UP_SECONDS * 1000;
  while (performance.now() < end) {
    const { form } = commandBody(slack, people[0] ?? requester(0), 'help');
    const timestamp = Math.floor(Date.now() / 1000);
    await fetch(`${url}/slack/commands`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, timestamp, form),
      },
      body: form,
    }).then((r) => r.arrayBuffer());
  }
}

/** A slash command exactly as Slack sends it, with a live trigger and response_url minted by the stand-in. */
function commandBody(slack: SlackStandIn, person: ReturnType<typeof requester>, text = ''): PreparedRequest {
  const channel = 'C0BENCHGENERAL';
  return {
    path: '/slack/commands',
    form: new URLSearchParams({
      token: 'deprecated',
      team_id: 'T0SANDBOX',
      channel_id: channel,
      user_id: person.slackUserId,
      command: '/jit',
      text,
      response_url: slack.mintResponseUrl({ channel, userId: person.slackUserId }),
      trigger_id: slack.mintTriggerId(person.slackUserId),
    }).toString(),
  };
}

/** An Approve click on the approval message of `workflowId`, as Slack sends it. */
function approveBody(slack: SlackStandIn, workflowId: string, approver: string): PreparedRequest {
  const payload = {
    type: 'block_actions',
    user: { id: approver, username: approver, team_id: 'T0SANDBOX' },
    api_app_id: 'A0JITACCESS',
    trigger_id: slack.mintTriggerId(approver),
    container: { type: 'message', channel_id: APPROVAL_CHANNEL, message_ts: '1700000000.000100', is_ephemeral: false },
    response_url: slack.mintResponseUrl({ channel: APPROVAL_CHANNEL, userId: approver }),
    actions: [
      {
        type: 'button',
        action_id: ActionIds.approve,
        block_id: 'grant_decision',
        value: workflowId,
        action_ts: '1700000012.345678',
      },
    ],
  };
  return { path: '/slack/interactions', form: new URLSearchParams({ payload: JSON.stringify(payload) }).toString() };
}

async function startPendingGrant(
  grants: ReturnType<typeof createGrantService>,
  person: ReturnType<typeof requester>,
  groupId: string,
  requestId: string,
) {
  const result = await grants.start({
    requestId: `bench-${requestId}-${Date.now()}`,
    requester: person,
    group: { id: groupId, name: groupId },
    durationSeconds: 3600,
    justification: 'ack latency benchmark',
    policy: {
      approvers: APPROVERS,
      maxDurationSeconds: 8 * 3600,
      approvalTimeoutSeconds: 3600,
      allowSelfApproval: false,
      approvalChannel: APPROVAL_CHANNEL,
    },
  });
  return result.workflowId;
}

function writePolicy(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'jit-bench-')), 'policy.yaml');
  const group = (id: string, name: string) => [
    `  - id: ${id}`,
    `    name: ${name}`,
    '    maxDuration: 8h',
    `    approvers: [${APPROVERS.join(', ')}]`,
  ];
  writeFileSync(
    file,
    [
      'defaults:',
      '  approvalTimeout: 1h',
      '  durations: [15m, 1h, 8h]',
      'groups:',
      ...group(GROUPS.normal, 'bench-normal'),
      ...group(GROUPS.slow, 'bench-slow'),
      '',
    ].join('\n'),
  );
  return file;
}

/** Runs a TypeScript entry point in its own Node process on a free loopback port, ready once /healthz answers. */
async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (attempt > 300) throw new Error(`${name} did not come up on ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`${name} listening on ${url}`);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function printTable(rows: Row[]): void {
  const stats = rows.map((row) => {
    const sorted = [...row.latencies].sort((a, b) => a - b);
    return {
      ...row,
      requests: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
    };
  });
  const base = stats[0];
  const ms = (value: number) => value.toFixed(1);
  const ratio = (value: number, of: number | undefined) => (of ? `${(value / of).toFixed(1)}×` : '');
  const header = ['scenario', 'requests', 'errors', 'p50 ms', 'p99 ms', 'max ms', 'p50 / base', 'p99 / base'];
  const lines = stats.map((s) => [
    s.scenario,
    String(s.requests),
    String(s.errors),
    ms(s.p50),
    ms(s.p99),
    ms(s.max),
    ratio(s.p50, base?.p50),
    ratio(s.p99, base?.p99),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log('');
  console.log(
    `Ack latency, ${CLIENTS} concurrent clients × ${SECONDS} s per scenario, loopback, ${cpus().length} CPUs, Node ${process.version}.`,
  );
  console.log(
    `Slow = JumpCloud stand-in latency fault of ${SLOW_MS} ms on every gateway lookup + a TCP proxy delaying gateway→Temporal traffic by ${SLOW_MS} ms.`,
  );
  console.log(format(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
