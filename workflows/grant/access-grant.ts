import * as wf from '@temporalio/workflow';
import { grantAndHold, holdAccess } from './active-phase';
import { requestApproval } from './approval-phase';
import { registerGrantHandlers } from './grant-handlers';
import { GrantRun } from './grant-run';
import { inputProblem } from './grant-rules';
import { type GrantInput, type GrantState } from './grant-types';

/**
 * One grant of temporary membership in a JumpCloud user group: approval, membership, durable expiry, removal. Returns
 * the final state, so the closed workflow's result answers an auditor's questions on its own.
 *
 * Where each part lives: the state, the patches and the shared parts in grant-run.ts; the Updates in
 * grant-handlers.ts; the approval wait in approval-phase.ts; the add, the expiry, the hand-off and the removal in
 * active-phase.ts; the Slack messages in grant-notices.ts and extension-notices.ts.
 */
export async function accessGrantWorkflow(input: GrantInput): Promise<GrantState> {
  const problem = inputProblem(input);
  if (problem) throw wf.ApplicationFailure.nonRetryable(`Invalid grant request: ${problem}`, 'InvalidGrantRequest');

  const run = new GrantRun(input);
  // Before the first await: an Update that arrived with the start is handled as soon as its handler is registered.
  registerGrantHandlers(run);
  run.begin();

  if (run.carriedTold) {
    // Handed off: this run starts in the active phase.
    await holdAccess(run, run.carriedTold);
  } else if (input.breakGlass) {
    // No approval wait: the approvers are alerted instead, and review the grant afterwards.
    run.notices.notify('post break-glass alert', async () => {
      run.state.breakGlassAlert = await run.slack.postBreakGlassAlert({ ...run.state });
    });
    await grantAndHold(run);
  } else {
    await requestApproval(run);
  }
  return run.finish();
}
