import { formatDuration } from '../../config/durations';
import { type AuditEvent, type DriftAuditEvent, type GrantAuditEvent } from '../../workflows/audit/audit-types';
import { type GrantRecord, grantRecordFromState } from './grant-record';
import { type Approval } from '../../workflows/grant/grant-types';

/**
 * What each sink is sent, derived from an audit event. The webhook body is versioned (`schema`); docs/audit-trail.md
 * documents it and the ServiceNow fields. Pure: no I/O.
 */

export const WEBHOOK_SCHEMA = 'jit-access.audit.v1';

/** `grant.requested`, `drift.found`, …: the webhook's `type` and the name the other sinks show. */
export function auditEventType(event: AuditEvent): string {
  return `${event.subject}.${event.kind}`;
}

/** Unique per event and stable across retries: receivers deduplicate on it. */
export function auditEventId(event: AuditEvent): string {
  return event.subject === 'grant'
    ? `${auditSubjectId(event)}#${event.sequence}`
    : `${auditSubjectId(event)}#${event.kind}`;
}

/** What one record is about: one grant (a run of its workflow) or one drift from first seen to gone. */
export function auditSubjectId(event: AuditEvent): string {
  return event.subject === 'grant' ? grantSubjectId(event.workflowId, event.runId) : driftKeyOf(event);
}

/** A grant's subject: its workflow ID is reused by the same user's later grants of the group, so the run is part. */
export function grantSubjectId(workflowId: string, runId: string): string {
  return `${workflowId}/${runId}`;
}

/** One drift, from first seen to gone: its records are keyed on this. */
export function driftKeyOf(event: DriftAuditEvent): string {
  const d = event.drift;
  return `drift:${d.kind}:${d.groupId}:${d.userId}:${d.since}`;
}

export interface GrantEventPayload {
  schema: typeof WEBHOOK_SCHEMA;
  id: string;
  type: string;
  occurredAt: string;
  grant: GrantRecord & {
    /** Each with `via` (the approver group) and `stepUp` (the approver's sign-in) when there were. */
    approvals: Approval[];
    requiredApprovals: number;
    acknowledgedBy?: string;
    acknowledgedAt?: string;
    failure?: string;
  };
  /** Extension events: the extension concerned. */
  extension?: { id: number; extraSeconds: number; reason: string; status: string; expiresAtAfter?: string };
}

export interface DriftEventPayload {
  schema: typeof WEBHOOK_SCHEMA;
  id: string;
  type: string;
  occurredAt: string;
  drift: {
    kind: string;
    groupId: string;
    groupName: string;
    userId: string;
    email?: string;
    grantWorkflowId?: string;
    since: string;
  };
}

export function webhookPayload(event: AuditEvent): GrantEventPayload | DriftEventPayload {
  const head = {
    schema: WEBHOOK_SCHEMA as typeof WEBHOOK_SCHEMA,
    id: auditEventId(event),
    type: auditEventType(event),
    occurredAt: event.at,
  };
  if (event.subject === 'drift') {
    const { kind, groupId, userId, email, grantWorkflowId, since } = event.drift;
    return { ...head, drift: { kind, groupId, groupName: event.groupName, userId, email, grantWorkflowId, since } };
  }
  const g = event.grant;
  const extension = event.extensionId === undefined ? undefined : g.extensions.find((e) => e.id === event.extensionId);
  return {
    ...head,
    grant: {
      ...grantRecordOf(event),
      approvals: g.approvals,
      requiredApprovals: g.requiredApprovals,
      acknowledgedBy: g.acknowledgedBy,
      acknowledgedAt: g.acknowledgedAt,
      failure: g.failure,
    },
    ...(extension && {
      extension: {
        id: extension.id,
        extraSeconds: extension.extraSeconds,
        reason: extension.reason,
        status: extension.status,
        expiresAtAfter: extension.expiresAtAfter,
      },
    }),
  };
}

export function grantRecordOf(event: GrantAuditEvent): GrantRecord {
  return grantRecordFromState(event.grant, { workflowId: event.workflowId, runId: event.runId });
}

/** "ada@example.com → prod-db-readonly, 1h" (break-glass marked): the title of a record. */
export function grantTitle(event: GrantAuditEvent): string {
  const g = event.grant;
  return `${g.breakGlass ? 'Break-glass access' : 'JIT access'}: ${g.requester.email} → ${g.group.name}, ${formatDuration(
    g.durationSeconds,
  )}`;
}

export function driftTitle(event: DriftAuditEvent): string {
  const who = event.drift.email ?? event.drift.userId;
  return event.drift.kind === 'unexplained-member'
    ? `Access drift: ${who} is in ${event.groupName} without a grant`
    : `Access drift: ${who} left ${event.groupName} while their grant is active`;
}

