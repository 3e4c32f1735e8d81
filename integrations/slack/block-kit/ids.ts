/** Interactive element IDs shared by the messages we post and the gateway that receives their clicks. */
export const ActionIds = {
  approve: 'grant_approve',
  reject: 'grant_reject',
  revoke: 'grant_revoke',
} as const;
