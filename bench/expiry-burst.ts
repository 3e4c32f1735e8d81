/**
 * Revocation lag when many grants expire together.
 *
 *   npm run bench -- expiry-burst [--n 200,1000] [--duration SECONDS] [--svg FILE] [--cache N]
 *
 * For each load N, on one Temporal dev server of its own (SQLite) with the real worker in its own process
 * (WORKER_MAX_CACHED_WORKFLOWS = --cache, else unset: the product's default): N grants are started with the real
 * GrantService, all with the same duration, and approved together through `decide`, so their timers fire together.
 * Revocation lag = when the JumpCloud stand-in received the grant's remove − the grant's `expiresAt`. Baseline, same
 * run and server, after the project's grants are done: N bare workflows (bench/baseline-workflows.ts) on their own
 * worker process, started together, each sleeping until its planned wake time and then sending one remove; lag = the
 * remove's receipt − the planned wake time. The planned wake times copy the project's expiry schedule (the spread of
 * `expiresAt`, shifted to the future), so both get the same burst. Prints three tables (lag, counts, where the lag
 * goes) and writes a CDF chart (default docs/bench-expiry-burst.svg). Not a test: nothing here asserts.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { sleepThenRemoveWorkflow } from './baseline-workflows';
import {
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
  withLoopDelay,
  withWorkerCache,
} from './burst-world';
import { cdfChartSvg, type CdfSeries } from './cdf-chart';
import { fetchLagParts, LAG_PART_COLUMNS, lagPartCells, type LagParts, type LagTimes } from './lag-breakdown';

export interface ExpiryBurstOptions {
  loads: number[];
  /** Every grant's duration; default `defaultDurationSeconds(n)`. */
  durationSeconds?: number;
  svgFile: string;
  /** The project worker's WORKER_MAX_CACHED_WORKFLOWS; default: the product's. */
  cache?: number;
}

interface LoadResult {
  n: number;
  durationSeconds: number;
  /** Lag per removed grant, ms. */
  project: number[];
  baseline: number[];
  /** Approved but never ACTIVE (no `expiresAt`): refused decisions, failed adds. */
  notGranted: number;
  neverRemoved: number;
  doubleAdds: number;
  doubleRemoves: number;
  baselineNeverRemoved: number;
  /** From the first `expiresAt` to the last: how "together" the burst was. */
  expiryWindowMs: number;
  /** The last add landed after the first expiry, so adds and removals overlapped. */
  overlapped: boolean;
  loopDelay: { project: { p99Ms: number; maxMs: number }; baseline: { p99Ms: number; maxMs: number } };
  /** The project's lag split by its histories (bench/lag-breakdown.ts). */
  parts: LagParts[];
}

/**
 * Long enough for every add of the burst to land before the first expiry, so removals never share the machine with
 * adds: on this 2-core machine, busy, 50 approvals took 3.3 s to become 50 adds; this allows more than twice that.
 */
export function defaultDurationSeconds(n: number): number {
  return 30 + Math.ceil(n * 0.15);
}

export async function expiryBurst(options: ExpiryBurstOptions): Promise<void> {
  const results: LoadResult[] = [];
  await withBurstWorld(async (world) => {
    for (const n of options.loads) {
      results.push(await oneLoad(world, n, options.durationSeconds ?? defaultDurationSeconds(n)));
      await waitQuiet(world);
    }
  }, withWorkerCache(options.cache));
  printTables(results, options.cache);
  writeFileSync(options.svgFile, chart(results));
  log(`chart written to ${options.svgFile}`);
}

