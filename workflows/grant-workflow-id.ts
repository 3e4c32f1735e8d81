/** One workflow per (JumpCloud user, group) at a time: the ID is derived from both. */
export function grantWorkflowId(jumpcloudUserId: string, groupId: string): string {
  return `jit-grant-${jumpcloudUserId}-${groupId}`;
}
