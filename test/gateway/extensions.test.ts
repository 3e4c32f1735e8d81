import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { GrantRefusedError } from '../../integrations/temporal/grant-service';
import { type StoredMessage } from '../../stand-ins/slack/slack-stand-in';
import { type GrantState } from '../../workflows/grant/grant-types';
import { APPROVAL_CHANNEL } from '../support/grant-harness';
import { eventually } from '../support/eventually';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal } from '../support/temporal';
import { askForMore, createGatewayHarness, type GatewayHarness } from './gateway-harness';

after(() => closeTestTemporal());

/** Short presets, so a grant and its extension end while the test watches. */
const DURATIONS = ['4s', '8s', '10m'];

/** An active grant of `seconds`, approved through Slack, and the requester's DM that carries its Extend button. */
async function activeGrant(h: GatewayHarness, seconds: number): Promise<{ workflowId: string; dm: StoredMessage }> {
  const { workflowId, message } = await h.requestAccess({ durationSeconds: seconds });
  await h.click(h.approver, message, ActionIds.approve);
  await h.waitForStatus(workflowId, 'ACTIVE');
  const dm = await h.slack.waitFor(
    'the DM with the Extend button',
    () => h.slack.dms(h.requester.slackUserId).find((m) => JSON.stringify(m.blocks ?? []).includes(ActionIds.extend)),
    15_000,
  );
  return { workflowId, dm };
}

async function extensionMessage(h: GatewayHarness, workflowId: string): Promise<StoredMessage> {
  return h.slack
    .waitFor(
      'the extension request in the approval channel',
      () =>
        h.slack
          .messages(APPROVAL_CHANNEL)
          .find(
            (m) => JSON.stringify(m.blocks ?? []).includes(ActionIds.approveExtension) && m.text?.includes('Extension'),
          ),
      15_000,
    )
    .then((message) => {
      assert.ok(JSON.stringify(message.blocks).includes(workflowId), 'its buttons point at this grant');
      return message;
    });
}

function dmMatching(h: GatewayHarness, pattern: RegExp) {
  return h.slack.waitFor(
    `a DM matching ${pattern}`,
    () => h.slack.dms(h.requester.slackUserId).find((m) => pattern.test(m.text ?? '')),
    15_000,
  );
}

