/** Types shared by the grant workflow, its activities, the gateway and the tests. Pure data: no I/O. */

export type GrantStatus =
  | 'PENDING_APPROVAL'
  | 'APPROVED'
  | 'ACTIVE'
  | 'EXPIRED'
  | 'REVOKED'
  | 'REJECTED'
  | 'TIMED_OUT'
  | 'CANCELLED'
  /** Approved, but the user was already a member: nothing was added and nothing will be removed. */
  | 'ALREADY_MEMBER'
  /** Approved, but JumpCloud refused the change permanently (e.g. unknown group): nothing was added. */
  | 'FAILED';

export interface Requester {
  slackUserId: string;
  email: string;
  jumpcloudUserId: string;
}

export interface GrantGroup {
  id: string;
  name: string;
}

/** The group's policy as it stood when the request was made; the workflow enforces it, not only the modal. */
export interface GrantPolicy {
  approvers: string[];
  maxDurationSeconds: number;
  approvalTimeoutSeconds: number;
  allowSelfApproval: boolean;
  approvalChannel: string;
}

/** Retry pacing. Inputs rather than constants so tests run in seconds; production uses the defaults. */
export interface GrantTiming {
  /** Cap on the backoff between JumpCloud retries (default 60 s). Membership calls retry forever. */
  membershipRetryMaxIntervalSeconds?: number;
  /** How long one Slack notification keeps retrying before it is given up (default 1 h). */
  notificationBudgetSeconds?: number;
}

export interface GrantInput {
  /** Idempotency key of the request (e.g. the Slack view ID): a repeated submit carries the same one. */
  requestId: string;
  requester: Requester;
  group: GrantGroup;
  durationSeconds: number;
  justification: string;
  policy: GrantPolicy;
  timing?: GrantTiming;
}

export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export type DecisionKind = 'approve' | 'reject';

export interface DecisionInput {
  decision: DecisionKind;
  deciderSlackUserId: string;
  reason?: string;
}

export interface RevokeInput {
  bySlackUserId: string;
  reason?: string;
}

/** Everything an auditor needs, readable from the query while running and from the result once closed. */
export interface GrantState {
  requestId: string;
  status: GrantStatus;
  requester: Requester;
  group: GrantGroup;
  durationSeconds: number;
  justification: string;
  approvers: string[];
  approvalChannel: string;
  requestedAt: string;
  approvalDeadline: string;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
  grantedAt?: string;
  expiresAt?: string;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
  /** True when the user was a member before the grant: their access is standing and is never removed by us. */
  standingAccess?: boolean;
  failure?: string;
  approvalMessage?: SlackMessageRef;
  notificationFailures: number;
}
