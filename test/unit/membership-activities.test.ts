import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MetricCounter, type MetricMeter, noopMetricMeter } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { failureOf } from '../support/activity-failures';
import { createMembershipActivities } from '../../activities/membership';
import { jumpCloudHttpError } from '../../integrations/jumpcloud/jumpcloud-error';
import { FakeDirectory } from '../support/fake-directory';
import { MEMBERSHIP_ADD_REFUSED } from '../../workflows/grant/grant-types';
import { group, people } from '../support/grant-inputs';

const member = { groupId: group.id, userId: people.requester.jumpcloudUserId };
const path = `/v2/usergroups/${group.id}/members`;

const RETRIES = 'jit_membership_operation_retries';

/** A meter whose counters add into `counts` by name; everything else is the SDK's no-op meter. */
function countingMeter(counts: Map<string, number>): MetricMeter {
  const meter: MetricMeter = new Proxy(noopMetricMeter, {
    get(target, property, receiver) {
      if (property === 'withTags') return () => meter;
      if (property !== 'createCounter') return Reflect.get(target, property, receiver) as unknown;
      return (name: string) =>
        Object.assign(Object.create(target.createCounter(name)) as MetricCounter, {
          add: (value: number) => counts.set(name, (counts.get(name) ?? 0) + value),
        });
    },
  });
  return meter;
}

function setUp(initialMembers: Array<typeof member> = []) {
  const directory = new FakeDirectory(initialMembers);
  // 'ERROR': failed activities are expected here and the environment would log each one as a warning.
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return { directory, env, activities: createMembershipActivities(directory) };
}

