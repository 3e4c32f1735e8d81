import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ActionIds, RequestFormInputs } from '../../integrations/slack/block-kit/ids';
import { type StoredMessage } from '../../stand-ins/slack/slack-stand-in';
import { type GrantState } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { APPROVAL_CHANNEL } from '../support/grant-harness';
import { eventually } from '../support/eventually';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal, randomObjectId } from '../support/temporal';
import { BREAK_GLASS_CHANNEL, createGatewayHarness, type GatewayHarness, type RequestChoice } from './gateway-harness';

after(() => closeTestTemporal());

const EMERGENCY = 'Primary database is down, incident INC-911';

/** The break-glass alert as it reads now (it is updated in place). */
function alertText(h: GatewayHarness, posted: StoredMessage): string {
  const message = h.slack.messages(BREAK_GLASS_CHANNEL).find((m) => m.ts === posted.ts);
  return JSON.stringify(message?.blocks ?? []);
}

/** Submits a break-glass request through the form, and waits for its alert in the alert channel. */
async function breakGlassRequest(
  h: GatewayHarness,
  choice: RequestChoice = {},
): Promise<{ workflowId: string; alert: StoredMessage }> {
  const form = await h.openRequestForm();
  const ack = await h.submitRequest(form, { justification: EMERGENCY, breakGlass: true, ...choice });
  assert.equal(ack.status, 200, ack.body);
  assert.equal(ack.body, '', 'an empty body closes the modal');
  const workflowId = grantWorkflowId(h.requester.jumpcloudUserId, choice.groupId ?? h.group.id);
  const alert = await h.slack.waitFor(
    'the break-glass alert in the alert channel',
    () =>
      h.slack
        .messages(BREAK_GLASS_CHANNEL)
        .find((m) => m.ephemeralTo === undefined && JSON.stringify(m.blocks ?? []).includes(workflowId)),
    15_000,
  );
  return { workflowId, alert };
}

