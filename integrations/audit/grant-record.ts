import { type GrantState } from '../../workflows/grant/grant-types';

/**
 * One grant as an auditor reads it. Times are ISO 8601; a field the grant never reached is undefined. `status` is the
 * grant's own status, or, for a run that closed without a result (terminated, failed, timed out, cancelled), the
 * Temporal execution status (`TERMINATED`, …) with only what visibility knows filled in.
 */
export interface GrantRecord {
  requestedAt: string;
  requesterSlackUserId: string;
  requesterEmail: string;
  groupId: string;
  groupName?: string;
  justification?: string;
  durationSeconds?: number;
  /** Every approval's Slack user ID in order, then the decider when not already among them (e.g. the rejecter). */
  approvers: string[];
  decidedAt?: string;
  decisionReason?: string;
  grantedAt?: string;
  expiresAt?: string;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
  status: string;
  /** Granted as break-glass access (without approval, reviewed afterwards). */
  breakGlass: boolean;
  /** Approved extensions and the extra time they added. */
  extensionsApproved: number;
  extensionSeconds: number;
  workflowId: string;
  runId: string;
}

/** A grant as its own state tells it. Results of older code may lack `approvals` and `extensions`. */
export function grantRecordFromState(
  state: GrantState,
  execution: { workflowId: string; runId?: string; startTime?: Date },
): GrantRecord {
  const approvals = state.approvals ?? [];
  const approvers = approvals.map((a) => a.bySlackUserId);
  if (state.decidedBy !== undefined && !approvers.includes(state.decidedBy)) approvers.push(state.decidedBy);
  const approved = (state.extensions ?? []).filter((e) => e.status === 'APPROVED');
  return {
    requestedAt: state.requestedAt ?? execution.startTime?.toISOString() ?? '',
    requesterSlackUserId: state.requester.slackUserId,
    requesterEmail: state.requester.email,
    groupId: state.group.id,
    groupName: state.group.name,
    justification: state.justification,
    durationSeconds: state.durationSeconds,
    approvers,
    decidedAt: state.decidedAt,
    decisionReason: state.decisionReason,
    grantedAt: state.grantedAt,
    expiresAt: state.expiresAt,
    endedAt: state.endedAt,
    endedBy: state.endedBy,
    endReason: state.endReason,
    status: state.status,
    breakGlass: state.breakGlass === true,
    extensionsApproved: approved.length,
    extensionSeconds: approved.reduce((sum, e) => sum + e.extraSeconds, 0),
    workflowId: execution.workflowId,
    runId: execution.runId ?? '',
  };
}
