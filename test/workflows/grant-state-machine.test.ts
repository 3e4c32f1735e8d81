/**
 * The grant workflow's state machine with plain mock activities (no Slack or JumpCloud stand-ins) on the suite's
 * shared Temporal dev server. One worker serves the file; each test has its own workflow and its own mocks, which the
 * worker finds by the workflow ID of the activity's caller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type WorkflowHandle, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { accessGrantWorkflow } from '../../workflows/grant/access-grant';
import {
  type GrantInput,
  type GrantState,
  type GrantStatus,
  MEMBERSHIP_ADD_REFUSED,
} from '../../workflows/grant/grant-types';
import {
  decideUpdate,
  grantStateQuery,
  requestExtensionUpdate,
  endGrantUpdate,
} from '../../workflows/grant/grant-updates';
import { eventually } from '../support/eventually';
import { membershipModel } from '../support/membership-model';
import { APPROVAL_CHANNEL, type GrantInputOverrides, people, plainGrantInput } from '../support/grant-inputs';
import {
  failingFirst,
  type GrantActivities,
  MEMBERSHIP_ACTIVITIES,
  type RecordingActivities,
  recordingActivities,
  SLACK_ACTIVITIES,
} from '../support/mock-activities';
import { type MockGrantWorker, startMockGrantWorker } from '../support/mock-grant-worker';
import { uniqueName } from '../support/temporal';

const taskQueue = uniqueName('grant-state-machine');
let worker: MockGrantWorker | undefined;

before(async () => {
  worker = await startMockGrantWorker(taskQueue);
});

after(async () => {
  await worker?.stop();
});

/** Fast grants: 1 s of access, 30 s to decide (tests decide at once), retries paced at 1 s. */
const fastInput = (overrides: GrantInputOverrides = {}): GrantInput =>
  plainGrantInput({
    durationSeconds: 1,
    ...overrides,
    policy: { approvalTimeoutSeconds: 30, ...overrides.policy },
    // An add attempt here lasts at most 1.5 s: the removal after a cancellation waits 2 s for it.
    timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 5, addSettleSeconds: 2 },
  });

interface GrantRun {
  handle: WorkflowHandle<typeof accessGrantWorkflow>;
  mocks: RecordingActivities;
  input: GrantInput;
  /** Polls the state query until the grant reaches `status`. */
  waitFor(status: GrantStatus): Promise<GrantState>;
  approve(by?: string): Promise<GrantState>;
}

/**
 * Starts the workflow on the file's worker with this test's mock activities, runs `body`, then ends a workflow the
 * test left running (also when `body` fails).
 */
async function withGrant<T>(
  options: { activities?: Partial<GrantActivities>; input?: GrantInputOverrides },
  body: (run: GrantRun) => Promise<T>,
): Promise<T> {
  assert.ok(worker, 'the worker was not started');
  const { client } = worker;
  const mocks = recordingActivities(options.activities);
  const input = fastInput(options.input);
  const workflowId = uniqueName('jit-grant-state-machine');
  worker.register(workflowId, mocks.activities);
  const handle = await client.workflow.start(accessGrantWorkflow, { taskQueue, workflowId, args: [input] });
  const run: GrantRun = {
    handle,
    mocks,
    input,
    waitFor: (status) =>
      eventually(
        `the grant to reach ${status}`,
        async () => {
          const state = await handle.query(grantStateQuery);
          return state.status === status ? state : undefined;
        },
        15_000,
      ),
    approve: (by = people.approver) =>
      handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', deciderSlackUserId: by }] }),
  };
  try {
    return await body(run);
  } finally {
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
    worker.forget(workflowId);
  }
}

function assertNoMembershipCall(mocks: RecordingActivities): void {
  for (const name of MEMBERSHIP_ACTIVITIES) assert.equal(mocks.attempts(name).length, 0, `${name} was called`);
}

async function updateRefusal(update: Promise<unknown>): Promise<WorkflowUpdateFailedError> {
  try {
    await update;
  } catch (err) {
    assert.ok(err instanceof WorkflowUpdateFailedError, `expected WorkflowUpdateFailedError, got ${String(err)}`);
    return err;
  }
  assert.fail('the update should have been refused');
}

async function workflowFailure(result: Promise<unknown>): Promise<WorkflowFailedError> {
  try {
    await result;
  } catch (err) {
    assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
    return err;
  }
  assert.fail('the workflow should have failed');
}

const slackFailsPermanently = async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable('Slack answered channel_not_found', 'SlackError');
};

