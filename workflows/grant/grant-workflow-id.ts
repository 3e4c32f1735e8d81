/** One workflow per (JumpCloud user, group) at a time: the ID is derived from both. */
export function grantWorkflowId(jumpcloudUserId: string, groupId: string): string {
  return `jit-grant-${jumpcloudUserId}-${groupId}`;
}

/** The inverse of grantWorkflowId, or undefined when `workflowId` is not a grant's ID (e.g. a forged button value). */
export function parseGrantWorkflowId(workflowId: string): { jumpcloudUserId: string; groupId: string } | undefined {
  const match = /^jit-grant-([0-9a-f]{24})-([0-9a-f]{24})$/.exec(workflowId);
  return match ? { jumpcloudUserId: match[1] as string, groupId: match[2] as string } : undefined;
}

/**
 * One run of a grant workflow. Buttons carry the run, not only the workflow ID: the ID is reused by the next
 * request for the same user and group, and a click on an old message must never decide a newer request.
 */
export interface GrantRef {
  workflowId: string;
  runId?: string;
}

/** `workflowId/runId`: also the path of the run in the Temporal Web UI. */
export function formatGrantRef(ref: GrantRef): string {
  return ref.runId ? `${ref.workflowId}/${ref.runId}` : ref.workflowId;
}

export function parseGrantRef(value: string): GrantRef | undefined {
  const [workflowId = '', runId, ...rest] = value.split('/');
  if (rest.length > 0 || !parseGrantWorkflowId(workflowId)) return undefined;
  if (runId === undefined) return { workflowId };
  return /^[0-9a-f-]{36}$/.test(runId) ? { workflowId, runId } : undefined;
}

/** An extension request of one run: `workflowId/runId:extensionId`, the value of its Approve and Reject buttons. */
export function formatExtensionRef(ref: GrantRef, extensionId: number): string {
  return `${formatGrantRef(ref)}:${extensionId}`;
}

export function parseExtensionRef(value: string): (GrantRef & { extensionId: number }) | undefined {
  const match = /^(.+):([1-9][0-9]{0,3})$/.exec(value);
  const ref = match ? parseGrantRef(match[1] as string) : undefined;
  return ref && { ...ref, extensionId: Number(match?.[2]) };
}
