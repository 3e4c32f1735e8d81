import * as wf from '@temporalio/workflow';
import { failureMessage } from '../failure-message';
import { removedOutsideSignal } from '../grant/grant-updates';
import { isPatched } from '../patches';
import { notificationTaskQueue } from '../task-queues';
import { compareDrift, driftKey, reconcilerConfigProblem, removalHolds } from './drift-rules';
import { changeKey, type FollowResult, lookAtChanges } from './event-follower';
import { inspectActivities, removalActivities, settingsActivities } from './reconciler-activities';
import { recordReconcileRun } from '../grant-metrics';
import { configureReconcilerSignal, reconcilerStateQuery } from './reconciler-updates';
import { createSecurityChannel } from './security-channel';
import { handleDriftDecisions } from './drift-decisions';
import {
  type FoundDrift,
  type GroupInspection,
  type OpenDrift,
  type ReconcileRun,
  type ReconcilerConfig,
  type ReconcilerState,
} from './reconciler-types';

/** Continue-as-new after this many runs, so the history stays short however long the sweep lives. */
const RUNS_PER_EXECUTION = 100;
const RECENT_RUNS_KEPT = 10;

export interface ReconcilerInput {
  config: ReconcilerConfig;
  /** What a previous execution handed over at continue-as-new. */
  carried?: Omit<ReconcilerState, 'config'>;
}

/**
 * The sweep beside the grant timers: every interval, each policy group's members are compared with the open grants.
 * Access no grant explains is reported once when first seen and once when it ends, or removed where the policy says
 * so. One long-running workflow (not a Schedule) because the open drift must be remembered from run to run; it
 * continues as new every RUNS_PER_EXECUTION runs and carries that memory over.
 */
