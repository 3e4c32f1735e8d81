import { formatDuration } from '../../config/durations';
import { type Approval, type GrantInput, type GrantState } from './grant-types';

/**
 * What the Temporal Web UI shows for a grant, so an auditor reads it without opening its JSON: a one-line summary
 * and Markdown details set at start (they never change), and current details the workflow rewrites at each step.
 */

const SUMMARY_MAX_LENGTH = 200;

/** "ada@example.com → prod-db-readonly, 1h: INC-4711 failover" (break-glass marked), on one line. */
export function grantSummary(input: GrantInput): string {
  const line =
    `${input.breakGlass ? 'BREAK-GLASS ' : ''}${input.requester.email} → ${input.group.name}, ${formatDuration(
      input.durationSeconds,
    )}: ${input.justification}`.replace(/\s+/g, ' ');
  return line.length > SUMMARY_MAX_LENGTH ? `${line.slice(0, SUMMARY_MAX_LENGTH - 1)}…` : line;
}

/** Who, what, why and who may approve, as the request was made. */
export function grantDetails(input: GrantInput): string {
  const rows = [
    [
      'Requester',
      `${input.requester.email} (Slack ${input.requester.slackUserId}, JumpCloud ${input.requester.jumpcloudUserId})`,
    ],
    ['Group', `${input.group.name} (${input.group.id})`],
    ['Duration', formatDuration(input.durationSeconds)],
    ['Approvers', input.policy.approvers.join(', ')],
    ['Approvals needed', String(input.policy.requiredApprovals ?? 1)],
    ...(input.breakGlass ? [['Break-glass', breakGlassText(input.breakGlass)]] : []),
  ];
  return [`### Access request`, table(rows), '', `**Justification:** ${inline(input.justification)}`].join('\n');
}

/** The grant as it stands: status, decision, times, how it ended, the audit records. */
export function grantCurrentDetails(state: GrantState): string {
  const rows: string[][] = [['Status', state.status]];
  if (state.approvals.length) rows.push(['Approved by', state.approvals.map(approvalText).join(', ')]);
  if (state.decidedBy && state.status === 'REJECTED')
    rows.push(['Rejected by', `${state.decidedBy} at ${state.decidedAt ?? ''}`]);
  if (state.decisionReason) rows.push(['Decision reason', state.decisionReason]);
  if (state.breakGlassStepUp) {
    rows.push(['Signed in', `${state.breakGlassStepUp.email} at ${state.breakGlassStepUp.authTime}`]);
  }
  if (state.grantedAt) rows.push(['Granted at', state.grantedAt]);
  if (state.expiresAt) rows.push(['Expires at', state.expiresAt]);
  const extended = state.extensions.filter((e) => e.status === 'APPROVED').length;
  if (state.extensions.length) rows.push(['Extensions', `${extended} approved of ${state.extensions.length} asked`]);
  if (state.acknowledgedBy) rows.push(['Acknowledged by', `${state.acknowledgedBy} at ${state.acknowledgedAt ?? ''}`]);
  if (state.endedAt) rows.push(['Ended at', state.endedAt]);
  if (state.endedBy) rows.push(['Ended by', state.endedBy]);
  if (state.endReason) rows.push(['End reason', state.endReason]);
  if (state.failure) rows.push(['Failure', state.failure]);
  for (const [sink, ref] of Object.entries(state.auditRecords ?? {})) {
    if (ref) rows.push([`Record (${sink})`, `[${ref.label}](${ref.url})`]);
  }
  return table(rows);
}

/** "yes: alert in C…; signed in as … at …": where the alert went, and the requester's sign-in when there was one. */
function breakGlassText(breakGlass: NonNullable<GrantInput['breakGlass']>): string {
  const signIn = breakGlass.stepUp ? `; signed in as ${breakGlass.stepUp.email} at ${breakGlass.stepUp.authTime}` : '';
  return `yes: alert in ${breakGlass.alertChannel}${signIn}`;
}

/** "U0APPROVER at … (member of …; signed in as … at …)": the approval with how the approver was confirmed. */
function approvalText(approval: Approval): string {
  const how = [
    ...(approval.via ? [`member of ${approval.via}`] : []),
    ...(approval.stepUp ? [`signed in as ${approval.stepUp.email} at ${approval.stepUp.authTime}`] : []),
  ];
  return `${approval.bySlackUserId} at ${approval.at}${how.length > 0 ? ` (${how.join('; ')})` : ''}`;
}

function table(rows: string[][]): string {
  return ['| | |', '|---|---|', ...rows.map(([key, value]) => `| ${key} | ${inline(value ?? '')} |`)].join('\n');
}

/** Table cells and inline text: no line breaks, no pipes that would split a cell. */
function inline(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
}
