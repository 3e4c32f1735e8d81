import * as wf from '@temporalio/workflow';
import { failureMessage } from '../failure-message';
import { isPatched } from '../patches';
import { activeGrantsTaskQueue } from '../task-queues';
import { type accessGrantWorkflow } from './access-grant';
import { announceExtensionEvents, closeMootExtensions } from './extension-notices';
import { grantCurrentDetails } from './grant-descriptions';
import { type GrantRun, type ToldSoFar } from './grant-run';
import { unreviewedAlertDue } from './grant-rules';
import { MEMBERSHIP_ADD_REFUSED } from './grant-types';

/** An add attempt runs at most its start-to-close timeout (30 s, workflows/activity-options.ts); then some margin. */
const DEFAULT_ADD_SETTLE_SECONDS = 35;

/**
 * An approved grant (or break-glass access): the pre-check, the add, then the access held until it ends. A user who
 * was already a member keeps their standing access and is never added or removed; an add JumpCloud refuses for good
 * ends the grant FAILED.
 */
export async function grantAndHold(run: GrantRun): Promise<void> {
  const { state, input, membership, member, notices } = run;
  if (!run.fewerWrites) notices.refreshApprovalMessage();
  if (isPatched('workerPolicyCheck')) {
    const approvedVia = Object.fromEntries(state.approvals.flatMap((a) => (a.via ? [[a.bySlackUserId, a.via]] : [])));
    const steppedUp = state.approvals.flatMap((a) => (a.stepUp ? [a.bySlackUserId] : []));
    const refusal = await membership.checkGrantPolicy({
      input,
      approvedBy: state.breakGlass ? [] : state.approvals.map((a) => a.bySlackUserId),
      // Only when an approver group or a sign-in is involved: other grants ask exactly as before.
      ...(Object.keys(approvedVia).length > 0 && { approvedVia }),
      ...(steppedUp.length > 0 && { steppedUp }),
    });
    if (refusal !== undefined) {
      state.failure = `refused by the worker's policy: ${refusal}`;
      state.endedAt = new Date().toISOString();
      run.setStatus('FAILED');
      run.audit('ended');
      notices.announce();
      return;
    }
  }
  if (await membership.isGroupMember(member)) {
    // Standing access is never ours to remove.
    state.standingAccess = true;
    state.endedAt = new Date().toISOString();
    run.setStatus('ALREADY_MEMBER');
    run.audit('ended');
    notices.announce();
    return;
  }
  // Asked before the add is scheduled: from here an add that may have landed is always removed.
  const removesUncertainAdd = isPatched('removeAfterUncertainAdd');
  try {
    const added = await membership.addMembership(member);
    // "Already a member" right after we saw the user outside the group means our own earlier attempt landed.
    if (added.alreadyMember) wf.log.info('Membership already present on add; treating as ours', member);
  } catch (err) {
    if (removesUncertainAdd && !addRefused(err)) return removeUncertainAdd(run, err);
    state.failure = failureMessage(err);
    state.endedAt = new Date().toISOString();
    run.setStatus('FAILED');
    run.audit('ended');
    notices.announce();
    return;
  }

  // The clock starts when access is granted, not when it was requested.
  const grantedAt = Date.now();
  state.grantedAt = new Date(grantedAt).toISOString();
  state.expiresAt = new Date(grantedAt + input.durationSeconds * 1000).toISOString();
  run.setStatus('ACTIVE');
  run.audit('granted');
  notices.announce();
  await holdAccess(run, { extensionEvents: run.extensionEvents.length, acknowledgedAt: state.acknowledgedAt });
}

/**
 * What happens at expiry. The access is held until the expiry in force (an approved extension moves it) or a
 * revocation, then removed; or, once everything the grant has to say so far is said, the grant goes on in a new run
 * (the hand-off), which holds the access from there. Extension requests and decisions, a break-glass acknowledgement,
 * the reminder and the unreviewed alert wake the wait only to be told.
 */
export async function holdAccess(run: GrantRun, told: ToldSoFar): Promise<void> {
  const { state, input, notices } = run;
  let cancelled = false;
  let handingOff = false;
  let eventsSeen = told.extensionEvents;
  let acknowledgedSeen = told.acknowledgedAt;
  let remindedFor = told.remindedFor;
  const readyToHandOff = () => run.mayHandOff && run.quiet() && !run.revokeRequested;
  try {
    for (;;) {
      const deadline = expiryInForce(run);
      const remindAt = reminderDue(run, deadline, remindedFor);
      const unreviewedAt = unreviewedAlertDue(state, input);
      await wf.condition(
        () =>
          run.revokeRequested ||
          run.extensionEvents.length !== eventsSeen ||
          state.acknowledgedAt !== acknowledgedSeen ||
          readyToHandOff(),
        Math.max(Math.min(remindAt ?? deadline, unreviewedAt ?? deadline, deadline) - Date.now(), 1),
      );
      announceExtensionEvents(run, eventsSeen);
      if (state.acknowledgedAt !== acknowledgedSeen) {
        if (run.auditing) wf.setCurrentDetails(grantCurrentDetails(state));
        run.audit('break_glass_acknowledged');
        notices.refreshApprovalMessage();
      }
      if (run.revokeRequested || Date.now() >= expiryInForce(run)) break;
      if (unreviewedAt !== undefined && Date.now() >= unreviewedAt && state.acknowledgedAt === undefined) {
        state.unreviewedAlertAt = new Date().toISOString();
        const snapshot = { ...state };
        notices.notify('post the unreviewed break-glass alert', () => run.slack.postBreakGlassUnreviewed(snapshot));
      }
      if (remindAt !== undefined && Date.now() >= remindAt && expiryInForce(run) === deadline) {
        remindedFor = state.expiresAt;
        state.remindedAt = new Date().toISOString();
        const snapshot = { ...state };
        notices.notify('remind the requester', () => run.slack.remindRequester(snapshot));
      }
      if (readyToHandOff()) {
        handingOff = true;
        break;
      }
      eventsSeen = run.extensionEvents.length;
      acknowledgedSeen = state.acknowledgedAt;
    }
  } catch (err) {
    cancelled = wf.isCancellation(err);
    if (cancelled) state.endReason = 'the grant workflow was cancelled';
    throw err;
  } finally {
    // Anything but the hand-off ends the grant, a failure or a cancellation included.
    if (!handingOff) await endAccess(run, cancelled);
  }
  if (handingOff) await handOff(run, remindedFor);
}

