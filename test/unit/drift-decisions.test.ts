import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  driftActionValue,
  driftAlertMessage,
  parseDriftActionValue,
} from '../../integrations/slack/block-kit/drift-alerts';
import { decisionProblem } from '../../workflows/reconciler/drift-decisions';
import { type OpenDrift, type ReconcilerState } from '../../workflows/reconciler/reconciler-types';

const GROUP = '64f0c0ffee0000000000a001';
const USER = '64f0c0ffee00000000000001';
const drift: OpenDrift = {
  kind: 'unexplained-member',
  groupId: GROUP,
  userId: USER,
  since: '2026-12-07T10:00:00.000Z',
  alerted: true,
};
const state = (open: OpenDrift[]): ReconcilerState => ({
  config: { intervalSeconds: 60, securityChannel: 'C0SEC', groups: [] },
  runs: 1,
  openDrift: open,
  recentRuns: [],
  alertFailures: 0,
});
const decision = { groupId: GROUP, userId: USER, bySlackUserId: 'U0APPROVER' };

test('a drift decision is refused before it is accepted: no open drift, already kept, a Keep without a real reason', () => {
  assert.equal(decisionProblem(state([drift]), { ...decision, action: 'remove' }), undefined);
  assert.match(decisionProblem(state([]), { ...decision, action: 'remove' }) ?? '', /no longer open drift/);
  const missing: OpenDrift = { ...drift, kind: 'missing-member' };
  assert.match(decisionProblem(state([missing]), { ...decision, action: 'remove' }) ?? '', /no longer open drift/);
  assert.match(decisionProblem(state([drift]), { ...decision, action: 'keep', reason: '  ok  ' }) ?? '', /10 to 500/);
  assert.match(decisionProblem(state([drift]), { ...decision, action: 'keep', reason: 'x'.repeat(501) }) ?? '', /500/);
  const kept = { ...drift, kept: { bySlackUserId: 'U0APPROVER2', reason: 'service account', at: drift.since } };
  assert.match(decisionProblem(state([kept]), { ...decision, action: 'remove' }) ?? '', /already kept by U0APPROVER2/);
  assert.match(decisionProblem(state([drift]), { ...decision, action: 'remove', bySlackUserId: '' }) ?? '', /Slack/);
});

test('only an undecided unexplained member’s alert carries Remove now and Keep, naming the membership', () => {
  const buttons = (event: Parameters<typeof driftAlertMessage>[0]['event'], d: OpenDrift = drift) =>
    JSON.stringify(driftAlertMessage({ event, drift: d, groupName: 'prod', at: d.since }).blocks);
  for (const event of ['found', 'removal-held', 'removal-failing'] as const) {
    assert.ok(buttons(event).includes('drift_remove') && buttons(event).includes('drift_keep'), event);
  }
  for (const event of ['removed', 'kept', 'ended'] as const) assert.ok(!buttons(event).includes('drift_'), event);
  assert.ok(!buttons('found', { ...drift, kind: 'missing-member' }).includes('drift_'));
  assert.deepEqual(parseDriftActionValue(driftActionValue(GROUP, USER)), { groupId: GROUP, userId: USER });
  for (const bad of ['', GROUP, `${GROUP}:${USER}:x`, `${GROUP}:nothex000000000000000000`]) {
    assert.equal(parseDriftActionValue(bad), undefined, bad);
  }
});
