/** Interactive element IDs shared by the messages and modals we build and the gateway that receives them. */
export const ActionIds = {
  approve: 'grant_approve',
  reject: 'grant_reject',
  revoke: 'grant_revoke',
  /** In the requester's DMs: ask for more time. */
  extend: 'grant_extend',
  approveExtension: 'extension_approve',
  rejectExtension: 'extension_reject',
  /** In a break-glass alert: an approver has seen it. */
  acknowledgeBreakGlass: 'break_glass_acknowledge',
  /** In a drift alert: an approver removes the unexplained member at once, or keeps them with a reason. */
  removeDrift: 'drift_remove',
  keepDrift: 'drift_keep',
} as const;

/** Modals, by the callback_id their submissions carry. */
export const CallbackIds = {
  request: 'jit_request',
  rejectReason: 'jit_reject_reason',
  extend: 'jit_extend',
  keepDrift: 'jit_drift_keep',
} as const;

export const RequestFormInputs = {
  group: { blockId: 'group_block', actionId: 'group_select' },
  duration: { blockId: 'duration_block', actionId: 'duration_select' },
  justification: { blockId: 'justification_block', actionId: 'justification_input' },
  /** Offered only when a group allows it; its one checkbox option has the value `BREAK_GLASS_OPTION`. */
  breakGlass: { blockId: 'break_glass_block', actionId: 'break_glass_check' },
} as const;

export const BREAK_GLASS_OPTION = 'break-glass';

export const RejectReasonInput = { blockId: 'reason_block', actionId: 'reason_input' } as const;

export const ExtendFormInputs = {
  duration: { blockId: 'extend_duration_block', actionId: 'extend_duration_select' },
  reason: { blockId: 'extend_reason_block', actionId: 'extend_reason_input' },
} as const;

export const KeepDriftInput = { blockId: 'keep_reason_block', actionId: 'keep_reason_input' } as const;
