import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { decideUpdate, grantStateQuery, revokeUpdate } from './grant-updates';
import { decisionRefusal, inputProblem, revokeRefusal } from './grant-rules';
import { type GrantInput, type GrantState, type GrantStatus, type SlackMessageRef } from './grant-types';
import { grantSearchAttributes as sa } from './search-attributes';

const DEFAULT_MEMBERSHIP_RETRY_MAX_INTERVAL_SECONDS = 60;
const DEFAULT_NOTIFICATION_BUDGET_SECONDS = 3600;
/** Patch: the last Slack messages of a grant cancelled while active are sent (grants started before it are not). */
const FINAL_NOTICES_SURVIVE_CANCEL = 'final-notices-survive-cancel';

/**
 * One grant of temporary membership in a JumpCloud user group: approval, membership, durable expiry, revocation.
 * Returns the final state, so the closed workflow's result answers an auditor's questions on its own.
 */
export async function accessGrantWorkflow(input: GrantInput): Promise<GrantState> {
  const problem = inputProblem(input);
  if (problem) throw wf.ApplicationFailure.nonRetryable(`Invalid grant request: ${problem}`, 'InvalidGrantRequest');

  const requestedAt = Date.now();
  // Pending from the first instruction: an Update that arrived with the start is validated as soon as its
  // handler is registered, so the state must already be what the validator expects.
  const state: GrantState = {
    requestId: input.requestId,
    status: 'PENDING_APPROVAL',
    requester: input.requester,
    group: input.group,
    durationSeconds: input.durationSeconds,
    justification: input.justification,
    approvers: input.policy.approvers,
    approvalChannel: input.policy.approvalChannel,
    requestedAt: new Date(requestedAt).toISOString(),
    approvalDeadline: new Date(requestedAt + input.policy.approvalTimeoutSeconds * 1000).toISOString(),
    notificationFailures: 0,
  };
  let revokeRequested = false;

  wf.setHandler(grantStateQuery, () => state);
  wf.setHandler(
    decideUpdate,
    (decision) => {
      state.decidedBy = decision.deciderSlackUserId;
      state.decidedAt = new Date().toISOString();
      state.decisionReason = decision.reason;
      setStatus(decision.decision === 'approve' ? 'APPROVED' : 'REJECTED');
      return { ...state };
    },
    { validator: (decision) => refuseWith(decisionRefusal(state, input.policy, decision)) },
  );
  wf.setHandler(
    revokeUpdate,
    (revoke) => {
      revokeRequested = true;
      state.endedBy = revoke.bySlackUserId;
      state.endReason = revoke.reason;
      return { ...state };
    },
    { validator: (revoke) => refuseWith(revokeRefusal(state, input.policy, revoke)) },
  );

  setStatus(state.status);

  const membership = membershipActivities(input);
  const slack = slackActivities(input);
  const member = { groupId: input.group.id, userId: input.requester.jumpcloudUserId };

  // Notifications run one after another in the background: they never delay or undo a membership change,
  // and their order in Slack follows the grant's order.
  let notifications: Promise<void> = Promise.resolve();
  const notify = (what: string, send: () => Promise<unknown>) => {
    notifications = notifications.then(send).then(
      () => undefined,
      (err: unknown) => {
        state.notificationFailures += 1;
        wf.log.warn('Slack notification given up', { what, error: errorMessage(err) });
      },
    );
  };
  const refreshApprovalMessage = () => {
    const snapshot = { ...state };
    notify('update approval message', async () => {
      if (state.approvalMessage) await slack.updateApprovalMessage(state.approvalMessage, snapshot);
    });
  };
  const tellRequester = () => {
    const snapshot = { ...state };
    notify('message requester', () => slack.notifyRequester(snapshot));
  };

  notify('post approval request', async () => {
    const ref: SlackMessageRef = await slack.postApprovalRequest({ ...state });
    state.approvalMessage = ref;
  });

  const settled = await wf.condition(
    () => state.status !== 'PENDING_APPROVAL' || revokeRequested,
    input.policy.approvalTimeoutSeconds * 1000,
  );
  if (!settled) {
    setStatus('TIMED_OUT');
    state.endedAt = new Date().toISOString();
  } else if (revokeRequested) {
    setStatus('CANCELLED');
    state.endedAt = new Date().toISOString();
  } else if (state.status === 'REJECTED') {
    state.endedAt = state.decidedAt;
  }

  if (state.status === 'APPROVED') {
    await grantAndRevoke();
  } else {
    refreshApprovalMessage();
    tellRequester();
  }

  await notifications;
  await wf.condition(wf.allHandlersFinished);
  return state;

  async function grantAndRevoke(): Promise<void> {
    refreshApprovalMessage();
    if (await membership.isGroupMember(member)) {
      // Standing access is never ours to remove.
      state.standingAccess = true;
      setStatus('ALREADY_MEMBER');
      state.endedAt = new Date().toISOString();
      refreshApprovalMessage();
      tellRequester();
      return;
    }
    try {
      const added = await membership.addMembership(member);
      // "Already a member" right after we saw the user outside the group means our own earlier attempt landed.
      if (added.alreadyMember) wf.log.info('Membership already present on add; treating as ours', member);
    } catch (err) {
      state.failure = errorMessage(err);
      setStatus('FAILED');
      state.endedAt = new Date().toISOString();
      refreshApprovalMessage();
      tellRequester();
      return;
    }

    // The clock starts when access is granted, not when it was requested.
    const grantedAt = Date.now();
    const expiresAt = grantedAt + input.durationSeconds * 1000;
    state.grantedAt = new Date(grantedAt).toISOString();
    state.expiresAt = new Date(expiresAt).toISOString();
    setStatus('ACTIVE');
    refreshApprovalMessage();
    tellRequester();

    let cancelled = false;
    try {
      await wf.condition(() => revokeRequested, Math.max(expiresAt - Date.now(), 1));
    } catch (err) {
      cancelled = wf.isCancellation(err);
      if (cancelled) state.endReason = 'the grant workflow was cancelled';
      throw err;
    } finally {
      // Runs even if the workflow is cancelled: a membership we added is always removed.
      await wf.CancellationScope.nonCancellable(() => membership.revokeMembership(member));
      state.endedAt = new Date().toISOString();
      setStatus(revokeRequested || cancelled ? 'REVOKED' : 'EXPIRED');
      if (wf.patched(FINAL_NOTICES_SURVIVE_CANCEL)) {
        // In the cancelled scope these would fail before reaching Slack; the approvers and the requester must still
        // learn that access ended, so they are sent (and, when cancelled, awaited) outside it.
        await wf.CancellationScope.nonCancellable(async () => {
          refreshApprovalMessage();
          tellRequester();
          if (cancelled) await notifications;
        });
      } else {
        refreshApprovalMessage();
        tellRequester();
      }
    }
  }

  function setStatus(status: GrantStatus): void {
    state.status = status;
    wf.upsertSearchAttributes([
      { key: sa.status, value: status },
      { key: sa.requester, value: input.requester.slackUserId },
      { key: sa.requesterEmail, value: input.requester.email },
      { key: sa.group, value: input.group.id },
      ...(state.decidedBy ? [{ key: sa.decider, value: state.decidedBy }] : []),
      ...(state.expiresAt ? [{ key: sa.expiresAt, value: new Date(state.expiresAt) }] : []),
    ]);
  }
}

function membershipActivities(input: GrantInput) {
  const maxInterval = input.timing?.membershipRetryMaxIntervalSeconds ?? DEFAULT_MEMBERSHIP_RETRY_MAX_INTERVAL_SECONDS;
  // No maximumAttempts and no scheduleToClose: a grant's membership change retries until it happens.
  return wf.proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: `${Math.min(1, maxInterval)} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${maxInterval} seconds`,
    },
  });
}

function slackActivities(input: GrantInput) {
  const budget = input.timing?.notificationBudgetSeconds ?? DEFAULT_NOTIFICATION_BUDGET_SECONDS;
  return wf.proxyActivities<Activities>({
    startToCloseTimeout: '15 seconds',
    scheduleToCloseTimeout: `${budget} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
}

function refuseWith(reason: string | undefined): void {
  if (reason) throw new Error(reason);
}

function errorMessage(err: unknown): string {
  if (err instanceof wf.ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
