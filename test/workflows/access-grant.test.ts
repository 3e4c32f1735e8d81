import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import {
  createGrantService,
  GrantRefusedError,
  grantFirstRunId,
  GrantUpdatePendingError,
} from '../../integrations/temporal/grant-service';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { grantSearchAttributes as sa } from '../../workflows/search-attributes';
import { type GrantState } from '../../workflows/grant/grant-types';
import { parseGrantRef } from '../../workflows/grant/grant-workflow-id';
import { activeGrantsTaskQueue, notificationTaskQueue } from '../../workflows/task-queues';
import { APPROVAL_CHANNEL, createGrantHarness, type GrantHarness, SECURITY_CHANNEL } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { eventually } from '../support/eventually';
import { closeTestTemporal, eventsOfAllRuns, uniqueName } from '../support/temporal';
import { accessGrantWorkflow } from '../../workflows/grant/access-grant';
import { decideUpdate } from '../../workflows/grant/grant-updates';

after(() => closeTestTemporal());

function buttonsOf(blocks: unknown[] | undefined): string[] {
  return (blocks ?? [])
    .flatMap((b) => ((b as { elements?: Array<{ action_id?: string }> }).elements ?? []).map((e) => e.action_id ?? ''))
    .filter(Boolean);
}

async function approvalPosted(h: GrantHarness) {
  return h.slack.waitFor(
    'the approval request in the approval channel',
    () => h.slack.messages(APPROVAL_CHANNEL)[0],
    15_000,
  );
}

