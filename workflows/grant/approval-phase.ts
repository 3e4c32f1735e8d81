import * as wf from '@temporalio/workflow';
import { grantAndHold } from './active-phase';
import { type GrantRun } from './grant-run';

/**
 * An ordinary request: the approval message, then a wait for the quorum, a rejection, a withdrawal or the deadline.
 * Approved, the grant goes on to the active phase; any other outcome is announced and ends it.
 */
export async function requestApproval(run: GrantRun): Promise<void> {
  const { state, input, notices } = run;
  notices.notify('post approval request', async () => {
    state.approvalMessage = await run.slack.postApprovalRequest({ ...state });
  });

  // One deadline covers the whole quorum. A partial approval wakes the wait only to show who has approved so far; an
  // escalation step, only to remind. Without escalation the timer is the deadline's, as in every earlier history.
  const approvalDeadline = run.requestedAt + input.policy.approvalTimeoutSeconds * 1000;
  const steps = input.policy.escalation ?? [];
  let settled: boolean;
  for (;;) {
    const approvalsSeen = state.approvals.length;
    const step = steps[state.escalations?.length ?? 0];
    const wakeAt = step ? Math.min(run.requestedAt + step.afterSeconds * 1000, approvalDeadline) : approvalDeadline;
    settled = await wf.condition(
      () => state.status !== 'PENDING_APPROVAL' || run.revokeRequested || state.approvals.length !== approvalsSeen,
      Math.max(wakeAt - Date.now(), 1),
    );
    if (!settled && step && wakeAt < approvalDeadline) {
      escalate(run, (state.escalations?.length ?? 0) + 1);
      continue;
    }
    if (!settled || state.status !== 'PENDING_APPROVAL' || run.revokeRequested) break;
    notices.refreshApprovalMessage();
  }
  // The next steps run in this same continuation: the order of their commands is part of every recorded history.
  if (!settled) {
    state.endedAt = new Date().toISOString();
    run.setStatus('TIMED_OUT');
    run.audit('timed_out');
  } else if (run.revokeRequested) {
    state.endedAt = new Date().toISOString();
    run.setStatus('CANCELLED');
    run.audit('withdrawn');
  } else if (state.status === 'REJECTED') {
    state.endedAt = state.decidedAt;
    run.audit('rejected');
  } else {
    run.audit('approved');
  }

  if (state.status === 'APPROVED') {
    await grantAndHold(run);
  } else {
    notices.announce();
  }
}

/** Still undecided at an escalation step: the approvers are reminded in the request's thread, the requester told. */
function escalate(run: GrantRun, step: number): void {
  const { state } = run;
  state.escalations = [...(state.escalations ?? []), { step, at: new Date().toISOString() }];
  const snapshot = { ...state };
  const settings = run.input.policy.escalation?.[step - 1];
  if (!settings) return;
  run.notices.notify(`escalation step ${step}`, () => run.slack.escalateApproval(snapshot, settings));
}
