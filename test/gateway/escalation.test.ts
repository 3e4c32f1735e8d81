import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { type GrantState } from '../../workflows/grant/grant-types';
import { APPROVAL_CHANNEL } from '../support/grant-harness';
import { eventually } from '../support/eventually';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness } from './gateway-harness';

after(() => closeTestTemporal());

const ONCALL = 'C0ONCALL1';

test('an undecided request is escalated step by step: approvers reminded in its thread, the on-call channel and the requester told; a decision stops the steps', async (t) => {
  const h = await createGatewayHarness(t, {
    escalation: `[{ after: 2s }, { after: 4s, channel: ${ONCALL}, mention: [U0LEAD1] }]`,
  });
  const { workflowId, message } = await h.requestAccess({ durationSeconds: 600 });

  const reminders = () =>
    h.slack
      .messages(APPROVAL_CHANNEL)
      .filter((m) => m.threadTs === message.ts && /Still no decision/.test(m.text ?? ''));
  const first = await h.slack.waitFor('the first reminder in the thread', () => reminders()[0], 15_000);
  assert.match(
    JSON.stringify(first.blocks),
    new RegExp(`<@${h.approver.slackUserId}> <@${h.secondApprover.slackUserId}>`),
  );
  await h.slack.waitFor('the requester told', () =>
    h.slack.dms(h.requester.slackUserId).find((m) => /No decision yet on your request/.test(m.text ?? '')),
  );
  const elsewhere = await h.slack.waitFor(
    'the second step in the on-call channel',
    () => h.slack.messages(ONCALL).find((m) => /has waited 4s/.test(m.text ?? '')),
    15_000,
  );
  assert.match(JSON.stringify(elsewhere.blocks), new RegExp(`<@U0LEAD1>`));
  assert.equal(reminders().length, 2, 'one reminder per step');

  assert.equal((await h.click(h.approver, message, ActionIds.approve)).status, 200);
  await eventually('the grant', async () => (await h.grants.state(workflowId)).status === 'ACTIVE');
  await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
  assert.deepEqual(
    final.escalations?.map((e) => e.step),
    [1, 2],
  );
  assert.ok(final.grantedAt, 'granted after the escalation');
  assert.equal(reminders().length, 2, 'no step after the decision');
});

test('a request decided before its first step is never escalated', async (t) => {
  const h = await createGatewayHarness(t, { escalation: '[{ after: 4s }]' });
  const { workflowId, message } = await h.requestAccess({ durationSeconds: 600 });
  await h.click(h.approver, message, ActionIds.approve);
  await eventually('the grant', async () => (await h.grants.state(workflowId)).status === 'ACTIVE');
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  assert.equal(
    h.slack.messages(APPROVAL_CHANNEL).some((m) => /Still no decision/.test(m.text ?? '')),
    false,
  );
  const state = await h.grants.state(workflowId);
  assert.equal(state.escalations, undefined);
  await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
});
