import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Client,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import {
  createGrantService,
  GrantRefusedError,
  GrantUpdatePendingError,
} from '../../integrations/temporal/grant-service';
import { type GrantState } from '../../workflows/grant/grant-types';

const approve = { decision: 'approve', deciderSlackUserId: 'U0BOSS' } as const;
const recorded = { status: 'APPROVED' } as GrantState;
const outOfTime = () => new WorkflowUpdateRPCTimeoutOrCancelledError('deadline exceeded');
/** What Temporal answers for an Update it did not take and asks for again, by gRPC code. */
const retryLater = (code: 8 | 9, details: string) =>
  new ServiceError('Workflow Update failed', {
    cause: Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} }),
  });
const unreachable = () => new ServiceError('Workflow Update failed', { cause: new Error('14 UNAVAILABLE') });

/**
 * A GrantService on a Temporal client whose Update attempts answer, in turn, as `answers` say (an error is thrown, a
 * state returned); `sent` lists each attempt's Update ID.
 */
function serviceAnswering(answers: Array<Error | GrantState>, attempts: number) {
  const sent: string[] = [];
  const client = {
    withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn(),
    workflow: {
      getHandle: () => ({
        async executeUpdate(_update: unknown, options: { updateId: string }) {
          sent.push(options.updateId);
          const answer = answers.shift();
          if (answer === undefined) throw new Error('asked more often than the test expects');
          if (answer instanceof Error) throw answer;
          return answer;
        },
      }),
    },
  } as unknown as Client;
  const grants = createGrantService(client, 'queue', { updatePatience: { attemptMs: 1000, attempts } });
  return { grants, sent };
}

describe('what a GrantService Update throws when it gets no outcome', () => {
  test('attempts that all run out of time raise GrantUpdatePendingError, each sent under the same Update ID', async () => {
    const { grants, sent } = serviceAnswering([outOfTime(), outOfTime()], 2);
    const pending = await grants.decide('wf', approve, 'click').catch((err: unknown) => err);
    assert.ok(pending instanceof GrantUpdatePendingError, String(pending));
    assert.equal(pending.updateId, 'click');
    assert.deepEqual(sent, ['click', 'click']);
  });

  test("a pending Update's outcome sends it again under its ID: the state once taken, or the validator's refusal", async () => {
    const { grants, sent } = serviceAnswering(
      [outOfTime(), outOfTime(), recorded, outOfTime(), new WorkflowUpdateFailedError('failed', new Error('too late'))],
      1,
    );
    const first = await grants.decide('wf', approve, 'click').catch((err: unknown) => err);
    assert.ok(first instanceof GrantUpdatePendingError);
    assert.equal(await first.outcome(5000), recorded, 'answered on its second attempt within 5 s of 1 s attempts');

    const second = await grants.decide('wf', approve, 'click').catch((err: unknown) => err);
    assert.ok(second instanceof GrantUpdatePendingError);
    await assert.rejects(second.outcome(5000), new GrantRefusedError('too late'));
    assert.deepEqual(sent, ['click', 'click', 'click', 'click', 'click']);
  });

  test('a pending Update still without an answer when its wait ends raises GrantUpdatePendingError again', async () => {
    const { grants, sent } = serviceAnswering([outOfTime(), outOfTime(), outOfTime()], 1);
    const pending = await grants.decide('wf', approve, 'click').catch((err: unknown) => err);
    assert.ok(pending instanceof GrantUpdatePendingError);
    await assert.rejects(pending.outcome(1500), GrantUpdatePendingError);
    assert.equal(sent.length, 3, 'two more attempts of 1 s cover 1.5 s');
  });

  test('a validator refusal is GrantRefusedError, not pending', async () => {
    const { grants } = serviceAnswering([new WorkflowUpdateFailedError('failed', new Error('not an approver'))], 4);
    await assert.rejects(grants.decide('wf', approve, 'click'), new GrantRefusedError('not an approver'));
  });

  test('Temporal unreachable before any attempt ran out of time is that error, not pending', async () => {
    const { grants } = serviceAnswering([unreachable()], 4);
    await assert.rejects(grants.decide('wf', approve, 'click'), ServiceError);
  });

  test('Temporal unreachable after an attempt ran out of time is pending: the first attempt may still be applied', async () => {
    const { grants } = serviceAnswering([outOfTime(), unreachable()], 4);
    const err = await grants.decide('wf', approve, 'click').catch((thrown: unknown) => thrown);
    assert.ok(err instanceof GrantUpdatePendingError, String(err));
  });

  test('an Update Temporal did not take (its workflow task failed as a cancel arrived, or the workflow was busy) is sent again under its ID', async () => {
    const { grants, sent } = serviceAnswering(
      [
        retryLater(9, 'Unable to perform workflow execution update due to unexpected workflow task failure.'),
        retryLater(8, 'Workflow is busy.'),
        recorded,
      ],
      1,
    );
    assert.equal(await grants.decide('wf', approve, 'click'), recorded);
    assert.deepEqual(sent, ['click', 'click', 'click']);
  });
});
