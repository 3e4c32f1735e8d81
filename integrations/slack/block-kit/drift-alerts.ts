import { type DriftAlert } from '../../../workflows/reconciler/reconciler-types';
import { context, escapeMrkdwn, section, type SlackMessage, slackDate } from './elements';

/** The reconciler's message to the security channel: who, which group, since when, and what was done. */
export function driftAlertMessage(alert: DriftAlert): SlackMessage {
  const { drift } = alert;
  const who = drift.email ? `*${escapeMrkdwn(drift.email)}*` : `JumpCloud user \`${drift.userId}\``;
  const group = `*${escapeMrkdwn(alert.groupName)}*`;
  const since = slackDate(drift.since);
  const headline = headlineOf(alert, who, group, since);
  const details = [`JumpCloud user ID \`${drift.userId}\`, group ID \`${drift.groupId}\``];
  if (drift.grantWorkflowId) details.push(`grant \`${drift.grantWorkflowId}\``);
  return { text: plainFallback(headline), blocks: [section(headline), context(details.join(' · '))] };
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
      return `:lock: ${who} was in ${group} with no grant (seen since ${since}) and has been removed.`;
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
