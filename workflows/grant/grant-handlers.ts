import * as wf from '@temporalio/workflow';
import { grantSearchAttributes as sa } from '../search-attributes';
import { type GrantRun } from './grant-run';
import { type Approval, type DecisionInput } from './grant-types';
import {
  acknowledgeRefusal,
  decisionRefusal,
  extensionDecisionRefusal,
  extensionRefusal,
  policyCloseRefusal,
  revokeRefusal,
} from './grant-rules';
import {
  acknowledgeBreakGlassUpdate,
  closeForPolicyUpdate,
  decideExtensionUpdate,
  decideUpdate,
  endGrantUpdate,
  grantStateQuery,
  removedOutsideSignal,
  requestExtensionUpdate,
} from './grant-updates';

/**
 * The grant's query and Updates. Each Update's validator is pure and synchronous (grant-rules.ts): a refused Update
 * writes nothing to the history. A handler only changes the state; the phases see the change and act on it.
 */
export function registerGrantHandlers(run: GrantRun): void {
  const { state, input } = run;
  wf.setHandler(grantStateQuery, () => state);
  wf.setHandler(
    decideUpdate,
    (decision) => {
      const at = new Date().toISOString();
      if (decision.decision === 'approve') {
        state.approvals.push(approvalOf(decision, at));
        // Short of the quorum, the request stays pending and keeps its buttons; any reject still ends it.
        if (state.approvals.length < state.requiredApprovals) return { ...state };
      }
      state.decidedBy = decision.deciderSlackUserId;
      state.decidedAt = at;
      state.decisionReason = decision.reason;
      run.setStatus(decision.decision === 'approve' ? 'APPROVED' : 'REJECTED');
      return { ...state };
    },
    { validator: (decision) => refuseWith(decisionRefusal(state, input.policy, decision)) },
  );
  wf.setHandler(
    endGrantUpdate,
    (end) => {
      run.revokeRequested = true;
      state.endedBy = end.bySlackUserId;
      state.endReason = end.reason;
      return { ...state };
    },
    { validator: (end) => refuseWith(revokeRefusal(state, input.policy, end)) },
  );

  wf.setHandler(
    closeForPolicyUpdate,
    (close) => {
      run.revokeRequested = true;
      state.endReason = close.reason.trim();
      return { ...state };
    },
    { validator: (close) => refuseWith(policyCloseRefusal(state, close)) },
  );

  wf.setHandler(removedOutsideSignal, async (removal) => {
    if (!removedOutsideMatters(run)) return;
    // Anyone who can write to the namespace can signal: JumpCloud has the last word.
    const stillMember = await run.membership.isGroupMember(run.member);
    if (stillMember || !removedOutsideMatters(run)) return;
    state.removedOutside = { seenAt: removal.seenAt, ...(removal.by && { by: removal.by }) };
    const snapshot = { ...state };
    run.notices.notify('tell the requester of the removal', () => run.slack.tellRemovedOutside(snapshot));
  });

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
      run.extensionEvents.push({ kind: 'requested', id });
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
        extension.approvals.push(approvalOf(decision, at));
        if (extension.approvals.length < state.requiredApprovals) {
          run.extensionEvents.push({ kind: 'partly-approved', id: extension.id });
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
      run.extensionEvents.push({ kind: 'decided', id: extension.id });
      return { ...state };
    },
    { validator: (decision) => refuseWith(extensionDecisionRefusal(state, input.policy, decision)) },
  );
}

/** A validator refuses by throwing: the caller gets the reason, the history gets nothing. */
function refuseWith(reason: string | undefined): void {
  if (reason) throw new Error(reason);
}

/**
 * The record of an accepted approval; `via` only when a JumpCloud approver group made the decider an approver, `stepUp`
 * only with the sign-in of a group with step-up.
 */
function approvalOf(decision: DecisionInput, at: string): Approval {
  return {
    bySlackUserId: decision.deciderSlackUserId,
    at,
    ...(decision.approverVia !== undefined && { via: decision.approverVia }),
    ...(decision.stepUp !== undefined && { stepUp: decision.stepUp }),
  };
}

/** Said once, and only of an active grant whose membership it added and that is not ending. */
function removedOutsideMatters(run: GrantRun): boolean {
  const { state } = run;
  return state.status === 'ACTIVE' && !state.standingAccess && !state.removedOutside && state.endingAt === undefined;
}
