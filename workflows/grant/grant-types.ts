import { type ChangeMadeBy } from '../reconciler/reconciler-types';
/** Types shared by the grant workflow, its activities, the gateway and the tests. Pure data: no I/O. */
import { type AuditRecords } from '../audit/audit-types';

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
  /**
   * JumpCloud groups whose members approve too. The gateway resolves the decider's membership at each click and says
   * which group made them an approver (`approverVia`); the worker checks it again in JumpCloud before any add.
   */
  approverGroupIds?: string[];
  /** Each approval needs a fresh sign-in at the identity provider (`stepUp` on the decision); absent = no. */
  stepUp?: boolean;
  maxDurationSeconds: number;
  approvalTimeoutSeconds: number;
  allowSelfApproval: boolean;
  approvalChannel: string;
  /** Distinct approvers needed before access is granted (the two-person rule is 2); absent = 1. */
  requiredApprovals?: number;
  /** How many extensions an active grant may get; absent = 2. */
  maxExtensions?: number;
  /** The longest a grant may last with its extensions; absent = twice maxDurationSeconds. */
  maxTotalDurationSeconds?: number;
  /**
   * The requester is reminded this long before expiry, when the grant lasts more than twice as long; absent = no
   * reminder (grants requested before reminders existed keep their timers as they were).
   */
  remindBeforeSeconds?: number;
  /** Reminders while the request waits for a decision, in order; absent = none (docs/gateway.md, `escalation`). */
  escalation?: EscalationStep[];
}

/** One escalation step: this long after the request, still undecided, the approvers are reminded in its thread. */
export interface EscalationStep {
  afterSeconds: number;
  /** Also posted here (a fallback or on-call channel). */
  channel?: string;
  /** Also mentioned: people who can chase the approvers (they do not become approvers). */
  mention?: string[];
}

/** Retry pacing. Inputs rather than constants so tests run in seconds; production uses the defaults. */
export interface GrantTiming {
  /** Cap on the backoff between JumpCloud retries (default 60 s). Membership calls retry forever. */
  membershipRetryMaxIntervalSeconds?: number;
  /** How long one Slack notification keeps retrying before it is given up (default 1 h). */
  notificationBudgetSeconds?: number;
  /** How long one audit record keeps retrying before it is given up (default 24 h). */
  auditBudgetSeconds?: number;
  /**
   * After a cancellation during the add, how long the removal waits for an attempt still running to end (default 35 s,
   * more than the add's 30 s start-to-close timeout).
   */
  addSettleSeconds?: number;
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
  /**
   * Emergency access: granted at once without an approval, an alert to `alertChannel` instead of the approval
   * request, and a louder alert when no approver acknowledges it within `reviewWithinSeconds` of the grant.
   * `policy.maxDurationSeconds` is then the break-glass cap. Absent = an ordinary request.
   */
  breakGlass?: BreakGlassInput;
  /** Set only by the grant itself, when it continues as new once access is granted (workflows/grant/access-grant.ts). */
  carriedActive?: CarriedActiveGrant;
}

/**
 * An active grant handed to a new run of its workflow: the state so far, how many audit events it has sent and the
 * expiry it last reminded the requester of. The new run's history starts at the active phase, so a worker that no
 * longer holds the grant in its cache replays only that phase when the grant expires.
 */
export interface CarriedActiveGrant {
  state: GrantState;
  auditSequence: number;
  remindedFor?: string;
  /**
   * The grants' queue the grant began on, when the carried run is on the active grants' queue beside it: its messages
   * and audit records stay on that queue's notification queue.
   */
  grantsTaskQueue?: string;
}

export interface BreakGlassInput {
  /** Slack channel ID for the alert. */
  alertChannel: string;
  reviewWithinSeconds: number;
  /** The requester's fresh sign-in, for a group with step-up. */
  stepUp?: StepUpProof;
}

/** An approver confirms they have seen a break-glass grant. */
export interface AcknowledgeInput {
  bySlackUserId: string;
  /** As DecisionInput's. */
  approverVia?: string;
}

export interface Approval {
  bySlackUserId: string;
  /** ISO 8601 */
  at: string;
  /** The JumpCloud approver group that made them an approver, when the policy does not list them by Slack ID. */
  via?: string;
  /** The sign-in that confirmed it, for a group with step-up. */
  stepUp?: StepUpProof;
}

/**
 * A fresh sign-in at the identity provider, as the gateway verified it (ID token signature, audience, nonce, PKCE,
 * `auth_time` within the allowed age) and matched to the decider's JumpCloud user (docs/gateway.md, "Step-up").
 */
