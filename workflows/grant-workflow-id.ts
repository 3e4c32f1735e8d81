/** One workflow per (JumpCloud user, group) at a time: the ID is derived from both. */
export function grantWorkflowId(jumpcloudUserId: string, groupId: string): string {
  return `jit-grant-${jumpcloudUserId}-${groupId}`;
}

/** The inverse of grantWorkflowId, or undefined when `workflowId` is not a grant's ID (e.g. a forged button value). */
export function parseGrantWorkflowId(workflowId: string): { jumpcloudUserId: string; groupId: string } | undefined {
  const match = /^jit-grant-([0-9a-f]{24})-([0-9a-f]{24})$/.exec(workflowId);
  return match ? { jumpcloudUserId: match[1] as string, groupId: match[2] as string } : undefined;
}
