/**
 * The baselines of the burst benchmarks: the least a Temporal workflow can do for the same job, bundled for the
 * baseline worker (bench/baseline-worker.ts). Whatever the grant workflow costs beyond these is the project's own.
 */
import * as wf from '@temporalio/workflow';
import type { BaselineActivities, BaselineMembership } from './baseline-activities';

// The grant workflow's membership options (startToClose 30 s, retried with backoff), so a retry costs the same.
const { addMember, removeMember } = wf.proxyActivities<BaselineActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '60 seconds' },
});

export interface SleepThenRemoveInput extends BaselineMembership {
  /** When to wake, in epoch milliseconds: the planned removal time the lag is measured from. */
  wakeAt: number;
}

/** An expiry and nothing else: one durable timer, then one JumpCloud remove. */
export async function sleepThenRemoveWorkflow(input: SleepThenRemoveInput): Promise<void> {
  await wf.sleep(Math.max(input.wakeAt - Date.now(), 1));
  await removeMember(input);
}

export const proceedUpdate = wf.defineUpdate<void>('proceed');

/** An approval and nothing else: an Update lets the workflow go on to one JumpCloud add. */
export async function awaitUpdateThenAddWorkflow(input: BaselineMembership): Promise<void> {
  let proceed = false;
  wf.setHandler(proceedUpdate, () => {
    proceed = true;
  });
  await wf.condition(() => proceed);
  await addMember(input);
  await wf.condition(wf.allHandlersFinished);
}
