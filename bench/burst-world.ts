/**
 * The world the grant benchmarks (expiry-burst, approval-burst, live-grants) run in: a Temporal dev server of their own
 * on a SQLite file, the JumpCloud and Slack stand-ins in this process, the real worker as built for production
 * (`npm run build`, then `node dist/worker/main.js`) and the baseline worker (bench/baseline-worker.ts) each as its own
 * process, and a Temporal client with the real GrantService.
 * Everything is stopped, and the scratch folder deleted, however the run ends.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { createGrantService, type GrantService } from '../integrations/temporal/grant-service';
import { type GrantInput, type GrantState } from '../workflows/grant/grant-types';
import {
  type JumpCloudStandIn,
  type RecordedCall,
  startJumpCloudStandIn,
} from '../stand-ins/jumpcloud/jumpcloud-stand-in';
import { type SlackStandIn, startSlackStandIn } from '../stand-ins/slack/slack-stand-in';
import { startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';
import { percentile } from './percentile';

const root = join(__dirname, '..');
const BOT_TOKEN = 'xoxb-bench';
const JUMPCLOUD_KEY = 'bench-jumpcloud-key';
export const APPROVAL_CHANNEL = 'C0BENCHAPPROVALS';
export const APPROVER = 'U0BENCHAPPROVER';
const PROJECT_QUEUE = 'bench-burst-project';
const BASELINE_QUEUE = 'bench-burst-baseline';

export interface Person {
  slackUserId: string;
  email: string;
  jumpcloudUserId: string;
}

export interface Group {
  id: string;
  name: string;
}

export interface BurstWorld {
  client: Client;
  grants: GrantService;
  jumpcloud: JumpCloudStandIn;
  slack: SlackStandIn;
  projectQueue: string;
  baselineQueue: string;
  /** The processes whose memory the benchmarks sample (/proc/PID/status). */
  pids: { projectWorker: number; baselineWorker: number; temporalServer: number };
  /** `n` new people, in JumpCloud and in Slack. */
  addPeople(label: string, n: number): Person[];
  /** A new JumpCloud group, with `members` in it from the start. */
  addGroup(label: string, members?: Person[]): Group;
  /** Throws with its output if a worker process has exited: a run without its worker measures nothing. */
  checkWorkers(): void;
}

/** Something the benchmark needs is not on this machine: the message says what to do, a stack trace would not. */
export class MissingToolError extends Error {}

/** `TEMPORAL_CLI_PATH`, else the CLI `npm run temporal:cli` builds; never built here (it takes minutes). */
export function temporalCliPath(): string {
  const path = process.env.TEMPORAL_CLI_PATH ?? join(homedir(), '.cache/jit-access/temporal-cli-v1.5.1/temporal');
  if (!existsSync(path)) {
    throw new MissingToolError(
      `No Temporal CLI at ${path}. Build it with \`npm run temporal:cli\`, or set TEMPORAL_CLI_PATH to a temporal binary.`,
    );
  }
  return path;
}

export interface BurstWorldOptions {
  /** Added to the project worker's environment, e.g. WORKER_MAX_CACHED_WORKFLOWS; default none. */
  projectWorkerEnv?: Record<string, string>;
}

/** The project worker with WORKER_MAX_CACHED_WORKFLOWS = `cache` (a `--cache` option); undefined = the product's. */
export function withWorkerCache(cache: number | undefined): BurstWorldOptions {
  return cache === undefined ? {} : { projectWorkerEnv: { WORKER_MAX_CACHED_WORKFLOWS: String(cache) } };
}