async function oneLoad(world: BurstWorld, n: number, durationSeconds: number): Promise<LoadResult> {
  const label = `expiry-${n}`;
  const people = world.addPeople(label, n);
  const group = world.addGroup(label);

  log(`${n} grants of ${durationSeconds} s: starting them`);
  const ids = await startBenchGrants(world, people, (person, i) =>
    benchGrantInput({
      person,
      group,
      durationSeconds,
      requestId: `${label}-${i}`,
      justification: 'expiry burst benchmark',
    }),
  );
  await waitIdle(world, `${n} grants to await approval`, ids, 120_000 + n * 300);
  await waitQuiet(world);

  log(`${n} grants: approving them together`);
  const decisions = await Promise.allSettled(
    ids.map((id) =>
      world.grants.decide(id, { decision: 'approve', deciderSlackUserId: APPROVER }, `bench-approve-${id}`),
    ),
  );
  const refused = decisions.filter((d): d is PromiseRejectedResult => d.status === 'rejected');
  if (refused.length > 0) log(`${refused.length} approvals failed, the first: ${String(refused[0]?.reason)}`);
  const approved = n - refused.length;

  const members = () => world.jumpcloud.members(group.id).length;
  await waitUntil(
    world,
    `${approved} memberships to be added`,
    () => members() >= approved,
    120_000 + n * 300,
    () => `(${members()}/${approved})`,
  );
  log(`${n} grants: ${members()} added; waiting for the expiry (${durationSeconds} s after each add) and the removals`);
  const projectDelay = await withLoopDelay(() =>
    waitUntil(
      world,
      `${n} removals`,
      () => members() === 0,
      durationSeconds * 1000 + 120_000 + n * 300,
      () => `(${members()} still members)`,
    ),
  );
  await waitQuiet(world);
  const states = await readGrantStates(world, ids);

  const adds = membershipCalls(world.jumpcloud, group.id, 'add');
  const removes = membershipCalls(world.jumpcloud, group.id, 'remove');
  const project: number[] = [];
  const removedGrants: Array<LagTimes & { workflowId: string }> = [];
  const schedule: Array<{ person: Person; expiresAt: number }> = [];
  let notGranted = 0;
  let neverRemoved = 0;
  people.forEach((person, i) => {
    const state = states[i];
    if (state === undefined) return;
    const userId = person.jumpcloudUserId;
    if (state.expiresAt === undefined) {
      notGranted += 1;
      return;
    }
    const expiresAt = Date.parse(state.expiresAt);
    schedule.push({ person, expiresAt });
    const removed = removes.get(userId)?.[0];
    if (removed === undefined || world.jumpcloud.isMember(group.id, userId)) neverRemoved += 1;
    else {
      project.push(removed.at - expiresAt);
      removedGrants.push({
        workflowId: ids[i] as string,
        grantedAt: Date.parse(state.grantedAt ?? ''),
        expiresAt,
        removedAt: removed.at,
      });
    }
  });
  const parts = await fetchLagParts(world.client, removedGrants);
  const doubleAdds = countOver(adds, 1);
  const doubleRemoves = countOver(removes, 1);
  const expiries = schedule.map((s) => s.expiresAt);
  const firstExpiry = Math.min(...expiries);
  const lastAdd = Math.max(...[...adds.values()].map((calls) => calls[0]?.at ?? 0));
  const overlapped = lastAdd > firstExpiry;
  if (overlapped) log(`${n} grants: the last add came after the first expiry; consider a longer --duration`);

  const baseline = await baselinePhase(world, n, schedule, durationSeconds);
  return {
    n,
    durationSeconds,
    project,
    baseline: baseline.lags,
    notGranted,
    neverRemoved,
    doubleAdds,
    doubleRemoves,
    baselineNeverRemoved: baseline.neverRemoved,
    expiryWindowMs: Math.max(...expiries) - firstExpiry,
    overlapped,
    loopDelay: { project: projectDelay, baseline: baseline.loopDelay },
    parts,
  };
}

/** The project's expiry schedule again, shifted `durationSeconds` into the future, run by bare workflows. */
async function baselinePhase(
  world: BurstWorld,
  n: number,
  schedule: Array<{ person: Person; expiresAt: number }>,
  durationSeconds: number,
) {
  const people = schedule.map((s) => s.person);
  const group = world.addGroup(`expiry-baseline-${n}`, people);
  const firstExpiry = Math.min(...schedule.map((s) => s.expiresAt));
  const wakeFrom = Date.now() + durationSeconds * 1000;
  const plans = schedule.map((s) => ({
    groupId: group.id,
    userId: s.person.jumpcloudUserId,
    wakeAt: wakeFrom + s.expiresAt - firstExpiry,
  }));

  log(`baseline, ${plans.length} bare workflows: starting them together, first wake in ${durationSeconds} s`);
  const members = () => world.jumpcloud.members(group.id).length;
  const loopDelay = await withLoopDelay(async () => {
    await mapLimit(plans, 50, (plan, i) =>
      world.client.workflow.start(sleepThenRemoveWorkflow, {
        taskQueue: world.baselineQueue,
        workflowId: `bench-expiry-baseline-${n}-${i}`,
        args: [plan],
      }),
    );
    if (Date.now() > wakeFrom)
      log('baseline: the last start came after the first planned wake; consider a longer --duration');
    await waitUntil(
      world,
      `${plans.length} baseline removals`,
      () => members() === 0,
      durationSeconds * 1000 + 120_000 + n * 300,
      () => `(${members()} still members)`,
    );
  });
  await waitQuiet(world);

  const removes = membershipCalls(world.jumpcloud, group.id, 'remove');
  const lags: number[] = [];
  let neverRemoved = 0;
  for (const plan of plans) {
    const removed = removes.get(plan.userId)?.[0];
    if (removed === undefined) neverRemoved += 1;
    else lags.push(removed.at - plan.wakeAt);
  }
  return { lags, neverRemoved, loopDelay: { p99Ms: loopDelay.p99Ms, maxMs: loopDelay.maxMs } };
}

