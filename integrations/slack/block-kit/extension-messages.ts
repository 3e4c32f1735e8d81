import { formatDuration } from '../../../config/durations';
import { formatExtensionRef, grantWorkflowId } from '../../../workflows/grant/grant-workflow-id';
import { type Extension, type GrantState } from '../../../workflows/grant/grant-types';
import { type Block, context, escapeMrkdwn, mention, plain, section, type SlackMessage, slackDate } from './elements';
import { ActionIds } from './ids';

function extensionOf(state: GrantState, extensionId: number): Extension {
  const extension = state.extensions.find((e) => e.id === extensionId);
  if (!extension) throw new Error(`grant has no extension ${extensionId}`);
  return extension;
}

function mentions(extension: Extension): string {
  return extension.approvals.map((a) => mention(a.bySlackUserId)).join(', ');
}

function outcomeLine(state: GrantState, extension: Extension): string {
  switch (extension.status) {
    case 'PENDING': {
      const required = state.requiredApprovals ?? 1;
      const soFar = extension.approvals.length > 0 ? `; approved so far by ${mentions(extension)}` : '';
      return `:hourglass_flowing_sand: Waiting for ${required > 1 ? `${required} approvers` : 'an approver'}${soFar}. Access ends ${slackDate(extension.expiresAtBefore)} unless this is approved first.`;
    }
    case 'APPROVED':
      return `:white_check_mark: Extended by ${mentions(extension) || mention(extension.decidedBy ?? '')}: access now lasts until ${slackDate(extension.expiresAtAfter ?? '')}`;
    case 'REJECTED':
      return `:x: Extension rejected by ${mention(extension.decidedBy ?? '')}`;
    case 'MOOT':
      return ':lock: Closed: access ended before anyone decided, and the membership was removed on time';
  }
}

/** The extension request in the approval channel: clearly an extension, with the current and the new expiry. */
export function extensionRequestMessage(state: GrantState, extensionId: number, runId?: string): SlackMessage {
  const extension = extensionOf(state, extensionId);
  const group = `*${escapeMrkdwn(state.group.name)}*`;
  const proposed = new Date(Date.parse(extension.expiresAtBefore) + extension.extraSeconds * 1000).toISOString();
  const quoted = escapeMrkdwn(extension.reason)
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
  const blocks: Block[] = [
    section(
      `:arrows_counterclockwise: *Extension* ${extension.id}: ${mention(state.requester.slackUserId)} asks to keep ${group} for *${formatDuration(extension.extraSeconds)}* more: until ${slackDate(proposed)} instead of ${slackDate(extension.expiresAtBefore)}`,
    ),
    section(`*Reason*\n${quoted}`),
    context(outcomeLine(state, extension)),
  ];
  if (extension.status === 'PENDING') {
    const value = formatExtensionRef(
      { workflowId: grantWorkflowId(state.requester.jumpcloudUserId, state.group.id), runId },
      extension.id,
    );
    blocks.push({
      type: 'actions',
      block_id: `extension_decision_${extension.id}`,
      elements: [
        {
          type: 'button',
          action_id: ActionIds.approveExtension,
          style: 'primary',
          value,
          text: plain('Approve'),
          confirm: {
            title: plain('Extend access?'),
            text: plain(`Keeps the requester in ${state.group.name} ${formatDuration(extension.extraSeconds)} longer.`),
            confirm: plain('Approve'),
            deny: plain('Cancel'),
          },
        },
        { type: 'button', action_id: ActionIds.rejectExtension, style: 'danger', value, text: plain('Reject') },
      ],
    });
  }
  return { text: `Extension request: ${state.group.name} for ${formatDuration(extension.extraSeconds)} more`, blocks };
}

/** What the requester is told about their extension request. */
export function extensionNotice(state: GrantState, extensionId: number): SlackMessage {
  const extension = extensionOf(state, extensionId);
  const group = `*${escapeMrkdwn(state.group.name)}*`;
  const extra = formatDuration(extension.extraSeconds);
  const text = {
    PENDING: `:outbox_tray: Your request to keep ${group} for ${extra} more was sent to the approvers. Until someone approves it, your access still ends ${slackDate(extension.expiresAtBefore)}.`,
    APPROVED: `:white_check_mark: ${mention(extension.decidedBy ?? '')} approved your extension: you keep ${group} until ${slackDate(extension.expiresAtAfter ?? '')}.`,
    REJECTED: `:x: ${mention(extension.decidedBy ?? '')} rejected your extension for ${group}; your access still ends ${slackDate(state.expiresAt ?? '')}.`,
    MOOT: `:lock: Your extension request for ${group} was closed: your access ended before anyone decided.`,
  }[extension.status];
  return { text: text.replace(/:[a-z_]+:\s*/g, '').replace(/\*/g, ''), blocks: [section(text)] };
}
