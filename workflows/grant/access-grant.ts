import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  acknowledgeBreakGlassUpdate,
  decideExtensionUpdate,
  decideUpdate,
  grantStateQuery,
  requestExtensionUpdate,
  revokeUpdate,
} from './grant-updates';
import {
  acknowledgeRefusal,
  breakGlassGrantState,
  decisionRefusal,
  extensionDecisionRefusal,
  extensionRefusal,
  inputProblem,
  pendingGrantState,
  revokeRefusal,
  unreviewedAlertDue,
} from './grant-rules';
import { type GrantInput, type GrantState, type GrantStatus, type SlackMessageRef } from './grant-types';
import { countNotificationGivenUp, recordGrantTransition } from '../grant-metrics';
import { createAuditTrail } from '../audit/audit-trail';
import { type GrantAuditKind } from '../audit/audit-types';
import { grantCurrentDetails } from './grant-descriptions';
import { activeGrantsTaskQueue, notificationTaskQueue } from '../task-queues';
import { type LocalFirst, localFirst, localFirstInTurn, QUICK_LOCAL_ATTEMPT } from '../local-first';
import { grantSearchAttributes as sa } from '../search-attributes';

interface ExtensionEvent {
  kind: 'requested' | 'partly-approved' | 'decided';
  /** The extension's id. */
  id: number;
}

const DEFAULT_MEMBERSHIP_RETRY_MAX_INTERVAL_SECONDS = 60;
const DEFAULT_NOTIFICATION_BUDGET_SECONDS = 3600;
/** Patch: the last Slack messages of a grant cancelled while active are sent (grants started before it are not). */
const FINAL_NOTICES_SURVIVE_CANCEL = 'final-notices-survive-cancel';
/**
 * Patch: the grant writes its audit trail (ServiceNow, Jira, webhook), names its activities and current details for
 * the Web UI and sets JitGroupName. Grants started before it run on without any of that.
 */
const AUDIT_TRAIL = 'audit-trail';
/** Patch: Slack and audit activities go to the notification task queue (workflows/task-queues.ts). */
const NOTIFICATION_QUEUE = 'notification-task-queue';
/**
 * Patch: fewer workflow tasks between a decision or an expiry and JumpCloud. The membership pre-check runs as a local
 * activity inside the approval's own workflow task (its answer is recorded before the add is scheduled, so a retried
 * add still knows the user was not a member), and the messages that follow a change (approval message, break-glass
 * alert, the requester's DM) go as one activity instead of one each.
 */
const FEWER_TASKS = 'fewer-workflow-tasks';
/**
 * Patch: fewer server writes per grant. The removal runs first as a local activity inside the workflow task that saw
 * the expiry or the revocation, and the pre-check and the audit trail's question of which sinks are configured run
 * the same way: one quick local attempt, then the ordinary activity if it fails (workflows/local-first.ts). The
 * approval message is no longer updated before the add: the announcement after it does that.
 */
const FEWER_WRITES = 'fewer-server-writes';
/**
 * Patch: once access is granted and every message and audit record of the grant so far is sent, the grant continues
 * as a new run that starts in the active phase (`GrantInput.carriedActive`). A worker's cache holds only so many
 * grants; one that is not held is replayed from its history when its expiry fires, and this keeps that history short.
 */
const HAND_OFF_WHEN_ACTIVE = 'hand-off-when-active';
/**
 * Patch: the local activities of a grant run one at a time (`localFirstInTurn`). A break-glass grant asked the sinks
 * and made the pre-check together in its first task, and its replay could schedule the add and the first audit
 * records in the other order: a nondeterminism error.
 */
const LOCAL_ACTIVITIES_IN_TURN = 'local-activities-in-turn';
/**
 * Patch: the hand-off continues the grant on the active grants' queue (workflows/task-queues.ts), so its expiry and
 * removal never wait behind the workflow tasks of new requests and approvals on the grants' queue.
 */
const ACTIVE_GRANTS_QUEUE = 'active-grants-queue';

/**
 * One grant of temporary membership in a JumpCloud user group: approval, membership, durable expiry, revocation.
 * Returns the final state, so the closed workflow's result answers an auditor's questions on its own.
 */
