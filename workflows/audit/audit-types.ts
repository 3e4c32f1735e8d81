/** Types of the audit trail: what a grant and the reconciler tell the audit sinks. Pure data: no I/O. */
import { type GrantState } from '../grant/grant-types';
import { type DriftAlert } from '../reconciler/reconciler-types';

/** The systems of record a worker can write to; each is optional and configured on the worker. */
export type AuditSinkName = 'servicenow' | 'jira' | 'webhook';

/** Every event of a grant's life that reaches the sinks; the webhook's `type` is `grant.<kind>`. */
export type GrantAuditKind =
  | 'requested'
  | 'approved'
  | 'rejected'
  | 'timed_out'
  | 'withdrawn'
  | 'granted'
  | 'extension_requested'
  | 'extended'
  | 'extension_rejected'
  | 'break_glass_used'
  | 'break_glass_acknowledged'
  /** Access ended or never began: `grant.status` says how (EXPIRED, REVOKED, FAILED, ALREADY_MEMBER). */
  | 'ended';

export interface GrantAuditEvent {
  subject: 'grant';
  kind: GrantAuditKind;
  /** 1, 2, … in the grant's order: with the workflow ID, a key a receiver can deduplicate on. */
  sequence: number;
  /** ISO 8601 */
  at: string;
  workflowId: string;
  /** A user's later grant of the same group reuses the workflow ID; the run tells the grants apart. */
  runId: string;
  /** The grant as it stood when the event happened. */
  grant: GrantState;
  /** For extension events: which extension. */
  extensionId?: number;
}

/**
 * A drift alert of the reconciler, as an audit event: `drift.found`, `drift.removed`, `drift.removal_failing`,
 * `drift.removal_held`, `drift.kept`, `drift.ended`.
 */
export interface DriftAuditEvent {
  subject: 'drift';
  kind: 'found' | 'removed' | 'removal_failing' | 'removal_held' | 'kept' | 'ended';
  /** Why a removal was held back (removal_held), or why an approver kept the membership (kept). */
  reason?: string;
  /** The approver who removed (Remove now) or kept the membership; absent when the reconciler acted on its own. */
  bySlackUserId?: string;
  /** ISO 8601 */
  at: string;
  /** The reconciler's workflow ID. */
  workflowId: string;
  drift: DriftAlert['drift'];
  groupName: string;
}

export type AuditEvent = GrantAuditEvent | DriftAuditEvent;

/** The record a sink keeps for one grant (or one drift), so later events update it rather than create another. */
export interface AuditRecordRef {
  /** The sink's own key: ServiceNow's sys_id, Jira's issue key. */
  id: string;
  /** What people quote: ServiceNow's number (JIT0001001), Jira's key (SEC-12). */
  label: string;
  url: string;
}

export type AuditRecords = Partial<Record<AuditSinkName, AuditRecordRef>>;
