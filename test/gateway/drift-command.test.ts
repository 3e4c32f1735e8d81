import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { eventually } from '../support/eventually';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness, startHarnessReconciler } from './gateway-harness';

after(() => closeTestTemporal());

test('/jit drift lists the open drift for an approver, and is refused to anyone else', async (t) => {
  const h = await createGatewayHarness(t);
  h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
  const reconciler = await startHarnessReconciler(t, h);
  await eventually('the drift to be open', async () => ((await reconciler.state())?.openDrift.length ?? 0) > 0);

  assert.equal((await h.slack.sendSlashCommand({ userId: h.approver.slackUserId, text: 'drift' })).status, 200);
  const listed = await h.slack.waitFor('the drift list', () =>
    h.ephemeralsFor(h.approver).find((m) => /Open drift/.test(m.text ?? '')),
  );
  assert.match(listed.text ?? '', new RegExp(`prod-db-readonly\\*: ${h.outsider.email} is in the group with no grant`));

  await h.slack.sendSlashCommand({ userId: h.requester.slackUserId, text: 'drift' });
  await h.slack.waitFor('the refusal', () =>
    h.ephemeralsFor(h.requester).find((m) => /Only approvers can list drift/.test(m.text ?? '')),
  );
  assert.equal(
    h.ephemeralsFor(h.requester).some((m) => (m.text ?? '').includes(h.outsider.email)),
    false,
    'nothing about the drift reaches a non-approver',
  );
});
