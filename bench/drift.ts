/**
 * Drift detection: how long a membership added by hand takes to reach the security channel, and what it costs in
 * JumpCloud API calls per hour, for the reconciler following Directory Insights (reads every 15 s, sweep hourly)
 * against the sweep alone every 5 minutes (the same run's baseline). Everything in this process but the Temporal dev
 * server: the JumpCloud and Slack stand-ins, and the worker with the product's activities, at `groups` policy groups of
 * `members` standing members each.
 *
 *   npm run bench -- drift [--n 50]      (--n: changes made by hand for the follower; the sweep gets a fifth of them)
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities';
import { type JitPolicy } from '../config/policy';
import { DirectoryInsightsClient } from '../integrations/jumpcloud/insights-client';
import { JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../integrations/slack/slack-client';
import { createGrantService } from '../integrations/temporal/grant-service';
import { createReconcilerService } from '../integrations/temporal/reconciler-service';
import { startJumpCloudStandIn } from '../stand-ins/jumpcloud/jumpcloud-stand-in';
import { startSlackStandIn } from '../stand-ins/slack/slack-stand-in';
import { startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';
import { type ReconcilerConfig } from '../workflows/reconciler/reconciler-types';
import { createGrantWorker } from '../worker/create-worker';
import { temporalCliPath } from './burst-world';
import { percentile } from './percentile';

const KEY = 'bench-drift-key';
const TOKEN = 'xoxb-bench-drift';
const SECURITY = 'C0BENCHSECURITY';
const SWEEP_SECONDS = 300;
const FOLLOW_SECONDS = 15;
/** The window over which the follower's idle cost is counted. */
const IDLE_WINDOW_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(24 - prefix.length, '0')}`;

interface ModeResult {
  mode: string;
  latenciesMs: number[];
  callsPerHour: number;
  callsPerSweep: number;
}

export async function driftBench(options: { changes: number; groups?: number; members?: number }): Promise<void> {
  const groups = options.groups ?? 50;
  const members = options.members ?? 200;
  const server = await startTemporalDevServer({ cliPath: temporalCliPath() });
  try {
    const follower = await runMode(server.address, 'events', { groups, members, changes: options.changes });
    const sweep = await runMode(server.address, 'sweep', {
      groups,
      members,
      changes: Math.max(2, Math.round(options.changes / 5)),
    });
    printTable([follower, sweep], groups, members);
  } finally {
    await server.stop();
  }
}

async function runMode(
  address: string,
  mode: 'events' | 'sweep',
  size: { groups: number; members: number; changes: number },
): Promise<ModeResult> {
  const groupIds = Array.from({ length: size.groups }, (_, g) => hex(`6${mode === 'events' ? 'e' : 'b'}`, g));
  const memberIds = (g: number) => Array.from({ length: size.members }, (_, m) => hex('7', g * size.members + m));
  const outsiders = Array.from({ length: size.changes }, (_, i) => ({
    id: hex('8', i),
    email: `outsider-${i}@example.com`,
  }));
  const jumpcloud = await startJumpCloudStandIn({
    apiKey: KEY,
    seed: {
      users: [
        ...groupIds.flatMap((_, g) => memberIds(g).map((id) => ({ id, email: `${id}@example.com`, username: id }))),
        ...outsiders.map((o) => ({ id: o.id, email: o.email, username: o.email })),
      ],
      groups: groupIds.map((id, g) => ({ id, name: `jit-group-${g}` })),
      memberships: groupIds.flatMap((groupId, g) => memberIds(g).map((userId) => ({ groupId, userId }))),
    },
  });
  const slack = await startSlackStandIn({ botToken: TOKEN, signingSecret: 'bench', users: [] });
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = `bench-drift-${mode}-${Date.now()}`;
  const config: ReconcilerConfig = {
    intervalSeconds: SWEEP_SECONDS,
    securityChannel: SECURITY,
    groups: groupIds.map((id, g) => ({ id, name: `jit-group-${g}`, onDrift: 'report', standingMembers: memberIds(g) })),
    ...(mode === 'events' && { events: { followSeconds: FOLLOW_SECONDS, sweepSeconds: 3600 } }),
  };
  const worker = await createGrantWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    shutdownGraceSeconds: 1,
    activities: createActivities({
      directory: new JumpCloudClient({ baseUrl: jumpcloud.baseUrl, apiKey: KEY }),
      slack: createSlackClient({ token: TOKEN, apiUrl: slack.apiUrl }),
      grants: createGrantService(client, taskQueue),
      policy: () => ({ groups: [] }) as unknown as JitPolicy,
      securityChannel: SECURITY,
      reconcilerConfig: () => config,
      insights: new DirectoryInsightsClient({ baseUrl: jumpcloud.insightsUrl, apiKey: KEY }),
    }),
  });
  const running = worker.run();
  const reconciler = createReconcilerService(client, taskQueue);
  try {
    await reconciler.ensureRunning(config);
    // The first run is a sweep in both modes: its calls are the cost of one sweep.
    while (((await reconciler.state())?.runs ?? 0) < 1) await sleep(200);
    const callsPerSweep = jumpcloud.calls.length;

    let callsPerHour: number;
    if (mode === 'events') {
      const before = jumpcloud.calls.length;
      await sleep(IDLE_WINDOW_MS);
      callsPerHour = ((jumpcloud.calls.length - before) * 3_600_000) / IDLE_WINDOW_MS + callsPerSweep;
    } else {
      callsPerHour = callsPerSweep * (3600 / SWEEP_SECONDS);
    }

    // The changes by hand, spread over one follow interval (events) or one sweep interval (sweep).
    const spreadMs = (mode === 'events' ? FOLLOW_SECONDS : SWEEP_SECONDS) * 1000;
    const madeAt = new Map<string, number>();
    for (const [i, outsider] of outsiders.entries()) {
      await sleep(spreadMs / outsiders.length);
      jumpcloud.setMember(groupIds[i % groupIds.length] ?? '', outsider.id, true);
      madeAt.set(outsider.email, Date.now());
    }
    const latenciesMs: number[] = [];
    const deadline = Date.now() + (SWEEP_SECONDS + 120) * 1000;
    while (latenciesMs.length < outsiders.length && Date.now() < deadline) {
      await sleep(250);
      latenciesMs.length = 0;
      for (const message of slack.messages(SECURITY)) {
        const email = [...madeAt.keys()].find((e) => message.text?.includes(e));
        const at = email && madeAt.get(email);
        if (at) latenciesMs.push(Number(message.ts) * 1000 - at);
      }
    }
    return { mode, latenciesMs: latenciesMs.sort((a, b) => a - b), callsPerHour, callsPerSweep };
  } finally {
    await client.workflow
      .getHandle(`jit-reconciler-${taskQueue}`)
      .terminate('bench over')
      .catch(() => undefined);
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    await slack.close();
    await jumpcloud.close();
  }
}

function printTable(results: ModeResult[], groups: number, members: number): void {
  const [follower, sweep] = results;
  if (!follower || !sweep) return;
  const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : 'n/a');
  const row = (r: ModeResult, label: string) =>
    `| ${label} | ${r.latenciesMs.length} | ${seconds(percentile(r.latenciesMs, 50))} s | ${seconds(
      percentile(r.latenciesMs, 99),
    )} s | ${Math.round(r.callsPerHour)} | ${r.callsPerSweep} |`;
  console.log(`\n${groups} policy groups × ${members} members; hand-made add → alert in the security channel\n`);
  console.log('| reconciler | alerts | p50 | p99 | JumpCloud calls / hour (idle) | calls per sweep |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(row(follower, `Directory Insights every ${FOLLOW_SECONDS} s, sweep hourly`));
  console.log(row(sweep, `baseline: sweep every ${SWEEP_SECONDS / 60} min`));
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : 'n/a');
  console.log(
    `\nratio follower/baseline: p99 ${ratio(percentile(follower.latenciesMs, 99), percentile(sweep.latenciesMs, 99))}×, calls/hour ${ratio(follower.callsPerHour, sweep.callsPerHour)}×`,
  );
}