export async function withBurstWorld(
  run: (world: BurstWorld) => Promise<void>,
  options: BurstWorldOptions = {},
): Promise<void> {
  const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        log(cleanup.what);
        await cleanup.run().catch((err: unknown) => console.error(`[bench] ${cleanup.what} failed:`, err));
      }
    })());
  // Ctrl-C: the children get the signal too, but the scratch folder is ours to delete.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const cliPath = temporalCliPath();
    const scratch = mkdtempSync(join(tmpdir(), 'jit-bench-burst-'));
    cleanups.push({
      what: `deleting ${scratch}`,
      run: async () => rmSync(scratch, { recursive: true, force: true }),
    });
    const dbFile = join(scratch, 'temporal.sqlite');
    log(`starting the Temporal dev server (${cliPath}) on ${dbFile}`);
    const temporal = await startTemporalDevServer({ cliPath, dbFile, startTimeoutMs: 120_000 });
    cleanups.push({ what: 'stopping the Temporal dev server', run: () => temporal.stop() });

    const jumpcloud = await startJumpCloudStandIn({ apiKey: JUMPCLOUD_KEY });
    cleanups.push({ what: 'stopping the JumpCloud stand-in', run: () => jumpcloud.close() });
    const slack = await startSlackStandIn({ botToken: BOT_TOKEN, users: [{ id: APPROVER, name: 'bench-approver' }] });
    cleanups.push({ what: 'stopping the Slack stand-in', run: () => slack.close() });

    // The worker's policy file is for the reconciler only (grants carry their policy in their input): one empty group,
    // not the benchmark's groups, so no sweep touches what is measured.
    const policyGroup = jumpcloud.addGroup({ name: 'bench-policy' });
    const policyFile = join(scratch, 'policy.yaml');
    writeFileSync(
      policyFile,
      [
        'defaults:',
        '  approvalTimeout: 1h',
        '  durations: [1h]',
        'groups:',
        `  - id: ${policyGroup.id}`,
        `    name: ${policyGroup.name}`,
        '    maxDuration: 8h',
        `    approvers: [${APPROVER}]`,
        '',
      ].join('\n'),
    );

    const common = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? scratch,
      TEMPORAL_ADDRESS: temporal.address,
    };
    const jumpcloudEnv = { JUMPCLOUD_API_KEY: JUMPCLOUD_KEY, JUMPCLOUD_API_URL: jumpcloud.baseUrl };
    // The worker as production runs it (the Dockerfile's CMD): compiled, with the workflow bundle made at build time,
    // so its memory is the product's, not tsx's and webpack's.
    log('building the worker (npm run build)');
    buildProduct();
    log('starting the project worker (dist/worker/main.js) and the baseline worker (bench/baseline-worker.ts)');
    const starting = [
      startWorkerProcess('the project worker', [join(root, 'dist', 'worker', 'main.js')], {
        ...common,
        ...jumpcloudEnv,
        TEMPORAL_TASK_QUEUE: PROJECT_QUEUE,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: slack.apiUrl,
        SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
        JIT_POLICY_FILE: policyFile,
        WORKER_SHUTDOWN_GRACE_SECONDS: '5',
        RECONCILE_INTERVAL: '1h',
        NODE_OPTIONS: productionNodeOptions(),
        ...options.projectWorkerEnv,
      }),
      startWorkerProcess('the baseline worker', ['--import', 'tsx', 'bench/baseline-worker.ts'], {
        ...common,
        ...jumpcloudEnv,
        TEMPORAL_TASK_QUEUE: BASELINE_QUEUE,
      }),
    ];
    const started = await Promise.allSettled(starting);
    const workers: WorkerProcess[] = [];
    for (const result of started) {
      if (result.status === 'fulfilled') {
        workers.push(result.value);
        cleanups.push({ what: `stopping ${result.value.name}`, run: () => result.value.stop() });
      }
    }
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const [projectWorker, baselineWorker] = workers as [WorkerProcess, WorkerProcess];

    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push({ what: 'closing the Temporal client', run: () => connection.close() });
    const client = new Client({ connection });

    let people = 0;
    const world: BurstWorld = {
      client,
      grants: createGrantService(client, PROJECT_QUEUE),
      jumpcloud,
      slack,
      projectQueue: PROJECT_QUEUE,
      baselineQueue: BASELINE_QUEUE,
      pids: {
        projectWorker: projectWorker.pid,
        baselineWorker: baselineWorker.pid,
        temporalServer: temporal.process.pid ?? NaN,
      },
      addPeople(label, n) {
        return Array.from({ length: n }, () => {
          people += 1;
          const name = `bench-${label}-${people}`;
          const email = `${name}@example.com`;
          const slackUserId = `U0B${people.toString(36).toUpperCase().padStart(6, '0')}`;
          const user = jumpcloud.addUser({ email, username: name });
          slack.addUser({ id: slackUserId, name, email });
          return { slackUserId, email, jumpcloudUserId: user.id };
        });
      },
      addGroup(label, members = []) {
        const group = jumpcloud.addGroup({ name: `bench-${label}` });
        for (const person of members) jumpcloud.setMember(group.id, person.jumpcloudUserId, true);
        return { id: group.id, name: group.name };
      },
      checkWorkers() {
        for (const worker of workers) worker.check();
      },
    };
    await run(world);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanUp();
  }
}

