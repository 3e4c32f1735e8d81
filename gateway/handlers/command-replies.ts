import { formatDuration } from '../../config/durations';
import { findPolicyGroup, policyGroupLabel, type JitPolicy } from '../../config/policy';
import { escapeMrkdwn, slackDate } from '../../integrations/slack/block-kit/elements';
import { type GrantSummary } from '../../integrations/temporal/grant-service';
import { type ReconcilerState } from '../../workflows/reconciler/reconciler-types';
import { type GatewayServices } from '../deps';
import { type SlashCommand } from '../slack/payloads';
import { tellEphemeral } from './tell-user';

/** `/jit help` (and the answer to anything the command does not know). mrkdwn. */
export function helpText(command: string, policy: JitPolicy, preface?: string): string {
  const groups = policy.groups.map(
    (g) => `• *${escapeMrkdwn(policyGroupLabel(g))}*: up to ${formatDuration(g.maxDurationSeconds)}`,
  );
  return [
    ...(preface ? [preface, ''] : []),
    `*${command}*: ask for temporary membership of a JumpCloud group (opens a form; an approver decides)`,
    `*${command} status*: your pending and active requests, with the time left`,
    `*${command} drift*: for approvers, access to the JIT groups that no grant explains (found by the reconciler)`,
    `*${command} help*: this message`,
    '',
    '*Groups that can be requested*',
    ...groups,
  ].join('\n');
}

/** `/jit status`: runs after the acknowledgement (Temporal visibility may be slow) and answers via the response_url. */
export async function reportStatus(services: GatewayServices, command: SlashCommand): Promise<void> {
  let grants: GrantSummary[];
  try {
    grants = await services.grants.list({ requesterSlackUserId: command.user_id, openOnly: true });
  } catch (err) {
    services.log.error({ err }, 'could not list open grants');
    await tellEphemeral(
      services,
      command.response_url,
      ":warning: I couldn't read your requests just now. Please try again in a minute.",
    );
    return;
  }
  await tellEphemeral(
    services,
    command.response_url,
    statusText(services.policy, grants, services.now(), command.command),
  );
}

export function statusText(policy: JitPolicy, grants: GrantSummary[], nowMs: number, command: string): string {
  if (grants.length === 0) return `You have no pending or active access requests. Type \`${command}\` to ask for one.`;
  const lines = [...grants]
    .sort((a, b) => a.startTime.getTime() - b.startTime.getTime())
    .map((grant) => {
      const group = findPolicyGroup(policy, grant.groupId);
      return `• *${escapeMrkdwn(group ? policyGroupLabel(group) : grant.groupId)}*: ${describe(grant, nowMs)}`;
    });
  return ['*Your access requests*', ...lines].join('\n');
}

function describe(grant: GrantSummary, nowMs: number): string {
  switch (grant.status) {
    case 'ACTIVE': {
      if (!grant.expiresAt) return 'active';
      const left = Math.max(0, Math.round((grant.expiresAt.getTime() - nowMs) / 1000));
      return `active, ${formatDuration(left)} left (until ${slackDate(grant.expiresAt.toISOString())})`;
    }
    case 'APPROVED':
      return 'approved; the membership is being added';
    case 'PENDING_APPROVAL':
      return `waiting for an approver since ${slackDate(grant.startTime.toISOString())}`;
    default:
      // Closing: e.g. expired or revoked, the membership is being removed.
      return `${grant.status.toLowerCase().replace(/_/g, ' ')}; finishing up`;
  }
}

/** `/jit drift`: the reconciler's open drift, for approvers only; answered via the response_url. */
export async function reportDrift(services: GatewayServices, command: SlashCommand): Promise<void> {
  const tell = (text: string) => tellEphemeral(services, command.response_url, text);
  if (!services.policy.groups.some((g) => g.approvers.includes(command.user_id))) {
    await tell(':no_entry: Only approvers can list drift.');
    return;
  }
  let state: ReconcilerState | undefined;
  try {
    state = await services.reconciler.state();
  } catch (err) {
    services.log.error({ err }, 'could not read the reconciler');
    await tell(":warning: I couldn't read the reconciler just now. Please try again in a minute.");
    return;
  }
  await tell(driftText(state));
}

export function driftText(state: ReconcilerState | undefined): string {
  if (!state) return ':warning: The reconciler is not running: start a worker, which starts it.';
  const groupName = (id: string) => state.config.groups.find((g) => g.id === id)?.name ?? id;
  const last = state.lastRun
    ? `Last run ${slackDate(state.lastRun.finishedAt)}: ${state.lastRun.groupsChecked} groups, ${state.lastRun.members} members checked${state.lastRun.errors.length > 0 ? `, ${state.lastRun.errors.length} groups could not be read` : ''}.`
    : 'The reconciler has not finished a run yet.';
  if (state.openDrift.length === 0) return `:white_check_mark: No open drift. ${last}`;
  const lines = state.openDrift.map((d) => {
    const who = escapeMrkdwn(d.email ?? d.userId);
    const what =
      d.kind === 'missing-member' ? 'has an active grant but is not in the group' : 'is in the group with no grant';
    return `• *${escapeMrkdwn(groupName(d.groupId))}*: ${who} ${what}, since ${slackDate(d.since)}`;
  });
  return [`*Open drift* (${state.openDrift.length})`, ...lines, '', last].join('\n');
}