describe('membership activities', () => {
  test('isGroupMember answers from the directory', async () => {
    const { env, activities } = setUp([member]);
    assert.equal(await env.run(activities.isGroupMember, member), true);
    assert.equal(await env.run(activities.isGroupMember, { ...member, userId: people.outsider }), false);
  });

  test('adding a verified membership reports that the user was not already a member', async () => {
    const { directory, env, activities } = setUp();
    assert.deepEqual(await env.run(activities.addMembership, member), { alreadyMember: false });
    assert.equal(directory.has(member.groupId, member.userId), true);
    assert.deepEqual(
      directory.calls.map((c) => c.op),
      ['addMember', 'isMember'],
      'the change is checked afterwards',
    );
  });

  test('an add that JumpCloud answers with "already a member" (changed: false) reports alreadyMember', async () => {
    const { env, activities } = setUp([member]);
    assert.deepEqual(await env.run(activities.addMembership, member), { alreadyMember: true });
  });

  test('an add the directory acknowledges but that did not happen fails retryably as MembershipNotVerified', async () => {
    const { directory, env, activities } = setUp();
    directory.ignoreChanges = true;
    const failure = await failureOf(env.run(activities.addMembership, member));
    assert.equal(failure.type, 'MembershipNotVerified');
    assert.equal(failure.nonRetryable, false);
  });

  test('a revoke the directory acknowledges but that did not happen fails retryably as MembershipNotVerified', async () => {
    const { directory, env, activities } = setUp([member]);
    directory.ignoreChanges = true;
    const failure = await failureOf(env.run(activities.revokeMembership, member));
    assert.equal(failure.type, 'MembershipNotVerified');
    assert.equal(failure.nonRetryable, false);
  });

  test('a verified revoke reports whether the user was a member', async () => {
    const { directory, env, activities } = setUp([member]);
    assert.deepEqual(await env.run(activities.revokeMembership, member), { wasMember: true });
    assert.equal(directory.has(member.groupId, member.userId), false);
    assert.deepEqual(await env.run(activities.revokeMembership, member), { wasMember: false }, 'idempotent');
  });

  test("a removal after the workflow's failed local attempt counts as a retry; a first attempt does not", async () => {
    const retries = new Map<string, number>();
    const directory = new FakeDirectory([member]);
    const env = new MockActivityEnvironment(undefined, {
      logger: new DefaultLogger('ERROR'),
      metricMeter: countingMeter(retries),
    });
    const activities = createMembershipActivities(directory);
    await env.run(activities.revokeMembership, member);
    assert.equal(retries.get(RETRIES) ?? 0, 0, 'a first attempt');
    await env.run(activities.revokeMembership, { ...member, attemptsBefore: 1 });
    assert.equal(retries.get(RETRIES), 1, 'the activity after a failed local attempt');
  });

  test('JumpCloud answering 503 fails every membership activity retryably as JumpCloudError', async () => {
    const { directory, env, activities } = setUp();
    directory.failNext('isMember', jumpCloudHttpError('GET', path, 503, '', null));
    directory.failNext('addMember', jumpCloudHttpError('POST', path, 503, '', null));
    directory.failNext('removeMember', jumpCloudHttpError('POST', path, 503, '', '2'));
    const failures = [
      await failureOf(env.run(activities.isGroupMember, member)),
      await failureOf(env.run(activities.addMembership, member)),
      await failureOf(env.run(activities.revokeMembership, member)),
    ];
    for (const failure of failures) {
      assert.equal(failure.type, 'JumpCloudError');
      assert.equal(failure.nonRetryable, false);
      assert.deepEqual(failure.details, [{ status: 503 }]);
    }
    assert.equal(failures[2]?.nextRetryDelay, 2000, "JumpCloud's Retry-After paces the retry");
  });

  test('JumpCloud refusing the first add attempt with 403 fails it as MembershipAddRefused; a revoke is retried', async () => {
    const { directory, env, activities } = setUp();
    directory.failNext('addMember', jumpCloudHttpError('POST', path, 403, '', null));
    directory.failNext('removeMember', jumpCloudHttpError('POST', path, 403, '', null));
    const onAdd = await failureOf(env.run(activities.addMembership, member));
    assert.equal(onAdd.type, MEMBERSHIP_ADD_REFUSED, 'nothing changed: the grant has nothing to remove');
    assert.equal(onAdd.nonRetryable, true);
    assert.equal(directory.has(member.groupId, member.userId), false);
    const onRevoke = await failureOf(env.run(activities.revokeMembership, member));
    assert.equal(onRevoke.type, 'JumpCloudError');
    assert.equal(onRevoke.nonRetryable, false);
  });

  test('a refused add on a later attempt is not MembershipAddRefused: an earlier attempt may have landed', async () => {
    const directory = new FakeDirectory();
    const env = new MockActivityEnvironment({ attempt: 2 }, { logger: new DefaultLogger('ERROR') });
    directory.failNext('addMember', jumpCloudHttpError('POST', path, 403, '', null));
    const failure = await failureOf(env.run(createMembershipActivities(directory).addMembership, member));
    assert.equal(failure.type, 'JumpCloudError');
    assert.equal(failure.nonRetryable, true);
  });

  test('an add JumpCloud accepted whose verification read fails with 403 is not MembershipAddRefused', async () => {
    const { directory, env, activities } = setUp();
    directory.failNext('isMember', jumpCloudHttpError('GET', path, 403, '', null));
    const failure = await failureOf(env.run(activities.addMembership, member));
    assert.equal(directory.has(member.groupId, member.userId), true, 'the add landed');
    assert.equal(failure.type, 'JumpCloudError', 'its outcome is unknown to the workflow, which removes it');
    assert.equal(failure.nonRetryable, true);
  });

  test('a revoke whose verification read fails with 403 is retried too', async () => {
    const { directory, env, activities } = setUp([member]);
    directory.failNext('isMember', jumpCloudHttpError('GET', path, 403, '', null));
    const failure = await failureOf(env.run(activities.revokeMembership, member));
    assert.equal(failure.type, 'JumpCloudError');
    assert.equal(failure.nonRetryable, false);
  });
});
