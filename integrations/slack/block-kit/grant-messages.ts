import { madeByLine } from './drift-alerts';
import { formatDuration } from '../../../config/durations';
import { formatGrantRef, grantWorkflowId } from '../../../workflows/grant/grant-workflow-id';
import { type GrantState } from '../../../workflows/grant/grant-types';
import { ActionIds } from './ids';
import { type Block, context, escapeMrkdwn, mention, plain, section, type SlackMessage, slackDate } from './elements';

function groupLabel(state: GrantState): string {
  return `*${escapeMrkdwn(state.group.name)}*`;
}

function requestSummary(state: GrantState): Block[] {
  const quoted = escapeMrkdwn(state.justification)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  return [
    section(
      `${mention(state.requester.slackUserId)} requests ${groupLabel(state)} for *${formatDuration(state.durationSeconds)}*`,
    ),
    section(`*Justification*\n${quoted}`),
  ];
}

/** Who approved: every approver of a two-person grant, else the one who decided. */
function approvedBy(state: GrantState): string {
  const approvals = state.approvals ?? [];
  if (approvals.length <= 1) return state.decidedBy ? mention(state.decidedBy) : 'nobody';
  const names = approvals.map((a) => mention(a.bySlackUserId));
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}`;
}

function pendingLine(state: GrantState): string {
  const until = slackDate(state.approvalDeadline);
  const required = state.requiredApprovals ?? 1;
  if (required <= 1) return `:hourglass_flowing_sand: Waiting for an approver until ${until}`;
  const approvals = state.approvals ?? [];
  const soFar = approvals.length > 0 ? `: ${approvals.map((a) => mention(a.bySlackUserId)).join(', ')}` : '';
  return `:hourglass_flowing_sand: ${approvals.length} of ${required} approvals${soFar}. Waiting for ${required - approvals.length} more until ${until}`;
}

function outcomeLine(state: GrantState): string {
  const by = state.decidedBy ? mention(state.decidedBy) : 'nobody';
  const approved = approvedBy(state);
  const reason = state.decisionReason ? `: ${escapeMrkdwn(state.decisionReason)}` : '';
  switch (state.status) {
    case 'PENDING_APPROVAL':
      return pendingLine(state);
    case 'APPROVED':
      return `:white_check_mark: Approved by ${approved}${reason}; adding the membership…`;
    case 'ACTIVE':
      return `:white_check_mark: Approved by ${approved}${reason}. Access granted until ${slackDate(state.expiresAt ?? '')}`;
    case 'EXPIRED':
      return `:lock: Approved by ${approved}. Access expired and was removed ${slackDate(state.endedAt ?? '')}`;
    case 'REVOKED':
      return `:lock: Approved by ${approved}. Access revoked early by ${revokedBy(state)} ${slackDate(state.endedAt ?? '')}`;
    case 'REJECTED':
      return `:x: Rejected by ${by}${reason}`;
    case 'TIMED_OUT':
      return ':alarm_clock: Timed out: nobody decided in time';
    case 'CANCELLED':
      // Withdrawn by nobody in Slack: the worker closed it, and says why (workflows/grant/grant-updates.ts).
      if (state.endedBy === undefined && state.endReason) {
        return `:leftwards_arrow_with_hook: Withdrawn: ${escapeMrkdwn(state.endReason)}`;
      }
      return `:leftwards_arrow_with_hook: Withdrawn by ${mention(state.endedBy ?? state.requester.slackUserId)}`;
    case 'ALREADY_MEMBER':
      return `:information_source: Approved by ${by}, but the user already had standing access; nothing was changed`;
    case 'FAILED':
      return state.addRemoved
        ? `:warning: Approved by ${by}, but the membership could not be confirmed (${escapeMrkdwn(state.failure ?? 'unknown error')}); it was removed again`
        : `:warning: Approved by ${by}, but JumpCloud refused the change: ${escapeMrkdwn(state.failure ?? 'unknown error')}`;
  }
}

function buttonValue(state: GrantState, runId: string | undefined): string {
  return formatGrantRef({ workflowId: grantWorkflowId(state.requester.jumpcloudUserId, state.group.id), runId });
}

/** The message in the approval channel: Approve / Reject while pending, the outcome afterwards. */
export function approvalMessage(state: GrantState, runId?: string): SlackMessage {
  const value = buttonValue(state, runId);
  const blocks: Block[] = [...requestSummary(state), context(outcomeLine(state))];
  const records = auditRecordsLine(state);
  if (records) blocks.push(context(records));
  if (state.status === 'PENDING_APPROVAL') {
    blocks.push({
      type: 'actions',
      block_id: 'grant_decision',
      elements: [
        {
          type: 'button',
          action_id: ActionIds.approve,
          style: 'primary',
          value,
          text: plain('Approve'),
          confirm: {
            title: plain('Grant access?'),
            text: plain(
              `Adds the requester to ${state.group.name} in JumpCloud for ${formatDuration(state.durationSeconds)}.`.slice(
                0,
                300,
              ),
            ),
            confirm: plain('Approve'),
            deny: plain('Cancel'),
          },
        },
        { type: 'button', action_id: ActionIds.reject, style: 'danger', value, text: plain('Reject') },
      ],
    });
  }
  return { text: `Access request: ${state.group.name} for ${formatDuration(state.durationSeconds)}`, blocks };
}

const SINK_LABELS: Record<string, string> = { servicenow: 'ServiceNow', jira: 'Jira' };

/** "Recorded in ServiceNow <url|JIT0001001> · Jira <url|SEC-12>", once the audit sinks have created the records. */
export function auditRecordsLine(state: GrantState): string | undefined {
  const links = Object.entries(state.auditRecords ?? {}).flatMap(([sink, ref]) =>
    ref ? [`${SINK_LABELS[sink] ?? sink} <${ref.url}|${escapeMrkdwn(ref.label)}>`] : [],
  );
  return links.length ? `:card_index: Recorded in ${links.join(' · ')}` : undefined;
}

/** The direct message that tells the requester what happened to their request. */
export function requesterNotice(state: GrantState, runId?: string): SlackMessage {
  const group = groupLabel(state);
  const by = state.decidedBy ? mention(state.decidedBy) : 'an approver';
  const reason = state.decisionReason ? ` Reason: ${escapeMrkdwn(state.decisionReason)}` : '';
  switch (state.status) {
    case 'ACTIVE': {
      const value = buttonValue(state, runId);
      return {
        text: `Access to ${state.group.name} granted`,
        blocks: [
          section(
            state.breakGlass
              ? `:rotating_light: Break-glass access granted without approval: you are now in ${group} until ${slackDate(state.expiresAt ?? '')}. The approvers have been alerted and will review it.`
              : `:white_check_mark: ${(state.approvals ?? []).length > 1 ? approvedBy(state) : by} approved your request. You are now in ${group} until ${slackDate(state.expiresAt ?? '')}.`,
          ),
          {
            type: 'actions',
            block_id: 'grant_active',
            elements: [
              { type: 'button', action_id: ActionIds.extend, value, text: plain('Extend') },
              {
                type: 'button',
                action_id: ActionIds.revoke,
                value,
                text: plain('Revoke now'),
                confirm: {
                  title: plain('Give up access now?'),
                  text: plain('You will be removed from the group at once.'),
                  confirm: plain('Revoke'),
                  deny: plain('Keep'),
                },
              },
            ],
          },
        ],
      };
    }
    case 'EXPIRED':
      return notice(`:lock: Your access to ${group} expired and you have been removed from the group.`);
    case 'REVOKED':
      return notice(
        `:lock: Your access to ${group} was revoked by ${revokedBy(state)}; you have been removed from the group.`,
      );
    case 'REJECTED':
      return notice(`:x: ${by} rejected your request for ${group}.${reason}`);
    case 'TIMED_OUT':
      return notice(
        `:alarm_clock: Nobody decided on your request for ${group} in time, so it expired. You can ask again with \`/jit\`.`,
      );
    case 'CANCELLED':
      return notice(
        state.endedBy === undefined && state.endReason
          ? `:leftwards_arrow_with_hook: Your request for ${group} was withdrawn: ${escapeMrkdwn(state.endReason)}.`
          : `:leftwards_arrow_with_hook: Your request for ${group} was withdrawn.`,
      );
    case 'ALREADY_MEMBER':
      return notice(
        `:information_source: Your request for ${group} was approved, but you already have standing access to it; nothing was changed.`,
      );
    case 'FAILED':
      return notice(
        `:warning: Your request for ${group} was approved, but the membership could not be ${state.addRemoved ? 'confirmed and was removed again' : 'added'}: ${escapeMrkdwn(state.failure ?? 'unknown error')}. Please contact your security team.`,
      );
    default:
      return notice(`Your request for ${group} is ${state.status.toLowerCase().replace('_', ' ')}.`);
  }
}