function printTables(results: LoadResult[], cache: number | undefined): void {
  const lines = results.map((r) => {
    const p = summarize(r.project);
    const b = summarize(r.baseline);
    return [
      `${r.n} grants`,
      ms(p.p50),
      ms(p.p95),
      ms(p.p99),
      ms(p.max),
      ms(b.p50),
      ms(b.p95),
      ms(b.p99),
      ms(b.max),
      ratio(p.p99, b.p99),
    ];
  });
  console.log('');
  console.log(
    `Expiry burst: revocation lag in ms (JumpCloud stand-in's receipt of the remove − the grant's expiresAt); baseline: bare workflows sleeping to the same schedule, then one remove. Project worker's WORKER_MAX_CACHED_WORKFLOWS: ${cache ?? 'default'}. Same run, same dev server (SQLite), loopback, ${cpus().length} CPUs, Node ${process.version}.`,
  );
  for (const line of markdownTable(
    [
      'load',
      'project p50',
      'project p95',
      'project p99',
      'project max',
      'baseline p50',
      'baseline p95',
      'baseline p99',
      'baseline max',
      'p99 / baseline',
    ],
    lines,
  ))
    console.log(line);
  console.log('');
  for (const line of markdownTable(
    [
      'load',
      'duration s',
      'expiries spread over s',
      'removed',
      'never removed',
      'not granted',
      'double adds',
      'double removes',
      'baseline never removed',
      'bench loop delay p99/max ms (project, baseline)',
    ],
    results.map((r) => [
      `${r.n} grants`,
      String(r.durationSeconds),
      `${(r.expiryWindowMs / 1000).toFixed(1)}${r.overlapped ? ' (overlapped adds)' : ''}`,
      String(r.project.length),
      String(r.neverRemoved),
      String(r.notGranted),
      String(r.doubleAdds),
      String(r.doubleRemoves),
      String(r.baselineNeverRemoved),
      `${ms(r.loopDelay.project.p99Ms)}/${ms(r.loopDelay.project.maxMs)}, ${ms(r.loopDelay.baseline.p99Ms)}/${ms(r.loopDelay.baseline.maxMs)}`,
    ]),
  ))
    console.log(line);
  console.log('');
  console.log(
    "Where the project's lag goes, from each grant's history: the expiry timer starts when the task that granted access completes, fires, and the removal follows (ms, p50/p99).",
  );
  for (const line of markdownTable(
    ['load', ...LAG_PART_COLUMNS],
    results.map((r) => [`${r.n} grants`, ...lagPartCells(r.parts, 'p99')]),
  ))
    console.log(line);
}

function chart(results: LoadResult[]): string {
  const dashes = [undefined, '8 4', '2 3', '12 3 2 3'];
  const series: CdfSeries[] = results.flatMap((r, i) => [
    { label: `project, ${r.n} grants`, values: r.project, color: '#d9480f', dash: dashes[i % dashes.length] },
    {
      label: `baseline, ${r.n} grants`,
      values: r.baseline,
      color: '#1971c2',
      dash: dashes[i % dashes.length],
    },
  ]);
  const loads = results.map((r) => `${r.n} (${r.durationSeconds} s)`).join(', ');
  return cdfChartSvg({
    title: 'Revocation lag when grants expire together',
    subtitle: [
      'Project: the grant workflow on the real worker. Baseline: a bare workflow sleeping to the same schedule, then one remove.',
      `Loads ${loads}; one Temporal dev server (SQLite), loopback, ${cpus().length} CPUs, ${new Date().toISOString().slice(0, 10)}.`,
    ],
    xLabel: "lag: JumpCloud stand-in's receipt of the remove − the grant's expiresAt (log scale)",
    yLabel: 'share of grants removed',
    series,
  });
}
