import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import {
  createGrantService,
  GrantRefusedError,
  GrantUpdatePendingError,
} from '../../integrations/temporal/grant-service';
import { type GrantState } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { eventually } from '../support/eventually';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness, startHarnessGateway } from './gateway-harness';
import { createFakeGateway, GROUP_A, REQUESTER_JC } from './gateway-with-fakes';

after(() => closeTestTemporal());

const PROCESSING = /Your approval is still being processed/;
const RECORDED = /Your approval was recorded/;

const approveClick = {
  type: 'block_actions',
  user: { id: 'U0BOSS' },
  trigger_id: '9.9.xyz',
  response_url: 'https://hooks.slack.com/actions/T0001/2/def',
  actions: [
    { action_id: ActionIds.approve, value: grantWorkflowId(REQUESTER_JC, GROUP_A), block_id: 'grant_decision' },
  ],
};

/** A fake gateway whose decide runs out of time, the follow-up then ending as `outcome` does. */
async function toldAfterPendingDecision(t: TestContext, outcome: (withinMs: number) => Promise<GrantState>) {
  const gateway = await createFakeGateway({
    decide: (_workflowId, _decision, updateId) => Promise.reject(new GrantUpdatePendingError(updateId, outcome)),
  });
  t.after(() => gateway.app.close());
  const ack = await gateway.interaction(approveClick);
  assert.equal(ack.statusCode, 200);
  assert.equal(ack.body, '', 'Slack is answered at once');
  await eventually('the clicker told twice', () => gateway.responses.length === 2, 5000);
  return gateway.responses.map((r) => r.body.text);
}

describe('what the clicker is told when an Update outlasts its deadline', () => {
  test('an Approve whose Update outlasts its deadline is told as being processed, then as recorded once the worker takes it', async (t) => {
    const h = await createGatewayHarness(t, {}, { worker: false });
    const worker = await h.startWorker();
    const { workflowId, message } = await h.requestAccess({ durationSeconds: 600 });
    // The worker goes away, so the grant cannot take the Update within the gateway's one short attempt.
    await worker.stop();
    const impatient = await startHarnessGateway(
      { ...h, grants: createGrantService(h.client, h.taskQueue, { updatePatience: { attemptMs: 1000, attempts: 1 } }) },
      h.policy,
    );
    t.after(() => impatient.app.close());
    h.slack.gatewayUrl = impatient.url;
    const told = () => h.ephemeralsFor(h.approver).map((m) => m.text ?? '');

    const click = await h.click(h.approver, message, ActionIds.approve);
    assert.equal(click.status, 200);
    assert.equal(click.ackDeadlineMissed, false);
    assert.match(await h.slack.waitFor('what the approver is told first', () => told()[0], 15_000), PROCESSING);
    assert.equal(h.isMember(), false, 'nothing is added while no worker runs the grant');

    await h.startWorker();
    await h.slack.waitFor(
      'the approver told it was recorded',
      () => told().some((text) => RECORDED.test(text)),
      60_000,
    );
    assert.equal((await h.waitForStatus(workflowId, 'ACTIVE')).decidedBy, h.approver.slackUserId);
    assert.equal(h.isMember(), true);
    assert.equal(membershipChanges(h, 'add').length, 1);
    const [first, second, ...more] = told();
    assert.match(first ?? '', PROCESSING);
    assert.match(second ?? '', RECORDED);
    assert.deepEqual(more, [], 'nothing else, and never that it failed');
  });

  test('a pending Update that the validator then refuses is told with the refusal, never as a failure', async (t) => {
    const told = await toldAfterPendingDecision(t, () =>
      Promise.reject(new GrantRefusedError('this request was already rejected by <@U0OTHER>')),
    );
    assert.match(told[0] ?? '', PROCESSING);
    assert.equal(told[1], ':no_entry: this request was already rejected by <@U0OTHER>');
  });

  test('a pending Update still without an answer after the bounded wait is told as unknown, pointing at the approval message', async (t) => {
    let waitedMs = 0;
    const told = await toldAfterPendingDecision(t, (withinMs) => {
      waitedMs = withinMs;
      return Promise.reject(new GrantUpdatePendingError('same', () => Promise.reject(new Error('not asked again'))));
    });
    assert.ok(waitedMs > 60_000 && waitedMs < 30 * 60_000, `waits a while, inside a response_url's life: ${waitedMs}`);
    assert.match(told[0] ?? '', PROCESSING);
    assert.match(told[1] ?? '', /cannot tell whether your approval was recorded.*approval message shows/);
    assert.doesNotMatch(told.join('\n'), /could not be recorded|failed|try again/i);
  });

  test('an Update Temporal answered with an error, without running out of time, is told to try again', async (t) => {
    const gateway = await createFakeGateway({ decide: () => Promise.reject(new Error('UNAVAILABLE: no connection')) });
    t.after(() => gateway.app.close());
    assert.equal((await gateway.interaction(approveClick)).statusCode, 200);
    await eventually('the clicker told', () => gateway.responses.length === 1);
    assert.equal(
      gateway.responses[0]?.body.text,
      ':warning: Your approval could not be recorded just now. Please try again in a minute.',
    );
  });
});