describe('break-glass access, through signed Slack payloads', { concurrency: 4 }, () => {
  test('is granted at once without approval, alerts the channel with the approvers mentioned, and Acknowledge is for other approvers only, once', async (t) => {
    const h = await createGatewayHarness(t, { breakGlass: { maxDuration: '10m' } });
    const form = await h.openRequestForm();
    assert.ok(
      JSON.stringify(form.view.blocks).includes(RequestFormInputs.breakGlass.actionId),
      'the form offers break-glass',
    );
    const { workflowId, alert } = await breakGlassRequest(h, { durationSeconds: 600 });

    const active = await h.waitForStatus(workflowId, 'ACTIVE');
    assert.equal(h.isMember(), true, 'added without any approval');
    assert.equal(active.breakGlass, true);
    assert.equal(active.decidedBy, h.requester.slackUserId);
    assert.equal(active.decisionReason, 'break-glass');
    assert.deepEqual(active.approvals, []);
    assert.equal(Date.parse(active.expiresAt ?? '') - Date.parse(active.grantedAt ?? ''), 600_000);
    assert.ok(
      !h.slack.messages(APPROVAL_CHANNEL).some((m) => JSON.stringify(m.blocks ?? []).includes(workflowId)),
      'no approval request was posted',
    );

    await h.slack.waitFor('the alert to show the expiry', () => alertText(h, alert).includes('Active until'));
    const text = alertText(h, alert);
    for (const expected of [
      `<@${h.requester.slackUserId}>`,
      h.group.name,
      'Primary database is down, incident INC-911',
      `<!date^${Math.floor(Date.parse(active.expiresAt ?? '') / 1000)}^`,
      `<@${h.approver.slackUserId}>`,
      `<@${h.secondApprover.slackUserId}>`,
      ActionIds.acknowledgeBreakGlass,
      ActionIds.revoke,
    ]) {
      assert.ok(text.includes(expected), `the alert lacks ${expected}: ${text}`);
    }

    // Auditors list break-glass grants by their own search attribute.
    await eventually('the grant to be listed as break-glass', async () =>
      (await h.grants.list({ breakGlassOnly: true, groupId: h.group.id })).some(
        (g) => g.workflowId === workflowId && g.breakGlass,
      ),
    );

    await h.click(h.outsider, alert, ActionIds.acknowledgeBreakGlass);
    await h.slack.waitFor('the outsider to be refused', () =>
      h.ephemeralsFor(h.outsider).find((m) => /not an approver for prod-db-readonly/.test(m.text ?? '')),
    );
    await h.click(h.requester, alert, ActionIds.acknowledgeBreakGlass);
    await h.slack.waitFor('the requester to be refused', () =>
      h.ephemeralsFor(h.requester).find((m) => /not an approver for prod-db-readonly/.test(m.text ?? '')),
    );
    assert.equal((await h.grants.state(workflowId)).acknowledgedBy, undefined);

    assert.equal((await h.click(h.approver, alert, ActionIds.acknowledgeBreakGlass)).status, 200);
    await eventually(
      'the acknowledgement to be recorded',
      async () => (await h.grants.state(workflowId)).acknowledgedBy === h.approver.slackUserId,
    );
    assert.ok(Number.isFinite(Date.parse((await h.grants.state(workflowId)).acknowledgedAt ?? '')));
    await h.slack.waitFor('the alert to show the acknowledgement', () =>
      alertText(h, alert).includes(`Acknowledged by <@${h.approver.slackUserId}>`),
    );
    await h.click(h.secondApprover, alert, ActionIds.acknowledgeBreakGlass);
    await h.slack.waitFor('a second acknowledgement to be refused', () =>
      h.ephemeralsFor(h.secondApprover).find((m) => /already acknowledged/.test(m.text ?? '')),
    );

    // An approver may end it from the alert.
    await h.click(h.secondApprover, alert, ActionIds.revoke);
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'REVOKED');
    assert.equal(final.endedBy, h.secondApprover.slackUserId);
    assert.equal(final.acknowledgedBy, h.approver.slackUserId);
    assert.equal(final.unreviewedAlertAt, undefined);
    assert.equal(h.isMember(), false);
    await h.slack.waitFor('the alert to show the revocation', () => alertText(h, alert).includes('Revoked by'));
  });

  test('unacknowledged within reviewWithin, a second, louder alert goes out once', async (t) => {
    const h = await createGatewayHarness(t, { breakGlass: { maxDuration: '10m', reviewWithin: '2s' } });
    const { workflowId } = await breakGlassRequest(h, { durationSeconds: 600 });
    const unreviewed = () =>
      h.slack.messages(BREAK_GLASS_CHANNEL).filter((m) => JSON.stringify(m.blocks ?? []).includes('UNREVIEWED'));
    const second = await h.slack.waitFor('the unreviewed alert', () => unreviewed()[0], 15_000);
    const text = JSON.stringify(second.blocks ?? []);
    assert.ok(text.includes('<!channel>'), text);
    assert.ok(text.includes(`<@${h.approver.slackUserId}>`), text);
    const state = await h.grants.state(workflowId);
    assert.equal(state.status, 'ACTIVE');
    assert.ok(
      Date.parse(state.unreviewedAlertAt ?? '') - Date.parse(state.grantedAt ?? '') >= 2000,
      `sent ${state.unreviewedAlertAt ?? '-'}, granted ${state.grantedAt ?? '-'}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(unreviewed().length, 1, 'sent once');
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    await h.client.workflow.getHandle(workflowId).result();
  });

  test('a group without breakGlass, or a short justification, is refused inline and nothing starts', async (t) => {
    const h = await createGatewayHarness(t, { breakGlass: { maxDuration: '10m' } });
    const form = await h.openRequestForm();
    const ack = await h.submitRequest(form, {
      groupId: h.otherGroup.id,
      durationSeconds: 600,
      justification: EMERGENCY,
      breakGlass: true,
    });
    assert.equal(ack.status, 200);
    assert.deepEqual(ack.json, {
      response_action: 'errors',
      errors: { [RequestFormInputs.breakGlass.blockId]: 'billing-admin does not allow break-glass' },
    });
    const short = await h.submitRequest(form, { durationSeconds: 600, justification: 'db is down!', breakGlass: true });
    assert.deepEqual(short.json, {
      response_action: 'errors',
      errors: {
        [RequestFormInputs.justification.blockId]: 'Break-glass access needs an explanation of at least 20 characters.',
      },
    });
    await h.app.backgroundTasks.drain(5000);
    assert.deepEqual(await h.startedWorkflows(), []);
    assert.equal(membershipChanges(h, 'add').length, 0);
  });

  test('a duration over the break-glass cap is refused inline and nothing starts', async (t) => {
    const h = await createGatewayHarness(t, { breakGlass: { maxDuration: '10m' } });
    const form = await h.openRequestForm();
    const ack = await h.submitRequest(form, { durationSeconds: 3600, justification: EMERGENCY, breakGlass: true });
    assert.equal(ack.status, 200);
    assert.deepEqual(ack.json, {
      response_action: 'errors',
      errors: { [RequestFormInputs.duration.blockId]: 'Break-glass access to prod-db-readonly lasts at most 10m.' },
    });
    await h.app.backgroundTasks.drain(5000);
    assert.deepEqual(await h.startedWorkflows(), []);
  });

  test('the grant never exceeds its cap: it expires at granted + duration and the membership is removed', async (t) => {
    const h = await createGatewayHarness(t, { breakGlass: { maxDuration: '3s' } });
    const { workflowId, alert } = await breakGlassRequest(h, { durationSeconds: 3 });
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(final.breakGlass, true);
    const granted = Date.parse(final.grantedAt ?? '');
    const expires = Date.parse(final.expiresAt ?? '');
    assert.equal(expires - granted, 3000);
    assert.ok(expires - granted <= 3000, 'within the 3s cap');
    assert.ok(Date.parse(final.endedAt ?? '') >= expires, 'removed at expiry, not before');
    assert.equal(h.isMember(), false);
    assert.equal(membershipChanges(h, 'add').length, 1);
    assert.equal(membershipChanges(h, 'remove').length, 1);
    await h.slack.waitFor('the alert to show the expiry', () => alertText(h, alert).includes('Expired and removed'));

    // The workflow enforces the cap too, whatever the caller checked.
    const input = h.grantInput({ requestId: 'forged-break-glass', durationSeconds: 3600, justification: EMERGENCY });
    const forged = await h.grants.start({
      ...input,
      policy: { ...input.policy, maxDurationSeconds: 3 },
      breakGlass: { alertChannel: BREAK_GLASS_CHANNEL, reviewWithinSeconds: 3600 },
    });
    await assert.rejects(h.client.workflow.getHandle(forged.workflowId).result(), (err: Error) =>
      /exceeds the group's maximum/.test((err.cause as Error | undefined)?.message ?? ''),
    );
    assert.equal(membershipChanges(h, 'add').length, 1);
  });

  test('break-glass limits: only its requesters, at most maxPerDay a day; a refusal is told in a DM and alerted', async (t) => {
    const onCall = randomObjectId();
    const h = await createGatewayHarness(t, {
      breakGlass: { maxDuration: '10m', maxPerDay: 1, requesters: [onCall] },
    });
    h.jumpcloud.addGroup({ id: onCall, name: `on-call-${onCall.slice(0, 6)}` });
    const refused = async (pattern: RegExp) => {
      const form = await h.openRequestForm();
      const ack = await h.submitRequest(form, { durationSeconds: 600, justification: EMERGENCY, breakGlass: true });
      assert.equal(ack.status, 200, ack.body);
      await h.slack.waitFor(`the refusal DM ${String(pattern)}`, () =>
        h.slack.dms(h.requester.slackUserId).find((m) => pattern.test(m.text ?? '')),
      );
      await h.slack.waitFor('the refusal alerted in the alert channel', () =>
        h.slack
          .messages(BREAK_GLASS_CHANNEL)
          .find((m) => pattern.test(m.text ?? '') && (m.text ?? '').includes(`<@${h.requester.slackUserId}>`)),
      );
    };

    await refused(/not among the people who may take break-glass access/);
    assert.deepEqual(await h.startedWorkflows(), [], 'nothing started');

    h.jumpcloud.setMember(onCall, h.requester.jumpcloudUserId, true);
    const { workflowId } = await breakGlassRequest(h, { durationSeconds: 600 });
    await h.waitForStatus(workflowId, 'ACTIVE');
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'done');
    await h.client.workflow.getHandle(workflowId).result();

    await refused(/taken it 1 times in the last 24 hours \(maxPerDay is 1\)/);
    assert.equal(membershipChanges(h, 'add').length, 1, 'only the first break-glass was granted');
  });
});
