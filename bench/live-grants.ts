/**
 * Many grants live at once: what they cost the worker and the server in memory, and whether all of them end on time.
 *
 *   npm run bench -- live-grants [--n 10000] [--duration SECONDS] [--cache N]
 *
 * On one Temporal dev server of its own (SQLite) with the real worker in its own process (WORKER_MAX_CACHED_WORKFLOWS
 * = --cache, else unset: the product's default): N grants are started with the real GrantService, 50 at a time, and
 * left until every one awaits approval; then all are approved through `decide`, 50 at a time. Every grant has the same
 * duration, long enough that all are ACTIVE before the first expires, so N are live at once; then they expire and are
 * removed. Start rate = N ÷ the start calls' span; approval rate = approvals ÷ the decide calls' span; revocation lag =
 * the JumpCloud stand-in's receipt of the remove − the grant's `expiresAt`. Every 5 s, and at each phase's end, the
 * resident set (VmRSS in /proc/PID/status) of the project worker, the baseline worker and the dev server is sampled,
 * with the live memberships (JumpCloud adds − removes). Baseline, same run and server, after the project's grants are
 * done: N bare workflows (bench/baseline-workflows.ts) on their own worker process (the SDK's default cache), started
 * 50 at a time, each sleeping to the project's expiry schedule shifted to just after the last start, then sending one
 * remove: what the least a worker can hold for N sleeping workflows costs. Prints five tables, the last splitting the
 * slowest revocations by their histories (bench/lag-breakdown.ts). Not a test: nothing here asserts.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { grantSearchAttributes as sa } from '../workflows/search-attributes';
import { sleepThenRemoveWorkflow } from './baseline-workflows';
import { fetchLagParts, LAG_PART_COLUMNS, lagPartCells, type LagParts, type LagTimes } from './lag-breakdown';
import {
  APPROVAL_CHANNEL,
  APPROVER,
  benchGrantInput,
  startBenchGrants,
  type BurstWorld,
  countOver,
  log,
  mapLimit,
  markdownTable,
  membershipCalls,
  ms,
  type Person,
  ratio,
  readGrantStates,
  summarize,
  waitIdle,
  waitQuiet,
  waitUntil,
  withBurstWorld,
  withWorkerCache,
} from './burst-world';

export interface LiveGrantsOptions {
  n: number;
  /** Every grant's duration; default `defaultDurationSeconds(n)`. */
  durationSeconds?: number;
  /** WORKER_MAX_CACHED_WORKFLOWS for the project worker; default unset (the product's default). */
  cache?: number;
}

/** What the worker must stay under with 10,000 grants live (the bounded-memory goal in README, Benchmarks). */
const TARGET_WORKER_MIB = 400;
const SAMPLE_EVERY_MS = 5000;

/**
 * Long enough that the last grant is added before the first one expires, so all N are live at once: each grant's
 * clock starts at its own add, so the duration must cover the whole approval phase. On this 2-core machine, busy,
 * 200 grants went from the first approval to the last add at 12/s with all of them in the worker's cache, and at 8/s
 * with a cache of 20 (most approvals replay an evicted grant, as at N = 10,000 with the default cache of 100). This
 * allows 4/s, half the slower, after two minutes of slack: 2,620 s at N = 10,000. It sets the run's length (the
 * baseline sleeps as long), so a faster machine may pass a shorter --duration; the tables say if the adds overlapped
 * the first expiry.
 */
export function defaultDurationSeconds(n: number): number {
  return 120 + Math.ceil(n * 0.25);
}

interface Rss {
  projectWorker: number;
  baselineWorker: number;
  temporalServer: number;
}

interface Sample {
  at: number;
  phase: string;
  /** Live memberships when sampled: the project's grants, then the baseline's sleeping workflows. */
  live: number;
  /** MiB */
  rss: Rss;
}

