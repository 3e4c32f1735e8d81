/**
 * Slack messages and audit records are served from a task queue of their own beside the grants' queue, by their own
 * worker slots, so a burst of notifications never queues ahead of a membership change.
 */
export function notificationTaskQueue(taskQueue: string): string {
  return `${taskQueue}-notifications`;
}

/**
 * An active grant, once handed off, runs on a workflow queue of its own beside the grants' queue (the
 * `active-grants-queue` patch in workflows/grant/access-grant.ts): its expiry and removal are then served by their own
 * pollers and slots, never behind a burst of new requests and approvals on the grants' queue.
 */
export function activeGrantsTaskQueue(taskQueue: string): string {
  return `${taskQueue}-active`;
}
