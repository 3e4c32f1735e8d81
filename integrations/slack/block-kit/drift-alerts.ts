import {
  type ChangeMadeBy,
  type DriftAlert,
  type InsightsNotice,
} from '../../../workflows/reconciler/reconciler-types';
import { type Block, context, escapeMrkdwn, mention, plain, section, type SlackMessage, slackDate } from './elements';
import { ActionIds } from './ids';

/** The events after which an unexplained member is still there, waiting for someone to decide. */
const UNDECIDED: ReadonlySet<DriftAlert['event']> = new Set(['found', 'removal-held', 'removal-failing']);

/** A drift button's value: the membership it is about. */
export function driftActionValue(groupId: string, userId: string): string {
  return `${groupId}:${userId}`;
}

/** The membership a drift button names, or undefined when the value is not one of ours. */
export function parseDriftActionValue(value: string): { groupId: string; userId: string } | undefined {
  const match = /^([0-9a-f]{24}):([0-9a-f]{24})$/.exec(value);
  return match?.[1] && match[2] ? { groupId: match[1], userId: match[2] } : undefined;
}

/** The reconciler's message to the security channel: who, which group, since when, and what was done. */
export function driftAlertMessage(alert: DriftAlert): SlackMessage {
  const { drift } = alert;
  const who = drift.email ? `*${escapeMrkdwn(drift.email)}*` : `JumpCloud user \`${drift.userId}\``;
  const group = `*${escapeMrkdwn(alert.groupName)}*`;
  const since = slackDate(drift.since);
  const headline = headlineOf(alert, who, group, since);
  const details = [`JumpCloud user ID \`${drift.userId}\`, group ID \`${drift.groupId}\``];
  if (drift.grantWorkflowId) details.push(`grant \`${drift.grantWorkflowId}\``);
  const blocks = [section(headline), context(details.join(' · '))];
  if (drift.madeBy && alert.event !== 'ended') blocks.splice(1, 0, section(madeByLine(drift.madeBy)));
  if (drift.kind === 'unexplained-member' && UNDECIDED.has(alert.event)) blocks.push(decisionButtons(alert));
  return { text: plainFallback(headline), blocks };
}

/** Remove now / Keep, for the group's approvers (the gateway and the worker check who clicks). */
function decisionButtons(alert: DriftAlert): Block {
  const value = driftActionValue(alert.drift.groupId, alert.drift.userId);
  const who = alert.drift.email ?? alert.drift.userId;
  return {
    type: 'actions',
    block_id: 'drift_decision',
    elements: [
      {
        type: 'button',
        action_id: ActionIds.removeDrift,
        style: 'danger',
        value,
        text: plain('Remove now'),
        confirm: {
          style: 'danger',
          title: plain('Remove this membership?'),
          text: plain(`Removes ${who} from ${alert.groupName} at once.`.slice(0, 300)),
          confirm: plain('Remove'),
          deny: plain('Cancel'),
        },
      },
      { type: 'button', action_id: ActionIds.keepDrift, value, text: plain('Keep…') },
    ],
  };
}

/** Who made the change, from where and when, as Directory Insights recorded it. */
export function madeByLine(by: ChangeMadeBy): string {
  const who = by.email
    ? `*${escapeMrkdwn(by.email)}*`
    : by.id
      ? `administrator \`${by.id}\``
      : 'an unnamed administrator';
  const how =
    by.authMethod === 'session' ? 'in the admin console' : by.authMethod === 'api_key' ? 'with an API key' : '';
  const where = by.clientIp ? `from ${escapeMrkdwn(by.clientIp)}` : '';
  const what = by.op === 'add' ? 'Added' : 'Removed';
  return [`${what} by ${who}`, how, where, `at ${slackDate(by.at)}`, '(JumpCloud Directory Insights)']
    .filter(Boolean)
    .join(' ');
}

/** The security channel is told once when Directory Insights stops answering, and once when it answers again. */
export function insightsNoticeMessage(notice: InsightsNotice): SlackMessage {
  const line =
    notice.state === 'unavailable'
      ? `:warning: JIT access cannot read JumpCloud Directory Insights: ${escapeMrkdwn(notice.reason)}. Hand-made memberships are found by the sweep every ${notice.sweepSeconds} s instead of within seconds, and alerts cannot say who made them.`
      : `:white_check_mark: JIT access reads JumpCloud Directory Insights again: hand-made memberships are found within ${notice.followSeconds} s and named.`;
  return { text: plainFallback(line), blocks: [section(line)] };
}

function headlineOf(alert: DriftAlert, who: string, group: string, since: string): string {
  const { drift } = alert;
  if (drift.kind === 'missing-member') {
    return alert.event === 'ended'
      ? `:white_check_mark: Resolved: ${who}'s grant for ${group} and the group agree again (a mismatch since ${since}).`
      : `:warning: ${who} has an active grant for ${group} but is not in the group (since ${since}): someone removed the membership outside JIT access. It will not be re-added.`;
  }
  switch (alert.event) {
    case 'found':
      return `:rotating_light: ${who} is in ${group} with no grant and no standing-member entry (seen since ${since}).`;
    case 'removed':
      return alert.bySlackUserId
        ? `:lock: ${who} was in ${group} with no grant (seen since ${since}); ${mention(alert.bySlackUserId)} removed them (Remove now).`
        : `:lock: ${who} was in ${group} with no grant (seen since ${since}) and has been removed.`;
    case 'kept':
      return `:white_check_mark: ${mention(alert.bySlackUserId ?? '')} kept ${who} in ${group} (no grant, seen since ${since}): "${escapeMrkdwn(alert.drift.kept?.reason ?? '')}". No more alerts for this membership until it changes.`;
    case 'removal-failing':
      return `:rotating_light: ${who} is in ${group} with no grant (seen since ${since}); removing them failed and is retried every run.`;
    case 'removal-held':
      return `:rotating_light: ${who} is in ${group} with no grant (seen since ${since}); not removed: ${escapeMrkdwn(alert.reason ?? 'held back')}.`;
    case 'ended':
      return `:white_check_mark: Resolved: ${who} is no longer in ${group} without a grant (seen since ${since}).`;
  }
}

function plainFallback(mrkdwn: string): string {
  return mrkdwn
    .replace(/:[a-z_]+:\s*/g, '')
    .replace(/\*/g, '')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1');
}
