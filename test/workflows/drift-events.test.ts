import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { GrantRefusedError } from '../../integrations/temporal/grant-service';
import { grantStateQuery, removedOutsideSignal } from '../../workflows/grant/grant-updates';
import { eventually } from '../support/eventually';
import { createGrantHarness, type Person } from '../support/grant-harness';
import { startSweep } from '../support/reconciler-sweep';
import { closeTestTemporal } from '../support/temporal';

after(() => closeTestTemporal());

/** Follow Directory Insights every second; the sweep once an hour, so only the follower can find a change here. */
const FOLLOW = { followSeconds: 1, sweepSeconds: 3600 };
const DANA = { id: '5f00000000000000000000d4', email: 'dana.admin@example.com', clientIp: '198.51.100.7' };

function about(person: Person, alerts: string[]): string[] {
  return alerts.filter((text) => text.includes(person.email));
}

describe(
  'the reconciler following JumpCloud Directory Insights, on the real Temporal dev server',
  { concurrency: 3 },
  () => {
    test('a membership added by hand in the console is alerted within seconds, naming the administrator, from where and how', async (t) => {
      const h = await createGrantHarness(t);
      const sweep = await startSweep(t, h, {}, {}, FOLLOW);
      await sweep.runsPass(1);
      const sweepsBefore = (await sweep.state()).runs;

      h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true, DANA);
      const found = await eventually('the drift alert', () => about(h.outsider, sweep.alerts())[0]);
      assert.match(found, /is in prod-db-readonly with no grant/);
      const message = h.slack.messages().find((m) => m.text === found);
      const blocks = JSON.stringify(message?.blocks ?? []);
      assert.match(blocks, /Added by \*dana\.admin@example\.com\* in the admin console from 198\.51\.100\.7/);

      const state = await sweep.state();
      assert.equal(state.runs, sweepsBefore + 1, 'one run, over the changed group only: no sweep');
      assert.equal(state.lastRun?.groupsChecked, 1);
      assert.deepEqual(
        state.openDrift.map((d) => [d.userId, d.madeBy?.email, d.madeBy?.authMethod]),
        [[h.outsider.jumpcloudUserId, DANA.email, 'session']],
      );
    });

    test("a grant's own add and removal are read and never alerted", async (t) => {
      const h = await createGrantHarness(t);
      const sweep = await startSweep(t, h, {}, {}, FOLLOW);
      await sweep.runsPass(1);
      const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 2 }));
      await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
      await h.client.workflow.getHandle(workflowId).result();
      await eventually('both changes to be read', async () => ((await sweep.state()).events?.changesSeen ?? 0) >= 2);
      // A change by hand after them: once it is found, every look at the grant's changes is over.
      h.jumpcloud.setMember(h.otherGroup.id, h.outsider.jumpcloudUserId, true);
      await eventually('the later change to be found', () => about(h.outsider, sweep.alerts())[0]);
      assert.deepEqual(about(h.requester, sweep.alerts()), []);
      assert.deepEqual(
        (await sweep.state()).openDrift.map((d) => d.userId),
        [h.outsider.jumpcloudUserId],
      );
    });

    test("an active grant's membership removed by hand is reported within seconds as removed by that administrator, and not re-added", async (t) => {
      const h = await createGrantHarness(t);
      const sweep = await startSweep(t, h, {}, {}, FOLLOW);
      await sweep.runsPass(1);
      const runsBefore = (await sweep.state()).runs;
      const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
      await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
      await h.waitForStatus(workflowId, 'ACTIVE');
      // The grant's own add read and its run over the group done first, so the removal by hand is what the next
      // look finds (a run for the add that came after the removal would find the member missing, unnamed).
      await eventually('the add to be read and its run done', async () => {
        const state = await sweep.state();
        return state.runs > runsBefore && (state.events?.changesSeen ?? 0) >= 1;
      });

      h.jumpcloud.setMember(h.group.id, h.requester.jumpcloudUserId, false, DANA);
      const found = await eventually('the alert', () => about(h.requester, sweep.alerts())[0]);
      assert.match(found, /has an active grant for prod-db-readonly but is not in the group/);
      const message = h.slack.messages().find((m) => m.text === found);
      assert.match(
        JSON.stringify(message?.blocks ?? []),
        /Removed by \*dana\.admin@example\.com\* in the admin console/,
      );
      assert.equal(h.isMember(), false, 'not re-added');
      // The grant is told: its state names who removed it, the requester gets a DM, and it can no longer be extended.
      const told = await eventually('the grant told', async () => {
        const state = await h.client.workflow.getHandle(workflowId).query(grantStateQuery);
        return state.removedOutside;
      });
      assert.equal(told.by?.email, DANA.email);
      const dm = await eventually('the DM', () =>
        h.slack.dms(h.requester.slackUserId).find((m) => /was removed outside JIT access/.test(m.text ?? '')),
      );
      assert.match(JSON.stringify(dm.blocks), /Removed by \*dana\.admin@example\.com\*/);
      await assert.rejects(
        h.grants.requestExtension(
          workflowId,
          { bySlackUserId: h.requester.slackUserId, extraSeconds: 60, reason: 'need more' },
          'extend-after-removal',
        ),
        (err: Error) => err instanceof GrantRefusedError && /removed outside JIT access/.test(err.message),
      );
      assert.equal(h.isMember(), false, 'still not re-added');
      await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    });

    test('a forged "removed outside" signal to an active grant whose member is still in changes nothing', async (t) => {
      const h = await createGrantHarness(t);
      const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 600 }));
      await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
      await h.waitForStatus(workflowId, 'ACTIVE');
      const handle = h.client.workflow.getHandle(workflowId);
      // Sent once the grant has handed off to its active run, whose history then holds the signal and the check.
      await eventually('the hand-off', async () => {
        const description = await handle.describe();
        return description.runId !== description.raw.workflowExecutionInfo?.firstRunId;
      });
      await handle.signal(removedOutsideSignal, { seenAt: new Date().toISOString(), by: { op: 'remove', at: '' } });
      // The grant's own look at JumpCloud after the signal is in the history (a marker or an activity's result).
      await eventually('the membership check', async () => {
        const events = (await handle.fetchHistory()).events ?? [];
        const signalled = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes);
        const checked = events
          .slice(signalled + 1)
          .some((e) => e.markerRecordedEventAttributes || e.activityTaskCompletedEventAttributes);
        return signalled >= 0 && checked ? true : undefined;
      });
      assert.equal((await handle.query(grantStateQuery)).removedOutside, undefined);
      assert.equal(h.isMember(), true);
      assert.equal(
        h.slack.dms(h.requester.slackUserId).some((m) => /removed outside/.test(m.text ?? '')),
        false,
        'no DM',
      );
      await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
    });

    test('changes made while the worker is down are each alerted once when it is back: none missed, none repeated', async (t) => {
      const h = await createGrantHarness(t, { worker: false });
      let worker = await h.startWorker();
      const sweep = await startSweep(t, h, {}, {}, FOLLOW);
      await sweep.runsPass(1);
      await worker.stop();

      h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true, DANA);
      h.jumpcloud.setMember(h.otherGroup.id, h.outsider.jumpcloudUserId, true, DANA);
      worker = await h.startWorker();
      await eventually('both alerts', () => (about(h.outsider, sweep.alerts()).length >= 2 ? true : undefined));
      const changesSeen = (await sweep.state()).events?.changesSeen;
      h.jumpcloud.setMember(h.otherGroup.id, h.secondApprover.jumpcloudUserId, true, DANA);
      await eventually('a later change', () => about(h.secondApprover, sweep.alerts())[0]);
      assert.equal(about(h.outsider, sweep.alerts()).length, 2, 'each change alerted once');
      assert.equal((await sweep.state()).events?.changesSeen, (changesSeen ?? 0) + 1, 'nothing read twice');
    });

    test('Directory Insights refusing the key is said once; the sweep then runs at its interval, and recovery is said once', async (t) => {
      const h = await createGrantHarness(t);
      h.jumpcloud.faults.add({ kind: 'status', status: 403, times: 10_000, match: { path: '/insights/' } });
      const sweep = await startSweep(t, h, {}, {}, FOLLOW);
      const unavailable = (text: string) => /cannot read JumpCloud Directory Insights/.test(text);
      await eventually('the notice', () => sweep.alerts().find(unavailable));
      await sweep.runsPass(3);
      assert.equal(sweep.alerts().filter(unavailable).length, 1, 'said once');
      assert.match((await sweep.state()).events?.unavailable ?? '', /403/);

      // The sweep, every second again, finds a change by hand without a name.
      h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true, DANA);
      const found = await eventually('the drift alert', () => about(h.outsider, sweep.alerts())[0]);
      const message = h.slack.messages().find((m) => m.text === found);
      assert.doesNotMatch(JSON.stringify(message?.blocks ?? []), /Added by/);

      h.jumpcloud.faults.clear();
      await eventually('the recovery notice', () =>
        sweep.alerts().find((text) => /reads JumpCloud Directory Insights again/.test(text)),
      );
      assert.equal((await sweep.state()).events?.unavailable, undefined);
    });
  },
);