/** The reminder before expiry: the time left, with Extend and End now. */
export function reminderNotice(state: GrantState, runId?: string): SlackMessage {
  const value = buttonValue(state, runId);
  const left = Math.max(0, Math.round((Date.parse(state.expiresAt ?? '') - Date.parse(state.remindedAt ?? '')) / 1000));
  const text = `:hourglass: Your access to ${groupLabel(state)} ends in ${formatDuration(left)}, at ${slackDate(state.expiresAt ?? '')}. Need longer? Ask for an extension; done already? End it now.`;
  return {
    text: `Your access to ${state.group.name} ends in ${formatDuration(left)}`,
    blocks: [
      section(text),
      {
        type: 'actions',
        block_id: 'grant_reminder',
        elements: [
          { type: 'button', action_id: ActionIds.extend, value, text: plain('Extend') },
          {
            type: 'button',
            action_id: ActionIds.revoke,
            value,
            text: plain('End now'),
            confirm: {
              title: plain('End access now?'),
              text: plain('You will be removed from the group at once.'),
              confirm: plain('End now'),
              deny: plain('Keep'),
            },
          },
        ],
      },
    ],
  };
}

/** Who ended a grant early: the person who clicked, or an operator who cancelled its workflow. */
function revokedBy(state: GrantState): string {
  return state.endedBy ? mention(state.endedBy) : 'an operator (the grant workflow was cancelled)';
}

function notice(text: string): SlackMessage {
  // The notification fallback: plain words, without emoji codes and bold markers.
  return {
    text: text
      .replace(/:[a-z_]+:\s*/g, '')
      .replace(/\*/g, '')
      .trim(),
    blocks: [section(text)],
  };
}

/** To the requester: someone removed the grant's membership outside JIT access; it is not coming back. */
export function removedOutsideNotice(state: GrantState): SlackMessage {
  const by = state.removedOutside?.by;
  const line = `:warning: Your access to ${groupLabel(state)} was removed outside JIT access (seen ${slackDate(state.removedOutside?.seenAt ?? '')}). It will not be re-added, and this grant can no longer be extended: ask again with a new request if you still need it.`;
  return {
    text: `Your access to ${state.group.name} was removed outside JIT access`,
    blocks: [section(line), ...(by ? [context(madeByLine(by))] : [])],
  };
}
