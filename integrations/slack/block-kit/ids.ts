/** Interactive element IDs shared by the messages and modals we build and the gateway that receives them. */
export const ActionIds = {
  approve: 'grant_approve',
  reject: 'grant_reject',
  revoke: 'grant_revoke',
  /** In the requester's DMs: ask for more time. */
  extend: 'grant_extend',
  approveExtension: 'extension_approve',
  rejectExtension: 'extension_reject',
} as const;

/** Modals, by the callback_id their submissions carry. */
export const CallbackIds = {
  request: 'jit_request',
  rejectReason: 'jit_reject_reason',
  extend: 'jit_extend',
} as const;

export const RequestFormInputs = {
  group: { blockId: 'group_block', actionId: 'group_select' },
  duration: { blockId: 'duration_block', actionId: 'duration_select' },
  justification: { blockId: 'justification_block', actionId: 'justification_input' },
} as const;

export const RejectReasonInput = { blockId: 'reason_block', actionId: 'reason_input' } as const;

export const ExtendFormInputs = {
  duration: { blockId: 'extend_duration_block', actionId: 'extend_duration_select' },
  reason: { blockId: 'extend_reason_block', actionId: 'extend_reason_input' },
} as const;
