import * as wf from '@temporalio/workflow';

/** What went wrong, for a log line or the grant's state: an activity's own error rather than Temporal's wrapper. */
export function failureMessage(err: unknown): string {
  if (err instanceof wf.ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
