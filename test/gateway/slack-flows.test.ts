import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ActionIds, CallbackIds, RejectReasonInput } from '../../integrations/slack/block-kit/ids';
import { type GrantState } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { membershipChanges } from '../support/jumpcloud-calls';
import { eventually } from '../support/eventually';
import { APPROVAL_CHANNEL } from '../support/grant-harness';
import { closeTestTemporal, eventsOfAllRuns } from '../support/temporal';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness';

after(() => closeTestTemporal());

function buttonsOf(blocks: unknown[] | undefined): string[] {
  return (blocks ?? [])
    .flatMap((b) => ((b as { elements?: Array<{ action_id?: string }> }).elements ?? []).map((e) => e.action_id ?? ''))
    .filter(Boolean);
}

function optionValues(view: { view: Record<string, unknown> }, actionId: string): string[] {
  const blocks = view.view.blocks as Array<{ element?: { action_id?: string; options?: Array<{ value: string }> } }>;
  return blocks.find((b) => b.element?.action_id === actionId)?.element?.options?.map((o) => o.value) ?? [];
}

async function dmMatching(h: GatewayHarness, pattern: RegExp, person = h.requester) {
  return h.slack.waitFor(
    `a DM to ${person.name} matching ${pattern}`,
    () => h.slack.dms(person.slackUserId).find((m) => pattern.test(m.text ?? '')),
    15_000,
  );
}

async function ephemeralMatching(h: GatewayHarness, person: GatewayHarness['requester'], pattern: RegExp) {
  return h.slack.waitFor(
    `an ephemeral to ${person.name} matching ${pattern}`,
    () => h.ephemeralsFor(person).find((m) => pattern.test(m.text ?? '')),
    15_000,
  );
}