interface Result {
  n: number;
  cache?: number;
  durationSeconds: number;
  startRate: number;
  baselineStartRate: number;
  /** From the first start call until every grant awaited approval, ms. */
  allPendingMs: number;
  approved: number;
  approvalRate: number;
  /** From the first decide call to the last add's receipt, ms. */
  allAddedMs: number;
  peakLive: number;
  /** ACTIVE grants of the run's group per Temporal's visibility once all were added (NaN if the count failed). */
  activeByVisibility: number;
  /** Lag per removed grant, ms. */
  project: number[];
  /** The slowest revocations (1%, at least 10) split by their histories. */
  slowest: LagParts[];
  baseline: number[];
  /** Approved but never ACTIVE (no `expiresAt`): refused decisions, failed adds. */
  notGranted: number;
  neverRemoved: number;
  doubleAdds: number;
  doubleRemoves: number;
  baselineNeverRemoved: number;
  expiryWindowMs: number;
  /** The last add landed after the first expiry, so fewer than N were live at once. */
  overlapped: boolean;
  samples: Sample[];
  /** The first phase of the baseline: samples before it are the project's. */
  baselineFrom: string;
}

export async function liveGrants(options: LiveGrantsOptions): Promise<void> {
  let result: Result | undefined;
  const { n } = options;
  const durationSeconds = options.durationSeconds ?? defaultDurationSeconds(n);
  await withBurstWorld(async (world) => {
    result = await run(world, n, durationSeconds, options.cache);
  }, withWorkerCache(options.cache));
  if (result) printTables(result);
}

