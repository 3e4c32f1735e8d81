import { formatDuration } from '../config/durations';
import { policyGroupLabel, type JitPolicy } from '../config/policy';
import { type GrantSummary } from '../integrations/temporal/grant-service';
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
    /** 'requester' (has a JumpCloud account) and/or 'approver' */
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
      const roles = [...(p.jumpcloudUserId ? ['requester'] : []), ...(approves.length > 0 ? ['approver'] : [])];
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
  /** This run in the Temporal Web UI. */
  temporalUrl: string;
}

export function pageGrants(
  grants: GrantSummary[],
  temporal: { uiUrl: string; namespace: string },
): { grants: PageGrant[] } {
  return {
    grants: grants.map((g) => ({
      workflowId: g.workflowId,
      runId: g.runId,
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
    })),
  };
}