/** Continues the grant as a new run whose history is the active phase alone, on the active grants' queue. */
async function handOff(run: GrantRun, remindedFor: string | undefined): Promise<never> {
  const { memo, typedSearchAttributes, firstExecutionRunId } = wf.workflowInfo();
  const toActiveQueue = isPatched('activeGrantsQueue');
  // Visibility lists no first run ID: the memo keeps it, so a listing still finds the grant's audit records.
  const continueAsNew = wf.makeContinueAsNewFunc<typeof accessGrantWorkflow>({
    memo: { ...memo, firstRunId: firstExecutionRunId },
    typedSearchAttributes,
    ...(toActiveQueue && { taskQueue: activeGrantsTaskQueue(run.grantsQueue) }),
  });
  return continueAsNew({
    ...run.input,
    carriedActive: {
      state: run.state,
      auditSequence: run.auditSequence,
      remindedFor,
      ...(toActiveQueue && { grantsTaskQueue: run.grantsQueue }),
    },
  });
}

/** The removal, verified and retried until it happens, even if the workflow is cancelled; then the last messages. */
async function endAccess(run: GrantRun, cancelled: boolean): Promise<void> {
  const { state, notices } = run;
  // From here the grant is ending: no extension or revocation can slip in while the removal runs (it may retry for as
  // long as JumpCloud refuses).
  state.endingAt = new Date().toISOString();
  closeMootExtensions(run);
  await wf.CancellationScope.nonCancellable(() => run.membership.removeMembership(run.member));
  state.endedAt = new Date().toISOString();
  run.setStatus(run.revokeRequested || cancelled ? 'REVOKED' : 'EXPIRED');
  if (isPatched('finalNoticesSurviveCancel')) {
    // In the cancelled scope these would fail before reaching Slack; the approvers and the requester must still learn
    // that access ended, so they are sent (and, when cancelled, awaited) outside it.
    await wf.CancellationScope.nonCancellable(async () => {
      run.audit('ended');
      notices.announce();
      if (cancelled) {
        await notices.settled();
        await run.trail.settled();
      }
    });
  } else {
    notices.announce();
  }
}

/** True when JumpCloud refused the add on its first attempt, before changing anything (activities/membership.ts). */
function addRefused(err: unknown): boolean {
  const failure = err instanceof wf.ActivityFailure ? err.cause : err;
  return failure instanceof wf.ApplicationFailure && failure.type === MEMBERSHIP_ADD_REFUSED;
}

/**
 * An add that failed or was cancelled may still have landed: JumpCloud accepted it and the read that verifies it
 * failed, a refusal came on a retry after an attempt that timed out, or the workflow was cancelled while an attempt
 * ran or waited for its retry. The grant owns that membership: it removes it, non-cancellable and retried until
 * verified, then ends FAILED, or REVOKED when cancelled, as a cancellation while active does. After a cancellation the
 * removal waits `addSettleSeconds` first: an attempt still running on a worker could otherwise land after it.
 */
async function removeUncertainAdd(run: GrantRun, err: unknown): Promise<void> {
  const { state, notices, input } = run;
  const cancelled = wf.isCancellation(err);
  if (cancelled) state.endReason = 'the grant workflow was cancelled';
  else state.failure = failureMessage(err);
  state.endingAt = new Date().toISOString();
  await wf.CancellationScope.nonCancellable(async () => {
    if (cancelled) await wf.sleep((input.timing?.addSettleSeconds ?? DEFAULT_ADD_SETTLE_SECONDS) * 1000);
    await run.membership.removeMembership(run.member);
  });
  state.addRemoved = true;
  state.endedAt = new Date().toISOString();
  run.setStatus(cancelled ? 'REVOKED' : 'FAILED');
  // Sent and awaited outside the cancellation: the approvers and the requester learn that nothing was left behind.
  await wf.CancellationScope.nonCancellable(async () => {
    run.audit('ended');
    notices.announce();
    await notices.settled();
    await run.trail.settled();
  });
  if (cancelled) throw err;
}

/** The expiry in force: set when access is granted (in this run, or in the one that handed the grant off). */
function expiryInForce(run: GrantRun): number {
  return Date.parse(run.state.expiresAt ?? '');
}

/**
 * When to remind the requester before `deadline`: once per expiry in force, `remindBeforeSeconds` ahead, and only for
 * a grant lasting more than twice that. Undefined when no reminder is due.
 */
function reminderDue(run: GrantRun, deadline: number, remindedFor: string | undefined): number | undefined {
  const { state, input } = run;
  const lead = (input.policy.remindBeforeSeconds ?? 0) * 1000;
  if (lead <= 0 || remindedFor === state.expiresAt || !state.grantedAt) return undefined;
  if (deadline - Date.parse(state.grantedAt) <= 2 * lead) return undefined;
  return deadline - lead;
}
