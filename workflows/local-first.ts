import * as wf from '@temporalio/workflow';

/**
 * One quick attempt of a local activity: no task of its own on the server, its result recorded with the workflow task
 * that ran it. Past it, `localFirst` hands the call to the ordinary activity.
 */
export const QUICK_LOCAL_ATTEMPT = { startToCloseTimeout: '5 seconds', retry: { maximumAttempts: 1 } } as const;

/** A call tried as a local activity first, then as the ordinary activity: `localFirst` or `localFirstInTurn()`. */
export type LocalFirst = <R>(local: () => Promise<R>, remote: () => Promise<R>) => Promise<R>;

/**
 * Runs `local` (the call as a local activity, QUICK_LOCAL_ATTEMPT) and, if that attempt fails, `remote` (the same call
 * as an ordinary activity, with its full retries). The usual case costs one server write instead of an activity task's
 * round trips; an outage's retries stay out of the history, where a local activity retrying for hours would keep
 * adding workflow tasks.
 */
export const localFirst: LocalFirst = async (local, remote) => {
  try {
    return await local();
  } catch (err) {
    // A local activity's failure arrives as its own error (an ApplicationFailure, a TimeoutFailure), not wrapped in an
    // ActivityFailure; anything that is not a Temporal failure is a bug in the workflow and propagates.
    if (!(err instanceof wf.TemporalFailure) || wf.isCancellation(err)) throw err;
    return remote();
  }
};

/**
 * `localFirst` whose local attempts run one at a time, each after the one before has finished. Two local activities in
 * flight together resolve in separate activations when live but in one activation on replay, where the commands that
 * follow them come in a different order: a nondeterminism error. In turn, each result has an activation of its own
 * both times. The remote fallback does not hold the turn: its result is an event in the history, ordered by it.
 */
export function localFirstInTurn(): LocalFirst {
  let previous: Promise<unknown> = Promise.resolve();
  return (local, remote) => {
    const attempt = previous.then(local);
    previous = attempt.catch(() => undefined);
    return localFirst(() => attempt, remote);
  };
}