/** One line saying what happened, for a Jira comment or ServiceNow's last-event field. */
export function eventSentence(event: AuditEvent): string {
  if (event.subject === 'drift') {
    const sentences = {
      found: 'Drift found by the reconciler.',
      removed: event.bySlackUserId
        ? `Approver ${event.bySlackUserId} removed the membership (Remove now).`
        : 'The reconciler removed the membership (policy onDrift: remove).',
      removal_failing: 'The reconciler could not remove the membership yet; it retries every run.',
      removal_held: `The reconciler held back the removal: ${event.reason ?? 'no reason given'}.`,
      kept: `Approver ${event.bySlackUserId ?? 'unknown'} kept the membership: ${event.reason ?? 'no reason given'}.`,
      ended: 'The drift is gone.',
    } as const;
    return sentences[event.kind];
  }
  const g = event.grant;
  const extension = g.extensions.find((e) => e.id === event.extensionId);
  switch (event.kind) {
    case 'requested':
      return `Requested by ${g.requester.email}.`;
    case 'approved':
      return `Approved by ${g.approvals.map(approverWords).join(', ') || (g.decidedBy ?? '')}.`;
    case 'rejected':
      return `Rejected by ${g.decidedBy ?? 'an approver'}${g.decisionReason ? `: ${g.decisionReason}` : ''}.`;
    case 'timed_out':
      return 'Nobody decided before the approval deadline; nothing was granted.';
    case 'withdrawn':
      return `Withdrawn before a decision${g.endedBy ? ` by ${g.endedBy}` : ''}.`;
    case 'granted':
      return `Access granted at ${g.grantedAt ?? ''}, until ${g.expiresAt ?? ''}.`;
    case 'extension_requested':
      return `Extension ${extension?.id ?? ''} requested: ${formatDuration(extension?.extraSeconds ?? 0)} more (${extension?.reason ?? ''}).`;
    case 'extended':
      return `Extension ${extension?.id ?? ''} approved by ${extension?.decidedBy ?? ''}: access now until ${g.expiresAt ?? ''}.`;
    case 'extension_rejected':
      return `Extension ${extension?.id ?? ''} rejected by ${extension?.decidedBy ?? ''}.`;
    case 'break_glass_used':
      return `Break-glass access taken by ${g.requester.email} without approval: ${g.justification}`;
    case 'break_glass_acknowledged':
      return `Break-glass access acknowledged by ${g.acknowledgedBy ?? ''}.`;
    case 'ended':
      return endSentence(event);
  }
}

function endSentence(event: GrantAuditEvent): string {
  const g = event.grant;
  switch (g.status) {
    case 'EXPIRED':
      return `Access expired and was removed at ${g.endedAt ?? ''}.`;
    case 'REVOKED':
      return `Access revoked${g.endedBy ? ` by ${g.endedBy}` : ''} and removed at ${g.endedAt ?? ''}${g.endReason ? ` (${g.endReason})` : ''}.`;
    case 'FAILED':
      return g.addRemoved
        ? `The membership could not be confirmed (${g.failure ?? 'no detail'}); what may have been added was removed at ${g.endedAt ?? ''}.`
        : `JumpCloud refused the membership; nothing was granted (${g.failure ?? 'no detail'}).`;
    case 'ALREADY_MEMBER':
      return 'The user already held this group (standing access); nothing was added or will be removed.';
    default:
      return `Ended with status ${g.status}.`;
  }
}

/** Whether the event closes its subject: Jira may then transition the issue. */
export function isFinalEvent(event: AuditEvent): boolean {
  if (event.subject === 'drift') return event.kind === 'ended' || event.kind === 'removed';
  return ['rejected', 'timed_out', 'withdrawn', 'ended'].includes(event.kind);
}

/** The ServiceNow record: one row per grant (or drift) in the configured table; docs/audit-trail.md lists the fields. */
export function serviceNowFields(event: AuditEvent): Record<string, string> {
  const common = {
    u_last_event: `${auditEventType(event)}: ${eventSentence(event)}`,
    u_last_event_at: glideTime(event.at),
  };
  if (event.subject === 'drift') {
    const d = event.drift;
    return {
      u_subject_id: auditSubjectId(event),
      u_kind: 'drift',
      short_description: driftTitle(event),
      u_status: event.kind.toUpperCase(),
      u_requester_email: d.email ?? '',
      u_jumpcloud_user_id: d.userId,
      u_group_id: d.groupId,
      u_group_name: event.groupName,
      u_requested_at: glideTime(d.since),
      ...common,
    };
  }
  const r = grantRecordOf(event);
  return {
    u_subject_id: auditSubjectId(event),
    u_kind: 'grant',
    short_description: grantTitle(event),
    u_status: r.status,
    u_requester_email: r.requesterEmail,
    u_requester_slack_id: r.requesterSlackUserId,
    u_jumpcloud_user_id: event.grant.requester.jumpcloudUserId,
    u_group_id: r.groupId,
    u_group_name: r.groupName ?? '',
    u_justification: r.justification ?? '',
    u_duration_seconds: String(r.durationSeconds ?? ''),
    u_approvers: r.approvers.join(', '),
    u_decided_at: glideTime(r.decidedAt),
    u_decision_reason: r.decisionReason ?? '',
    u_requested_at: glideTime(r.requestedAt),
    u_granted_at: glideTime(r.grantedAt),
    u_expires_at: glideTime(r.expiresAt),
    u_ended_at: glideTime(r.endedAt),
    u_ended_by: r.endedBy ?? '',
    u_end_reason: r.endReason ?? '',
    u_break_glass: String(r.breakGlass),
    u_extensions_approved: String(r.extensionsApproved),
    u_extension_seconds: String(r.extensionSeconds),
    ...common,
  };
}

/** ServiceNow's date-time value format, in UTC; empty when the moment has not come. */
function glideTime(iso: string | undefined): string {
  if (!iso) return '';
  return new Date(iso).toISOString().slice(0, 19).replace('T', ' ');
}

/** "U0APPROVER (signed in as ada@example.com at …)": who approved, and the sign-in that confirmed it. */
function approverWords(approval: Approval): string {
  const signIn = approval.stepUp && `signed in as ${approval.stepUp.email} at ${approval.stepUp.authTime}`;
  return signIn ? `${approval.bySlackUserId} (${signIn})` : approval.bySlackUserId;
}