export async function accessGrantWorkflow(input: GrantInput): Promise<GrantState> {
  const problem = inputProblem(input);
  if (problem) throw wf.ApplicationFailure.nonRetryable(`Invalid grant request: ${problem}`, 'InvalidGrantRequest');

  // Asked once, before any handler or command, so every step of this run (Update handlers included) agrees on it.
  const auditing = wf.patched(AUDIT_TRAIL);
  const carried = input.carriedActive;
  // The queue the grant began on; a carried run may be on the active grants' queue beside it.
  const grantsQueue = carried?.grantsTaskQueue ?? wf.workflowInfo().taskQueue;
  const notificationQueue = wf.patched(NOTIFICATION_QUEUE) ? notificationTaskQueue(grantsQueue) : undefined;
  const fewerTasks = wf.patched(FEWER_TASKS);
  const fewerWrites = wf.patched(FEWER_WRITES);
  // A carried grant never hands off again: its history is already the active phase alone.
  const mayHandOff = !carried && wf.patched(HAND_OFF_WHEN_ACTIVE);
  const tryLocalFirst: LocalFirst | undefined = !fewerWrites
    ? undefined
    : wf.patched(LOCAL_ACTIVITIES_IN_TURN)
      ? localFirstInTurn()
      : localFirst;
  const requestedAt = Date.now();
  // Pending from the first instruction: an Update that arrived with the start is validated as soon as its
  // handler is registered, so the state must already be what the validator expects.
  // Break-glass access is approved from the first instruction: no decision can arrive for it.
  const pending = pendingGrantState(input, requestedAt);
  const state = carried
    ? carried.state
    : input.breakGlass
      ? breakGlassGrantState(pending, input, requestedAt)
      : pending;

  let revokeRequested = false;
  // What happened to extension requests, in order; the expiry wait below tells Slack about each one.
  const extensionEvents: ExtensionEvent[] = [];
  // Read before any handler is registered: an Update that arrives with a carried run's start is handled during its
  // registration, before the expiry wait begins, and the wait must still tell Slack about it.
  const carriedAcknowledgedAt = state.acknowledgedAt;

  wf.setHandler(grantStateQuery, () => state);
  wf.setHandler(
    decideUpdate,
    (decision) => {
      const at = new Date().toISOString();
      if (decision.decision === 'approve') {
        state.approvals.push({ bySlackUserId: decision.deciderSlackUserId, at });
        // Short of the quorum, the request stays pending and keeps its buttons; any reject still ends it.
        if (state.approvals.length < state.requiredApprovals) return { ...state };
      }
      state.decidedBy = decision.deciderSlackUserId;
      state.decidedAt = at;
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

  // Registered for every grant so that an acknowledgement sent to an ordinary one is refused with the validator's
  // reason rather than the SDK's "no handler"; a refused Update writes nothing, so no history changes.
  wf.setHandler(
    acknowledgeBreakGlassUpdate,
    (ack) => {
      state.acknowledgedBy = ack.bySlackUserId;
      state.acknowledgedAt = new Date().toISOString();
      return { ...state };
    },
    { validator: (ack) => refuseWith(acknowledgeRefusal(state, input.policy, ack)) },
  );

  wf.setHandler(
    requestExtensionUpdate,
    (request) => {
      const id = state.extensions.length + 1;
      state.extensions.push({
        id,
        extraSeconds: request.extraSeconds,
        reason: request.reason.trim(),
        requestedAt: new Date().toISOString(),
        status: 'PENDING',
        approvals: [],
        expiresAtBefore: state.expiresAt ?? '',
      });
      extensionEvents.push({ kind: 'requested', id });
      return { ...state };
    },
    { validator: (request) => refuseWith(extensionRefusal(state, input.policy, request)) },
  );
  wf.setHandler(
    decideExtensionUpdate,
    (decision) => {
      const extension = state.extensions.find((e) => e.id === decision.extensionId);
      if (!extension) return { ...state };
      const at = new Date().toISOString();
      if (decision.decision === 'approve') {
        extension.approvals.push({ bySlackUserId: decision.deciderSlackUserId, at });
        if (extension.approvals.length < state.requiredApprovals) {
          extensionEvents.push({ kind: 'partly-approved', id: extension.id });
          return { ...state };
        }
      }
      extension.decidedBy = decision.deciderSlackUserId;
      extension.decidedAt = at;
      extension.decisionReason = decision.reason;
      extension.status = decision.decision === 'approve' ? 'APPROVED' : 'REJECTED';
      if (extension.status === 'APPROVED') {
        // Later, never earlier: the new expiry counts from the one in force when it is approved.
        const after = Date.parse(state.expiresAt ?? at) + extension.extraSeconds * 1000;
        extension.expiresAtBefore = state.expiresAt ?? at;
        extension.expiresAtAfter = new Date(after).toISOString();
        state.expiresAt = extension.expiresAtAfter;
        wf.upsertSearchAttributes([{ key: sa.expiresAt, value: new Date(after) }]);
      }
      extensionEvents.push({ kind: 'decided', id: extension.id });
      return { ...state };
    },
    { validator: (decision) => refuseWith(extensionDecisionRefusal(state, input.policy, decision)) },
  );

  const trail = createAuditTrail({
    budgetSeconds: input.timing?.auditBudgetSeconds,
    taskQueue: notificationQueue,
    localFirst: tryLocalFirst,
    records: () => state.auditRecords ?? {},
    onRecord: (sink, ref) => {
      state.auditRecords = { ...state.auditRecords, [sink]: ref };
      // The approvers see the record's number beside the request.
      refreshApprovalMessage();
      wf.setCurrentDetails(grantCurrentDetails(state));
    },
    onGivenUp: (sink, event, error) => {
      state.auditFailures = (state.auditFailures ?? 0) + 1;
      wf.log.warn('Audit record given up', { sink, event: `${event.subject}.${event.kind}`, error });
    },
  });
  let auditSequence = carried?.auditSequence ?? 0;
  const audit = (kind: GrantAuditKind, extensionId?: number) => {
    if (!auditing) return;
    auditSequence += 1;
    trail.record({
      subject: 'grant',
      kind,
      sequence: auditSequence,
      at: new Date().toISOString(),
      workflowId: wf.workflowInfo().workflowId,
      // The grant's first run: a grant that continued as new is still one subject for the sinks.
      runId: wf.workflowInfo().firstExecutionRunId,
      grant: JSON.parse(JSON.stringify(state)) as GrantState,
      extensionId,
    });
  };

  if (carried) {
    // The first run counted, announced and audited everything up to here, and passed on its search attributes.
    if (auditing) wf.setCurrentDetails(grantCurrentDetails(state));
  } else {
    setStatus(state.status);
    audit(input.breakGlass ? 'break_glass_used' : 'requested');
  }

  const membership = membershipActivities(input, auditing, tryLocalFirst ?? (fewerTasks ? 'local' : 'remote'));
  const slack = slackActivities(input, notificationQueue);
  const member = { groupId: input.group.id, userId: input.requester.jumpcloudUserId };

  // Notifications run one after another in the background: they never delay or undo a membership change,
  // and their order in Slack follows the grant's order.
  let notifications: Promise<void> = Promise.resolve();
  let notificationsPending = 0;
  const notify = (what: string, send: () => Promise<unknown>) => {
    notificationsPending += 1;
    notifications = notifications.then(send).then(
      () => {
        notificationsPending -= 1;
      },
      (err: unknown) => {
        notificationsPending -= 1;
        state.notificationFailures += 1;
        countNotificationGivenUp();
        wf.log.warn('Slack notification given up', { what, error: errorMessage(err) });
      },
    );
  };
  const refreshApprovalMessage = () => {
    const snapshot = { ...state };
    notify('update approval message', async () => {
      if (state.approvalMessage) await slack.updateApprovalMessage(state.approvalMessage, snapshot);
      // A break-glass grant has the alert instead of an approval message.
      if (state.breakGlassAlert) await slack.updateBreakGlassAlert(state.breakGlassAlert, snapshot);
    });
  };
  const tellRequester = () => {
    const snapshot = { ...state };
    notify('message requester', () => slack.notifyRequester(snapshot));
  };
  /** After a change of status: the approvers' message (or alert) brought up to date, and the requester told. */
  const announce = () => {
    if (!fewerTasks) {
      refreshApprovalMessage();
      tellRequester();
      return;
    }
    const snapshot = { ...state };
    // The message references as they are when the announcement's turn comes (the approval request may still be
    // ahead of it in the chain when it is queued).
    notify('update the messages and tell the requester', () =>
      slack.announceGrant({
        ...snapshot,
        approvalMessage: state.approvalMessage,
        breakGlassAlert: state.breakGlassAlert,
      }),
    );
  };

  if (carried) {
    await holdAccess({ extensionEvents: 0, acknowledgedAt: carriedAcknowledgedAt, remindedFor: carried.remindedFor });
    await notifications;
    await trail.settled();
    await wf.condition(wf.allHandlersFinished);
    return state;
  }

  if (input.breakGlass) {
    // No approval wait: the approvers are alerted instead, and review the grant afterwards.
    notify('post break-glass alert', async () => {
      state.breakGlassAlert = await slack.postBreakGlassAlert({ ...state });
    });
    await grantAndRevoke();
    await notifications;
    await trail.settled();
    await wf.condition(wf.allHandlersFinished);
    return state;
  }

  notify('post approval request', async () => {
    const ref: SlackMessageRef = await slack.postApprovalRequest({ ...state });
    state.approvalMessage = ref;
  });

  // One deadline covers the whole quorum. A partial approval wakes the wait only to show who has approved so far.
  const approvalDeadline = requestedAt + input.policy.approvalTimeoutSeconds * 1000;
  let settled: boolean;
  for (;;) {
    const approvalsSeen = state.approvals.length;
    settled = await wf.condition(
      () => state.status !== 'PENDING_APPROVAL' || revokeRequested || state.approvals.length !== approvalsSeen,
      Math.max(approvalDeadline - Date.now(), 1),
    );
    if (!settled || state.status !== 'PENDING_APPROVAL' || revokeRequested) break;
    refreshApprovalMessage();
  }
  if (!settled) {
    state.endedAt = new Date().toISOString();
    setStatus('TIMED_OUT');
    audit('timed_out');
  } else if (revokeRequested) {
    state.endedAt = new Date().toISOString();
    setStatus('CANCELLED');
    audit('withdrawn');
  } else if (state.status === 'REJECTED') {
    state.endedAt = state.decidedAt;
    audit('rejected');
  } else {
    audit('approved');
  }

  if (state.status === 'APPROVED') {
    await grantAndRevoke();
  } else {
    announce();
  }

  await notifications;
  await trail.settled();
  await wf.condition(wf.allHandlersFinished);
  return state;

  async function grantAndRevoke(): Promise<void> {
    if (!fewerWrites) refreshApprovalMessage();
    if (await membership.isGroupMember(member)) {
      // Standing access is never ours to remove.
      state.standingAccess = true;
      state.endedAt = new Date().toISOString();
      setStatus('ALREADY_MEMBER');
      audit('ended');
      announce();
      return;
    }
    try {
      const added = await membership.addMembership(member);
      // "Already a member" right after we saw the user outside the group means our own earlier attempt landed.
      if (added.alreadyMember) wf.log.info('Membership already present on add; treating as ours', member);
    } catch (err) {
      state.failure = errorMessage(err);
      state.endedAt = new Date().toISOString();
      setStatus('FAILED');
      audit('ended');
      announce();
      return;
    }

    // The clock starts when access is granted, not when it was requested.
    const grantedAt = Date.now();
    const expiresAt = grantedAt + input.durationSeconds * 1000;
    state.grantedAt = new Date(grantedAt).toISOString();
    state.expiresAt = new Date(expiresAt).toISOString();
    setStatus('ACTIVE');
    audit('granted');
    announce();
    await holdAccess({ extensionEvents: extensionEvents.length, acknowledgedAt: state.acknowledgedAt });
  }

  /**
   * Until the expiry in force (an approved extension moves it) or a revocation, then the removal; or, once everything
   * the grant has to say so far is said, on in a new run (the hand-off), which holds the access from there.
   */
  async function holdAccess(told: {
    extensionEvents: number;
    acknowledgedAt?: string;
    remindedFor?: string;
  }): Promise<void> {
    let cancelled = false;
    let handingOff = false;
    // What Slack has been told of so far: the extension events before this index, this acknowledgement (break-glass
    // only; an acknowledgement wakes the wait to update the alert), the reminder for this expiry.
    let eventsSeen = told.extensionEvents;
    let acknowledgedSeen = told.acknowledgedAt;
    let remindedFor = told.remindedFor;
    // Nothing in flight that the new run would not know of: no message, no audit record, no Update being handled.
    const readyToHandOff = () =>
      mayHandOff && notificationsPending === 0 && trail.idle() && wf.allHandlersFinished() && !revokeRequested;
    try {
      // Extension requests and decisions wake the wait only to be told to Slack.
      for (;;) {
        const deadline = expiryInForce();
        const remindAt = reminderDue(deadline, remindedFor);
        const unreviewedAt = unreviewedAlertDue(state, input);
        await wf.condition(
          () =>
            revokeRequested ||
            extensionEvents.length !== eventsSeen ||
            state.acknowledgedAt !== acknowledgedSeen ||
            readyToHandOff(),
          Math.max(Math.min(remindAt ?? deadline, unreviewedAt ?? deadline, deadline) - Date.now(), 1),
        );
        announceExtensionEvents(eventsSeen);
        if (state.acknowledgedAt !== acknowledgedSeen) {
          if (auditing) wf.setCurrentDetails(grantCurrentDetails(state));
          audit('break_glass_acknowledged');
          refreshApprovalMessage();
        }
        if (revokeRequested || Date.now() >= expiryInForce()) break;
        if (unreviewedAt !== undefined && Date.now() >= unreviewedAt && state.acknowledgedAt === undefined) {
          state.unreviewedAlertAt = new Date().toISOString();
          const snapshot = { ...state };
          notify('post the unreviewed break-glass alert', () => slack.postBreakGlassUnreviewed(snapshot));
        }
        if (remindAt !== undefined && Date.now() >= remindAt && expiryInForce() === deadline) {
          remindedFor = state.expiresAt;
          state.remindedAt = new Date().toISOString();
          const snapshot = { ...state };
          notify('remind the requester', () => slack.remindRequester(snapshot));
        }
        if (readyToHandOff()) {
          handingOff = true;
          break;
        }
        eventsSeen = extensionEvents.length;
        acknowledgedSeen = state.acknowledgedAt;
      }
    } catch (err) {
      cancelled = wf.isCancellation(err);
      if (cancelled) state.endReason = 'the grant workflow was cancelled';
      throw err;
    } finally {
      // Anything but the hand-off ends the grant, a failure or a cancellation included.
      if (!handingOff) await endAccess(cancelled);
    }
    if (handingOff) {
      const { memo, typedSearchAttributes, firstExecutionRunId } = wf.workflowInfo();
      const toActiveQueue = wf.patched(ACTIVE_GRANTS_QUEUE);
      // Visibility lists no first run ID: the memo keeps it, so a listing still finds the grant's audit records.
      const continueAsNew = wf.makeContinueAsNewFunc<typeof accessGrantWorkflow>({
        memo: { ...memo, firstRunId: firstExecutionRunId },
        typedSearchAttributes,
        ...(toActiveQueue && { taskQueue: activeGrantsTaskQueue(grantsQueue) }),
      });
      await continueAsNew({
        ...input,
        carriedActive: {
          state,
          auditSequence,
          remindedFor,
          ...(toActiveQueue && { grantsTaskQueue: grantsQueue }),
        },
      });
    }
  }

  /** The expiry in force: set when access is granted (in this run, or in the one that handed the grant off). */
  function expiryInForce(): number {
    return Date.parse(state.expiresAt ?? '');
  }

  async function endAccess(cancelled: boolean): Promise<void> {
    // From here the grant is ending: no extension or revocation can slip in while the removal runs (it may retry
    // for as long as JumpCloud refuses).
    state.endingAt = new Date().toISOString();
    closeMootExtensions();
    // Runs even if the workflow is cancelled: a membership we added is always removed.
    await wf.CancellationScope.nonCancellable(() => membership.revokeMembership(member));
    state.endedAt = new Date().toISOString();
    setStatus(revokeRequested || cancelled ? 'REVOKED' : 'EXPIRED');
    if (wf.patched(FINAL_NOTICES_SURVIVE_CANCEL)) {
      // In the cancelled scope these would fail before reaching Slack; the approvers and the requester must still
      // learn that access ended, so they are sent (and, when cancelled, awaited) outside it.
      await wf.CancellationScope.nonCancellable(async () => {
        audit('ended');
        announce();
        if (cancelled) {
          await notifications;
          await trail.settled();
        }
      });
    } else {
      announce();
    }
  }

  /**
   * When to remind the requester before `deadline`: once per expiry in force, `remindBeforeSeconds` ahead, and only
   * for a grant lasting more than twice that. Undefined when no reminder is due.
   */
  function reminderDue(deadline: number, remindedFor: string | undefined): number | undefined {
    const lead = (input.policy.remindBeforeSeconds ?? 0) * 1000;
    if (lead <= 0 || remindedFor === state.expiresAt || !state.grantedAt) return undefined;
    if (deadline - Date.parse(state.grantedAt) <= 2 * lead) return undefined;
    return deadline - lead;
  }

  /** Posts, updates and DMs for the extension events since `from`; in the background, like every notification. */
  function announceExtensionEvents(from: number): void {
    for (const event of extensionEvents.slice(from)) {
      const snapshot = JSON.parse(JSON.stringify(state)) as GrantState;
      const extension = state.extensions.find((e) => e.id === event.id);
      if (!extension) continue;
      if (event.kind === 'requested') {
        audit('extension_requested', event.id);
        notify('post extension request', async () => {
          extension.approvalMessage = await slack.postExtensionRequest(snapshot, event.id);
        });
        notify('tell the requester about the extension', () => slack.notifyExtension(snapshot, event.id));
        continue;
      }
      notify('update extension request', async () => {
        if (extension.approvalMessage)
          await slack.updateExtensionRequest(extension.approvalMessage, snapshot, event.id);
      });
      if (event.kind === 'decided') {
        if (extension.status === 'APPROVED') audit('extended', event.id);
        if (extension.status === 'REJECTED') audit('extension_rejected', event.id);
        if (extension.status === 'APPROVED') refreshApprovalMessage();
        notify('tell the requester about the extension', () => slack.notifyExtension(snapshot, event.id));
      }
    }
  }

  /** A request still pending when access ends is closed as moot: it never delays the removal. */
  function closeMootExtensions(): void {
    const before = extensionEvents.length;
    for (const extension of state.extensions) {
      if (extension.status !== 'PENDING') continue;
      extension.status = 'MOOT';
      extensionEvents.push({ kind: 'decided', id: extension.id });
    }
    announceExtensionEvents(before);
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
      ...(state.breakGlass ? [{ key: sa.breakGlass, value: true }] : []),
      ...(auditing ? [{ key: sa.groupName, value: input.group.name }] : []),
    ]);
    if (auditing) wf.setCurrentDetails(grantCurrentDetails(state));
    recordGrantTransition(state);
  }
}