export interface StepUpProof {
  issuer: string;
  /** The ID token's `sub`. */
  subject: string;
  /** The ID token's `email`: the same JumpCloud user as the decider's Slack email. */
  email: string;
  /** ISO 8601: when the person signed in (`auth_time`). */
  authTime: string;
  /** How they signed in (the ID token's `amr`), when the provider says. */
  methods?: string[];
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
  /** The policy's approver group the decider is a member of, when they are not listed by Slack ID. */
  approverVia?: string;
  /** The decider's fresh sign-in, for a group with step-up (approvals only). */
  stepUp?: StepUpProof;
}

/** The requester asks for more time on an active grant. */
export interface ExtensionRequestInput {
  bySlackUserId: string;
  extraSeconds: number;
  reason: string;
}

export interface ExtensionDecisionInput extends DecisionInput {
  /** Which extension request (its `id`). */
  extensionId: number;
}

export type ExtensionStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'MOOT';

/** One request for more time, decided by the same rules as the grant itself. */
export interface Extension {
  /** 1, 2, … in the order asked. */
  id: number;
  extraSeconds: number;
  reason: string;
  /** ISO 8601 */
  requestedAt: string;
  status: ExtensionStatus;
  approvals: Approval[];
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
  /** The expiry when it was asked for, and (approved) the expiry it moved to. */
  expiresAtBefore: string;
  expiresAtAfter?: string;
  approvalMessage?: SlackMessageRef;
}

/** The worker closes a pending request whose group its policy no longer lists (worker/policy-changes.ts). */
export interface PolicyCloseInput {
  /** Why, for the requester and the approval message, e.g. "prod-db-readonly left the access policy". */
  reason: string;
}

export interface RevokeInput {
  bySlackUserId: string;
  reason?: string;
  /** As DecisionInput's. */
  approverVia?: string;
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
  /** Every approval so far, in order; the last one that completed the quorum is also `decidedBy`. */
  approvals: Approval[];
  /** How many distinct approvals the grant needs. */
  requiredApprovals: number;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
  grantedAt?: string;
  expiresAt?: string;
  /** ISO 8601: when the requester was last reminded that access ends soon (for the expiry then in force). */
  remindedAt?: string;
  /** ISO 8601: when the removal began (expiry, revocation or cancellation); from then on nothing can change it. */
  endingAt?: string;
  endedAt?: string;
  endedBy?: string;
  endReason?: string;
  /** True when the user was a member before the grant: their access is standing and is never removed by us. */
  standingAccess?: boolean;
  failure?: string;
  /**
   * True when the add failed or was cancelled after it may have landed, and the grant removed the membership: FAILED
   * (or REVOKED, when cancelled) with nothing left behind.
   */
  addRemoved?: boolean;
  approvalMessage?: SlackMessageRef;
  /** Requests for more time, in order; at most one is pending at a time. */
  extensions: Extension[];
  notificationFailures: number;
  /** The records the audit sinks keep for this grant (ServiceNow, Jira), once created. */
  auditRecords?: AuditRecords;
  /** Audit events a sink kept failing until its budget ran out; each is also logged and counted in metrics. */
  auditFailures?: number;
  /** True for break-glass access: granted at once by the requester (`decidedBy`), reviewed by approvers afterwards. */
  breakGlass?: boolean;
  /** Break-glass only: where the alert goes, and the alert message once posted. */
  breakGlassAlertChannel?: string;
  breakGlassAlert?: SlackMessageRef;
  /** Break-glass in a group with step-up: the requester's sign-in that started it. */
  breakGlassStepUp?: StepUpProof;
  /** Break-glass only: the approver who acknowledged the alert, and when (ISO 8601). */
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  /** Break-glass only: ISO 8601 of the second, louder alert (sent once when nobody acknowledged in time). */
  unreviewedAlertAt?: string;
  /** The escalation steps taken while the request waited, in order (absent = none). */
  escalations?: Array<{ step: number; at: string }>;
  /** The membership was removed outside JIT access while the grant was active: it is not re-added or extended. */
  removedOutside?: RemovedOutside;
}

/** What the reconciler tells a grant whose membership someone removed by hand. */
export interface RemovedOutside {
  /** ISO 8601: when the reconciler saw it. */
  seenAt: string;
  /** Who removed it, when Directory Insights said. */
  by?: ChangeMadeBy;
}

/**
 * The failure type of an add that JumpCloud refused on its first attempt, before anything changed: the grant ends
 * FAILED with nothing to remove. Any other failure of an add may hide one that landed, and the grant removes it.
 */
export const MEMBERSHIP_ADD_REFUSED = 'MembershipAddRefused';
