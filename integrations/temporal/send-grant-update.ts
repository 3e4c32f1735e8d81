import {
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  isGrpcServiceError,
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { alreadyClosedReason } from '../../workflows/grant/grant-rules';
import { type GrantState } from '../../workflows/grant/grant-types';

/** A request Temporal refused for a reason the user should read (not an outage). */
export class GrantRefusedError extends Error {
  override readonly name = 'GrantRefusedError';
}

/**
 * A click's Update ran out of time on every attempt, or could not be sent again after one did. Temporal keeps an
 * Update it has been sent and may still apply it, so its outcome is unknown: not a failure.
 */
export class GrantUpdatePendingError extends Error {
  override readonly name = 'GrantUpdatePendingError';

  constructor(
    readonly updateId: string,
    /**
     * Keeps waiting for this Update, for about `withinMs`: its outcome once Temporal has one, a GrantRefusedError, or
     * a GrantUpdatePendingError again when there is still no answer.
     */
    readonly outcome: (withinMs: number) => Promise<GrantState>,
    options?: ErrorOptions,
  ) {
    super(`the Update ${updateId} has no outcome yet`, options);
  }
}

/** How long a click's Update may wait on Temporal, and how often it is sent again after waiting that long. */
export interface UpdatePatience {
  /** The gRPC deadline of one attempt (default 30 s). */
  attemptMs: number;
  /** Attempts in all, each under the same Update ID (default 4: two minutes, well inside a response_url's life). */
  attempts: number;
}

export const DEFAULT_UPDATE_PATIENCE: UpdatePatience = { attemptMs: 30_000, attempts: 4 };

/**
 * Sends a click's Update and turns Temporal's answers that changed nothing into the reason the clicker reads: the
 * validator's refusal, or, for a grant that has ended (the server answers NOT_FOUND), what became of it.
 *
 * A button names the run that posted it, and an active grant continues as a new run once its messages are out
 * (workflows/grant/access-grant.ts). So the Update is addressed to the chain of runs the button's run belongs to (by
 * its first run): it reaches whichever run holds the grant now, and one sent while a run is handing off is moved to the
 * next run by Temporal itself. A button of an earlier grant with the same workflow ID names another chain, and is
 * refused as ended.
 *
 * A saturated server can let an attempt run out of time (DEADLINE_EXCEEDED) before the workflow has taken the Update.
 * The Update is then sent again under the same ID: Temporal answers a repeated ID with the first one's outcome, so a
 * click is recorded once however many attempts it took. (Within one run: a repeat that reaches the next run after a
 * hand-off is a new Update there, refused by its validator as already done; the click itself was recorded.) When the
 * attempts run out, the Update may still be applied later: GrantUpdatePendingError, whose `outcome` sends it again.
 */
export async function sendGrantUpdate(
  client: Client,
  patience: UpdatePatience,
  target: { workflowId: string; runId: string | undefined; updateId: string },
  call: (handle: WorkflowHandle) => Promise<GrantState>,
): Promise<GrantState> {
  const { workflowId, runId } = target;
  const pinned = runId === undefined ? undefined : client.workflow.getHandle(workflowId, runId);
  const firstExecutionRunId = pinned && ((await describeIfAny(pinned))?.raw.workflowExecutionInfo?.firstRunId || runId);
  const handle = client.workflow.getHandle(workflowId, undefined, firstExecutionRunId ? { firstExecutionRunId } : {});
  /** `sentBefore`: an earlier call's attempts ran out of time, so Temporal may hold the Update already. */
  const send = async (attempts: number, sentBefore: boolean): Promise<GrantState> => {
    let busyAnswers = 0;
    let timedOut = 0;
    for (;;) {
      try {
        return await client.withDeadline(Date.now() + patience.attemptMs, () => call(handle));
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw new GrantRefusedError(err.cause?.message ?? err.message);
        if (err instanceof WorkflowNotFoundError) {
          const closed = pinned ?? handle;
          throw new GrantRefusedError(await closedReason(closed, await describeIfAny(closed)));
        }
        const delay = BUSY_WORKFLOW_RETRY_DELAYS_MS[busyAnswers];
        if (isBusyWorkflow(err) && delay !== undefined) {
          busyAnswers += 1;
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError && ++timedOut < attempts) continue;
        // Only an error before the Update can be held is a failure; after that, no answer means not known yet.
        if (!sentBefore && timedOut === 0) throw err;
        const followUp = (withinMs: number) => send(Math.max(1, Math.ceil(withinMs / patience.attemptMs)), true);
        throw new GrantUpdatePendingError(target.updateId, followUp, { cause: err });
      }
    }
  };
  return send(patience.attempts, false);
}

/**
 * gRPC codes with which Temporal answers an Update it did not take, asking to send it again: RESOURCE_EXHAUSTED (a
 * busy workflow, rate limits) and FAILED_PRECONDITION (the workflow task that carried the Update failed, e.g. because
 * new events such as a cancellation arrived while it completed). Sending again under the same Update ID is safe.
 */
const GRPC_RETRY_LATER = new Set([8, 9]);
/** About 3 s in all: long enough for a busy run to finish its workflow task, short enough for a click. */
const BUSY_WORKFLOW_RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];

/** Whether Temporal did not take the Update and asks for it again later (see GRPC_RETRY_LATER). */
export function isBusyWorkflow(err: unknown): boolean {
  return err instanceof ServiceError && isGrpcServiceError(err.cause) && GRPC_RETRY_LATER.has(err.cause.code);
}

export async function describeIfAny(handle: WorkflowHandle): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function closedReason(
  handle: WorkflowHandle,
  description: WorkflowExecutionDescription | undefined,
): Promise<string> {
  if (!description) return 'this request no longer exists';
  // A run that continued as new has a result at the end of its chain.
  if (description.status.name === 'COMPLETED' || description.status.name === 'CONTINUED_AS_NEW') {
    return alreadyClosedReason((await handle.result()) as GrantState);
  }
  return `this request has already ended (${description.status.name.toLowerCase()})`;
}