describe(
  'the Slack gateway end to end (real HTTP, Slack and JumpCloud stand-ins, real Temporal)',
  { concurrency: 4 },
  () => {
    test('/jit → modal → submit → approval message → Approve click → member → expiry → removed, all from Slack payloads', async (t) => {
      const h = await createGatewayHarness(t);
      const ack = await h.slack.sendSlashCommand({ userId: h.requester.slackUserId });
      assert.equal(ack.status, 200);
      assert.equal(ack.body, '', 'the command is acknowledged with an empty 200 at once');
      const form = await h.slack.waitFor('the request form', () =>
        h.slack.views(h.requester.slackUserId).find((v) => v.view.callback_id === CallbackIds.request),
      );
      assert.equal(form.updates, 1, 'the loading modal opened with the trigger was updated into the form');
      assert.deepEqual(optionValues(form, 'group_select').sort(), [h.group.id, h.otherGroup.id].sort());
      // Presets up to the largest maximum among the offered groups (8h), each group's maximum enforced on submit.
      assert.deepEqual(optionValues(form, 'duration_select'), ['3', '600', '3600', '28800']);

      const submitted = await h.submitRequest(form, {
        durationSeconds: 3,
        justification: 'Debugging <!channel> & the *prod* DB',
      });
      assert.equal(submitted.status, 200);
      assert.equal(submitted.body, '');
      const workflowId = grantWorkflowId(h.requester.jumpcloudUserId, h.group.id);
      await dmMatching(h, /sent to the approvers/);
      const request = await h.slack.waitFor(
        'the approval message',
        () => h.slack.messages(APPROVAL_CHANNEL).find((m) => buttonsOf(m.blocks).length > 0),
        15_000,
      );
      assert.deepEqual(buttonsOf(request.blocks), [ActionIds.approve, ActionIds.reject]);
      assert.ok(!JSON.stringify(request.blocks).includes('<!channel>'), 'the justification cannot ping the channel');
      assert.equal(h.isMember(), false);

      const click = await h.click(h.approver, request, ActionIds.approve);
      assert.equal(click.status, 200);
      assert.equal(click.body, '', 'the click is acknowledged with an empty 200');
      const active = await h.waitForStatus(workflowId, 'ACTIVE');
      assert.equal(active.decidedBy, h.approver.slackUserId);
      assert.equal(active.justification, 'Debugging <!channel> & the *prod* DB');
      assert.equal(active.durationSeconds, 3);
      assert.deepEqual(active.approvers, [h.approver.slackUserId, h.secondApprover.slackUserId]);
      assert.equal(active.approvalChannel, APPROVAL_CHANNEL);
      assert.equal(h.isMember(), true);

      const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
      assert.equal(final.status, 'EXPIRED');
      assert.equal(h.isMember(), false);
      assert.equal(membershipChanges(h, 'add').length, 1);
      assert.equal(membershipChanges(h, 'remove').length, 1);
      await dmMatching(h, /expired/);
    });

    test('Reject opens a reason modal for an approver; its submission rejects with that reason and the requester is told', async (t) => {
      const h = await createGatewayHarness(t);
      const { workflowId, message } = await h.requestAccess();
      const click = await h.click(h.secondApprover, message, ActionIds.reject);
      assert.equal(click.status, 200);
      const modal = await h.slack.waitFor('the reject-reason modal', () =>
        h.slack.views(h.secondApprover.slackUserId).find((v) => v.view.callback_id === CallbackIds.rejectReason),
      );
      assert.match(
        String(modal.view.private_metadata),
        new RegExp(`^${workflowId}/[0-9a-f-]{36}$`),
        'the reason modal targets the clicked run',
      );
      const submitted = await h.slack.sendViewSubmission({
        userId: h.secondApprover.slackUserId,
        view: modal,
        values: {
          [RejectReasonInput.blockId]: {
            [RejectReasonInput.actionId]: { type: 'plain_text_input', value: 'Not during the freeze' },
          },
        },
      });
      assert.equal(submitted.status, 200);
      assert.equal(submitted.body, '');
      const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
      assert.equal(final.status, 'REJECTED');
      assert.equal(final.decidedBy, h.secondApprover.slackUserId);
      assert.equal(final.decisionReason, 'Not during the freeze');
      await dmMatching(h, /rejected your request.*Not during the freeze/);
      assert.equal(membershipChanges(h, 'add').length, 0);
    });

    test('nobody deciding in time times the request out and tells the requester', async (t) => {
      const h = await createGatewayHarness(t, { approvalTimeout: '2s' });
      const { workflowId } = await h.requestAccess();
      const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
      assert.equal(final.status, 'TIMED_OUT');
      await dmMatching(h, /in time/);
      await h.slack.waitFor(
        'the approval message without buttons',
        () => buttonsOf(h.slack.messages(APPROVAL_CHANNEL).find((m) => !m.ephemeralTo)?.blocks).length === 0,
      );
    });

    test('an Approve or Reject click by someone who is not an approver gets an ephemeral refusal and changes nothing', async (t) => {
      const h = await createGatewayHarness(t);
      const { workflowId, message } = await h.requestAccess();
      assert.equal((await h.click(h.outsider, message, ActionIds.approve)).status, 200);
      await ephemeralMatching(h, h.outsider, /not an approver for prod-db-readonly/);
      assert.equal((await h.click(h.outsider, message, ActionIds.reject)).status, 200);
      await eventually(
        'two refusals',
        () =>
          h.ephemeralsFor(h.outsider).filter((m) => /not an approver for prod-db-readonly/.test(m.text ?? ''))
            .length === 2,
      );
      assert.equal(h.slack.views(h.outsider.slackUserId).length, 0, 'no reason modal for a non-approver');
      const state = await h.grants.state(workflowId);
      assert.equal(state.status, 'PENDING_APPROVAL');
      assert.equal(state.decidedBy, undefined);
      assert.equal(h.isMember(), false);
      assert.deepEqual(buttonsOf(h.slack.messages(APPROVAL_CHANNEL).find((m) => !m.ephemeralTo)?.blocks), [
        ActionIds.approve,
        ActionIds.reject,
      ]);
      await h.grants.revoke(workflowId, { bySlackUserId: h.approver.slackUserId }, 'cleanup');
    });

    test('an approver cannot approve their own request when the policy forbids self-approval', async (t) => {
      const h = await createGatewayHarness(t);
      // The approver asks for the other group, where they are the only approver.
      const { workflowId, message } = await h.requestAccess({ groupId: h.otherGroup.id }, h.approver);
      await h.click(h.approver, message, ActionIds.approve);
      await ephemeralMatching(h, h.approver, /your own request/);
      assert.equal((await h.grants.state(workflowId)).status, 'PENDING_APPROVAL');
      assert.equal(h.jumpcloud.isMember(h.otherGroup.id, h.approver.jumpcloudUserId), false);
      await h.grants.revoke(workflowId, { bySlackUserId: h.approver.slackUserId }, 'cleanup');
    });

    test('submitting the same modal twice starts one workflow and sends one confirmation', async (t) => {
      const h = await createGatewayHarness(t);
      const form = await h.openRequestForm();
      const [first, second] = await Promise.all([
        h.submitRequest(form, { durationSeconds: 600 }),
        h.submitRequest(form, { durationSeconds: 600 }),
      ]);
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      const workflowId = grantWorkflowId(h.requester.jumpcloudUserId, h.group.id);
      await h.slack.waitFor(
        'the approval message',
        () => h.slack.messages(APPROVAL_CHANNEL).find((m) => !m.ephemeralTo),
        15_000,
      );
      await dmMatching(h, /sent to the approvers/);
      await h.app.backgroundTasks.drain(10_000);
      const runs: string[] = [];
      for await (const wf of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(wf.runId);
      assert.equal(runs.length, 1);
      assert.equal(h.slack.messages(APPROVAL_CHANNEL).filter((m) => !m.ephemeralTo).length, 1);
      assert.equal(
        h.slack.dms(h.requester.slackUserId).filter((m) => /approvers|already have/.test(m.text ?? '')).length,
        1,
      );
      await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    });

    test('a second request for the same group while one is pending is refused with a DM saying so', async (t) => {
      const h = await createGatewayHarness(t);
      const { workflowId } = await h.requestAccess({ durationSeconds: 600 });
      const again = await h.submitRequest(await h.openRequestForm(), { durationSeconds: 600 });
      assert.equal(again.status, 200);
      await dmMatching(h, /already have a pending or active request for \*prod-db-readonly\*/);
      await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    });

    test('the same approver clicking Approve twice is one decision, and a second approver is told it was already approved', async (t) => {
      const h = await createGatewayHarness(t);
      const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 });
      const clicks = await Promise.all([
        h.click(h.approver, message, ActionIds.approve),
        h.click(h.approver, message, ActionIds.approve),
      ]);
      assert.deepEqual(
        clicks.map((c) => c.status),
        [200, 200],
      );
      await h.waitForStatus(workflowId, 'ACTIVE');
      await h.app.backgroundTasks.drain(10_000);
      assert.equal(h.ephemeralsFor(h.approver).length, 0, 'the repeated click is the same decision, not a refusal');
      await h.click(h.secondApprover, message, ActionIds.approve);
      await ephemeralMatching(h, h.secondApprover, /already approved/);
      const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
      assert.equal(final.status, 'EXPIRED');
      assert.equal(final.decidedBy, h.approver.slackUserId);
      assert.equal(membershipChanges(h, 'add').length, 1);
      const accepted = (await eventsOfAllRuns(h.client, workflowId)).filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      );
      assert.equal(accepted.length, 1, 'one accepted decision');
    });

    test("Revoke now in the requester's DM removes the membership at once", async (t) => {
      const h = await createGatewayHarness(t);
      const { workflowId, message } = await h.requestAccess({ durationSeconds: 3600 });
      await h.click(h.approver, message, ActionIds.approve);
      await h.waitForStatus(workflowId, 'ACTIVE');
      const granted = await h.slack.waitFor('the DM with the Revoke button', () =>
        h.slack.dms(h.requester.slackUserId).find((m) => buttonsOf(m.blocks).includes(ActionIds.revoke)),
      );
      const click = await h.click(h.requester, granted, ActionIds.revoke);
      assert.equal(click.status, 200);
      const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
      assert.equal(final.status, 'REVOKED');
      assert.equal(final.endedBy, h.requester.slackUserId);
      assert.equal(h.isMember(), false);
      // The same person clicking again is the same Update: nothing more happens, and nothing is refused.
      assert.equal((await h.click(h.requester, granted, ActionIds.revoke)).status, 200);
      await h.app.backgroundTasks.drain(10_000);
      assert.deepEqual(h.ephemeralsFor(h.requester), []);
      assert.equal(membershipChanges(h, 'remove').length, 1);
    });

    test('a Slack user with no JumpCloud account gets a clear message in the modal and an ephemeral, and nothing starts', async (t) => {
      const h = await createGatewayHarness(t);
      h.slack.addUser({ id: 'U0NOACCOUNT', name: 'stranger', email: 'stranger@example.com' });
      const ack = await h.slack.sendSlashCommand({ userId: 'U0NOACCOUNT' });
      assert.equal(ack.status, 200);
      const modal = await h.slack.waitFor('the explanation in the modal', () =>
        h.slack
          .views('U0NOACCOUNT')
          .find((v) =>
            /No JumpCloud account has the email \*stranger@example.com\*/.test(JSON.stringify(v.view.blocks)),
          ),
      );
      assert.equal(modal.view.callback_id, '', 'no form to submit');
      await h.slack.waitFor('the ephemeral', () =>
        h.slack.messages().find((m) => m.ephemeralTo === 'U0NOACCOUNT' && /No JumpCloud account/.test(m.text ?? '')),
      );
      assert.deepEqual(await h.startedWorkflows(), []);
    });

    test('a Slack user whose profile has no readable email is told why nothing can be requested', async (t) => {
      const h = await createGatewayHarness(t);
      h.slack.addUser({ id: 'U0NOEMAIL', name: 'no-email' });
      await h.slack.sendSlashCommand({ userId: 'U0NOEMAIL' });
      await h.slack.waitFor('the explanation in the modal', () =>
        h.slack.views('U0NOEMAIL').find((v) => /no email address I can read/.test(JSON.stringify(v.view.blocks))),
      );
      await h.slack.waitFor('the ephemeral', () =>
        h.slack
          .messages()
          .find((m) => m.ephemeralTo === 'U0NOEMAIL' && /no email address I can read/.test(m.text ?? '')),
      );
      assert.equal(h.jumpcloud.calls.length, 0, 'JumpCloud is not asked about nobody');
    });

    test('someone already in every JIT group is told there is nothing to request', async (t) => {
      const h = await createGatewayHarness(t);
      h.jumpcloud.setMember(h.group.id, h.requester.jumpcloudUserId, true);
      h.jumpcloud.setMember(h.otherGroup.id, h.requester.jumpcloudUserId, true);
      await h.slack.sendSlashCommand({ userId: h.requester.slackUserId });
      await h.slack.waitFor('the explanation in the modal', () =>
        h.slack
          .views(h.requester.slackUserId)
          .find((v) => /already a member of every group/.test(JSON.stringify(v.view.blocks))),
      );
      await ephemeralMatching(h, h.requester, /already a member of every group/);
    });

    test('the form offers only the groups the requester is not already in', async (t) => {
      const h = await createGatewayHarness(t);
      h.jumpcloud.setMember(h.otherGroup.id, h.requester.jumpcloudUserId, true);
      const form = await h.openRequestForm();
      assert.deepEqual(optionValues(form, 'group_select'), [h.group.id]);
      assert.deepEqual(
        optionValues(form, 'duration_select'),
        ['3', '600', '3600'],
        "presets up to prod-db-readonly's 1h",
      );
    });

    test("a duration over the group's maximum (a forged option value) is an inline error and starts nothing", async (t) => {
      const h = await createGatewayHarness(t);
      const form = await h.openRequestForm();
      const ack = await h.submitRequest(form, { groupId: h.group.id, durationSeconds: 8 * 3600 });
      assert.equal(ack.status, 200);
      assert.deepEqual(ack.json, {
        response_action: 'errors',
        errors: { duration_block: 'prod-db-readonly allows at most 1h.' },
      });
      const notOffered = await h.submitRequest(form, { groupId: h.group.id, durationSeconds: 1800 });
      assert.deepEqual(notOffered.json, {
        response_action: 'errors',
        errors: { duration_block: 'Choose one of the offered durations.' },
      });
      await h.app.backgroundTasks.drain(5000);
      assert.deepEqual(await h.startedWorkflows(), []);
      assert.equal(
        h.slack.views(h.requester.slackUserId)[0]?.errors?.duration_block,
        'Choose one of the offered durations.',
      );
    });

    test('an unknown group ID or a too-short justification submitted is an inline error and starts nothing', async (t) => {
      const h = await createGatewayHarness(t);
      const form = await h.openRequestForm();
      const ack = await h.submitRequest(form, {
        groupId: 'ffffffffffffffffffffffff',
        durationSeconds: 600,
        justification: 'because',
      });
      assert.equal(ack.status, 200);
      assert.deepEqual(ack.json, {
        response_action: 'errors',
        errors: {
          group_block: 'This group cannot be requested.',
          justification_block: 'Please explain in at least 10 characters.',
        },
      });
      await h.app.backgroundTasks.drain(5000);
      assert.deepEqual(await h.startedWorkflows(), []);
    });

    test('/jit help answers with the usage and the requestable groups in the acknowledgement', async (t) => {
      const h = await createGatewayHarness(t);
      const ack = await h.slack.sendSlashCommand({ userId: h.requester.slackUserId, text: 'help' });
      assert.equal(ack.status, 200);
      const json = ack.json as { response_type: string; text: string };
      assert.equal(json.response_type, 'ephemeral');
      assert.match(json.text, /\/jit status/);
      assert.match(json.text, /prod-db-readonly\*: up to 1h/);
      assert.equal(h.slack.calls.length, 0, 'help needs no Slack call');
    });

    test("/jit status lists the requester's pending and active grants with the time left", async (t) => {
      const h = await createGatewayHarness(t);
      const person = h.newPerson('status-checker');
      const empty = await h.slack.sendSlashCommand({ userId: person.slackUserId, text: 'status' });
      assert.equal(empty.status, 200);
      await ephemeralMatching(h, person, /no pending or active access requests/);

      const pending = await h.requestAccess({ durationSeconds: 3600 }, person);
      const other = await h.requestAccess({ groupId: h.otherGroup.id, durationSeconds: 600 }, person);
      await h.click(h.approver, pending.message, ActionIds.approve);
      await h.waitForStatus(pending.workflowId, 'ACTIVE');
      const report = await eventually('a status report with both grants', async () => {
        const before = h.ephemeralsFor(person).length;
        await h.slack.sendSlashCommand({ userId: person.slackUserId, text: 'status' });
        const text = await h.slack.waitFor('the status report', () => h.ephemeralsFor(person)[before]?.text);
        return /prod-db-readonly\*: active, (59m \d+s|1h) left/.test(text) &&
          /billing-admin\*: waiting for an approver/.test(text)
          ? text
          : undefined;
      });
      assert.match(report, /Your access requests/);
      await h.grants.revoke(pending.workflowId, { bySlackUserId: person.slackUserId }, 'cleanup');
      await h.grants.revoke(other.workflowId, { bySlackUserId: person.slackUserId }, 'cleanup');
    });
  },
);
