/**
 * Replays the recorded event histories (test/workflows/histories, recorded by test/workflows/record-histories.ts)
 * against the current workflow code. A change that would break a grant or the reconciler running in production
 * fails here with a nondeterminism error. Replay runs in this process: no Temporal server is needed.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { type ReplayResult, Worker } from '@temporalio/worker';
import { testWorkflowBundle } from '../support/temporal';

const historiesDir = join(__dirname, 'histories');

/** The scenarios that must always have a fixture; more may be added. */
const REQUIRED_SCENARIOS = [
  'grant-approved-then-expired',
  'grant-rejected-with-reason',
  'grant-approval-timed-out',
  'grant-revoked-early-by-requester',
  'grant-withdrawn-while-pending',
  'grant-standing-member',
  'grant-cancelled-while-active',
  'grant-add-failed-permanently',
  'grant-notifications-failing',
  'reconciler-drift-found-then-ended',
  // Recorded from the version with the two-person rule, extensions and the 'final-notices-survive-cancel' patch.
  'grant-two-person-approved',
  'grant-two-person-partial-then-timed-out',
  'grant-extension-approved',
  'grant-extension-rejected',
  'grant-extension-moot-at-expiry',
  'grant-cancelled-while-active-with-final-notices',
  'grant-two-person-extension-approved',
  'grant-extension-pending-then-revoked',
  // Recorded from the version with reminders before expiry.
  'grant-reminded-before-expiry',
  // Recorded from the version with break-glass access.
  'grant-break-glass-unreviewed-then-acknowledged',
  // Recorded from the versions with the audit trail, the notification queue and the fewer-* patches.
  'grant-audited-extended-then-expired',
  'grant-audit-sinks-failing',
  'reconciler-drift-audited',
  'grant-notifications-on-their-own-queue',
  'grant-fewer-workflow-tasks',
  'grant-fewer-server-writes',
  'grant-local-removal-failed-then-activity',
  // Recorded from the version that continues an active grant as new (the 'hand-off-when-active' patch).
  'grant-handed-off-when-active',
  'grant-carried-then-expired',
  // Recorded from the version whose local activities take turns (the 'local-activities-in-turn' patch).
  'grant-break-glass-audited-local-turns',
  // Recorded from the version that hands an active grant off to the active grants' queue ('active-grants-queue').
  'grant-handed-off-to-active-queue',
  'grant-carried-on-active-queue-then-expired',
  // Recorded from the version that removes an add that may have landed ('remove-after-uncertain-add').
  'grant-add-refused-nothing-removed',
  'grant-add-unverified-then-removed',
  'grant-cancelled-while-adding',
  // Recorded from the version whose worker checks every grant against its own policy ('worker-policy-check').
  'grant-refused-by-worker-policy',
  'grant-break-glass-policy-checked-in-turn',
  // Recorded from the version whose reconciler reads the worker's policy and brakes its removals.
  'reconciler-guarded-held-then-removed',
  'reconciler-following-insights',
  'reconciler-drift-kept-and-removed-by-approvers',
  // Recorded from the version whose reconciler tells a grant its membership was removed by hand ('tell-grant-of-removal').
  'reconciler-tells-grant-of-removal',
  'grant-removed-outside-while-active',
  'grant-escalated-then-approved',
  // Recorded from the version that asks every grant patch in the first workflow task ('patches-asked-first').
  'grant-patches-asked-first-handed-off',
  'grant-patches-asked-first-cancelled-while-active',
  // Recorded from the version with JumpCloud approver groups (an approval `via` a group).
  'grant-approved-via-approver-group',
  'grant-approved-with-step-up',
  // Recorded from the version that withdraws pending requests of groups that left the policy ('closeForPolicy').
  'grant-withdrawn-for-policy-change',
];

const fixtures = readdirSync(historiesDir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => join(historiesDir, name));

const scenarioOf = (path: string) => basename(path, '.json');

describe('recorded workflow histories', () => {
  test('a fixture is recorded for every grant and reconciler scenario', () => {
    const missing = REQUIRED_SCENARIOS.filter((scenario) => !fixtures.some((path) => scenarioOf(path) === scenario));
    assert.deepEqual(missing, [], `no fixture in ${historiesDir} for these scenarios`);
  });

  test('every recorded grant and reconciler history replays against the current workflow code', async () => {
    const workflowBundle = await testWorkflowBundle();
    const histories = fixtures.map((path) => ({
      workflowId: scenarioOf(path),
      history: historyFromJSON(JSON.parse(readFileSync(path, 'utf8'))),
    }));
    const results: ReplayResult[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'replay-test' }, histories)) {
      results.push(result);
    }

    assert.equal(results.length, fixtures.length, 'every fixture was replayed');
    const failures = results
      .filter((result) => result.error !== undefined)
      .map((result) => `${result.workflowId}: ${result.error?.name ?? ''} ${result.error?.message ?? ''}`);
    assert.deepEqual(failures, [], 'these histories no longer replay: a running workflow would break');
  });
});