describe('grant workflow state machine with mock activities', { concurrency: true }, () => {
  test('approval adds the membership; at expiry it is removed exactly once and the grant is EXPIRED', async () => {
    await withGrant({}, async ({ handle, mocks, input, approve }) => {
      const decided = await approve();
      assert.equal(decided.status, 'APPROVED');
      assert.equal(decided.decidedBy, people.approver);

      const final = await handle.result();
      assert.equal(final.status, 'EXPIRED');
      assert.ok(final.grantedAt && final.expiresAt && final.endedAt, 'grantedAt, expiresAt and endedAt are set');
      assert.equal(Date.parse(final.expiresAt) - Date.parse(final.grantedAt), input.durationSeconds * 1000);
      assert.ok(Date.parse(final.endedAt) >= Date.parse(final.expiresAt), 'not removed before the expiry');
      assert.equal(final.endedBy, undefined);

      const member = { groupId: input.group.id, userId: input.requester.jumpcloudUserId };
      assert.deepEqual(
        mocks.calls.filter((c) => MEMBERSHIP_ACTIVITIES.includes(c.name)).map((c) => [c.name, c.args]),
        [
          ['isGroupMember', [member]],
          ['addMembership', [member]],
          ['revokeMembership', [member]],
        ],
      );
      const [posted] = mocks.completed('postApprovalRequest');
      assert.equal((posted?.args[0] as GrantState).approvalChannel, APPROVAL_CHANNEL);
      assert.equal(final.approvalMessage?.channel, APPROVAL_CHANNEL);
      assert.equal(final.notificationFailures, 0);
    });
  });

  test('a rejection ends the request as REJECTED with its reason, without touching the membership', async () => {
    await withGrant({}, async ({ handle, mocks }) => {
      const decided = await handle.executeUpdate(decideUpdate, {
        args: [{ decision: 'reject', deciderSlackUserId: people.secondApprover, reason: 'not during the freeze' }],
      });
      assert.equal(decided.status, 'REJECTED');
      const final = await handle.result();
      assert.equal(final.status, 'REJECTED');
      assert.equal(final.decidedBy, people.secondApprover);
      assert.equal(final.decisionReason, 'not during the freeze');
      assert.equal(final.endedAt, final.decidedAt);
      assertNoMembershipCall(mocks);
    });
  });

  test('nobody deciding before the approval timeout ends the request as TIMED_OUT, without touching the membership', async () => {
    await withGrant({ input: { policy: { approvalTimeoutSeconds: 1 } } }, async ({ handle, mocks }) => {
      const final = await handle.result();
      assert.equal(final.status, 'TIMED_OUT');
      assert.equal(final.decidedBy, undefined);
      assert.ok(final.endedAt);
      assertNoMembershipCall(mocks);
    });
  });

  test('the requester withdrawing a pending request ends it as CANCELLED, without touching the membership', async () => {
    await withGrant({}, async ({ handle, mocks }) => {
      await handle.executeUpdate(endGrantUpdate, { args: [{ bySlackUserId: people.requester.slackUserId }] });
      const final = await handle.result();
      assert.equal(final.status, 'CANCELLED');
      assert.equal(final.endedBy, people.requester.slackUserId);
      assert.equal(final.decidedBy, undefined);
      assertNoMembershipCall(mocks);
    });
  });

  test('an approver revoking an active grant ends it early as REVOKED, removing the membership once', async () => {
    await withGrant({ input: { durationSeconds: 600 } }, async ({ handle, mocks, approve, waitFor }) => {
      await approve();
      await waitFor('ACTIVE');
      assert.equal(mocks.attempts('revokeMembership').length, 0, 'nothing is removed while active');
      await handle.executeUpdate(endGrantUpdate, {
        args: [{ bySlackUserId: people.secondApprover, reason: 'incident closed' }],
      });
      const final = await handle.result();
      assert.equal(final.status, 'REVOKED');
      assert.equal(final.endedBy, people.secondApprover);
      assert.equal(final.endReason, 'incident closed');
      assert.equal(mocks.completed('addMembership').length, 1);
      // One removal: on a loaded machine its quick local attempt may run again (a workflow task that timed out
      // before recording it), always the same call, which JumpCloud takes as one.
      const removals = mocks.attempts('revokeMembership');
      assert.ok(mocks.completed('revokeMembership').length >= 1, 'the membership was removed');
      const members = removals.map((c) => {
        const { groupId, userId } = c.args[0] as { groupId: string; userId: string };
        return `${groupId}/${userId}`;
      });
      assert.equal(new Set(members).size, 1, 'every attempt removes the one membership');
    });
  });

  test('a requester who already is a member ends as ALREADY_MEMBER: nothing added, nothing removed', async () => {
    await withGrant({ activities: { isGroupMember: async () => true } }, async ({ handle, mocks, approve }) => {
      await approve();
      const final = await handle.result();
      assert.equal(final.status, 'ALREADY_MEMBER');
      assert.equal(final.standingAccess, true);
      assert.equal(mocks.attempts('isGroupMember').length, 1);
      assert.equal(mocks.attempts('addMembership').length, 0);
      assert.equal(mocks.attempts('revokeMembership').length, 0);
    });
  });

  test('an add JumpCloud refused before changing anything ends the grant as FAILED, with nothing to remove', async () => {
    const addMembership = async (): Promise<never> => {
      throw ApplicationFailure.nonRetryable('JumpCloud answered 404: no such group', MEMBERSHIP_ADD_REFUSED);
    };
    await withGrant({ activities: { addMembership } }, async ({ handle, mocks, approve }) => {
      await approve();
      const final = await handle.result();
      assert.equal(final.status, 'FAILED');
      assert.ok(final.failure, 'the failure is recorded for the auditor');
      assert.equal(final.grantedAt, undefined);
      assert.equal(final.addRemoved, undefined);
      assert.equal(mocks.attempts('addMembership').length, 1, 'a non-retryable failure is not retried');
      assert.equal(mocks.attempts('revokeMembership').length, 0);
    });
  });

  test('an add that landed but whose verification failed ends FAILED with the membership removed', async () => {
    const jumpcloud = membershipModel({
      afterAdd: async () => {
        throw ApplicationFailure.nonRetryable('JumpCloud GET memberof answered 403', 'JumpCloudError');
      },
    });
    await withGrant({ activities: jumpcloud.activities }, async ({ handle, input, approve }) => {
      await approve();
      const final = await handle.result();
      assert.equal(final.status, 'FAILED');
      assert.equal(final.addRemoved, true, 'the state says the add was undone');
      assert.match(final.failure ?? '', /403/);
      assert.deepEqual(jumpcloud.changes, ['add', 'remove']);
      assert.equal(jumpcloud.has({ groupId: input.group.id, userId: input.requester.jumpcloudUserId }), false);
    });
  });

  test('cancelling the grant while its add is in flight removes the membership once the add has landed', async () => {
    let addStarted = false;
    const jumpcloud = membershipModel({
      beforeAdd: async () => {
        addStarted = true;
        // Long enough for the cancellation to reach the workflow while JumpCloud is still working on the add.
        await new Promise((resolve) => setTimeout(resolve, 1500));
      },
    });
    await withGrant({ activities: jumpcloud.activities }, async ({ handle, input, approve }) => {
      await approve();
      await eventually('the add to be in flight', async () => addStarted || undefined, 15_000);
      await handle.cancel();
      const failure = await workflowFailure(handle.result());
      assert.ok(failure.cause instanceof CancelledFailure, `cause ${String(failure.cause)}`);
      assert.deepEqual(jumpcloud.changes, ['add', 'remove'], 'removed after the add landed, not before');
      assert.equal(jumpcloud.has({ groupId: input.group.id, userId: input.requester.jumpcloudUserId }), false);
      const state = await handle.query(grantStateQuery);
      // Revoked either way: as an add whose outcome was unknown, or, when the add came back first, as an active grant.
      assert.equal(state.status, 'REVOKED');
      assert.equal(state.endReason, 'the grant workflow was cancelled');
    });
  });

  test('cancelling the grant while an add that may have landed waits for its retry removes the membership', async () => {
    let attempts = 0;
    const jumpcloud = membershipModel({
      afterAdd: async () => {
        attempts += 1;
        // Landed, but the worker saw a timeout: the retry is 30 s away when the cancellation comes.
        throw ApplicationFailure.create({ message: 'JumpCloud POST timed out', nextRetryDelay: '30s' });
      },
    });
    await withGrant({ activities: jumpcloud.activities }, async ({ handle, input, approve }) => {
      await approve();
      await eventually('the first add attempt to have failed', async () => attempts > 0 || undefined, 15_000);
      await handle.cancel();
      const failure = await workflowFailure(handle.result());
      assert.ok(failure.cause instanceof CancelledFailure, `cause ${String(failure.cause)}`);
      assert.equal(attempts, 1, 'the add was not tried again');
      assert.deepEqual(jumpcloud.changes, ['add', 'remove']);
      assert.equal(jumpcloud.has({ groupId: input.group.id, userId: input.requester.jumpcloudUserId }), false);
      const state = await handle.query(grantStateQuery);
      assert.equal(state.status, 'REVOKED');
      assert.equal(state.addRemoved, true);
      assert.equal(state.grantedAt, undefined, 'never announced as granted');
    });
  });

  test('a removal failing twice is retried until it succeeds, and the grant still EXPIRES', async () => {
    const revokeMembership = failingFirst(
      2,
      () => ApplicationFailure.retryable('JumpCloud answered 503', 'JumpCloudError'),
      async () => ({ wasMember: true }),
    );
    await withGrant({ activities: { revokeMembership } }, async ({ handle, mocks, approve }) => {
      await approve();
      const final = await handle.result();
      assert.equal(final.status, 'EXPIRED');
      assert.deepEqual(
        mocks.attempts('revokeMembership').map((c) => c.outcome),
        ['threw', 'threw', 'returned'],
      );
    });
  });

  test('Slack failing throughout does not stop the grant: it EXPIRES and the failures are counted', async () => {
    const activities = {
      postApprovalRequest: slackFailsPermanently,
      updateApprovalMessage: slackFailsPermanently,
      notifyRequester: slackFailsPermanently,
    };
    await withGrant({ activities }, async ({ handle, mocks, approve }) => {
      await approve();
      const final = await handle.result();
      assert.equal(final.status, 'EXPIRED');
      assert.ok(final.notificationFailures > 0, `notificationFailures ${final.notificationFailures}`);
      assert.equal(final.approvalMessage, undefined);
      assert.equal(mocks.completed('addMembership').length, 1);
      assert.equal(mocks.completed('revokeMembership').length, 1);
      const slackAttempts = mocks.calls.filter((c) => SLACK_ACTIVITIES.includes(c.name));
      assert.ok(slackAttempts.length > 0 && slackAttempts.every((c) => c.outcome === 'threw'));
      assert.equal(final.notificationFailures, slackAttempts.length, 'each given-up notification is counted once');
    });
  });

  test("a non-approver's decision is refused and changes nothing", async () => {
    await withGrant({}, async ({ handle, mocks }) => {
      const refusal = await updateRefusal(
        handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', deciderSlackUserId: people.outsider }] }),
      );
      assert.ok(refusal.cause instanceof ApplicationFailure, 'the validator refusal is the cause');
      const state = await handle.query(grantStateQuery);
      assert.equal(state.status, 'PENDING_APPROVAL');
      assert.equal(state.decidedBy, undefined);
      assert.equal(state.decidedAt, undefined);

      await handle.executeUpdate(endGrantUpdate, { args: [{ bySlackUserId: people.requester.slackUserId }] });
      assert.equal((await handle.result()).status, 'CANCELLED');
      assertNoMembershipCall(mocks);
    });
  });

  test('a second decision is refused and the first one stands', async () => {
    await withGrant({ input: { durationSeconds: 600 } }, async ({ handle, mocks, approve, waitFor }) => {
      const first = await approve(people.approver);
      await waitFor('ACTIVE');
      await updateRefusal(
        handle.executeUpdate(decideUpdate, {
          args: [{ decision: 'reject', deciderSlackUserId: people.secondApprover }],
        }),
      );
      const state = await handle.query(grantStateQuery);
      assert.equal(state.status, 'ACTIVE');
      assert.equal(state.decidedBy, people.approver);
      assert.equal(state.decidedAt, first.decidedAt);

      await handle.executeUpdate(endGrantUpdate, { args: [{ bySlackUserId: people.requester.slackUserId }] });
      assert.equal((await handle.result()).status, 'REVOKED');
      assert.equal(mocks.completed('revokeMembership').length, 1);
    });
  });

  test("an outsider's revocation is refused and the grant stays active", async () => {
    await withGrant({ input: { durationSeconds: 600 } }, async ({ handle, mocks, approve, waitFor }) => {
      await approve();
      await waitFor('ACTIVE');
      await updateRefusal(handle.executeUpdate(endGrantUpdate, { args: [{ bySlackUserId: people.outsider }] }));
      const state = await handle.query(grantStateQuery);
      assert.equal(state.status, 'ACTIVE');
      assert.equal(state.endedBy, undefined);
      assert.equal(mocks.attempts('revokeMembership').length, 0);

      await handle.executeUpdate(endGrantUpdate, { args: [{ bySlackUserId: people.approver }] });
      assert.equal((await handle.result()).status, 'REVOKED');
    });
  });

  test('a duration over the maximum fails the workflow as InvalidGrantRequest before any activity', async () => {
    await withGrant(
      { input: { durationSeconds: 7200, policy: { maxDurationSeconds: 3600 } } },
      async ({ handle, mocks }) => {
        const failure = await workflowFailure(handle.result());
        assert.ok(failure.cause instanceof ApplicationFailure, `cause ${String(failure.cause)}`);
        assert.equal(failure.cause.type, 'InvalidGrantRequest');
        assert.equal(failure.cause.nonRetryable, true);
        assert.deepEqual(mocks.calls, []);
      },
    );
  });

  test('while an expired grant is being removed, an extension or a revocation is refused and changes nothing', async () => {
    let releaseRemoval: () => void = () => undefined;
    const removalHeld = new Promise<void>((resolve) => {
      releaseRemoval = resolve;
    });
    // JumpCloud refuses the quick local attempt, so the removal goes on as an activity, held here: only between
    // workflow tasks can an Update reach the grant while it is ending.
    let removals = 0;
    const revokeMembership = async () => {
      removals += 1;
      if (removals === 1) throw ApplicationFailure.retryable('JumpCloud answered 503', 'JumpCloudError');
      await removalHeld;
      return { wasMember: true };
    };
    await withGrant({ activities: { revokeMembership } }, async ({ handle, mocks, approve }) => {
      await approve();
      const ending = await eventually('the removal to begin', async () => {
        const state = await handle.query(grantStateQuery);
        return state.endingAt !== undefined ? state : undefined;
      });
      const extension = await updateRefusal(
        handle.executeUpdate(requestExtensionUpdate, {
          args: [{ bySlackUserId: people.requester.slackUserId, extraSeconds: 60, reason: 'one more minute please' }],
        }),
      );
      assert.equal(extension.cause?.message, 'only an active grant can be extended');
      const revoke = await updateRefusal(
        handle.executeUpdate(endGrantUpdate, { args: [{ bySlackUserId: people.requester.slackUserId }] }),
      );
      assert.match(revoke.cause?.message ?? '', /already ending/);
      releaseRemoval();
      const final = await handle.result();
      assert.equal(final.status, 'EXPIRED');
      assert.equal(final.expiresAt, ending.expiresAt);
      assert.deepEqual(final.extensions, []);
      assert.equal(mocks.completed('revokeMembership').length, 1);
    });
  });

  test('cancelling the workflow while access is active still removes the membership', async () => {
    await withGrant({ input: { durationSeconds: 600 } }, async ({ handle, mocks, approve, waitFor }) => {
      await approve();
      await waitFor('ACTIVE');
      await handle.cancel();
      const failure = await workflowFailure(handle.result());
      assert.ok(failure.cause instanceof CancelledFailure, `cause ${String(failure.cause)}`);
      assert.equal(mocks.completed('addMembership').length, 1);
      assert.equal(mocks.completed('revokeMembership').length, 1);
      const state = await handle.query(grantStateQuery);
      assert.equal(state.status, 'REVOKED');
      assert.equal(state.endReason, 'the grant workflow was cancelled');
    });
  });

  test('every patch of a grant is decided in the first workflow task of each run, so a replay asks none too late', async () => {
    await withGrant({ input: { durationSeconds: 600 } }, async ({ handle, approve, waitFor }) => {
      await approve();
      await waitFor('ACTIVE');
      await handle.cancel();
      await workflowFailure(handle.result());
      const described = await handle.describe();
      const firstRunId = described.raw.workflowExecutionInfo?.firstRunId ?? described.runId;
      // The first run hands the active grant off; the cancellation ends the second.
      for (const runId of new Set([firstRunId, described.runId])) {
        const events = (await worker!.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
        const secondTask = events.filter((e) => e.workflowTaskCompletedEventAttributes)[1]?.eventId;
        const late = events.filter(
          (e) => e.markerRecordedEventAttributes?.markerName === 'core_patch' && Number(e.eventId) > Number(secondTask),
        );
        assert.ok(secondTask !== undefined, `run ${runId} had one workflow task`);
        assert.deepEqual(
          late.map((e) => Number(e.eventId)),
          [],
          `run ${runId} recorded patch markers after its first task`,
        );
      }
    });
  });
});
