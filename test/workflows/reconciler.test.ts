import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { reconcilerWorkflowId } from '../../integrations/temporal/reconciler-service';
import { eventually } from '../support/eventually';
import { createGrantHarness, type Person } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { startSweep } from '../support/reconciler-sweep';
import { closeTestTemporal } from '../support/temporal';

after(() => closeTestTemporal());

function about(person: Person, alerts: string[]): string[] {
  return alerts.filter((text) => text.includes(person.email));
}

describe('the reconciler on the real Temporal dev server', { concurrency: 4 }, () => {
  test('a membership added by hand is reported within one interval, once, then reported as ended; no alert repeats over 10 runs', async (t) => {
    const h = await createGrantHarness(t);
    const sweep = await startSweep(t, h);
    await sweep.runsPass(1);

    const runsBefore = (await sweep.state()).runs;
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    const found = await eventually('the drift alert', () => about(h.outsider, sweep.alerts())[0]);
    assert.match(found, /is in prod-db-readonly with no grant/);
    const state = await sweep.state();
    // The run under way may have read the group before the change; the one after it must see it.
    assert.ok(state.runs <= runsBefore + 2, `reported after ${state.runs - runsBefore} runs`);
    assert.deepEqual(
      state.openDrift.map((d) => [d.kind, d.userId]),
      [['unexplained-member', h.outsider.jumpcloudUserId]],
    );

    await sweep.runsPass(10);
    assert.equal(about(h.outsider, sweep.alerts()).length, 1, 'the open drift is not alerted again');
    assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), true, 'report only: not removed');

    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, false);
    await eventually('the drift to be reported as ended', () =>
      about(h.outsider, sweep.alerts()).find((text) => /Resolved/.test(text)),
    );
    await sweep.runsPass(3);
    assert.equal(about(h.outsider, sweep.alerts()).length, 2, 'found once, ended once');
    assert.deepEqual((await sweep.state()).openDrift, []);
    assert.equal(membershipChanges(h, 'remove').length, 0);
  });

  test('with onDrift: remove, a membership added by hand is removed with the verified removal and reported', async (t) => {
    const h = await createGrantHarness(t);
    const sweep = await startSweep(t, h, { onDrift: 'remove' });
    // The group's first run in remove mode only reports; this test is about the runs after it.
    await sweep.runsPass(1);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);

    await eventually('the member to be removed', () => !h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId));
    const removedAlert = await eventually('the removal alert', () => about(h.outsider, sweep.alerts())[0]);
    assert.match(removedAlert, /has been removed/);
    await sweep.runsPass(3);
    assert.equal(about(h.outsider, sweep.alerts()).length, 1, 'one alert for a removed drift');
    assert.deepEqual((await sweep.state()).openDrift, []);
    assert.equal(
      (await sweep.state()).recentRuns.reduce((sum, run) => sum + run.removed, 0),
      1,
    );
  });

  test("a group's first run in remove mode removes nothing and says so; the next run removes", async (t) => {
    const h = await createGrantHarness(t);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    const sweep = await startSweep(t, h, { onDrift: 'remove' });
    const held = await eventually('the held alert', () => about(h.outsider, sweep.alerts())[0]);
    assert.match(held, /not removed: the group has just switched to onDrift: remove/);
    await eventually('the member to be removed', () => !h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId));
    await eventually('the removal alert', () =>
      about(h.outsider, sweep.alerts()).find((a) => /has been removed/.test(a)),
    );
  });

  test('more unexplained members than maxDriftRemovals in one run: none is removed, each is reported', async (t) => {
    const h = await createGrantHarness(t);
    const sweep = await startSweep(t, h, { onDrift: 'remove', maxDriftRemovals: 1 });
    await sweep.runsPass(1);
    for (const person of [h.outsider, h.secondApprover])
      h.jumpcloud.setMember(h.group.id, person.jumpcloudUserId, true);
    for (const person of [h.outsider, h.secondApprover]) {
      const alert = await eventually('the held alert', () => about(person, sweep.alerts())[0]);
      assert.match(alert, /not removed: 2 members to remove is over the group's maxDriftRemovals of 1/);
    }
    await sweep.runsPass(3);
    assert.equal(membershipChanges(h, 'remove').length, 0, 'nothing removed');
    assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), true);
  });

  test("a standing member's email that matches no JumpCloud user holds the group's removals and is reported", async (t) => {
    const h = await createGrantHarness(t);
    const sweep = await startSweep(t, h, { onDrift: 'remove', standingMembers: ['nobody-by-this-name@example.com'] });
    await sweep.runsPass(1);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    const held = await eventually('the held alert', () => about(h.outsider, sweep.alerts())[0]);
    assert.match(held, /standing members that match no JumpCloud user: nobody-by-this-name@example\.com/);
    const state = await sweep.runsPass(2);
    assert.deepEqual(
      state.lastRun?.errors.map((e) => e.groupId),
      [h.group.id],
    );
    assert.equal(membershipChanges(h, 'remove').length, 0, 'nothing removed');
  });

  test("the configure signal cannot turn removal on: the sweep follows the worker's policy", async (t) => {
    const h = await createGrantHarness(t);
    const sweep = await startSweep(t, h);
    const forged = (await sweep.state()).config;
    const removing = { ...forged, groups: forged.groups.map((g) => ({ ...g, onDrift: 'remove' as const })) };
    // What a namespace writer could send; the worker's policy says report.
    await sweep.service.ensureRunning(removing);
    await sweep.runsPass(1);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    await eventually('the drift alert', () => about(h.outsider, sweep.alerts())[0]);
    await sweep.runsPass(3);
    assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), true, 'report only: not removed');
    assert.ok((await sweep.state()).config.groups.every((g) => g.onDrift === 'report'));
  });

  test('a grant terminated by an operator while active leaves a membership that is found and removed', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'approve');
    await h.waitForStatus(workflowId, 'ACTIVE');
    const sweep = await startSweep(t, h, { onDrift: 'remove' });
    await sweep.runsPass(2);
    assert.equal(h.isMember(), true, 'covered by its running grant: untouched');
    assert.deepEqual(sweep.alerts(), []);

    // Terminate skips the grant's cleanup: only the reconciler can end this access now.
    await h.client.workflow.getHandle(workflowId).terminate('operator terminated the grant');
    await eventually('the orphaned membership to be removed', () => !h.isMember());
    const alert = await eventually('the removal alert', () => about(h.requester, sweep.alerts())[0]);
    assert.match(alert, /has been removed/);
  });

  test('standing members and members of running grants are never reported or touched, even with a grant approved during a slow run', async (t) => {
    const h = await createGrantHarness(t);
    h.jumpcloud.setMember(h.group.id, h.secondApprover.jumpcloudUserId, true);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    // Every read of a group's members takes a while, so grants change their membership while runs are reading.
    h.jumpcloud.faults.add({
      kind: 'latency',
      delayMs: 700,
      match: { method: 'GET', path: '/usergroups/[^/]+/members' },
    });
    const sweep = await startSweep(t, h, {
      onDrift: 'remove',
      standingMembers: [h.secondApprover.jumpcloudUserId, h.outsider.email],
    });

    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 4 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'approve');
    await h.waitForStatus(workflowId, 'ACTIVE');
    await h.waitForStatus(workflowId, 'EXPIRED');
    await sweep.runsPass(3);

    assert.deepEqual(sweep.alerts(), [], 'no drift reported');
    assert.deepEqual((await sweep.state()).openDrift, []);
    assert.equal(h.jumpcloud.isMember(h.group.id, h.secondApprover.jumpcloudUserId), true, 'standing by ID');
    assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), true, 'standing by email');
    assert.equal(membershipChanges(h, 'remove').length, 1, "only the grant's own removal");
    assert.ok((await sweep.state()).runs >= 4, 'runs happened across the grant');
  });

  test('an active grant whose membership was removed by hand is reported, and not re-added', async (t) => {
    const h = await createGrantHarness(t);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'approve');
    await h.waitForStatus(workflowId, 'ACTIVE');
    const sweep = await startSweep(t, h, { onDrift: 'remove' });

    h.jumpcloud.setMember(h.group.id, h.requester.jumpcloudUserId, false);
    const alert = await eventually('the missing-member alert', () => about(h.requester, sweep.alerts())[0]);
    assert.match(alert, /has an active grant for prod-db-readonly but is not in the group/);
    const open = (await sweep.state()).openDrift;
    assert.deepEqual(
      open.map((d) => [d.kind, d.userId, d.grantWorkflowId]),
      [['missing-member', h.requester.jumpcloudUserId, workflowId]],
    );
    await sweep.runsPass(3);
    assert.equal(h.isMember(), false, 'never re-added');
    assert.equal(membershipChanges(h, 'add').length, 1, "only the grant's own add");
    assert.equal(about(h.requester, sweep.alerts()).length, 1);
  });

  test('JumpCloud 5xx and 429 during runs remove nothing wrongly, and a later run completes', async (t) => {
    const h = await createGrantHarness(t);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
    await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'approve');
    await h.waitForStatus(workflowId, 'ACTIVE');

    const members = { method: 'GET', path: '/usergroups/[^/]+/members' };
    h.jumpcloud.faults.add({ kind: 'status', status: 503, times: 4, match: members });
    h.jumpcloud.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 1, times: 2, match: members });
    h.jumpcloud.faults.add({ kind: 'status', status: 502, fraction: 0.5, times: 6, match: { method: 'GET' } });
    const sweep = await startSweep(t, h, { onDrift: 'remove', standingMembers: [h.outsider.email] });

    const done = await eventually('a run that read the group despite the faults', async () => {
      const state = await sweep.state();
      const groups = h.workerPolicy().groups.length;
      return h.jumpcloud.faults.list().length === 0 && state.lastRun?.groupsChecked === groups ? state : undefined;
    });
    assert.deepEqual(done.lastRun?.errors, []);
    assert.ok(
      h.jumpcloud.calls.some((c) => c.status === 503 || c.status === 429),
      'the faults hit the reconciler reads',
    );
    assert.equal(membershipChanges(h, 'remove').length, 0, 'nothing removed');
    assert.equal(h.isMember(), true);
    assert.equal(h.jumpcloud.isMember(h.group.id, h.outsider.jumpcloudUserId), true);
    assert.deepEqual(sweep.alerts(), []);
  });

  test("a worker restart, and every other worker's start, does not start a second reconciler", async (t) => {
    const h = await createGrantHarness(t, { worker: false });
    const first = await h.startWorker();
    const sweep = await startSweep(t, h);
    await sweep.runsPass(1);
    const { runId } = await h.client.workflow.getHandle(reconcilerWorkflowId(h.taskQueue)).describe();

    await first.stop();
    await h.startWorker();
    // What every worker does at start: this one, and replicas in other processes.
    await sweep.service.ensureRunning((await sweep.state()).config);
    await sweep.service.ensureRunning((await sweep.state()).config);
    await sweep.runsPass(2);

    const running = [];
    for await (const execution of h.client.workflow.list({
      query: `WorkflowId = '${reconcilerWorkflowId(h.taskQueue)}' AND ExecutionStatus = 'Running'`,
    })) {
      running.push(execution.runId);
    }
    assert.deepEqual(running, [runId]);
  });
});