describe('grant workflow on the real Temporal dev server', { concurrency: 3 }, () => {
  test('approve adds the membership, and at expiry it is removed and everyone is told', async (t) => {
    const h = await createGrantHarness(t);
    const start = await h.grants.start(h.grantInput({ durationSeconds: 3 }));
    assert.equal(start.outcome, 'started');

    const request = await approvalPosted(h);
    assert.deepEqual(buttonsOf(request.blocks), [ActionIds.approve, ActionIds.reject]);
    assert.equal(h.isMember(), false, 'nothing is added before approval');

    const decided = await h.grants.decide(
      start.workflowId,
      { decision: 'approve', deciderSlackUserId: h.approver.slackUserId },
      'click-1',
    );
    assert.equal(decided.status, 'APPROVED');
    const active = await h.waitForStatus(start.workflowId, 'ACTIVE');
    assert.equal(h.isMember(), true);
    assert.ok(active.grantedAt && active.expiresAt);
    assert.equal(Date.parse(active.expiresAt) - Date.parse(active.grantedAt), 3000, 'the clock starts at grant time');

    const grantedDm = await h.slack.waitFor('the "granted" DM', () =>
      h.slack.dms(h.requester.slackUserId).find((m) => buttonsOf(m.blocks).includes(ActionIds.revoke)),
    );
    assert.match(JSON.stringify(grantedDm.blocks), /<!date\^\d+\^/);

    const final = (await h.client.workflow.getHandle(start.workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(h.isMember(), false, 'the membership is removed at expiry');
    assert.ok(
      Date.parse(final.endedAt ?? '') >= Date.parse(final.expiresAt ?? ''),
      'removed no earlier than the expiry',
    );
    assert.equal(final.decidedBy, h.approver.slackUserId);
    assert.equal(membershipChanges(h, 'add').length, 1);
    assert.equal(membershipChanges(h, 'remove').length, 1);

    await h.slack.waitFor('the "expired" DM', () =>
      h.slack.dms(h.requester.slackUserId).find((m) => /expired/.test(m.text ?? '')),
    );
    const finalMessage = h.slack.messages(APPROVAL_CHANNEL)[0];
    assert.deepEqual(buttonsOf(finalMessage?.blocks), [], 'the approval message loses its buttons');
    assert.match(JSON.stringify(finalMessage?.blocks), new RegExp(`Approved by <@${h.approver.slackUserId}>`));
  });

  test('an auditor reads who, what, why, how long, approver and times from Temporal after the grant ended', async (t) => {
    const h = await createGrantHarness(t);
    const input = h.grantInput({ durationSeconds: 1, justification: 'Quarterly access review' });
    const { workflowId } = await h.grants.start(input);
    await approvalPosted(h);
    await h.grants.decide(
      workflowId,
      { decision: 'approve', deciderSlackUserId: h.secondApprover.slackUserId, reason: 'ok for Q3' },
      'c',
    );
    const handle = h.client.workflow.getHandle(workflowId);
    const result = (await handle.result()) as GrantState;

    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(sa.status), 'EXPIRED');
    assert.equal(description.typedSearchAttributes.get(sa.requester), h.requester.slackUserId);
    assert.equal(description.typedSearchAttributes.get(sa.group), h.group.id);
    assert.equal(description.typedSearchAttributes.get(sa.decider), h.secondApprover.slackUserId);
    assert.equal(description.typedSearchAttributes.get(sa.expiresAt)?.toISOString(), result.expiresAt);
    assert.deepEqual(
      {
        who: result.requester.email,
        what: result.group.name,
        why: result.justification,
        howLong: result.durationSeconds,
        approvedBy: result.decidedBy,
        reason: result.decisionReason,
      },
      {
        who: h.requester.email,
        what: h.group.name,
        why: 'Quarterly access review',
        howLong: 1,
        approvedBy: h.secondApprover.slackUserId,
        reason: 'ok for Q3',
      },
    );
    assert.ok(result.grantedAt && result.endedAt && Date.parse(result.endedAt) > Date.parse(result.grantedAt));

    const listed = await eventually('the grant in a visibility query by requester and status', async () => {
      const found: string[] = [];
      for await (const wf of h.client.workflow.list({
        query: `JitRequester = '${h.requester.slackUserId}' AND JitStatus = 'EXPIRED' AND JitGroup = '${h.group.id}'`,
      })) {
        found.push(wf.workflowId);
      }
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(listed, [workflowId]);
  });

  test('reject ends the request, tells the requester and never touches the membership', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput());
    await approvalPosted(h);
    await h.grants.decide(
      workflowId,
      { decision: 'reject', deciderSlackUserId: h.approver.slackUserId, reason: 'not on call' },
      'r1',
    );
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'REJECTED');
    assert.equal(final.decisionReason, 'not on call');
    assert.equal(membershipChanges(h, 'add').length + membershipChanges(h, 'remove').length, 0);
    const dm = await h.slack.waitFor('the rejection DM', () =>
      h.slack.dms(h.requester.slackUserId).find((m) => /rejected/.test(m.text ?? '')),
    );
    assert.match(dm.text ?? '', /not on call/);
    const message = h.slack.messages(APPROVAL_CHANNEL)[0];
    assert.deepEqual(buttonsOf(message?.blocks), []);
    assert.match(JSON.stringify(message?.blocks), /Rejected by/);
  });

  test('nobody deciding in time times the request out, tells the requester, and a late approval is refused', async (t) => {
    const h = await createGrantHarness(t);
    const input = h.grantInput();
    input.policy.approvalTimeoutSeconds = 2;
    const { workflowId } = await h.grants.start(input);
    await approvalPosted(h);
    const timedOut = await h.waitForStatus(workflowId, 'TIMED_OUT');
    assert.equal(timedOut.decidedBy, undefined);
    await h.slack.waitFor('the timeout DM', () =>
      h.slack.dms(h.requester.slackUserId).find((m) => /in time/.test(m.text ?? '')),
    );
    await h.slack.waitFor(
      'the approval message without buttons',
      () => buttonsOf(h.slack.messages(APPROVAL_CHANNEL)[0]?.blocks).length === 0,
    );
    await assert.rejects(
      h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'late'),
      (err: Error) => err instanceof GrantRefusedError && /timed out|ended/.test(err.message),
    );
    assert.equal(membershipChanges(h, 'add').length, 0);
  });

  test('an approval from someone who is not an approver is refused and changes nothing', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput());
    await assert.rejects(
      h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.outsider.slackUserId }, 'o1'),
      (err: Error) => err instanceof GrantRefusedError && /not an approver for prod-db-readonly/.test(err.message),
    );
    const state = await h.grants.state(workflowId);
    assert.equal(state.status, 'PENDING_APPROVAL');
    assert.equal(state.decidedBy, undefined);
    assert.equal(h.isMember(), false);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    assert.equal(((await h.client.workflow.getHandle(workflowId).result()) as GrantState).status, 'CANCELLED');
  });

  test('an acknowledgement sent to an ordinary (not break-glass) grant is refused with the reason and changes nothing', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput());
    await assert.rejects(
      h.grants.acknowledgeBreakGlass(workflowId, { bySlackUserId: h.approver.slackUserId }, 'ack1'),
      (err: Error) => err instanceof GrantRefusedError && /not a break-glass grant/.test(err.message),
    );
    const state = await h.grants.state(workflowId);
    assert.equal(state.status, 'PENDING_APPROVAL');
    assert.equal(state.acknowledgedBy, undefined);
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    assert.ok(
      !(history.events ?? []).some((e) => e.workflowExecutionUpdateAcceptedEventAttributes),
      'a refused Update is not in the history',
    );
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('the requester cannot approve their own request, even when listed as an approver', async (t) => {
    const h = await createGrantHarness(t);
    const input = h.grantInput();
    input.policy.approvers.push(h.requester.slackUserId);
    const { workflowId } = await h.grants.start(input);
    await assert.rejects(
      h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.requester.slackUserId }, 's1'),
      (err: Error) => err instanceof GrantRefusedError && /your own request/.test(err.message),
    );
    assert.equal((await h.grants.state(workflowId)).status, 'PENDING_APPROVAL');
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('with allowSelfApproval an approver may approve their own request, and a requester who is not an approver may not', async (t) => {
    const h = await createGrantHarness(t);
    const notListed = h.grantInput({ durationSeconds: 1 });
    notListed.policy.allowSelfApproval = true;
    const refused = await h.grants.start(notListed);
    await assert.rejects(
      h.grants.decide(refused.workflowId, { decision: 'approve', deciderSlackUserId: h.requester.slackUserId }, 's1'),
      (err: Error) => err instanceof GrantRefusedError && /not an approver/.test(err.message),
    );
    await h.grants.revoke(refused.workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    await h.client.workflow.getHandle(refused.workflowId).result();

    // The requester as one of the group's approvers, in the grant's input and in the worker's policy.
    const policy = h.workerPolicy();
    h.useWorkerPolicy({
      ...policy,
      groups: policy.groups.map((g) => ({
        ...g,
        allowSelfApproval: true,
        approvers: [...g.approvers, h.requester.slackUserId],
      })),
    });
    const listed = h.grantInput({ durationSeconds: 1 });
    listed.policy.allowSelfApproval = true;
    listed.policy.approvers.push(h.requester.slackUserId);
    const { workflowId } = await h.grants.start(listed);
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.requester.slackUserId }, 's2');
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(final.decidedBy, h.requester.slackUserId);
    assert.equal(membershipChanges(h, 'add').length, 1);
  });

  test('two simultaneous approvals are one decision: one membership change, one timer', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 2 }));
    await approvalPosted(h);
    const approve = (who: string, updateId: string) =>
      h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: who }, updateId);
    const results = await Promise.allSettled([
      approve(h.approver.slackUserId, 'click-a'),
      approve(h.secondApprover.slackUserId, 'click-b'),
      approve(h.approver.slackUserId, 'click-a'), // the same click delivered twice
    ]);
    const accepted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const decider = (await h.waitForStatus(workflowId, 'ACTIVE')).decidedBy;
    assert.ok(refused.length >= 1, 'at least the second approver is refused');
    for (const r of refused) assert.match((r.reason as Error).message, /already approved/);
    for (const r of accepted) assert.equal((r as PromiseFulfilledResult<GrantState>).value.decidedBy, decider);

    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(membershipChanges(h, 'add').length, 1);
    assert.equal(membershipChanges(h, 'remove').length, 1);
    const events = await eventsOfAllRuns(h.client, workflowId);
    const decisions = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(decisions.length, 1, 'one decision accepted');
    // The approval wait started one timer: a second decision would have woken it and started another.
    const firstAdd = events.findIndex(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'addMembership',
    );
    assert.equal(events.slice(0, firstAdd).filter((e) => e.timerStartedEventAttributes).length, 1);
  });

  test('an active grant hands off to a new run on the active grants queue once its messages are out; that run removes the membership at expiry', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId, firstRunId } = await approvedAndHandedOff(h, 4);
    assert.equal(h.isMember(), true, 'the membership stays through the hand-off');
    const carried = await h.client.workflow.getHandle(workflowId).describe();
    assert.notEqual(carried.runId, firstRunId);
    assert.equal(carried.taskQueue, activeGrantsTaskQueue(h.taskQueue));
    assert.equal(carried.memo?.firstRunId, firstRunId, 'the memo names the first run for listings');
    assert.equal((await h.grants.state(workflowId, firstRunId)).status, 'ACTIVE', 'read through the first run');

    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.ok(Date.parse(final.endedAt ?? '') >= Date.parse(final.expiresAt ?? ''), 'removed at the expiry');
    assert.equal(membershipChanges(h, 'add').length, 1);
    assert.equal(membershipChanges(h, 'remove').length, 1);
    assert.equal(h.isMember(), false);
    const carriedEvents = (await h.client.workflow.getHandle(workflowId, carried.runId).fetchHistory()).events ?? [];
    const scheduled = carriedEvents.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.ok(!scheduled.includes('addMembership'), `the carried run added nothing: ${scheduled.join()}`);
    // Its messages stay on the notification queue of the queue the grant began on.
    const queues = new Set(
      carriedEvents.flatMap((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name ?? []).filter(Boolean),
    );
    assert.deepEqual([...queues], [notificationTaskQueue(h.taskQueue)]);
    const listed = (await h.grants.list({ groupId: h.group.id })).filter((g) => g.workflowId === workflowId);
    assert.deepEqual(
      listed.map((g) => [g.runId, g.firstRunId]),
      [[carried.runId, firstRunId]],
    );
  });

  test('a click naming the first run of a handed-off grant reaches the run that holds it; a finished grant refuses it', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId, firstRunId } = await approvedAndHandedOff(h, 600);
    await assert.rejects(
      h.grants.decide(
        workflowId,
        { decision: 'approve', deciderSlackUserId: h.secondApprover.slackUserId },
        'b',
        firstRunId,
      ),
      (err: unknown) => err instanceof GrantRefusedError && /already approved/.test(err.message),
    );
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'rv', firstRunId);
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'REVOKED');
    assert.equal(h.isMember(), false);
    await assert.rejects(
      h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'again', firstRunId),
      (err: unknown) => err instanceof GrantRefusedError && /already ended/.test(err.message),
    );
  });

  test('the requester can revoke early: the membership goes at once and the grant records who ended it', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    await h.waitForStatus(workflowId, 'ACTIVE');
    assert.equal(h.isMember(), true);
    await assert.rejects(
      h.grants.revoke(workflowId, { bySlackUserId: h.outsider.slackUserId }, 'x'),
      /only the requester or an approver/,
    );
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId, reason: 'done early' }, 'rv');
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'REVOKED');
    assert.equal(final.endedBy, h.requester.slackUserId);
    assert.equal(h.isMember(), false);
    assert.ok(Date.parse(final.endedAt ?? '') < Date.parse(final.expiresAt ?? ''));
  });

  test('a user who already had standing access is neither added nor removed, and the grant records it', async (t) => {
    const h = await createGrantHarness(t);
    h.jumpcloud.setMember(h.group.id, h.requester.jumpcloudUserId, true);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 1 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'ALREADY_MEMBER');
    assert.equal(final.standingAccess, true);
    assert.equal(membershipChanges(h, 'add').length + membershipChanges(h, 'remove').length, 0);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the would-be expiry
    assert.equal(h.isMember(), true, 'standing access survives');
  });

  test('a second request for a pending or active grant starts no second workflow or timer', async (t) => {
    const h = await createGrantHarness(t);
    const first = h.grantInput({ durationSeconds: 600 });
    const started = await h.grants.start(first);
    assert.equal((await h.grants.start(first)).outcome, 'duplicate', 'the same request submitted twice');
    assert.equal((await h.grants.start(h.grantInput())).outcome, 'conflict', 'a different request while pending');
    await h.grants.decide(started.workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    await h.waitForStatus(started.workflowId, 'ACTIVE');
    assert.equal((await h.grants.start(h.grantInput())).outcome, 'conflict', 'a different request while active');

    // One grant: its runs (an active grant continues as new) all belong to the chain its first run began.
    const chains = new Set<string>();
    for await (const wf of h.client.workflow.list({ query: `WorkflowId = '${started.workflowId}'` }))
      chains.add(grantFirstRunId(wf));
    assert.equal(chains.size, 1);
    await h.grants.revoke(started.workflowId, { bySlackUserId: h.approver.slackUserId }, 'end');
    await h.client.workflow.getHandle(started.workflowId).result();
    assert.equal(membershipChanges(h, 'add').length, 1);
  });

  test("a click on an earlier request's message never decides a newer request for the same user and group", async (t) => {
    const h = await createGrantHarness(t);
    const first = await h.grants.start(h.grantInput());
    const oldMessage = await approvalPosted(h);
    const oldButton = (oldMessage.blocks ?? [])
      .flatMap((b) => (b as { elements?: Array<{ action_id?: string; value?: string }> }).elements ?? [])
      .find((e) => e.action_id === ActionIds.approve);
    const oldRef = parseGrantRef(oldButton?.value ?? '');
    assert.ok(oldRef?.runId, 'the button names the run it belongs to');
    await h.grants.decide(first.workflowId, { decision: 'reject', deciderSlackUserId: h.approver.slackUserId }, 'r');
    await h.client.workflow.getHandle(first.workflowId).result();

    const second = await h.grants.start(h.grantInput());
    assert.equal(second.workflowId, first.workflowId, 'the same user and group reuse the workflow ID');
    await assert.rejects(
      h.grants.decide(
        oldRef.workflowId,
        { decision: 'approve', deciderSlackUserId: h.secondApprover.slackUserId },
        'old-click',
        oldRef.runId,
      ),
      (err: Error) => err instanceof GrantRefusedError && /already rejected/.test(err.message),
    );
    assert.equal((await h.grants.state(second.workflowId)).status, 'PENDING_APPROVAL');
    await h.grants.revoke(second.workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });

  test('JumpCloud 5xx and 429 bursts during add and remove still end with the membership added, then removed', async (t) => {
    const h = await createGrantHarness(t);
    h.jumpcloud.faults.add({ kind: 'status', status: 503, times: 2, match: { method: 'POST', path: '/members$' } });
    h.jumpcloud.faults.add({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      times: 2,
      match: { method: 'POST', path: '/members$' },
    });
    // Long enough that the removal's faults are queued before the expiry, even on a loaded machine.
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 8 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    await h.waitForStatus(workflowId, 'ACTIVE');
    assert.equal(h.jumpcloud.faults.injected, 4, 'the add went through every fault');
    assert.equal(h.isMember(), true);

    h.jumpcloud.faults.add({ kind: 'status', status: 502, times: 2, match: { method: 'POST', path: '/members$' } });
    h.jumpcloud.faults.add({ kind: 'drop', times: 1, match: { method: 'POST', path: '/members$' } });
    h.jumpcloud.faults.add({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
      match: { method: 'POST', path: '/members$' },
    });
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(h.isMember(), false);
    assert.equal(h.jumpcloud.faults.injected, 8);
  });

  test('an approval that outlasts its RPC deadline is sent again under the same Update ID and recorded once', async (t) => {
    const h = await createGrantHarness(t, { worker: false });
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    const approve = { decision: 'approve', deciderSlackUserId: h.approver.slackUserId } as const;
    // No worker runs the grant yet, so an attempt runs out of time before the workflow can take the Update.
    const once = createGrantService(h.client, h.taskQueue, { updatePatience: { attemptMs: 300, attempts: 1 } });
    await assert.rejects(once.decide(workflowId, approve, 'click'), GrantUpdatePendingError);
    // Patient enough for a loaded machine (5 min): what is proved is that it keeps sending, not how long it takes.
    const patient = createGrantService(h.client, h.taskQueue, { updatePatience: { attemptMs: 300, attempts: 1000 } });
    const decided = patient.decide(workflowId, approve, 'click');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await h.startWorker();

    assert.equal((await decided).decidedBy, h.approver.slackUserId);
    await h.waitForStatus(workflowId, 'ACTIVE');
    const events = await eventsOfAllRuns(h.client, workflowId);
    const accepted = events.flatMap((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ?? []);
    assert.deepEqual(
      accepted.map((r) => r.meta?.updateId),
      ['click'],
      'the attempts were one Update',
    );
    assert.equal(membershipChanges(h, 'add').length, 1);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'rv');
    assert.equal(((await h.client.workflow.getHandle(workflowId).result()) as GrantState).status, 'REVOKED');
  });

  test('a worker stopped during the wait and a new one started still revokes at expiry', async (t) => {
    const h = await createGrantHarness(t, { worker: false });
    const first = await h.startWorker();
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 4 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    const active = await h.waitForStatus(workflowId, 'ACTIVE');
    await first.stop();

    // No worker while the expiry passes.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(active.expiresAt ?? '') - Date.now()) + 500),
    );
    assert.equal(h.isMember(), true, 'nobody could have removed it without a worker');

    await h.startWorker();
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(h.isMember(), false);
  });

  test('Slack failing throughout still grants and revokes; the failures are counted, not fatal', async (t) => {
    const h = await createGrantHarness(t);
    h.slack.faults.add({ kind: 'status', status: 503 });
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 2 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    await h.waitForStatus(workflowId, 'ACTIVE');
    assert.equal(h.isMember(), true);
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'EXPIRED');
    assert.equal(h.isMember(), false);
    assert.ok(final.notificationFailures >= 3, `notifications given up: ${final.notificationFailures}`);
    assert.equal(h.slack.messages(APPROVAL_CHANNEL).length, 0);
  });

  test('a duration over the policy maximum fails the workflow before anything is posted or changed', async (t) => {
    const h = await createGrantHarness(t);
    const input = h.grantInput({ durationSeconds: 7200 });
    const { workflowId } = await h.grants.start(input);
    await assert.rejects(h.client.workflow.getHandle(workflowId).result(), (err: Error) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.match(err.cause?.message ?? '', /exceeds the group's maximum of 3600s/);
      return true;
    });
    assert.equal(h.jumpcloud.calls.length, 0);
    assert.equal(h.slack.calls.length, 0);
  });

  test("a grant written into the namespace with approvers the worker's policy does not name adds nothing", async (t) => {
    const h = await createGrantHarness(t);
    // A namespace writer starts a grant as the gateway never would: the outsider named its approver, then approving.
    const input = h.grantInput({
      durationSeconds: 60,
      policy: { ...h.grantInput().policy, approvers: [h.outsider.slackUserId] },
    });
    const handle = await h.client.workflow.start(accessGrantWorkflow, {
      taskQueue: h.taskQueue,
      workflowId: uniqueName('forged-grant'),
      args: [input],
    });
    await handle.executeUpdate(decideUpdate, {
      args: [{ decision: 'approve', deciderSlackUserId: h.outsider.slackUserId }],
    });
    const final = (await handle.result()) as GrantState;
    assert.equal(final.status, 'FAILED');
    assert.match(
      final.failure ?? '',
      new RegExp(`refused by the worker's policy: ${h.outsider.slackUserId} is not an approver`),
    );
    assert.equal(membershipChanges(h, 'add').length, 0, 'nothing was added');
    assert.equal(h.isMember(), false);
    const alert = await h.slack.waitFor(
      'the alert in the security channel',
      () => h.slack.messages(SECURITY_CHANNEL)[0],
    );
    assert.match(alert.text ?? '', /refused before any change/);
  });

  test('a requester whose JumpCloud account was suspended after the request is not added: the worker reads it before the add', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 60 }));
    h.jumpcloud.updateUser(h.requester.jumpcloudUserId, { state: 'SUSPENDED' });
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(final.status, 'FAILED');
    assert.match(final.failure ?? '', /the requester's JumpCloud account is suspended/);
    assert.equal(membershipChanges(h, 'add').length, 0, 'nothing was added');
    const told = await h.slack.waitFor(
      'the notice in the security channel',
      () => h.slack.messages(SECURITY_CHANNEL)[0],
    );
    assert.match(told.text ?? '', /Access was not granted, nothing was changed: .*is suspended/);
  });

  test('cancelling an active grant still removes the membership', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    await h.waitForStatus(workflowId, 'ACTIVE');
    const handle = h.client.workflow.getHandle(workflowId);
    await handle.cancel();
    await assert.rejects(handle.result());
    assert.equal(h.isMember(), false);
    assert.equal(membershipChanges(h, 'remove').length, 1);
  });

  test('a grant cancelled while active still updates its approval message and tells the requester', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
    await h.waitForStatus(workflowId, 'ACTIVE');
    await h.client.workflow.getHandle(workflowId).cancel();
    const dm = await eventually('the requester to be told', () =>
      h.slack.dms(h.requester.slackUserId).find((m) => /was revoked by an operator/.test(m.text ?? '')),
    );
    assert.match(dm.text ?? '', /you have been removed from the group/);
    const approval = await eventually('the approval message to say so', () =>
      h.slack
        .messages(APPROVAL_CHANNEL)
        .find((m) => /Access revoked early by an operator/.test(JSON.stringify(m.blocks))),
    );
    assert.ok(approval);
    assert.equal(h.isMember(), false);
  });

  test('a justification cannot ping the channel or forge a link in the approval message', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(
      h.grantInput({ justification: 'urgent <!channel> see <https://evil.example|docs> & more' }),
    );
    const message = await approvalPosted(h);
    const text = JSON.stringify(message.blocks);
    assert.ok(!text.includes('<!channel>'));
    assert.ok(!text.includes('<https://evil.example'));
    assert.match(text, /&lt;!channel&gt; see &lt;https:\/\/evil.example\|docs&gt; &amp; more/);
    await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
  });
});

/** A grant of `durationSeconds`, approved, once its first run has handed it off (continued as new). */
async function approvedAndHandedOff(
  h: GrantHarness,
  durationSeconds: number,
): Promise<{ workflowId: string; firstRunId: string }> {
  const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds }));
  const firstRunId = (await h.client.workflow.getHandle(workflowId).describe()).runId;
  await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
  await eventually('the first run to continue as new', async () => {
    const first = await h.client.workflow.getHandle(workflowId, firstRunId).describe();
    return first.status.name === 'CONTINUED_AS_NEW' ? true : undefined;
  });
  return { workflowId, firstRunId };
}
