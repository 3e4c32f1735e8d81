import { formatDuration } from '../../../config/durations';
import { policyGroupLabel, type PolicyGroup } from '../../../config/policy';
import { BREAK_GLASS_JUSTIFICATION_MIN_LENGTH } from '../../../workflows/grant/grant-rules';
import { type Block, context, escapeMrkdwn, plain, type PlainText, section } from './elements';
import { KEEP_REASON_LENGTH } from '../../../workflows/reconciler/reconciler-types';
import {
  BREAK_GLASS_OPTION,
  CallbackIds,
  ExtendFormInputs,
  KeepDriftInput,
  RejectReasonInput,
  RequestFormInputs,
} from './ids';

/** The modals the gateway opens; the IDs their submissions come back with are in ids.ts. */

export const JUSTIFICATION_MIN_LENGTH = 10;
export const JUSTIFICATION_MAX_LENGTH = 500;
export const REJECT_REASON_MAX_LENGTH = 500;

/** Slack's limit on options in one static_select. */
const MAX_SELECT_OPTIONS = 100;

export interface ModalView {
  type: 'modal';
  title: PlainText;
  blocks: Block[];
  callback_id?: string;
  private_metadata?: string;
  submit?: PlainText;
  close?: PlainText;
  [key: string]: unknown;
}

const option = (text: string, value: string) => ({ text: plain(text.slice(0, 75)), value });

/** Opened at once with the trigger (which lives 3 s), then replaced once JumpCloud has answered. */
export function loadingView(): ModalView {
  return {
    type: 'modal',
    title: plain('Request access'),
    close: plain('Cancel'),
    blocks: [section(':hourglass_flowing_sand: Looking up the groups you can request…')],
  };
}

/** A modal that only explains something (e.g. why there is nothing to request). `text` is mrkdwn. */
export function noticeView(text: string): ModalView {
  return { type: 'modal', title: plain('Request access'), close: plain('Close'), blocks: [section(text)] };
}

export interface RequestFormInput {
  groups: PolicyGroup[];
  /** Groups held through a running grant: offered as extensions of it. */
  extendable?: PolicyGroup[];
  durationPresetsSeconds: number[];
  privateMetadata: string;
}

/**
 * The request form. The duration options cannot depend on the chosen group without a round trip, so they stop at the
 * largest maximum among the offered groups; each group's own maximum is listed and enforced on submit.
 */
