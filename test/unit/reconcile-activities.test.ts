import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createReconcileActivities, type ReconcileDirectory, type ReconcileGrants } from '../../activities/reconcile';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { FakeDirectory } from '../support/fake-directory';
import { group, people } from '../support/grant-inputs';

const userId = people.requester.jumpcloudUserId;
const member = { groupId: group.id, userId };

/** The reconcile activities over an in-memory directory; `running` lists the grant workflows that are running. */
function setUp(options: { members?: Array<typeof member>; running?: string[]; users?: Record<string, string> } = {}) {
  const fake = new FakeDirectory(options.members ?? []);
  const directory: ReconcileDirectory = Object.assign(fake, {
    listGroupMemberIds: async () => [],
    findUserByEmail: async (email: string) => {
      const id = options.users?.[email];
      return id ? { id, email, username: email } : undefined;
    },
    getUser: async () => undefined,
  });
  const grants = {
    isRunning: async (workflowId: string) => (options.running ?? []).includes(workflowId),
  } as unknown as ReconcileGrants;
  const activities = createReconcileActivities({
    directory,
    grants,
    reconcilerConfig: () => ({ intervalSeconds: 1, securityChannel: 'C0SECURITY', groups: [] }),
  });
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return { fake, activities, env };
}

describe('the reconciler removes drift only after a fresh look', () => {
  test('a member no grant covers is removed, verified', async () => {
    const { fake, activities, env } = setUp({ members: [member] });
    assert.deepEqual(await env.run(activities.removeDriftMember, { ...member, standingMembers: [] }), {
      removed: true,
    });
    assert.equal(fake.has(group.id, userId), false);
  });

  test('a member a grant covers by now is left alone', async () => {
    const { fake, activities, env } = setUp({ members: [member], running: [grantWorkflowId(userId, group.id)] });
    assert.deepEqual(await env.run(activities.removeDriftMember, { ...member, standingMembers: [] }), {
      removed: false,
    });
    assert.equal(fake.has(group.id, userId), true);
    assert.equal(fake.calls.filter((c) => c.op === 'removeMember').length, 0);
  });

  test('a member who has left meanwhile, or is standing, is not touched', async () => {
    const gone = setUp();
    assert.deepEqual(await gone.env.run(gone.activities.removeDriftMember, { ...member, standingMembers: [] }), {
      removed: false,
    });
    const standing = setUp({ members: [member], users: { 'ada@example.com': userId } });
    const result = await standing.env.run(standing.activities.removeDriftMember, {
      ...member,
      standingMembers: ['ada@example.com'],
    });
    assert.deepEqual(result, { removed: false });
    assert.equal(standing.fake.has(group.id, userId), true);
  });

  test('while a standing email matches no JumpCloud user, nobody in the group is removed', async () => {
    const { fake, activities, env } = setUp({ members: [member] });
    const result = await env.run(activities.removeDriftMember, { ...member, standingMembers: ['gone@example.com'] });
    assert.deepEqual(result, { removed: false });
    assert.equal(fake.has(group.id, userId), true);
  });
});