describe('extending an active grant, through signed Slack payloads', { concurrency: 4 }, () => {
  test('an approved extension moves the expiry later, and the member is removed once, at the new expiry', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS });
    const { workflowId, dm } = await activeGrant(h, 8);
    const before = (await h.grants.state(workflowId)).expiresAt ?? '';

    await askForMore(h, dm, 4);
    const request = await extensionMessage(h, workflowId);
    assert.match(JSON.stringify(request.blocks), /Extension\* 1: .* asks to keep .*prod-db-readonly.* for \*4s\* more/);
    await dmMatching(h, /was sent to the approvers/);
    await h.slack.sendBlockActions({
      userId: h.approver.slackUserId,
      message: request,
      actions: [{ action_id: ActionIds.approveExtension }],
    });

    const extended = await eventually('the extension to be approved', async () => {
      const state = await h.grants.state(workflowId);
      return state.extensions[0]?.status === 'APPROVED' ? state : undefined;
    });
    assert.equal(extended.expiresAt, new Date(Date.parse(before) + 4000).toISOString(), 'moved 4 s later');
    assert.equal(extended.extensions[0]?.expiresAtBefore, before);
    assert.equal(extended.extensions[0]?.decidedBy, h.approver.slackUserId);
    await dmMatching(h, /approved your extension/);

    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.ok(Date.parse(final.endedAt ?? '') >= Date.parse(extended.expiresAt ?? ''), 'removed at the new expiry');
    assert.equal(membershipChanges(h, 'add').length, 1);
    assert.equal(membershipChanges(h, 'remove').length, 1);
    assert.equal(h.isMember(), false);
  });

  test('a rejected extension leaves the expiry as it was', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS });
    const { workflowId, dm } = await activeGrant(h, 8);
    const before = (await h.grants.state(workflowId)).expiresAt;
    await askForMore(h, dm, 4);
    const request = await extensionMessage(h, workflowId);
    await h.slack.sendBlockActions({
      userId: h.secondApprover.slackUserId,
      message: request,
      actions: [{ action_id: ActionIds.rejectExtension }],
    });
    await dmMatching(h, /rejected your extension/);
    const state = await h.grants.state(workflowId);
    assert.equal(state.extensions[0]?.status, 'REJECTED');
    assert.equal(state.expiresAt, before);
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(final.endedAt !== undefined && Date.parse(final.endedAt) >= Date.parse(before ?? ''), true);
  });

  test('an extension still pending at expiry does not delay the removal and is closed as moot', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS });
    const { workflowId, dm } = await activeGrant(h, 4);
    const before = (await h.grants.state(workflowId)).expiresAt;
    await askForMore(h, dm, 8);
    const request = await extensionMessage(h, workflowId);

    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(final.expiresAt, before, 'the pending request moved nothing');
    assert.equal(final.extensions[0]?.status, 'MOOT');
    assert.equal(membershipChanges(h, 'remove').length, 1);
    await dmMatching(h, /extension request .* was closed: your access ended/);
    await h.slack.waitFor('the extension message to say it was closed', () => {
      const now = h.slack.messages(APPROVAL_CHANNEL).find((m) => m.ts === request.ts);
      return (
        now &&
        JSON.stringify(now.blocks).includes('Closed: access ended') &&
        !JSON.stringify(now.blocks).includes(ActionIds.approveExtension)
      );
    });
    // A late approval changes nothing.
    await assert.rejects(
      h.grants.decideExtension(
        workflowId,
        { extensionId: 1, decision: 'approve', deciderSlackUserId: h.approver.slackUserId },
        'late',
      ),
      GrantRefusedError,
    );
  });

  test('maxExtensions and maxTotalDuration refusals name the limit; nobody but the requester can extend', async (t) => {
    const h = await createGatewayHarness(t, {
      durations: DURATIONS,
      maxDuration: '10s',
      maxExtensions: 1,
      maxTotalDuration: '20s',
    });
    const { workflowId, dm } = await activeGrant(h, 8);

    // Over the total: 8 s + 16 s > 20 s. The form closes; the refusal reaches the requester by DM.
    await h.grants
      .requestExtension(
        workflowId,
        { bySlackUserId: h.requester.slackUserId, extraSeconds: 16, reason: 'too long' },
        'x',
      )
      .then(
        () => assert.fail('an extension over maxTotalDuration was accepted'),
        (err: unknown) => {
          assert.ok(err instanceof GrantRefusedError);
          assert.match(err.message, /over the group's maxTotalDuration of 20s/);
        },
      );
    // Someone else's grant: a forged form submission is refused by the workflow and changes nothing.
    await askForMore(h, dm, 4, h.outsider);
    await h.slack.waitFor('the outsider to be refused', () =>
      h.slack.dms(h.outsider.slackUserId).find((m) => /only the requester can extend this grant/.test(m.text ?? '')),
    );
    assert.deepEqual((await h.grants.state(workflowId)).extensions, []);

    await askForMore(h, dm, 4);
    const request = await extensionMessage(h, workflowId);
    await h.slack.sendBlockActions({
      userId: h.approver.slackUserId,
      message: request,
      actions: [{ action_id: ActionIds.approveExtension }],
    });
    await dmMatching(h, /approved your extension/);
    await askForMore(h, dm, 4);
    await dmMatching(h, /has had its 1 extensions \(maxExtensions is 1\)/);
    assert.equal((await h.grants.state(workflowId)).extensions.length, 1);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('a form left open for a group now held through an active grant becomes a request to extend that grant', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS });
    const staleForm = await h.openRequestForm();
    // Meanwhile the requester got the group through a grant (started without this form, which stays open).
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 8 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'approve');
    await h.waitForStatus(workflowId, 'ACTIVE');

    const ack = await h.submitRequest(staleForm, { durationSeconds: 4, justification: 'Still migrating the data' });
    assert.equal(ack.status, 200);
    const request = await extensionMessage(h, workflowId);
    assert.match(JSON.stringify(request.blocks), /for \*4s\* more/);
    await dmMatching(h, /was sent to the approvers/);
    const state = await h.grants.state(workflowId);
    assert.deepEqual(
      state.extensions.map((e) => [e.status, e.extraSeconds, e.reason]),
      [['PENDING', 4, 'Still migrating the data']],
    );
    assert.equal(membershipChanges(h, 'add').length, 1, 'no second grant, no second add');
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('a form left open for a group the requester has since been given by hand starts nothing and says why', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS });
    const staleForm = await h.openRequestForm();
    h.jumpcloud.setMember(h.group.id, h.requester.jumpcloudUserId, true);

    const ack = await h.submitRequest(staleForm, { durationSeconds: 4 });
    assert.equal(ack.status, 200);
    await dmMatching(h, /already a member of .*prod-db-readonly.* \(standing access\), so there is nothing to request/);
    assert.deepEqual(await h.startedWorkflows(), []);
    assert.equal(membershipChanges(h, 'add').length, 0);
  });

  test('the reminder arrives remindBefore ahead of expiry; its Extend asks for more time and its End now ends access', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS, remindBefore: '3s' });
    const { workflowId } = await activeGrant(h, 8);
    const reminder = await h.slack.waitFor(
      'the reminder',
      () => h.slack.dms(h.requester.slackUserId).find((m) => /ends in/.test(m.text ?? '')),
      15_000,
    );
    const reminded = await h.grants.state(workflowId);
    const lead = Date.parse(reminded.expiresAt ?? '') - Date.parse(reminded.remindedAt ?? '');
    assert.ok(lead > 0 && lead <= 3000, `reminded ${lead} ms before the expiry (workflow time)`);
    assert.deepEqual(
      [...JSON.stringify(reminder.blocks).matchAll(/"action_id":"([a-z_]+)"/g)].map((m) => m[1]),
      [ActionIds.extend, ActionIds.revoke],
    );

    // Extend from the reminder opens the same form and asks the approvers.
    await askForMore(h, reminder, 4);
    await extensionMessage(h, workflowId);

    // End now is the revocation: access ends at once.
    await h.slack.sendBlockActions({
      userId: h.requester.slackUserId,
      message: reminder,
      actions: [{ action_id: ActionIds.revoke }],
    });
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'REVOKED');
    assert.equal(final.endedBy, h.requester.slackUserId);
    assert.equal(final.extensions[0]?.status, 'MOOT', 'the pending extension closed with the grant');
    assert.equal(h.isMember(), false);
  });

  test('no reminder is sent for a grant no longer than twice remindBefore', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS, remindBefore: '4s' });
    const { workflowId } = await activeGrant(h, 8);
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(final.remindedAt, undefined);
    assert.equal(h.slack.dms(h.requester.slackUserId).filter((m) => /ends in/.test(m.text ?? '')).length, 0);
  });

  test('/jit offers a group held through an active grant as "(extend)", and choosing it asks to extend that grant', async (t) => {
    const h = await createGatewayHarness(t, { durations: DURATIONS });
    const { workflowId } = await activeGrant(h, 8);

    const form = await h.openRequestForm();
    const options = JSON.stringify(form.view.blocks);
    assert.match(options, /"text":"prod-db-readonly \(extend\)"/);
    const ack = await h.submitRequest(form, { durationSeconds: 4, justification: 'Need a little more time' });
    assert.equal(ack.status, 200);
    await extensionMessage(h, workflowId);
    assert.deepEqual(
      (await h.grants.state(workflowId)).extensions.map((e) => [e.status, e.extraSeconds]),
      [['PENDING', 4]],
    );
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });
});