interface WorkerProcess {
  name: string;
  pid: number;
  check(): void;
  stop(): Promise<void>;
}

/** NODE_OPTIONS as the production image sets them (the Dockerfile's heap limits): the worker's memory is the product's. */
function productionNodeOptions(): string {
  const options = /^ENV NODE_OPTIONS=("?)(.+)\1$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[2];
  if (options === undefined)
    throw new Error('the Dockerfile sets no ENV NODE_OPTIONS=...: the benchmarks run the worker with it');
  return options;
}

/** `npm run build`, failing with its output: a benchmark of a stale build would measure old code. */
function buildProduct(): void {
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

/** `node <args>` as its own process, ready once the SDK logs that its worker is RUNNING. */
async function startWorkerProcess(name: string, args: string[], env: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let running = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      // Its last lines only: the worker logs every membership change, and only a failure needs them.
      output = (output + chunk.toString()).slice(-8000);
      if (!running && /Worker state changed \{[^}]*state: 'RUNNING'/.test(output)) {
        running = true;
        resolve();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then(() => reject(new Error(`${name} exited before running:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  // Bundling the workflow code at start takes a while on a busy machine.
  const timeout = setTimeout(() => child.kill('SIGKILL'), 180_000);
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timeout);
  }
  log(`${name} is running (pid ${child.pid})`);
  return {
    name,
    pid: child.pid ?? NaN,
    check() {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.signalCode ?? child.exitCode}):\n${output}`);
      }
    },
    stop,
  };
}

/**
 * A grant request as the gateway starts one, one approver, production pacing (no `timing`): the benchmarks measure
 * the grant as it runs for real.
 */
export function benchGrantInput(grant: {
  person: Person;
  group: Group;
  durationSeconds: number;
  requestId: string;
  justification: string;
  approvalTimeoutSeconds?: number;
}): GrantInput {
  return {
    requestId: `bench-${grant.requestId}`,
    requester: grant.person,
    group: grant.group,
    durationSeconds: grant.durationSeconds,
    justification: grant.justification,
    policy: {
      approvers: [APPROVER],
      maxDurationSeconds: 8 * 3600,
      approvalTimeoutSeconds: grant.approvalTimeoutSeconds ?? 3600,
      allowSelfApproval: false,
      approvalChannel: APPROVAL_CHANNEL,
    },
  };
}

/** Starts one grant per person through the real GrantService, 50 at a time; their workflow IDs, in order. */
export async function startBenchGrants(
  world: BurstWorld,
  people: Person[],
  grant: (person: Person, index: number) => GrantInput,
): Promise<string[]> {
  return mapLimit(people, 50, async (person, i) => {
    const started = await world.grants.start(grant(person, i));
    if (started.outcome !== 'started') throw new Error(`grant ${i} was not started: ${started.outcome}`);
    return started.workflowId;
  });
}

/** How many users had more than `limit` calls (e.g. adds) in `calls` (from `membershipCalls`). */
export function countOver(calls: Map<string, unknown[]>, limit: number): number {
  return [...calls.values()].filter((c) => c.length > limit).length;
}

/** Per JumpCloud user, the `op` calls for `groupId` that reached the stand-in (injected faults excluded), in order. */
export function membershipCalls(
  jumpcloud: JumpCloudStandIn,
  groupId: string,
  op: 'add' | 'remove',
): Map<string, RecordedCall[]> {
  const path = `/api/v2/usergroups/${groupId}/members`;
  const byUser = new Map<string, RecordedCall[]>();
  for (const call of jumpcloud.calls) {
    const body = call.body as { op?: unknown; id?: unknown } | undefined;
    if (call.method !== 'POST' || call.path !== path || call.fault || body?.op !== op || typeof body.id !== 'string')
      continue;
    const calls = byUser.get(body.id) ?? [];
    calls.push(call);
    byUser.set(body.id, calls);
  }
  return byUser;
}

/**
 * Polls `done` every 250 ms until it holds or `timeoutMs` passes (then false: what never happened is counted, not
 * thrown), printing `progress()` every 10 s. Fails at once if a worker process died.
 */
export async function waitUntil(
  world: BurstWorld,
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  progress: () => string = () => '',
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let nextReport = Date.now() + 10_000;
  for (;;) {
    world.checkWorkers();
    if (await done()) return true;
    if (Date.now() > deadline) {
      log(`gave up waiting for ${what} after ${(timeoutMs / 1000).toFixed(0)} s ${progress()}`);
      return false;
    }
    if (Date.now() >= nextReport) {
      log(`waiting for ${what} ${progress()}`);
      nextReport += 10_000;
    }
    await sleep(250);
  }
}

/**
 * Until neither stand-in has been called for `quietMs`: the trailing work of one phase (Slack notifications,
 * read-backs) must not fall into the next one's measurement.
 */
export async function waitQuiet(world: BurstWorld, quietMs = 2000, timeoutMs = 300_000): Promise<void> {
  const count = () => world.jumpcloud.calls.length + world.slack.calls.length;
  let last = count();
  let since = Date.now();
  await waitUntil(
    world,
    'the stand-ins to fall quiet',
    () => {
      const now = count();
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      return Date.now() - since >= quietMs;
    },
    timeoutMs,
  );
}

/** Resolves once every workflow has run its first task and has no activity or workflow task outstanding. */
export async function waitIdle(
  world: BurstWorld,
  what: string,
  workflowIds: string[],
  timeoutMs: number,
): Promise<void> {
  let busy = [...workflowIds];
  const idle = await waitUntil(
    world,
    what,
    async () => {
      const still = await mapLimit(busy, 20, async (id) => {
        const { historyLength, raw } = await world.client.workflow.getHandle(id).describe();
        return historyLength < 4 || (raw.pendingActivities?.length ?? 0) > 0 || raw.pendingWorkflowTask
          ? id
          : undefined;
      });
      busy = still.filter((id): id is string => id !== undefined);
      return busy.length === 0;
    },
    timeoutMs,
    () => `(${workflowIds.length - busy.length}/${workflowIds.length} idle)`,
  );
  if (!idle) throw new Error(`${busy.length} of ${workflowIds.length} workflows never settled (${what})`);
}

/**
 * Every grant's state, by query. A grant that cannot answer (a query fails while its workflow task is being retried) is
 * logged with the last workflow task failure its history records and left undefined, so one stuck grant neither ends
 * the run nor goes unexplained.
 */
export async function readGrantStates(
  world: BurstWorld,
  workflowIds: readonly string[],
): Promise<Array<GrantState | undefined>> {
  const states = await mapLimit(workflowIds, 20, async (id) => {
    try {
      return await world.grants.state(id);
    } catch (err) {
      log(`${id}: its state could not be read (${String(err)}); ${await lastTaskFailure(world.client, id)}`);
      return undefined;
    }
  });
  const unreadable = states.filter((s) => s === undefined).length;
  if (unreadable > 0) log(`${unreadable} grants could not be read: their figures are left out`);
  return states;
}

async function lastTaskFailure(client: Client, workflowId: string): Promise<string> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const timedOut = events.filter((e) => e.workflowTaskTimedOutEventAttributes).length;
  const failed = events.filter((e) => e.workflowTaskFailedEventAttributes).at(-1)?.workflowTaskFailedEventAttributes;
  if (!failed) return `its history has no workflow task failure (${timedOut} timed out)`;
  return `its last workflow task failed (cause ${String(failed.cause)}, ${timedOut} timed out): ${failed.failure?.message ?? ''}`;
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * How late this process's event loop ran during `during`. The stand-ins stamp each call with this loop's clock, so
 * its delay bounds how much of a measured lag is the measuring process's own.
 */
export async function withLoopDelay<T>(during: () => Promise<T>): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const result = await during();
    return { result, p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

export interface Summary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

/** A Markdown table, first column left-aligned and the others right-aligned, as the README's tables are. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...rows.map(format),
  ];
}

export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '–');
export const ratio = (value: number, of: number) =>
  Number.isFinite(value) && Number.isFinite(of) && of > 0 ? `${(value / of).toFixed(1)}×` : '–';

export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

export function log(message: string): void {
  console.error(`[bench] ${message}`);
}
