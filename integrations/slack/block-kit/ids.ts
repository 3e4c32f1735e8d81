/** Interactive element IDs shared by the messages and modals we build and the gateway that receives them. */
export const ActionIds = {
  approve: 'grant_approve',
  reject: 'grant_reject',
  revoke: 'grant_revoke',
} as const;

/** Modals, by the callback_id their submissions carry. */
export const CallbackIds = {
  request: 'jit_request',
  rejectReason: 'jit_reject_reason',
} as const;

export const RequestFormInputs = {
  group: { blockId: 'group_block', actionId: 'group_select' },
  duration: { blockId: 'duration_block', actionId: 'duration_select' },
  justification: { blockId: 'justification_block', actionId: 'justification_input' },
} as const;

export const RejectReasonInput = { blockId: 'reason_block', actionId: 'reason_input' } as const;