/**
 * The membership calls, named in the Web UI's event history once the grant has the audit-trail patch. `local`: the
 * pre-check runs as a local activity, with the same retries (the fewer-workflow-tasks patch). A `LocalFirst`: the
 * pre-check and the removal each try once as a local activity, then as the ordinary activity (fewer-server-writes).
 * The add is always an ordinary activity: the pre-check's answer must be in the history before it runs.
 */
function membershipActivities(input: GrantInput, named: boolean, mode: 'remote' | 'local' | LocalFirst) {
  const maxInterval = input.timing?.membershipRetryMaxIntervalSeconds ?? DEFAULT_MEMBERSHIP_RETRY_MAX_INTERVAL_SECONDS;
  // No maximumAttempts and no scheduleToClose: a grant's membership change retries until it happens.
  const options = {
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: `${Math.min(1, maxInterval)} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${maxInterval} seconds`,
    },
  } as const;
  const activities = wf.proxyActivities<Activities>(options);
  const local = wf.proxyLocalActivities<Activities>(options);
  const quick = wf.proxyLocalActivities<Activities>(QUICK_LOCAL_ATTEMPT);
  const who = `${input.requester.email} (${input.requester.jumpcloudUserId})`;
  const group = `${input.group.name} (${input.group.id})`;
  const labelled =
    <A extends unknown[], R>(fn: wf.ActivityFunctionWithOptions<(...args: A) => Promise<R>>, summary: string) =>
    (...args: A): Promise<R> =>
      named ? fn.executeWithOptions({ summary }, args) : fn(...args);
  type Member = Parameters<Activities['isGroupMember']>[0];
  const isMemberSummary = `is ${who} already in ${group}?`;
  const removeSummary = `remove ${who} from ${group}`;
  const isGroupMember = labelled(activities.isGroupMember, isMemberSummary);
  const revokeMembership = labelled(activities.revokeMembership, removeSummary);
  return {
    isGroupMember:
      typeof mode === 'function'
        ? (m: Member) =>
            mode(
              () => quick.isGroupMember.executeWithOptions({ summary: isMemberSummary }, [m]),
              () => isGroupMember(m),
            )
        : mode === 'local'
          ? (m: Member) => local.isGroupMember.executeWithOptions({ summary: isMemberSummary }, [m])
          : isGroupMember,
    addMembership: labelled(activities.addMembership, `add ${who} to ${group}`),
    revokeMembership:
      typeof mode === 'function'
        ? (m: Member) =>
            mode(
              () => quick.revokeMembership.executeWithOptions({ summary: removeSummary }, [m]),
              () => revokeMembership({ ...m, attemptsBefore: 1 }),
            )
        : revokeMembership,
  };
}

function slackActivities(input: GrantInput, taskQueue: string | undefined) {
  const budget = input.timing?.notificationBudgetSeconds ?? DEFAULT_NOTIFICATION_BUDGET_SECONDS;
  return wf.proxyActivities<Activities>({
    ...(taskQueue && { taskQueue }),
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
