import assert from 'node:assert/strict';
import { after, describe, test, type TestContext } from 'node:test';
import { type JitPolicy, parsePolicy } from '../../config/policy';
import { ActionIds, CallbackIds } from '../../integrations/slack/block-kit/ids';
import { type GrantState } from '../../workflows/grant/grant-types';
import { closeRequestsOfGroupsLeft } from '../../worker/policy-changes';
import { APPROVAL_CHANNEL } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal, randomObjectId } from '../support/temporal';
import { askForMore, createGatewayHarness, type GatewayHarness, startHarnessGateway } from './gateway-harness';

after(() => closeTestTemporal());

/** What the person was told last: the modal's notice and the ephemeral say the same. */
async function toldAtJit(h: GatewayHarness, slackUserId: string, pattern: RegExp): Promise<void> {
  await h.slack.sendSlashCommand({ userId: slackUserId });
  await h.slack.waitFor(`the refusal for ${slackUserId}`, () =>
    h.slack.messages().find((m) => m.ephemeralTo === slackUserId && pattern.test(m.text ?? '')),
  );
  const views = h.slack.views(slackUserId);
  assert.ok(
    views.every((v) => v.view.callback_id !== CallbackIds.request),
    'no request form was offered',
  );
}

/** An ephemeral to `slackUserId` matching `pattern` (a click's refusal). */
function ephemeralTo(h: GatewayHarness, slackUserId: string, pattern: RegExp) {
  return h.slack.waitFor(`an ephemeral to ${slackUserId} matching ${String(pattern)}`, () =>
    h.slack.messages().find((m) => m.ephemeralTo === slackUserId && pattern.test(m.text ?? '')),
  );
}

/**
 * The worker and the gateway as restarted with a changed policy (its `groups:` lines given): the worker reads it at
 * its next check, and clicks go to a new gateway started with it.
 */
async function restartWithPolicy(t: TestContext, h: GatewayHarness, groupLines: string[]): Promise<JitPolicy> {
  const policy = parsePolicy(
    ['defaults:', '  approvalTimeout: 10m', '  durations: [3s, 10m]', 'groups:', ...groupLines].join('\n'),
    'changed policy',
  );
  h.useWorkerPolicy(policy);
  const gateway = await startHarnessGateway(h, policy);
  t.after(() => gateway.app.close());
  h.slack.gatewayUrl = gateway.url;
  return policy;
}