export async function reconcilerWorkflow(input: ReconcilerInput): Promise<never> {
  // Drift also goes to the audit sinks, alerts to the notification queue. A sweep started before either patch runs on
  // without it until it continues as new.
  const auditing = isPatched('auditTrail');
  const notificationQueue = isPatched('notificationTaskQueue')
    ? notificationTaskQueue(wf.workflowInfo().taskQueue)
    : undefined;
  // The configuration comes from the worker's policy at every run, and removals have brakes (docs/architecture.md).
  const guarded = isPatched('guardedReconciler');
  // Between sweeps, Directory Insights when the worker's settings say so (docs/architecture.md, "The reconciler").
  const following = guarded && isPatched('driftEvents');
  // A grant whose membership was removed by hand is told, and tells its requester.
  const tellsGrants = guarded && isPatched('tellGrantOfRemoval');
  const state: ReconcilerState = {
    config: input.config,
    runs: input.carried?.runs ?? 0,
    openDrift: input.carried?.openDrift ?? [],
    lastRun: input.carried?.lastRun,
    recentRuns: input.carried?.recentRuns ?? [],
    alertFailures: input.carried?.alertFailures ?? 0,
    ...(auditing && { auditFailures: input.carried?.auditFailures ?? 0 }),
    ...(guarded && { removingGroups: input.carried?.removingGroups ?? [] }),
    ...(following && input.carried?.events && { events: input.carried.events }),
  };
  wf.setHandler(reconcilerStateQuery, () => state);
  wf.setHandler(configureReconcilerSignal, (config) => {
    // Anyone who can write to the namespace can signal: the payload is no authority over what is removed.
    if (guarded) return wf.log.warn("Reconciler configuration signal ignored: it comes from the worker's policy");
    const problem = reconcilerConfigProblem(config);
    if (problem) wf.log.warn('Reconciler configuration ignored', { problem });
    else state.config = config;
  });
  const problem = reconcilerConfigProblem(state.config);
  if (problem) throw wf.ApplicationFailure.nonRetryable(`Invalid reconciler configuration: ${problem}`);

  const channel = createSecurityChannel(state, notificationQueue, auditing);
  const { alert, notice } = channel;
  // Remove now / Keep from the alerts; a decision and a run never overlap (drift-decisions.ts).
  let runInProgress = false;
  const decisions = handleDriftDecisions(state, () => runInProgress, alert);
  const record = (run: ReconcileRun) => {
    state.runs += 1;
    state.lastRun = run;
    state.recentRuns = [...state.recentRuns, run].slice(-RECENT_RUNS_KEPT);
    recordReconcileRun(run, state.openDrift.length);
  };
  /** Seconds to the next sweep: the backstop's when Directory Insights is followed, else the interval. */
  const sweepSeconds = () => {
    const events = following ? state.config.events : undefined;
    return events && !state.events?.unavailable ? events.sweepSeconds : state.config.intervalSeconds;
  };

  // A sweep an hour apart outlives an execution (100 looks): the next one's time crosses continue-as-new.
  let nextSweepAt = state.events?.sweepDueAt ?? Date.now();
  for (let runsHere = 0; ; runsHere += 1) {
    if (runsHere >= RUNS_PER_EXECUTION || wf.workflowInfo().continueAsNewSuggested) {
      await channel.settled();
      await wf.condition(wf.allHandlersFinished);
      if (state.events) state.events.sweepDueAt = nextSweepAt;
      const { config, ...carried } = state;
      return wf.continueAsNew<typeof reconcilerWorkflow>({ config, carried });
    }
    const startedAt = Date.now();
    if (!(following && state.config.events) || startedAt >= nextSweepAt) {
      record(await reconcileOnce(startedAt));
      // The next sweep starts one interval after this one started, or at once if this one took longer.
      nextSweepAt = startedAt + sweepSeconds() * 1000;
    }
    const events = following ? state.config.events : undefined;
    if (events) await follow(events.followSeconds);
    const nextLook = events && !state.events?.unavailable ? Date.now() + events.followSeconds * 1000 : Infinity;
    await wf.sleep(Math.max(1, Math.min(nextSweepAt, nextLook) - Date.now()));
  }

  /** One look at Directory Insights; the groups its changes touched are inspected at once. */
  async function follow(followSeconds: number): Promise<void> {
    const position = (state.events ??= { since: new Date().toISOString(), changesSeen: 0 });
    const result: FollowResult = await lookAtChanges(position, state.config, followSeconds);
    if (result.kind === 'failed') return;
    if (result.kind === 'unavailable') {
      if (position.unavailable === undefined) {
        notice({ state: 'unavailable', reason: result.reason, sweepSeconds: state.config.intervalSeconds });
        nextSweepAt = Math.min(nextSweepAt, Date.now() + state.config.intervalSeconds * 1000);
      }
      position.unavailable = result.reason;
      return;
    }
    if (position.unavailable !== undefined) {
      delete position.unavailable;
      notice({ state: 'restored', followSeconds });
    }
    if (result.groupIds.length > 0) record(await reconcileOnce(Date.now(), result));
  }

  /**
   * One run over every policy group (a sweep), or over the groups Directory Insights says changed, with who changed
   * each membership (`focus`).
   */
  async function reconcileOnce(
    startedAt: number,
    focus?: { groupIds: string[]; madeBy: Map<string, OpenDrift['madeBy']> },
  ): Promise<ReconcileRun> {
    // No await unless a decision is in progress: the commands of runs recorded before decisions stay in their order.
    while (decisions.inProgress()) await wf.condition(() => !decisions.inProgress());
    runInProgress = true;
    const errors: ReconcileRun['errors'] = [];
    if (guarded) {
      try {
        state.config = await settingsActivities(state.config).reconcilerSettings();
      } catch (err) {
        errors.push({ groupId: '', error: `the worker's policy could not be read: ${failureMessage(err)}` });
        runInProgress = false;
        return runSummary(startedAt, [], 0, errors);
      }
    }
    const config = state.config;
    const inspect = inspectActivities(config);
    const groups = focus ? config.groups.filter((g) => focus.groupIds.includes(g.id)) : config.groups;
    const settled = await Promise.allSettled(
      groups.map((group) => inspect.inspectGroup({ groupId: group.id, standingMembers: group.standingMembers })),
    );
    const inspections: GroupInspection[] = [];
    settled.forEach((result, index) => {
      const groupId = groups[index]?.id ?? '';
      if (result.status === 'fulfilled') inspections.push(result.value);
      else errors.push({ groupId, error: failureMessage(result.reason) });
    });

    const { opened, stillOpen, ended } = compareDrift(state.openDrift, inspections);
    const nowIso = new Date().toISOString();
    // Named only by a change of its own kind: an add opens an unexplained member, a removal a missing one.
    const madeBy = (d: FoundDrift) => {
      const change = focus?.madeBy.get(changeKey(d.groupId, d.userId));
      return change && (change.op === 'add') === (d.kind === 'unexplained-member') ? change : undefined;
    };
    const fresh = opened.map((d) => ({ ...d, since: nowIso, alerted: false, ...(madeBy(d) && { madeBy: madeBy(d) }) }));
    const open: OpenDrift[] = [...stillOpen, ...fresh];
    if (tellsGrants) fresh.forEach((d) => tellGrant(d, nowIso));
    for (const drift of ended) {
      if (drift.alerted) alert({ event: 'ended', drift, groupName: groupName(drift.groupId), at: nowIso });
    }

    const holds = guarded ? removalHolds(config, inspections, open, state.removingGroups ?? []) : undefined;
    let removed = 0;
    const keep: OpenDrift[] = [];
    for (const drift of open) {
      // A run over some groups leaves the others' drift as it was; a membership an approver kept stays as it is.
      if ((focus && !focus.groupIds.includes(drift.groupId)) || drift.kept) {
        keep.push(drift);
        continue;
      }
      const group = config.groups.find((g) => g.id === drift.groupId);
      const held = group?.onDrift === 'remove' ? holds?.get(group.id) : undefined;
      if (drift.kind !== 'unexplained-member' || group?.onDrift !== 'remove' || held !== undefined) {
        keep.push(reportOnce(drift, held, nowIso));
        continue;
      }
      // The activity is awaited here, not in a helper: an extra await would reorder this run's commands against the
      // alerts' (recorded histories replay only in this order).
      try {
        const done = guarded
          ? // A fresh look first: the drift may be explained by now, or come from a run that could not read.
            (
              await removalActivities(config).removeDriftMember({
                groupId: group.id,
                userId: drift.userId,
                standingMembers: group.standingMembers,
              })
            ).removed
          : (await removalActivities(config).revokeMembership({ groupId: drift.groupId, userId: drift.userId }), true);
        if (!done) {
          keep.push(drift);
          continue;
        }
        removed += 1;
        alert({ event: 'removed', drift, groupName: groupName(drift.groupId), at: new Date().toISOString() });
      } catch (err) {
        wf.log.warn('Drift removal failed; retried next run', { key: driftKey(drift), error: failureMessage(err) });
        if (!drift.alerted) alert({ event: 'removal-failing', drift, groupName: groupName(drift.groupId), at: nowIso });
        keep.push({ ...drift, alerted: true });
      }
    }
    state.openDrift = keep;
    if (guarded) {
      const removing = groups.filter((g) => g.onDrift === 'remove').map((g) => g.id);
      // Only the groups this run looked at change their mode: the others' first run in remove mode is still to come.
      const others = focus ? (state.removingGroups ?? []).filter((id) => !focus.groupIds.includes(id)) : [];
      state.removingGroups = [...others, ...removing];
    }
    for (const i of inspections) {
      if (i.unresolvedStanding?.length) {
        errors.push({
          groupId: i.groupId,
          error: `standing members match no JumpCloud user: ${i.unresolvedStanding.join(', ')}`,
        });
      }
    }
    runInProgress = false;
    return runSummary(startedAt, inspections, removed, errors);
  }

  /** A drift not removed this run: alerted once, as found or as held back with the reason. */
  function reportOnce(drift: OpenDrift, held: string | undefined, nowIso: string): OpenDrift {
    if (!drift.alerted) {
      const event = held === undefined ? 'found' : 'removal-held';
      alert({ event, drift, groupName: groupName(drift.groupId), at: nowIso, ...(held && { reason: held }) });
    }
    return { ...drift, alerted: true };
  }

  /** A missing member's grant is told once, when the drift opens; a grant that closed meanwhile needs nothing. */
  function tellGrant(drift: OpenDrift, seenAt: string): void {
    if (drift.kind !== 'missing-member' || !drift.grantWorkflowId) return;
    const removal = { seenAt, ...(drift.madeBy && { by: drift.madeBy }) };
    wf.getExternalWorkflowHandle(drift.grantWorkflowId)
      .signal(removedOutsideSignal, removal)
      .catch((err: unknown) => wf.log.warn('Grant not told of its removal', { error: failureMessage(err) }));
  }

  function groupName(groupId: string): string {
    return state.config.groups.find((g) => g.id === groupId)?.name ?? groupId;
  }
}

function runSummary(
  startedAt: number,
  inspections: readonly GroupInspection[],
  removed: number,
  errors: ReconcileRun['errors'],
): ReconcileRun {
  return {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    groupsChecked: inspections.length,
    members: inspections.reduce((sum, i) => sum + i.members, 0),
    driftFound: inspections.reduce((sum, i) => sum + i.drift.length, 0),
    removed,
    errors,
  };
}