export function requestFormView({
  groups: requestable,
  extendable = [],
  durationPresetsSeconds,
  privateMetadata,
}: RequestFormInput): ModalView {
  const groups = [...requestable, ...extendable];
  const largestMax = Math.max(...groups.map((g) => g.maxDurationSeconds));
  const durations = durationPresetsSeconds.filter((seconds) => seconds <= largestMax);
  const limits = groups
    .map((g) => `${escapeMrkdwn(policyGroupLabel(g))}: up to ${formatDuration(g.maxDurationSeconds)}`)
    .join(' · ');
  const breakGlassGroups = requestable.filter((g) => g.breakGlass !== undefined);
  const breakGlassBlocks: Block[] =
    breakGlassGroups.length === 0
      ? []
      : [
          {
            type: 'input',
            block_id: RequestFormInputs.breakGlass.blockId,
            optional: true,
            label: plain('Emergency'),
            element: {
              type: 'checkboxes',
              action_id: RequestFormInputs.breakGlass.actionId,
              options: [
                {
                  text: plain('Emergency access (break-glass)'),
                  value: BREAK_GLASS_OPTION,
                  description: plain(
                    `Granted at once without approval; the approvers are alerted and review it. Explain in at least ${BREAK_GLASS_JUSTIFICATION_MIN_LENGTH} characters.`,
                  ),
                },
              ],
            },
          },
          context(
            `Break-glass allowed for: ${breakGlassGroups
              .map(
                (g) =>
                  `${escapeMrkdwn(policyGroupLabel(g))} (up to ${formatDuration(g.breakGlass?.maxDurationSeconds ?? 0)})`,
              )
              .join(' · ')}`.slice(0, 2000),
          ),
        ];
  return {
    type: 'modal',
    callback_id: CallbackIds.request,
    private_metadata: privateMetadata,
    title: plain('Request access'),
    submit: plain('Request'),
    close: plain('Cancel'),
    blocks: [
      section(
        'Ask for temporary membership of a JumpCloud group. An approver decides; the membership ends by itself when the time is up.',
      ),
      {
        type: 'input',
        block_id: RequestFormInputs.group.blockId,
        label: plain('Group'),
        element: {
          type: 'static_select',
          action_id: RequestFormInputs.group.actionId,
          placeholder: plain('Choose a group'),
          options: groups
            .slice(0, MAX_SELECT_OPTIONS)
            .map((g) => option(extendable.includes(g) ? `${policyGroupLabel(g)} (extend)` : policyGroupLabel(g), g.id)),
        },
      },
      {
        type: 'input',
        block_id: RequestFormInputs.duration.blockId,
        label: plain('For how long'),
        element: {
          type: 'static_select',
          action_id: RequestFormInputs.duration.actionId,
          placeholder: plain('Choose a duration'),
          options: durations.map((seconds) => option(formatDuration(seconds), String(seconds))),
        },
      },
      {
        type: 'input',
        block_id: RequestFormInputs.justification.blockId,
        label: plain('Why do you need it?'),
        element: {
          type: 'plain_text_input',
          action_id: RequestFormInputs.justification.actionId,
          multiline: true,
          min_length: JUSTIFICATION_MIN_LENGTH,
          max_length: JUSTIFICATION_MAX_LENGTH,
          placeholder: plain('e.g. investigating incident INC-1234'),
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Longest allowed: ${limits}`.slice(0, 2000) }] },
      ...breakGlassBlocks,
    ],
  };
}

/** Asks an approver for an optional reason before rejecting. */
export function rejectReasonView(grantRef: string, groupLabel: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.rejectReason,
    private_metadata: grantRef,
    title: plain('Reject request'),
    submit: plain('Reject'),
    close: plain('Cancel'),
    blocks: [
      section(`Reject the request for *${escapeMrkdwn(groupLabel)}*? The requester will see your reason.`),
      {
        type: 'input',
        block_id: RejectReasonInput.blockId,
        optional: true,
        label: plain('Reason'),
        element: {
          type: 'plain_text_input',
          action_id: RejectReasonInput.actionId,
          multiline: true,
          max_length: REJECT_REASON_MAX_LENGTH,
        },
      },
    ],
  };
}

export const EXTENSION_REASON_MIN_LENGTH = 10;

/** Asks the requester how much longer, and why. The grant's limits are enforced when it is submitted. */
export function extendFormView(input: {
  grantRef: string;
  groupLabel: string;
  durationPresetsSeconds: number[];
}): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.extend,
    private_metadata: input.grantRef,
    title: plain('Extend access'),
    submit: plain('Ask'),
    close: plain('Cancel'),
    blocks: [
      section(
        `Ask the approvers for more time in *${escapeMrkdwn(input.groupLabel)}*. Your access keeps its current end until someone approves.`,
      ),
      {
        type: 'input',
        block_id: ExtendFormInputs.duration.blockId,
        label: plain('How much longer'),
        element: {
          type: 'static_select',
          action_id: ExtendFormInputs.duration.actionId,
          placeholder: plain('Choose a duration'),
          options: input.durationPresetsSeconds.map((seconds) => option(formatDuration(seconds), String(seconds))),
        },
      },
      {
        type: 'input',
        block_id: ExtendFormInputs.reason.blockId,
        label: plain('Why do you need more time?'),
        element: {
          type: 'plain_text_input',
          action_id: ExtendFormInputs.reason.actionId,
          multiline: true,
          min_length: EXTENSION_REASON_MIN_LENGTH,
          max_length: JUSTIFICATION_MAX_LENGTH,
        },
      },
    ],
  };
}

/** Keep on a drift alert: why this membership without a grant may stay. The reconciler records it with the approver. */
export function keepDriftView(membership: string, who: string, groupLabel: string): ModalView {
  return {
    type: 'modal',
    callback_id: CallbackIds.keepDrift,
    private_metadata: membership,
    title: plain('Keep membership'),
    submit: plain('Keep'),
    close: plain('Cancel'),
    blocks: [
      section(
        `Keep *${escapeMrkdwn(who)}* in *${escapeMrkdwn(groupLabel)}* without a grant? There are no more alerts for this membership until it changes; your name and reason go to the audit record.`,
      ),
      {
        type: 'input',
        block_id: KeepDriftInput.blockId,
        label: plain('Why may this membership stay?'),
        element: {
          type: 'plain_text_input',
          action_id: KeepDriftInput.actionId,
          multiline: true,
          min_length: KEEP_REASON_LENGTH.min,
          max_length: KEEP_REASON_LENGTH.max,
        },
      },
    ],
  };
}
