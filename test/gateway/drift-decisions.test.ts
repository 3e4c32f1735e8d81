import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ActionIds, CallbackIds, KeepDriftInput } from '../../integrations/slack/block-kit/ids';
import { SECURITY_CHANNEL } from '../support/grant-harness';
import { eventually } from '../support/eventually';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness, type GatewayHarness, startHarnessReconciler } from './gateway-harness';

after(() => closeTestTemporal());

/** The security channel's drift alert with buttons for this JumpCloud user. */
function alertFor(h: GatewayHarness, jumpcloudUserId: string) {
  return h.slack.waitFor(`the drift alert for ${jumpcloudUserId}`, () =>
    h.slack
      .messages(SECURITY_CHANNEL)
      .find((m) => JSON.stringify(m.blocks ?? []).includes(`${h.group.id}:${jumpcloudUserId}`)),
  );
}

test('Remove now and Keep on a drift alert act for the group’s approvers only, and are recorded in the channel', async (t) => {
  const h = await createGatewayHarness(t);
  // Two memberships nobody granted: the outsider's (to remove) and the requester's (to keep).
  h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
  h.jumpcloud.setMember(h.group.id, h.requester.jumpcloudUserId, true);
  const reconciler = await startHarnessReconciler(t, h);
  const toRemove = await alertFor(h, h.outsider.jumpcloudUserId);
  const toKeep = await alertFor(h, h.requester.jumpcloudUserId);

  // A button value that names no membership: 400, nothing sent.
  const forged = await h.slack.sendBlockActions({
    userId: h.approver.slackUserId,
    message: toRemove,
    actions: [{ action_id: ActionIds.removeDrift, value: 'not-a-membership' }],
  });
  assert.equal(forged.status, 400);
  assert.match(String(forged.body), /not a JumpCloud group and user/);

  // Someone who is no approver: refused under the alert, nothing changes.
  assert.equal((await h.click(h.requester, toRemove, ActionIds.removeDrift)).status, 200);
  await h.slack.waitFor('the refusal', () =>
    h.ephemeralsFor(h.requester).find((m) => /not an approver/.test(m.text ?? '')),
  );
  await h.click(h.requester, toKeep, ActionIds.keepDrift);
  await h.slack.waitFor(
    'the second refusal',
    () => h.ephemeralsFor(h.requester).filter((m) => /not an approver/.test(m.text ?? '')).length === 2,
  );
  assert.equal(h.slack.views(h.requester.slackUserId).length, 0, 'no Keep form for a non-approver');
  assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), true);

  // An approver's Remove now: gone from JumpCloud, said in the channel with who did it.
  await h.click(h.approver, toRemove, ActionIds.removeDrift);
  await h.slack.waitFor('the removal confirmed', () =>
    h.ephemeralsFor(h.approver).find((m) => /Removed/.test(m.text ?? '')),
  );
  assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), false);
  await h.slack.waitFor('the removal in the channel', () =>
    h.slack
      .messages(SECURITY_CHANNEL)
      .find((m) => /removed them \(Remove now\)/.test(m.text ?? '') && (m.text ?? '').includes(h.outsider.email)),
  );

  // An approver's Keep: a reason too short is refused in the form; with one, the membership stays and is recorded.
  await h.click(h.secondApprover, toKeep, ActionIds.keepDrift);
  const form = await h.slack.waitFor('the Keep form', () =>
    h.slack.views(h.secondApprover.slackUserId).find((v) => v.view.callback_id === CallbackIds.keepDrift),
  );
  const submit = (value: string) =>
    h.slack.sendViewSubmission({
      userId: h.secondApprover.slackUserId,
      view: form,
      values: { [KeepDriftInput.blockId]: { [KeepDriftInput.actionId]: { type: 'plain_text_input', value } } },
    });
  const short = await submit('ok');
  assert.equal(short.status, 200);
  assert.match(String(short.body), /10 to 500 characters/);
  assert.equal((await submit('Service account of the on-call rota, INC-2211')).status, 200);
  await h.slack.waitFor('the Keep confirmed', () =>
    h.slack.dms(h.secondApprover.slackUserId).find((m) => /Kept, with your reason/.test(m.text ?? '')),
  );
  await h.slack.waitFor('the Keep in the channel', () =>
    h.slack.messages(SECURITY_CHANNEL).find((m) => /kept .* INC-2211/.test(m.text ?? '')),
  );
  const kept = (await reconciler.state())?.openDrift.find((d) => d.userId === h.requester.jumpcloudUserId);
  assert.equal(kept?.kept?.bySlackUserId, h.secondApprover.slackUserId);

  // Later runs neither alert it again nor remove it.
  const alertsBefore = h.slack.messages(SECURITY_CHANNEL).length;
  const runsBefore = (await reconciler.state())?.runs ?? 0;
  await eventually('two more runs', async () => ((await reconciler.state())?.runs ?? 0) >= runsBefore + 2);
  assert.equal(h.slack.messages(SECURITY_CHANNEL).length, alertsBefore);
  assert.equal(h.jumpcloud.isMember(h.group.id, h.requester.jumpcloudUserId), true);
});
