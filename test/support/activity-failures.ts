import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';

/** The ApplicationFailure an activity run rejected with; fails the test if it resolved or threw something else. */
export async function failureOf(run: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('the activity should have failed');
}