async function run(world: BurstWorld, n: number, durationSeconds: number, cache?: number): Promise<Result> {
  const label = `live-${n}`;
  const people = world.addPeople(label, n);
  const group = world.addGroup(label);
  const project = liveCount(world, group.id);
  const sampler = startSampling(world);

  log(`${n} grants of ${durationSeconds} s: starting them, 50 at a time`);
  sampler.phase(`starting ${n} grants`, project.live);
  const startsFrom = Date.now();
  const ids = await startBenchGrants(world, people, (person, i) =>
    benchGrantInput({
      person,
      group,
      durationSeconds,
      requestId: `${label}-${i}`,
      justification: 'live grants benchmark',
      // Starting and approving 10,000 can take a while on a small machine; none may time out before its approval.
      approvalTimeoutSeconds: 8 * 3600,
    }),
  );
  const startRate = perSecond(n, Date.now() - startsFrom);
  log(`${n} grants started (${startRate.toFixed(1)}/s); waiting until all await approval`);
  sampler.phase('until all await approval');
  // Describing every workflow on each pass, as waitIdle does, would compete with the worker for minutes at N = 10,000:
  // first the approval requests (one per grant) are counted at the Slack stand-in, until all are in or none has come
  // for 30 s; then waitIdle checks every grant, by then in one or two passes.
  const posted = approvalPosts(world);
  let lastPosts = 0;
  let lastPostAt = Date.now();
  await waitUntil(
    world,
    `${n} approval requests`,
    () => {
      const posts = posted();
      if (posts !== lastPosts) [lastPosts, lastPostAt] = [posts, Date.now()];
      return posts >= n || Date.now() - lastPostAt > 30_000;
    },
    120_000 + n * 300,
    () => `(${lastPosts}/${n})`,
  );
  await waitIdle(world, `${n} grants to await approval`, ids, 120_000 + n * 300);
  const allPendingMs = Date.now() - startsFrom;
  await waitQuiet(world);

  log(`${n} grants: approving them, 50 at a time`);
  sampler.phase('approving');
  const approvalsFrom = Date.now();
  let refused = 0;
  await mapLimit(ids, 50, (id) =>
    world.grants
      .decide(id, { decision: 'approve', deciderSlackUserId: APPROVER }, `bench-approve-${id}`)
      .catch((err: unknown) => {
        refused += 1;
        if (refused === 1) log(`an approval failed: ${String(err)}`);
      }),
  );
  const approved = n - refused;
  const approvalRate = perSecond(approved, Date.now() - approvalsFrom);
  log(`${approved} approved (${approvalRate.toFixed(1)}/s); waiting for the adds`);
  sampler.phase('until all are added');
  await waitUntil(
    world,
    `${approved} memberships to be added`,
    () => project.added() >= approved,
    120_000 + n * 300,
    () => `(${project.added()}/${approved})`,
  );
  const adds = () => membershipCalls(world.jumpcloud, group.id, 'add');
  const allAddedMs = Math.max(...[...adds().values()].map((calls) => calls[0]?.at ?? 0)) - approvalsFrom;

  log(`${n} grants: ${project.live()} live; waiting for the first expiry (${durationSeconds} s after each add)`);
  sampler.phase('all live, until the first removal');
  // Visibility trails the adds (each grant records ACTIVE after its add, the server indexes it after that): counted
  // once the grants' own work is done, until it reaches every approval or a minute has passed.
  await waitQuiet(world);
  // A grant that handed off is listed once, by the run that carries it on (docs/audit-trail.md).
  const oneRunPerGrant = `ExecutionStatus != 'ContinuedAsNew'`;
  let activeByVisibility = NaN;
  await waitUntil(
    world,
    'visibility to list the ACTIVE grants',
    async () => {
      activeByVisibility = await world.client.workflow
        .count(`${sa.group.name} = '${group.id}' AND ${sa.status.name} = 'ACTIVE' AND ${oneRunPerGrant}`)
        .then(
          (c) => c.count,
          (err: unknown) => {
            log(`counting the ACTIVE grants failed: ${String(err)}`);
            return NaN;
          },
        );
      return !(activeByVisibility < approved) || project.removed() > 0;
    },
    60_000,
    () => `(${activeByVisibility}/${approved})`,
  );
  await waitUntil(
    world,
    'the first removal',
    () => project.removed() > 0,
    durationSeconds * 1000 + 120_000,
    () => `(${project.live()} live)`,
  );
  sampler.phase('expiring, until all are removed');
  await waitUntil(
    world,
    `${n} removals`,
    () => project.live() === 0,
    durationSeconds * 1000 + 120_000 + n * 300,
    () => `(${project.live()} still members)`,
  );
  const peakLive = project.peak();
  project.stop();
  sampler.phase('after the removals (reading the grants)', () => 0);
  await waitQuiet(world);
  const states = await readGrantStates(world, ids);

  const removes = membershipCalls(world.jumpcloud, group.id, 'remove');
  const removedGrants: Array<LagTimes & { workflowId: string; lag: number }> = [];
  const schedule: Array<{ person: Person; expiresAt: number }> = [];
  let notGranted = 0;
  let neverRemoved = 0;
  people.forEach((person, i) => {
    const state = states[i];
    if (state === undefined) return;
    if (state.expiresAt === undefined) {
      notGranted += 1;
      return;
    }
    const expiresAt = Date.parse(state.expiresAt);
    schedule.push({ person, expiresAt });
    const removed = removes.get(person.jumpcloudUserId)?.[0];
    if (removed === undefined || world.jumpcloud.isMember(group.id, person.jumpcloudUserId)) neverRemoved += 1;
    else {
      const grantedAt = Date.parse(state.grantedAt ?? '');
      removedGrants.push({
        workflowId: ids[i] as string,
        grantedAt,
        expiresAt,
        removedAt: removed.at,
        lag: removed.at - expiresAt,
      });
    }
  });
  const slowest = await fetchLagParts(
    world.client,
    [...removedGrants].sort((a, b) => b.lag - a.lag).slice(0, Math.max(10, Math.ceil(removedGrants.length / 100))),
  );
  const addCalls = adds();
  const expiries = schedule.map((s) => s.expiresAt);
  const firstExpiry = Math.min(...expiries);
  const lastAdd = Math.max(...[...addCalls.values()].map((calls) => calls[0]?.at ?? 0));
  const overlapped = lastAdd > firstExpiry;
  if (overlapped)
    log('the last add came after the first expiry, so not all were live at once; use a longer --duration');

  const baselineFrom = `baseline: starting ${schedule.length} bare workflows`;
  const baseline = await baselinePhase(world, n, schedule, durationSeconds, sampler, baselineFrom);
  return {
    n,
    cache,
    durationSeconds,
    startRate,
    baselineStartRate: baseline.startRate,
    allPendingMs,
    approved,
    approvalRate,
    allAddedMs,
    peakLive,
    activeByVisibility,
    project: removedGrants.map((g) => g.lag),
    slowest,
    baseline: baseline.lags,
    notGranted,
    neverRemoved,
    doubleAdds: countOver(addCalls, 1),
    doubleRemoves: countOver(removes, 1),
    baselineNeverRemoved: baseline.neverRemoved,
    expiryWindowMs: Math.max(...expiries) - firstExpiry,
    overlapped,
    samples: sampler.stop(),
    baselineFrom,
  };
}

