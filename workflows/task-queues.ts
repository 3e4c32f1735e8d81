/**
 * Slack messages and audit records are served from a task queue of their own beside the grants' queue, by their own
 * worker slots, so a burst of notifications never queues ahead of a membership change.
 */
export function notificationTaskQueue(taskQueue: string): string {
  return `${taskQueue}-notifications`;
}
