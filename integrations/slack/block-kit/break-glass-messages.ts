import { formatDuration } from '../../../config/durations';
import { formatGrantRef, grantWorkflowId } from '../../../workflows/grant/grant-workflow-id';
import { type GrantState } from '../../../workflows/grant/grant-types';
import { auditRecordsLine } from './grant-messages';
import { ActionIds } from './ids';
import { type Block, context, escapeMrkdwn, mention, plain, section, type SlackMessage, slackDate } from './elements';

/** The alerts of break-glass access: posted to the group's alert channel instead of an approval request. */

function approverMentions(state: GrantState): string {
  return state.approvers.map(mention).join(' ');
}

function quoted(text: string): string {
  return escapeMrkdwn(text)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

function statusLine(state: GrantState): string {
  const review = state.acknowledgedBy
    ? `Acknowledged by ${mention(state.acknowledgedBy)} ${slackDate(state.acknowledgedAt ?? '')}.`
    : 'Not yet acknowledged by an approver.';
  switch (state.status) {
    case 'APPROVED':
      return `:rotating_light: Adding the membership… ${review}`;
    case 'ACTIVE':
      return `:rotating_light: Active until ${slackDate(state.expiresAt ?? '')}. ${review}`;
    case 'EXPIRED':
      return `:lock: Expired and removed ${slackDate(state.endedAt ?? '')}. ${review}`;
    case 'REVOKED':
      return `:lock: Revoked by ${mention(state.endedBy ?? state.requester.slackUserId)} ${slackDate(state.endedAt ?? '')}. ${review}`;
    case 'ALREADY_MEMBER':
      return `:information_source: The user already had standing access; nothing was changed. ${review}`;
    case 'FAILED':
      return state.addRemoved
        ? `:warning: The membership could not be confirmed (${escapeMrkdwn(state.failure ?? 'unknown error')}) and was removed again. ${review}`
        : `:warning: JumpCloud refused the change: ${escapeMrkdwn(state.failure ?? 'unknown error')}. ${review}`;
    default:
      return `${state.status.toLowerCase()}. ${review}`;
  }
}

/**
 * The break-glass alert: who took which group, why, until when; the approvers are mentioned, and get Acknowledge
 * and Revoke now while the grant lasts. Updated in place as the grant goes on.
 */
export function breakGlassAlertMessage(state: GrantState, runId?: string): SlackMessage {
  const value = formatGrantRef({ workflowId: grantWorkflowId(state.requester.jumpcloudUserId, state.group.id), runId });
  const group = `*${escapeMrkdwn(state.group.name)}*`;
  const expiry = state.expiresAt
    ? `until ${slackDate(state.expiresAt)}`
    : `for ${formatDuration(state.durationSeconds)} once added`;
  const blocks: Block[] = [
    section(
      `:rotating_light: *Break-glass access*: ${mention(state.requester.slackUserId)} took ${group} without approval, ${expiry} (${formatDuration(state.durationSeconds)}).`,
    ),
    section(`*Reason*\n${quoted(state.justification)}`),
    section(`Approvers, please review: ${approverMentions(state)}`),
    context(statusLine(state)),
  ];
  const records = auditRecordsLine(state);
  if (records) blocks.push(context(records));
  const open = state.status === 'APPROVED' || state.status === 'ACTIVE';
  if (open && !state.endingAt) {
    const elements: Block[] = [];
    if (!state.acknowledgedBy) {
      elements.push({
        type: 'button',
        action_id: ActionIds.acknowledgeBreakGlass,
        style: 'primary',
        value,
        text: plain('Acknowledge'),
      });
    }
    elements.push({
      type: 'button',
      action_id: ActionIds.revoke,
      style: 'danger',
      value,
      text: plain('Revoke now'),
      confirm: {
        title: plain('Revoke this access?'),
        text: plain(`Removes the requester from ${state.group.name} at once.`.slice(0, 300)),
        confirm: plain('Revoke'),
        deny: plain('Cancel'),
      },
    });
    blocks.push({ type: 'actions', block_id: 'break_glass_review', elements });
  }
  return {
    text: `Break-glass access: ${state.group.name} taken by ${state.requester.email} without approval`,
    blocks,
  };
}

/** The second, louder alert: nobody acknowledged the break-glass grant in time. */
export function breakGlassUnreviewedMessage(state: GrantState): SlackMessage {
  const group = `*${escapeMrkdwn(state.group.name)}*`;
  return {
    text: `UNREVIEWED break-glass access: ${state.group.name}`,
    blocks: [
      section(
        `<!channel> :rotating_light: *UNREVIEWED break-glass access*: ${mention(state.requester.slackUserId)} has held ${group} since ${slackDate(state.grantedAt ?? '')} and no approver has acknowledged it. ${approverMentions(state)}, please review the alert above (Acknowledge or Revoke now).`,
      ),
      section(`*Reason*\n${quoted(state.justification)}`),
      context(`Access ends ${slackDate(state.expiresAt ?? '')} unless revoked earlier.`),
    ],
  };
}