/** The project's expiry schedule again, shifted a little into the future, slept through by bare workflows. */
async function baselinePhase(
  world: BurstWorld,
  n: number,
  schedule: Array<{ person: Person; expiresAt: number }>,
  durationSeconds: number,
  sampler: Sampler,
  firstPhase: string,
) {
  const people = schedule.map((s) => s.person);
  const group = world.addGroup(`live-baseline-${n}`, people);
  const firstExpiry = Math.min(...schedule.map((s) => s.expiresAt));
  // Long enough for all N to be started and asleep together (bare starts run at 50–60/s here; this allows 25/s), not
  // the project's whole duration: what is compared is the memory N sleeping workflows cost, and the revocation lag
  // has its own benchmark (expiry-burst).
  const wakeFrom = Date.now() + 60_000 + n * 40;
  const plans = schedule.map((s) => ({
    groupId: group.id,
    userId: s.person.jumpcloudUserId,
    wakeAt: wakeFrom + s.expiresAt - firstExpiry,
  }));
  const members = liveCount(world, group.id);
  let started = 0;
  const sleeping = () => started - members.removed();

  const firstWake = Math.round((wakeFrom - Date.now()) / 1000);
  log(`baseline, ${plans.length} bare workflows: starting them, 50 at a time, first wake in ${firstWake} s`);
  sampler.phase(firstPhase, sleeping);
  const startsFrom = Date.now();
  await mapLimit(plans, 50, async (plan, i) => {
    await world.client.workflow.start(sleepThenRemoveWorkflow, {
      taskQueue: world.baselineQueue,
      workflowId: `bench-live-baseline-${n}-${i}`,
      args: [plan],
    });
    started += 1;
  });
  const startRate = perSecond(plans.length, Date.now() - startsFrom);
  if (Date.now() > wakeFrom)
    log('baseline: the last start came after the first planned wake (starts slower than 25/s): not all slept together');
  sampler.phase('baseline: all sleeping, until the first removal');
  await waitUntil(
    world,
    'the first baseline removal',
    () => members.removed() > 0,
    durationSeconds * 1000 + 120_000,
    () => `(${sleeping()} sleeping)`,
  );
  sampler.phase('baseline: until all are removed');
  await waitUntil(
    world,
    `${plans.length} baseline removals`,
    () => members.removed() >= plans.length,
    durationSeconds * 1000 + 120_000 + n * 300,
    () => `(${plans.length - members.removed()} still members)`,
  );
  members.stop();
  await waitQuiet(world);

  const removes = membershipCalls(world.jumpcloud, group.id, 'remove');
  const lags: number[] = [];
  let neverRemoved = 0;
  for (const plan of plans) {
    const removed = removes.get(plan.userId)?.[0];
    if (removed === undefined) neverRemoved += 1;
    else lags.push(removed.at - plan.wakeAt);
  }
  return { lags, neverRemoved, startRate };
}

/** How many approval requests the Slack stand-in has taken so far; each call reads only the calls since the last. */
function approvalPosts(world: BurstWorld): () => number {
  let seen = 0;
  let posts = 0;
  return () => {
    for (; seen < world.slack.calls.length; seen += 1) {
      const call = world.slack.calls[seen];
      if (call?.method === 'chat.postMessage' && call.ok && call.args.channel === APPROVAL_CHANNEL) posts += 1;
    }
    return posts;
  };
}

/** Adds and removes in `groupId` from now on, as the JumpCloud stand-in applies them. */
function liveCount(world: BurstWorld, groupId: string) {
  let added = 0;
  let removed = 0;
  let peak = 0;
  const stop = world.jumpcloud.onChange((change) => {
    if (change.groupId !== groupId) return;
    if (change.type === 'member-added') added += 1;
    else removed += 1;
    peak = Math.max(peak, added - removed);
  });
  return { added: () => added, removed: () => removed, live: () => added - removed, peak: () => peak, stop };
}