describe('only trusted people ask and decide, through signed Slack payloads', { concurrency: 3 }, () => {
  test('guests, people of another workspace and suspended, locked or staged JumpCloud accounts cannot ask, and nothing starts', async (t) => {
    const h = await createGatewayHarness(t);
    const guest = h.newPerson('guest');
    h.slack.addUser({ id: guest.slackUserId, name: 'guest', email: guest.email, isRestricted: true });
    await toldAtJit(h, guest.slackUserId, /Your Slack account is a guest account/);
    const single = h.newPerson('single-channel-guest');
    h.slack.addUser({ id: single.slackUserId, name: 'single', email: single.email, isUltraRestricted: true });
    await toldAtJit(h, single.slackUserId, /Your Slack account is a guest account/);
    const external = h.newPerson('external');
    h.slack.addUser({ id: external.slackUserId, name: 'external', email: external.email, teamId: 'T0OTHERORG' });
    await toldAtJit(h, external.slackUserId, /belongs to another Slack workspace/);

    const suspended = h.newPerson('suspended');
    h.jumpcloud.updateUser(suspended.jumpcloudUserId, { state: 'SUSPENDED' });
    await toldAtJit(h, suspended.slackUserId, /Your JumpCloud account \(\*.*\*\) is suspended/);
    const locked = h.newPerson('locked');
    h.jumpcloud.updateUser(locked.jumpcloudUserId, { accountLocked: true });
    await toldAtJit(h, locked.slackUserId, /is locked/);
    const staged = h.newPerson('staged');
    h.jumpcloud.updateUser(staged.jumpcloudUserId, { state: 'STAGED' });
    await toldAtJit(h, staged.slackUserId, /is staged/);
    assert.deepEqual(await h.startedWorkflows(), []);
  });

  test('a group with requesters is offered only to them; a forged submit for it is refused in a DM and starts nothing', async (t) => {
    const requesterGroup = randomObjectId();
    const h = await createGatewayHarness(t, { requesters: [requesterGroup] });
    const outsider = h.newPerson('not-a-requester');
    const form = await h.openRequestForm(outsider);
    assert.ok(!JSON.stringify(form.view.blocks).includes(h.group.id), 'the group is not offered to a non-requester');
    assert.ok(JSON.stringify(form.view.blocks).includes(h.otherGroup.id), 'a group without requesters is');
    const ack = await h.submitRequest(form, { groupId: h.group.id }, outsider);
    assert.equal(ack.status, 200, ack.body);
    await h.slack.waitFor('the refusal DM', () =>
      h.slack.dms(outsider.slackUserId).find((m) => /not among the people who may request it/.test(m.text ?? '')),
    );
    assert.deepEqual(await h.startedWorkflows(), []);

    // A member of the requesters' JumpCloud group (nested membership counts too, as JumpCloud's memberof reports).
    h.jumpcloud.addGroup({ id: requesterGroup, name: `requesters-${requesterGroup.slice(0, 6)}` });
    h.jumpcloud.setMember(requesterGroup, h.requester.jumpcloudUserId, true);
    const offered = await h.openRequestForm(h.requester);
    assert.ok(JSON.stringify(offered.view.blocks).includes(h.group.id), 'the group is offered to a requester');
    const { workflowId } = await h.requestAccess({ durationSeconds: 3 });
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test("a suspended requester's pending request cannot be approved; an approver made a guest decides nothing", async (t) => {
    const h = await createGatewayHarness(t);
    const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });
    h.jumpcloud.updateUser(h.requester.jumpcloudUserId, { state: 'SUSPENDED' });
    assert.equal((await h.click(h.approver, message, ActionIds.approve)).status, 200);
    await ephemeralTo(h, h.approver.slackUserId, /The requester's JumpCloud account is suspended/);

    h.jumpcloud.updateUser(h.requester.jumpcloudUserId, { state: 'ACTIVATED' });
    h.slack.addUser({
      id: h.secondApprover.slackUserId,
      name: 'second-approver',
      email: h.secondApprover.email,
      isRestricted: true,
    });
    await h.click(h.secondApprover, message, ActionIds.approve);
    await ephemeralTo(h, h.secondApprover.slackUserId, /Your Slack account is a guest account/);

    const state = await h.grants.state(workflowId);
    assert.equal(state.status, 'PENDING_APPROVAL');
    assert.deepEqual(state.approvals, []);
    assert.deepEqual(membershipChanges(h, 'add'), [], 'nothing was added');
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('an approver removed from the policy while a request is pending can neither approve nor reject it; one still listed can', async (t) => {
    const h = await createGatewayHarness(t);
    const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });
    // The gateway restarted with a policy that no longer names the first approver (the worker reads it too).
    await restartWithPolicy(t, h, [
      `  - id: ${h.group.id}`,
      `    name: ${h.group.name}`,
      '    maxDuration: 1h',
      `    approvers: [${h.secondApprover.slackUserId}]`,
    ]);

    await h.click(h.approver, message, ActionIds.approve);
    await ephemeralTo(h, h.approver.slackUserId, /you are not an approver for prod-db-readonly/);
    await h.click(h.approver, message, ActionIds.reject);
    await h.slack.waitFor('the second refusal', () =>
      h.slack.messages().filter((m) => m.ephemeralTo === h.approver.slackUserId && /not an approver/.test(m.text ?? ''))
        .length >= 2
        ? true
        : undefined,
    );
    assert.equal((await h.grants.state(workflowId)).status, 'PENDING_APPROVAL');

    await h.click(h.secondApprover, message, ActionIds.approve);
    await h.waitForStatus(workflowId, 'ACTIVE');
    assert.equal(membershipChanges(h, 'add').length, 1);
  });

  test('with allowSelfApproval a requester who is not an approver cannot approve their own request', async (t) => {
    const h = await createGatewayHarness(t, { allowSelfApproval: true });
    const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });
    await h.click(h.requester, message, ActionIds.approve);
    await ephemeralTo(h, h.requester.slackUserId, /you are not an approver for prod-db-readonly/);
    const state = await h.grants.state(workflowId);
    assert.equal(state.status, 'PENDING_APPROVAL');
    assert.deepEqual(membershipChanges(h, 'add'), []);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('approverGroups: a member of the JumpCloud group approves, recorded with the group; removed from it, they decide nothing', async (t) => {
    const approverGroup = randomObjectId();
    const h = await createGatewayHarness(t, { approverGroups: [approverGroup] });
    h.jumpcloud.addGroup({ id: approverGroup, name: `approvers-${approverGroup.slice(0, 6)}` });
    const oncall = h.newPerson('oncall-lead');
    const leaver = h.newPerson('leaver');
    h.jumpcloud.setMember(approverGroup, oncall.jumpcloudUserId, true);
    h.jumpcloud.setMember(approverGroup, leaver.jumpcloudUserId, true);
    const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });

    // Offboarded from the approver group while the request is pending: at once, no policy change needed.
    h.jumpcloud.setMember(approverGroup, leaver.jumpcloudUserId, false);
    await h.click(leaver, message, ActionIds.approve);
    await ephemeralTo(h, leaver.slackUserId, /you are not an approver for prod-db-readonly/);
    assert.equal((await h.grants.state(workflowId)).status, 'PENDING_APPROVAL');

    await h.click(oncall, message, ActionIds.approve);
    const active = await h.waitForStatus(workflowId, 'ACTIVE');
    assert.deepEqual(
      active.approvals.map((a) => [a.bySlackUserId, a.via]),
      [[oncall.slackUserId, approverGroup]],
    );
    assert.equal(membershipChanges(h, 'add').length, 1);
  });

  test('an approval naming an approver group the approver is not in adds nothing: the worker asks JumpCloud before the add', async (t) => {
    const approverGroup = randomObjectId();
    const h = await createGatewayHarness(t, { approverGroups: [approverGroup] });
    h.jumpcloud.addGroup({ id: approverGroup, name: `approvers-${approverGroup.slice(0, 6)}` });
    const { workflowId } = await h.requestAccess({ durationSeconds: 3 });
    // Written straight into the namespace, past the gateway: the validator takes the group's word, the worker does not.
    await h.grants.decide(
      workflowId,
      { decision: 'approve', deciderSlackUserId: h.outsider.slackUserId, approverVia: approverGroup },
      'forged',
    );
    const final = await h.waitForStatus(workflowId, 'FAILED');
    assert.match(final.failure ?? '', new RegExp(`${h.outsider.slackUserId} is not an approver of prod-db-readonly`));
    assert.deepEqual(membershipChanges(h, 'add'), []);
  });

  test('a group removed from the policy: its pending request is withdrawn and told why; its active grant keeps its expiry and cannot be extended', async (t) => {
    const h = await createGatewayHarness(t);
    const { workflowId: pendingId, message: pendingMessage } = await h.requestAccess({ durationSeconds: 3 });
    const holder = h.newPerson('holder');
    const { workflowId: activeId, message } = await h.requestAccess({ durationSeconds: 600 }, holder);
    await h.click(h.approver, message, ActionIds.approve);
    const active = await h.waitForStatus(activeId, 'ACTIVE');
    const dm = await h.slack.waitFor('the DM with the Extend button', () =>
      h.slack.dms(holder.slackUserId).find((m) => JSON.stringify(m.blocks ?? []).includes(ActionIds.extend)),
    );

    // The worker and the gateway restart with a policy that no longer lists the group.
    const changed = await restartWithPolicy(t, h, [
      `  - id: ${h.otherGroup.id}`,
      '    maxDuration: 1h',
      `    approvers: [${h.approver.slackUserId}]`,
    ]);
    const reason = `its group (${h.group.id}) is no longer in the access policy`;
    assert.deepEqual(await closeRequestsOfGroupsLeft(changed, h.grants), [`withdrew ${pendingId}: ${reason}`]);

    const withdrawn = (await h.client.workflow.getHandle(pendingId).result()) as GrantState;
    assert.equal(withdrawn.status, 'CANCELLED');
    assert.equal(withdrawn.endReason, reason);
    await h.slack.waitFor('the requester told why', () =>
      h.slack.dms(h.requester.slackUserId).find((m) => (m.text ?? '').includes(`was withdrawn: ${reason}`)),
    );
    await h.slack.waitFor('the approval message updated', () =>
      JSON.stringify(h.slack.messages(APPROVAL_CHANNEL).find((m) => m.ts === pendingMessage.ts)?.blocks).includes(
        `Withdrawn: ${reason}`,
      ),
    );

    // The active grant: no extension passes the gateway, and its expiry stands.
    await askForMore(h, dm, 600, holder);
    await h.slack.waitFor('the refusal DM', () =>
      h.slack.dms(holder.slackUserId).find((m) => /this group is no longer in the access policy/.test(m.text ?? '')),
    );
    const still = await h.grants.state(activeId);
    assert.equal(still.status, 'ACTIVE');
    assert.equal(still.expiresAt, active.expiresAt);
    assert.deepEqual(still.extensions, []);
    await h.grants.revoke(activeId, { bySlackUserId: holder.slackUserId }, 'cleanup');
  });
});
