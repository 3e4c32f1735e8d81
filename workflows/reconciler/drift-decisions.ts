import * as wf from '@temporalio/workflow';
import { removalActivities, settingsActivities } from './reconciler-activities';
import { decideDriftUpdate } from './reconciler-updates';
import {
  DRIFT_DECISION_REFUSED,
  type DriftAlert,
  type DriftDecision,
  type DriftDecisionResult,
  KEEP_REASON_LENGTH,
  type OpenDrift,
  type ReconcilerState,
} from './reconciler-types';

/** The open, unexplained membership a decision is about. */
function decidedDrift(state: ReconcilerState, d: Pick<DriftDecision, 'groupId' | 'userId'>): OpenDrift | undefined {
  return state.openDrift.find(
    (x) => x.kind === 'unexplained-member' && x.groupId === d.groupId && x.userId === d.userId,
  );
}

/** Why the Update is refused before it is accepted (nothing recorded), or undefined. Pure: the validator's rule. */
export function decisionProblem(state: ReconcilerState, d: DriftDecision): string | undefined {
  if (!/^[UW][A-Z0-9]{2,}$/.test(d.bySlackUserId)) return 'the decider is not a Slack user ID';
  if (d.action !== 'remove' && d.action !== 'keep') return 'the action is neither remove nor keep';
  const reason = (d.reason ?? '').trim();
  if (d.action === 'keep' && (reason.length < KEEP_REASON_LENGTH.min || reason.length > KEEP_REASON_LENGTH.max)) {
    return `keeping a membership needs a reason of ${KEEP_REASON_LENGTH.min} to ${KEEP_REASON_LENGTH.max} characters`;
  }
  const drift = decidedDrift(state, d);
  if (!drift) return 'this membership is no longer open drift: it was removed or explained';
  if (drift.kept) return `this membership was already kept by ${drift.kept.bySlackUserId}`;
  return undefined;
}

/**
 * Remove now / Keep from a drift alert. A decision never runs beside one of the reconciler's runs (both change the
 * open drift): it waits for the run in progress, and a run waits for it. The worker's policy decides who may decide,
 * at the moment of the decision; a removal takes the same fresh look as the reconciler's own.
 */
export function handleDriftDecisions(
  state: ReconcilerState,
  runInProgress: () => boolean,
  alert: (message: DriftAlert) => void,
): { inProgress: () => boolean } {
  let deciding = false;
  const free = () => !runInProgress() && !deciding;
  wf.setHandler(
    decideDriftUpdate,
    async (decision) => {
      while (!free()) await wf.condition(free);
      deciding = true;
      try {
        return await decide(decision);
      } finally {
        deciding = false;
      }
    },
    {
      validator: (decision) => {
        const problem = decisionProblem(state, decision);
        if (problem !== undefined) throw new Error(problem);
      },
    },
  );

  async function decide(d: DriftDecision): Promise<DriftDecisionResult> {
    const refusal = await settingsActivities(state.config).driftDeciderRefusal({
      groupId: d.groupId,
      slackUserId: d.bySlackUserId,
    });
    if (refusal !== undefined) throw wf.ApplicationFailure.nonRetryable(refusal, DRIFT_DECISION_REFUSED);
    const drift = decidedDrift(state, d);
    const group = state.config.groups.find((g) => g.id === d.groupId);
    if (!drift || !group || drift.kept) return { outcome: 'gone' };
    const others = (x: OpenDrift) => x !== drift;
    if (d.action === 'keep') {
      const at = new Date().toISOString();
      const reason = (d.reason ?? '').trim();
      const kept: OpenDrift = { ...drift, alerted: true, kept: { bySlackUserId: d.bySlackUserId, reason, at } };
      state.openDrift = [...state.openDrift.filter(others), kept];
      alert({ event: 'kept', drift: kept, groupName: group.name, at, bySlackUserId: d.bySlackUserId, reason });
      return { outcome: 'kept' };
    }
    const { removed } = await removalActivities(state.config).removeDriftMember({
      groupId: group.id,
      userId: drift.userId,
      standingMembers: group.standingMembers,
    });
    if (!removed) return { outcome: 'gone' };
    state.openDrift = state.openDrift.filter(others);
    const at = new Date().toISOString();
    alert({ event: 'removed', drift, groupName: group.name, at, bySlackUserId: d.bySlackUserId });
    return { outcome: 'removed' };
  }

  return { inProgress: () => deciding };
}
