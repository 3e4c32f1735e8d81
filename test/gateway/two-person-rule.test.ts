import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ActionIds, RejectReasonInput, CallbackIds } from '../../integrations/slack/block-kit/ids';
import { GrantRefusedError } from '../../integrations/temporal/grant-service';
import { type StoredMessage } from '../../stand-ins/slack/slack-stand-in';
import { type GrantState } from '../../workflows/grant/grant-types';
import { APPROVAL_CHANNEL } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness';

after(() => closeTestTemporal());

/** The approval message as it reads now (it is updated in place; its buttons go once the request is decided). */
function approvalText(h: GatewayHarness, posted: StoredMessage): string {
  const message = h.slack.messages(APPROVAL_CHANNEL).find((m) => m.ts === posted.ts);
  return JSON.stringify(message?.blocks ?? []);
}

function buttonsOf(h: GatewayHarness, posted: StoredMessage): string[] {
  return [...approvalText(h, posted).matchAll(/"action_id":"([a-z_]+)"/g)].map((m) => m[1] ?? '');
}

describe('the two-person rule (requiredApprovals: 2), through signed Slack payloads', { concurrency: 4 }, () => {
  test('one approval grants nothing and shows "1 of 2 approvals"; a second, distinct approver grants and both are recorded', async (t) => {
    const h = await createGatewayHarness(t, { requiredApprovals: 2 });
    const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });

    assert.equal((await h.click(h.approver, message, ActionIds.approve)).status, 200);
    await h.slack.waitFor('the approval message to count one approval', () =>
      approvalText(h, message).includes('1 of 2 approvals'),
    );
    const pending = await h.grants.state(workflowId);
    assert.equal(pending.status, 'PENDING_APPROVAL');
    assert.deepEqual(
      pending.approvals.map((a) => a.bySlackUserId),
      [h.approver.slackUserId],
    );
    assert.equal(h.isMember(), false, 'one approval grants nothing');
    assert.deepEqual(buttonsOf(h, message), [ActionIds.approve, ActionIds.reject], 'the buttons stay');

    assert.equal((await h.click(h.secondApprover, message, ActionIds.approve)).status, 200);
    const active = await h.waitForStatus(workflowId, 'ACTIVE');
    assert.equal(h.isMember(), true);
    assert.deepEqual(
      active.approvals.map((a) => a.bySlackUserId),
      [h.approver.slackUserId, h.secondApprover.slackUserId],
    );
    assert.ok(active.approvals.every((a) => Number.isFinite(Date.parse(a.at))));
    assert.equal(active.decidedBy, h.secondApprover.slackUserId);
    await h.slack
      .waitFor(
        'the approval message to name both approvers',
        () =>
          approvalText(h, message).includes(
            `Approved by <@${h.approver.slackUserId}> and <@${h.secondApprover.slackUserId}>`,
          ),
        15_000,
      )
      .catch((err: unknown) => {
        throw new Error(`${(err as Error).message}: ${approvalText(h, message)}`);
      });
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(membershipChanges(h, 'add').length, 1);
    assert.equal(membershipChanges(h, 'remove').length, 1);
  });

  test('the same approver twice, the requester and a non-approver are refused and change nothing', async (t) => {
    const h = await createGatewayHarness(t, { requiredApprovals: 2, allowSelfApproval: true });
    const { workflowId, message } = await h.requestAccess();
    await h.click(h.approver, message, ActionIds.approve);
    await h.slack.waitFor('one approval', () => approvalText(h, message).includes('1 of 2 approvals'));

    // Slack delivering the same click again is the same Update: one approval, no second vote.
    await h.click(h.approver, message, ActionIds.approve);
    // A second vote by the same approver under any other Update ID is refused by the workflow itself.
    await assert.rejects(
      h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'again'),
      (err: Error) => err instanceof GrantRefusedError && /already approved this request/.test(err.message),
    );
    await h.click(h.requester, message, ActionIds.approve);
    await h.slack.waitFor('the requester to be refused', () =>
      h.ephemeralsFor(h.requester).find((m) => /not an approver for prod-db-readonly/.test(m.text ?? '')),
    );
    await h.click(h.outsider, message, ActionIds.approve);
    await h.slack.waitFor('the outsider to be refused', () =>
      h.ephemeralsFor(h.outsider).find((m) => /not an approver for prod-db-readonly/.test(m.text ?? '')),
    );

    const state = await h.grants.state(workflowId);
    assert.equal(state.status, 'PENDING_APPROVAL');
    assert.deepEqual(
      state.approvals.map((a) => a.bySlackUserId),
      [h.approver.slackUserId],
    );
    assert.equal(h.isMember(), false);
    assert.equal(membershipChanges(h, 'add').length, 0);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('one Reject after an approval ends the request', async (t) => {
    const h = await createGatewayHarness(t, { requiredApprovals: 2 });
    const { workflowId, message } = await h.requestAccess();
    await h.click(h.approver, message, ActionIds.approve);
    await h.slack.waitFor('one approval', () => approvalText(h, message).includes('1 of 2 approvals'));

    await h.click(h.secondApprover, message, ActionIds.reject);
    const modal = await h.slack.waitFor('the reject-reason modal', () =>
      h.slack.views(h.secondApprover.slackUserId).find((v) => v.view.callback_id === CallbackIds.rejectReason),
    );
    await h.slack.sendViewSubmission({
      userId: h.secondApprover.slackUserId,
      view: modal,
      values: {
        [RejectReasonInput.blockId]: { [RejectReasonInput.actionId]: { type: 'plain_text_input', value: '' } },
      },
    });
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'REJECTED');
    assert.equal(final.decidedBy, h.secondApprover.slackUserId);
    assert.equal(membershipChanges(h, 'add').length, 0);
  });

  test('the approval timeout covers the whole quorum: one approval and then silence times out', async (t) => {
    const h = await createGatewayHarness(t, { requiredApprovals: 2, approvalTimeout: '3s' });
    const { workflowId, message } = await h.requestAccess();
    await h.click(h.approver, message, ActionIds.approve);
    await h.slack.waitFor('one approval', () => approvalText(h, message).includes('1 of 2 approvals'));

    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'TIMED_OUT');
    assert.equal(final.approvals.length, 1);
    assert.equal(membershipChanges(h, 'add').length, 0);
  });
});