type Sampler = ReturnType<typeof startSampling>;

/** Samples every 5 s, and at each phase's end, so every phase has its closing sample. */
function startSampling(world: BurstWorld) {
  const samples: Sample[] = [];
  let phase = 'idle, before the first start';
  let live = () => 0;
  const take = () =>
    samples.push({
      at: Date.now(),
      phase,
      live: live(),
      rss: {
        projectWorker: rssMiB(world.pids.projectWorker),
        baselineWorker: rssMiB(world.pids.baselineWorker),
        temporalServer: rssMiB(world.pids.temporalServer),
      },
    });
  take();
  const timer = setInterval(take, SAMPLE_EVERY_MS);
  return {
    /** Ends the current phase with a sample and begins `next`; `count` counts the live workflows from now on. */
    phase(next: string, count?: () => number) {
      take();
      phase = next;
      if (count) live = count;
    },
    stop(): Sample[] {
      take();
      clearInterval(timer);
      return samples;
    },
  };
}

/** The process's resident set in MiB; NaN once it is gone. */
function rssMiB(pid: number): number {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? NaN : Number(kib) / 1024;
  } catch {
    return NaN;
  }
}

function perSecond(count: number, millis: number): number {
  return millis > 0 ? (count * 1000) / millis : NaN;
}

const mib = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : '–');
const perS = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const seconds = (millis: number) => (Number.isFinite(millis) ? (millis / 1000).toFixed(1) : '–');

/** The sample with the most of `key`, among `samples`. */
function peakOf(samples: readonly Sample[], key: keyof Rss): Sample | undefined {
  return samples.reduce<Sample | undefined>(
    (best, s) => (Number.isFinite(s.rss[key]) && (best === undefined || s.rss[key] > best.rss[key]) ? s : best),
    undefined,
  );
}

