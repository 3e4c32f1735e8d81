import { type ConnectionLike } from '@temporalio/client';

/** True when the Temporal frontend answers a cheap call within `timeoutMs`. */
export function temporalReadiness(
  connection: Pick<ConnectionLike, 'withDeadline' | 'workflowService'>,
  timeoutMs = 1500,
): () => Promise<boolean> {
  return async () => {
    try {
      await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
      return true;
    } catch {
      return false;
    }
  };
}
