import { formatDuration } from '../../../config/durations';
import { type EscalationStep, type GrantState } from '../../../workflows/grant/grant-types';
import { escapeMrkdwn, mention, section, type SlackMessage, slackDate } from './elements';

/** The people a reminder mentions: the listed approvers, then the step's own `mention`, each once. */
function mentions(state: GrantState, step: EscalationStep): string {
  const ids = [...new Set([...state.approvers, ...(step.mention ?? [])])];
  return ids.length > 0 ? ids.map(mention).join(' ') : 'approvers';
}

function waited(step: EscalationStep): string {
  return formatDuration(step.afterSeconds);
}

/** In the request's thread: the approvers (and whoever the step names) are reminded it still waits. */
export function escalationReminder(state: GrantState, step: EscalationStep): SlackMessage {
  const line = `:alarm_clock: Still no decision after ${waited(step)}: ${mentions(state, step)}, please approve or reject this request for *${escapeMrkdwn(state.group.name)}*. It times out at ${slackDate(state.approvalDeadline)}.`;
  return { text: `Still no decision after ${waited(step)} on ${state.group.name}`, blocks: [section(line)] };
}

/** In the step's other channel: where the waiting request is, for people who can chase its approvers. */
export function escalationElsewhere(state: GrantState, step: EscalationStep): SlackMessage {
  const line = `:alarm_clock: ${escapeMrkdwn(state.requester.email)} asked for *${escapeMrkdwn(state.group.name)}* ${waited(step)} ago and no approver has decided: the request is in <#${state.approvalChannel}>. ${mentions(state, step)}`;
  return { text: `A request for ${state.group.name} has waited ${waited(step)}`, blocks: [section(line)] };
}

/** To the requester: where the request stands. */
export function escalationToRequester(state: GrantState, step: EscalationStep): SlackMessage {
  const also = step.channel ? ` and <#${step.channel}> was told` : '';
  const line = `:hourglass: No decision yet on your request for *${escapeMrkdwn(state.group.name)}* after ${waited(step)}: the approvers were reminded${also}. It times out at ${slackDate(state.approvalDeadline)}.`;
  return { text: `No decision yet on your request for ${state.group.name}`, blocks: [section(line)] };
}
