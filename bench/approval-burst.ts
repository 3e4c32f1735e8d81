/**
 * From Approve to JumpCloud when many approvals arrive together.
 *
 *   npm run bench -- approval-burst [--n 200]
 *
 * For each load N, on one Temporal dev server of its own (SQLite) with the real worker in its own process: N grants
 * are started with the real GrantService and left pending until every one is idle (its approval request posted), then
 * all N `decide` Updates are sent at once. Lag = when the JumpCloud stand-in received the grant's add − when its
 * Update was sent. Baseline, same run and server, afterwards: N bare workflows (bench/baseline-workflows.ts) on their
 * own worker process, each waiting on an Update whose handler lets it go on to one add, all N Updates sent at once.
 * Prints two tables. Not a test: nothing here asserts.
 */
import { cpus } from 'node:os';
import { awaitUpdateThenAddWorkflow, proceedUpdate } from './baseline-workflows';
import {
  APPROVER,
  benchGrantInput,
  startBenchGrants,
  type BurstWorld,
  type Group,
  log,
  mapLimit,
  markdownTable,
  membershipCalls,
  ms,
  type Person,
  ratio,
  summarize,
  waitIdle,
  waitQuiet,
  waitUntil,
  withBurstWorld,
  withLoopDelay,
} from './burst-world';

export interface ApprovalBurstOptions {
  loads: number[];
}

interface Side {
  /** Update sent → add received, ms, per added grant. */
  lags: number[];
  /** Update sent → Update answered, ms, per answered Update. */
  answered: number[];
  failedUpdates: number;
  neverAdded: number;
  doubleAdds: number;
  loopDelay: { p99Ms: number; maxMs: number };
}

interface LoadResult {
  n: number;
  project: Side;
  baseline: Side;
}

export async function approvalBurst(options: ApprovalBurstOptions): Promise<void> {
  const results: LoadResult[] = [];
  await withBurstWorld(async (world) => {
    for (const n of options.loads) {
      const project = await projectPhase(world, n);
      await waitQuiet(world);
      const baseline = await baselinePhase(world, n);
      await waitQuiet(world);
      results.push({ n, project, baseline });
    }
  });
  printTables(results);
}

async function projectPhase(world: BurstWorld, n: number): Promise<Side> {
  const label = `approval-${n}`;
  const people = world.addPeople(label, n);
  const group = world.addGroup(label);
  log(`${n} grants: starting them`);
  const ids = await startBenchGrants(world, people, (person, i) =>
    benchGrantInput({
      person,
      group,
      // An hour long, so nothing expires during the run.
      durationSeconds: 3600,
      requestId: `${label}-${i}`,
      justification: 'approval burst benchmark',
    }),
  );
  await waitIdle(world, `${n} grants to await approval`, ids, 120_000 + n * 300);
  await waitQuiet(world);

  log(`${n} grants: sending every approval at once`);
  return burst(world, group, people, (i, updateId) =>
    world.grants.decide(ids[i] ?? '', { decision: 'approve', deciderSlackUserId: APPROVER }, updateId),
  );
}

async function baselinePhase(world: BurstWorld, n: number): Promise<Side> {
  const label = `approval-baseline-${n}`;
  const people = world.addPeople(label, n);
  const group = world.addGroup(label);
  log(`baseline, ${n} bare workflows: starting them`);
  const handles = await mapLimit(people, 50, (person, i) =>
    world.client.workflow.start(awaitUpdateThenAddWorkflow, {
      taskQueue: world.baselineQueue,
      workflowId: `bench-${label}-${i}`,
      args: [{ groupId: group.id, userId: person.jumpcloudUserId }],
    }),
  );
  await waitIdle(
    world,
    `${n} baseline workflows to await their Update`,
    handles.map((h) => h.workflowId),
    120_000 + n * 300,
  );

  log(`baseline: sending every Update at once`);
  return burst(world, group, people, (i, updateId) =>
    (handles[i] as (typeof handles)[number]).executeUpdate(proceedUpdate, { updateId }),
  );
}

/** Sends all `n` Updates at once, each timed from just before its call, then waits for the adds they lead to. */
async function burst(
  world: BurstWorld,
  group: Group,
  people: Person[],
  send: (i: number, updateId: string) => Promise<unknown>,
): Promise<Side> {
  const n = people.length;
  const members = () => world.jumpcloud.members(group.id).length;
  const sentAt: number[] = [];
  const answered: number[] = [];
  let failedUpdates = 0;
  const delay = await withLoopDelay(async () => {
    const updates = people.map((_, i) => {
      sentAt[i] = Date.now();
      return send(i, `bench-${group.name}-${i}`).then(
        () => answered.push(Date.now() - (sentAt[i] ?? NaN)),
        (err: unknown) => {
          failedUpdates += 1;
          if (failedUpdates === 1) log(`an Update failed: ${String(err)}`);
        },
      );
    });
    await Promise.all(updates);
    await waitUntil(
      world,
      `${n} adds`,
      () => members() >= n - failedUpdates,
      120_000 + n * 300,
      () => `(${members()}/${n})`,
    );
  });

  const adds = membershipCalls(world.jumpcloud, group.id, 'add');
  const lags: number[] = [];
  let neverAdded = 0;
  people.forEach((person, i) => {
    const added = adds.get(person.jumpcloudUserId)?.[0];
    if (added === undefined || !world.jumpcloud.isMember(group.id, person.jumpcloudUserId)) neverAdded += 1;
    else lags.push(added.at - (sentAt[i] ?? NaN));
  });
  return {
    lags,
    answered,
    failedUpdates,
    neverAdded,
    doubleAdds: [...adds.values()].filter((calls) => calls.length > 1).length,
    loopDelay: { p99Ms: delay.p99Ms, maxMs: delay.maxMs },
  };
}

function printTables(results: LoadResult[]): void {
  console.log('');
  console.log(
    `Approval burst: Update sent → JumpCloud stand-in's receipt of the add, in ms; project = the grant's decide Update, baseline = a bare workflow's Update, then one add. Same run, same dev server (SQLite), loopback, ${cpus().length} CPUs, Node ${process.version}.`,
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
    results.map((r) => {
      const p = summarize(r.project.lags);
      const b = summarize(r.baseline.lags);
      return [
        `${r.n} approvals`,
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
    }),
  ))
    console.log(line);
  console.log('');
  for (const line of markdownTable(
    [
      'load',
      'side',
      'added',
      'never added',
      'double adds',
      'failed Updates',
      'Update answered p50/p99 ms',
      'bench loop delay p99/max ms',
    ],
    results.flatMap((r) =>
      (['project', 'baseline'] as const).map((side) => {
        const s = r[side];
        const answered = summarize(s.answered);
        return [
          `${r.n} approvals`,
          side,
          String(s.lags.length),
          String(s.neverAdded),
          String(s.doubleAdds),
          String(s.failedUpdates),
          `${ms(answered.p50)}/${ms(answered.p99)}`,
          `${ms(s.loopDelay.p99Ms)}/${ms(s.loopDelay.maxMs)}`,
        ];
      }),
    ),
  ))
    console.log(line);
}
