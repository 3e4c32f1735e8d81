import { formatDuration } from '../config/durations';
import { policyGroupLabel, type JitPolicy } from '../config/policy';
import { type GrantEventPayload, grantSubjectId } from '../integrations/audit/audit-payload';
import { jiraSubjectLabel } from '../integrations/audit/audit-sinks';
import { type GrantSummary } from '../integrations/temporal/grant-service';
import { type JiraIssue } from '../stand-ins/jira/jira-stand-in';
import { type ServiceNowRecord } from '../stand-ins/servicenow/servicenow-stand-in';
import { type DemoPerson } from './demo-world';

/** What the sandbox page reads from `GET /_page/config`: where the other systems are, and who is who. */
export interface SandboxPageConfig {
  workspaceName: string;
  slashCommand: string;
  /** the JumpCloud stand-in's origin, for its `/_control/state` and `/_control/events` (CORS allowed) */
  jumpcloudOrigin: string;
  temporalUiUrl: string;
  temporalNamespace: string;
  channels: Array<{ id: string; name: string }>;
  approvalChannelId: string;
  people: Array<{
    slackUserId: string;
    realName: string;
    title: string;
    jumpcloudUserId?: string;
    /** 'requester' (has a JumpCloud account, not a guest), 'guest' and/or 'approver' */
    roles: string[];
    /** names of the groups this person approves */
    approves: string[];
  }>;
  jitGroups: Array<{ id: string; name: string; maxDuration: string; approvers: string[]; allowSelfApproval: boolean }>;
}

export function sandboxPageConfig(input: {
  people: readonly DemoPerson[];
  policy: JitPolicy;
  jumpcloudOrigin: string;
  temporalUiUrl: string;
  temporalNamespace: string;
  channels: Array<{ id: string; name: string }>;
  approvalChannelId: string;
  slashCommand: string;
}): SandboxPageConfig {
  const { policy } = input;
  return {
    workspaceName: 'JIT sandbox',
    slashCommand: input.slashCommand,
    jumpcloudOrigin: input.jumpcloudOrigin,
    temporalUiUrl: input.temporalUiUrl,
    temporalNamespace: input.temporalNamespace,
    channels: input.channels,
    approvalChannelId: input.approvalChannelId,
    people: input.people.map((p) => {
      const approves = policy.groups.filter((g) => g.approvers.includes(p.slackUserId)).map(policyGroupLabel);
      const roles = [
        ...(p.jumpcloudUserId && !p.guest ? ['requester'] : []),
        ...(p.guest ? ['guest'] : []),
        ...(approves.length > 0 ? ['approver'] : []),
      ];
      return {
        slackUserId: p.slackUserId,
        realName: p.realName,
        title: p.title,
        ...(p.jumpcloudUserId ? { jumpcloudUserId: p.jumpcloudUserId } : {}),
        roles,
        approves,
      };
    }),
    jitGroups: policy.groups.map((g) => ({
      id: g.id,
      name: policyGroupLabel(g),
      maxDuration: formatDuration(g.maxDurationSeconds),
      approvers: g.approvers,
      allowSelfApproval: g.allowSelfApproval,
    })),
  };
}

/**
 * One grant as the page shows it, read from Temporal (`GET /_page/grants`), never worked out from Slack messages:
 * the side panel stays right when a message is reworded or was never posted.
 */
export interface PageGrant extends Pick<
  GrantSummary,
  'workflowId' | 'runId' | 'status' | 'requesterSlackUserId' | 'jumpcloudUserId' | 'groupId'
> {
  /** ISO 8601, like the two below */
  startedAt: string;
  expiresAt?: string;
  closedAt?: string;
  /** The grant's current (or last) run in the Temporal Web UI, which links back to the run it continued from. */
  temporalUrl: string;
  audit: PageGrantAudit;
}

/** What the audit stand-ins hold about one grant (one run); a sink with nothing for it yet is left out. */
export interface PageGrantAudit {
  serviceNow?: { number: string; status: string };
  jira?: { key: string; status: string; comments: number };
  /** the accepted webhook events' types, in arrival order (`grant.requested`, …) */
  webhookEvents: string[];
}

/** Everything the audit stand-ins hold right now; `pageGrants` picks each grant's part. */
export interface AuditSnapshot {
  serviceNowRecords: ServiceNowRecord[];
  jiraIssues: JiraIssue[];
  webhookEvents: unknown[];
}

export function pageGrants(
  grants: GrantSummary[],
  temporal: { uiUrl: string; namespace: string },
  audit: AuditSnapshot,
): { grants: PageGrant[] } {
  return {
    grants: grants.map((g) => ({
      workflowId: g.workflowId,
      // The grant's first run names it, as it does to the audit sinks: the same ID before and after the hand-off.
      runId: g.firstRunId,
      status: g.status,
      requesterSlackUserId: g.requesterSlackUserId,
      jumpcloudUserId: g.jumpcloudUserId,
      groupId: g.groupId,
      startedAt: g.startTime.toISOString(),
      ...(g.expiresAt ? { expiresAt: g.expiresAt.toISOString() } : {}),
      ...(g.closeTime ? { closedAt: g.closeTime.toISOString() } : {}),
      temporalUrl: [
        temporal.uiUrl,
        'namespaces',
        encodeURIComponent(temporal.namespace),
        'workflows',
        encodeURIComponent(g.workflowId),
        encodeURIComponent(g.runId),
      ].join('/'),
      audit: grantAudit(g, audit),
    })),
  };
}

/** Matched as the sinks key their records: ServiceNow's `u_subject_id`, the Jira label, the webhook's grant. */
function grantAudit({ workflowId, firstRunId: runId }: GrantSummary, audit: AuditSnapshot): PageGrantAudit {
  const subject = grantSubjectId(workflowId, runId);
  const record = audit.serviceNowRecords.find((r) => r.fields.u_subject_id === subject);
  const label = jiraSubjectLabel(subject);
  const issue = audit.jiraIssues.find((i) => i.fields.labels.includes(label));
  const webhookEvents = audit.webhookEvents.flatMap((event) => {
    // Only signed deliveries reach the list, so these are the worker's own payloads; drift events have no `grant`.
    const e = event as Partial<GrantEventPayload> | null;
    return e?.grant?.workflowId === workflowId && e.grant.runId === runId && typeof e.type === 'string' ? [e.type] : [];
  });
  return {
    ...(record ? { serviceNow: { number: record.fields.number ?? '', status: record.fields.u_status ?? '' } } : {}),
    ...(issue ? { jira: { key: issue.key, status: issue.status, comments: issue.comments.length } } : {}),
    webhookEvents,
  };
}