function printTables(r: Result): void {
  const load = `${r.n} grants`;
  const cache = r.cache === undefined ? 'default' : String(r.cache);
  console.log('');
  console.log(
    `Live grants: N grants started (50 at a time), approved (50 at a time), live together, expired. Project worker's WORKER_MAX_CACHED_WORKFLOWS: ${cache}. Baseline starts: bare workflows, 50 at a time. One dev server (SQLite), loopback, ${cpus().length} CPUs, Node ${process.version}.`,
  );
  for (const line of markdownTable(
    [
      'load',
      'duration s',
      'starts/s (baseline)',
      'all awaiting approval after s',
      'approvals/s',
      'all added after s',
      'peak live',
      'ACTIVE per visibility',
      'removed',
      'never removed',
      'not granted',
      'double adds',
      'double removes',
    ],
    [
      [
        load,
        String(r.durationSeconds),
        `${perS(r.startRate)} (${perS(r.baselineStartRate)})`,
        seconds(r.allPendingMs),
        perS(r.approvalRate),
        seconds(r.allAddedMs),
        String(r.peakLive),
        Number.isFinite(r.activeByVisibility) ? String(r.activeByVisibility) : '–',
        String(r.project.length),
        String(r.neverRemoved),
        String(r.notGranted),
        String(r.doubleAdds),
        String(r.doubleRemoves),
      ],
    ],
  ))
    console.log(line);

  console.log('');
  console.log(
    "Revocation lag in ms (JumpCloud stand-in's receipt of the remove − the grant's expiresAt); baseline: bare workflows sleeping to the same schedule, then one remove.",
  );
  const p = summarize(r.project);
  const b = summarize(r.baseline);
  for (const line of markdownTable(
    [
      'load',
      'expiries spread over s',
      'project p50',
      'project p95',
      'project p99',
      'project max',
      'baseline p50',
      'baseline p95',
      'baseline p99',
      'baseline max',
      'p99 / baseline',
      'baseline never removed',
    ],
    [
      [
        load,
        `${seconds(r.expiryWindowMs)}${r.overlapped ? ' (overlapped adds)' : ''}`,
        ms(p.p50),
        ms(p.p95),
        ms(p.p99),
        ms(p.max),
        ms(b.p50),
        ms(b.p95),
        ms(b.p99),
        ms(b.max),
        ratio(p.p99, b.p99),
        String(r.baselineNeverRemoved),
      ],
    ],
  ))
    console.log(line);

  console.log('');
  console.log(
    "Where the slowest revocations' lag went (1%, at least 10), from the history of the run that removed the access, ms (p50 / max): when the timer started, when it fired, then the workflow task it wakes (queued, run) and the removal.",
  );
  for (const line of markdownTable(['load', ...LAG_PART_COLUMNS], [[load, ...lagPartCells(r.slowest, 'max')]]))
    console.log(line);

  console.log('');
  console.log(
    `Resident set (VmRSS) in MiB by phase, sampled every ${SAMPLE_EVERY_MS / 1000} s and at each phase's end: at the end / the most during it. Live: the project's memberships, then the baseline's sleeping workflows.`,
  );
  const t0 = r.samples[0]?.at ?? 0;
  const phases = [...new Set(r.samples.map((s) => s.phase))];
  const endMax = (samples: Sample[], key: keyof Rss) => {
    const peak = peakOf(samples, key);
    return `${mib(samples.at(-1)?.rss[key] ?? NaN)} / ${mib(peak?.rss[key] ?? NaN)}`;
  };
  for (const line of markdownTable(
    ['phase', 'ended at s', 'live at end (most)', 'project worker', 'baseline worker', 'dev server'],
    phases.map((phase) => {
      const samples = r.samples.filter((s) => s.phase === phase);
      const last = samples.at(-1) as Sample;
      return [
        phase,
        seconds(last.at - t0),
        `${last.live} (${Math.max(...samples.map((s) => s.live))})`,
        endMax(samples, 'projectWorker'),
        endMax(samples, 'baselineWorker'),
        endMax(samples, 'temporalServer'),
      ];
    }),
  ))
    console.log(line);

  console.log('');
  console.log(
    `Peaks, MiB (live at that sample): the project worker over the project's phases, the baseline worker over the baseline's. Idle: the project worker and the dev server at the first sample, the baseline worker at the baseline's start; growth = peak − idle. Target: ${TARGET_WORKER_MIB} MiB for the project worker at 10,000 live grants.`,
  );
  const split = r.samples.findIndex((s) => s.phase === r.baselineFrom);
  const projectSamples = split < 0 ? r.samples : r.samples.slice(0, split);
  const baselineSamples = split < 0 ? [] : r.samples.slice(split);
  const idle = r.samples[0];
  const baselineIdle = projectSamples.at(-1)?.rss.baselineWorker ?? NaN;
  const pw = peakOf(projectSamples, 'projectWorker');
  const bw = peakOf(baselineSamples, 'baselineWorker');
  const ps = peakOf(projectSamples, 'temporalServer');
  const bs = peakOf(baselineSamples, 'temporalServer');
  const peak = (s: Sample | undefined, key: keyof Rss) => (s ? `${mib(s.rss[key])} (${s.live})` : '–');
  for (const line of markdownTable(
    [
      'load',
      'cache',
      'project worker idle',
      'project worker peak',
      `under ${TARGET_WORKER_MIB}`,
      'baseline worker idle',
      'baseline worker peak',
      'peak / baseline peak',
      'growth / baseline growth',
      'dev server idle',
      'dev server peak, project',
      'dev server peak, baseline',
    ],
    [
      [
        load,
        cache,
        mib(idle?.rss.projectWorker ?? NaN),
        peak(pw, 'projectWorker'),
        pw && Number.isFinite(pw.rss.projectWorker) ? (pw.rss.projectWorker < TARGET_WORKER_MIB ? 'yes' : 'no') : '–',
        mib(baselineIdle),
        peak(bw, 'baselineWorker'),
        ratio(pw?.rss.projectWorker ?? NaN, bw?.rss.baselineWorker ?? NaN),
        ratio(
          (pw?.rss.projectWorker ?? NaN) - (idle?.rss.projectWorker ?? NaN),
          (bw?.rss.baselineWorker ?? NaN) - baselineIdle,
        ),
        mib(idle?.rss.temporalServer ?? NaN),
        peak(ps, 'temporalServer'),
        peak(bs, 'temporalServer'),
      ],
    ],
  ))
    console.log(line);
}
