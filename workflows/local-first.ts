import * as wf from '@temporalio/workflow';

/**
 * One quick attempt of a local activity: no task of its own on the server, its result recorded with the workflow task
 * that ran it. Past it, `localFirst` hands the call to the ordinary activity.
 */
export const QUICK_LOCAL_ATTEMPT = { startToCloseTimeout: '5 seconds', retry: { maximumAttempts: 1 } } as const;

/**
 * Runs `local` (the call as a local activity, QUICK_LOCAL_ATTEMPT) and, if that attempt fails, `remote` (the same call
 * as an ordinary activity, with its full retries). The usual case costs one server write instead of an activity task's
 * round trips; an outage's retries stay out of the history, where a local activity retrying for hours would keep
 * adding workflow tasks.
 */
export async function localFirst<R>(local: () => Promise<R>, remote: () => Promise<R>): Promise<R> {
  try {
    return await local();
  } catch (err) {
    // A local activity's failure arrives as its own error (an ApplicationFailure, a TimeoutFailure), not wrapped in an
    // ActivityFailure; anything that is not a Temporal failure is a bug in the workflow and propagates.
    if (!(err instanceof wf.TemporalFailure) || wf.isCancellation(err)) throw err;
    return remote();
  }
}
