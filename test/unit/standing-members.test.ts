import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type JitPolicy } from '../../config/policy';
import { unresolvedStandingMembers } from '../../worker/standing-members';

test('the worker names at start each standing-member email that matches no JumpCloud user, or could not be checked', async () => {
  const base = { maxDurationSeconds: 3600, approvers: ['U0A'], allowSelfApproval: false, requiredApprovals: 1 };
  const policy = {
    approvalTimeoutSeconds: 60,
    durationPresetsSeconds: [60],
    groups: [
      {
        ...base,
        id: '64f0c0ffee0000000000a001',
        name: 'prod-db',
        maxExtensions: 2,
        maxTotalDurationSeconds: 7200,
        remindBeforeSeconds: 600,
        onDrift: 'remove',
        maxDriftRemovals: 3,
        standingMembers: ['64f0c0ffee00000000000009', 'ada@example.com', 'gone@example.com', 'flaky@example.com'],
      },
    ],
  } satisfies JitPolicy;
  const directory = {
    findUserByEmail: async (email: string) => {
      if (email === 'flaky@example.com') throw new Error('JumpCloud answered 503');
      return email === 'ada@example.com' ? { id: '64f0c0ffee00000000000001', email, username: 'ada' } : undefined;
    },
  };
  assert.deepEqual(await unresolvedStandingMembers(policy, directory), [
    'prod-db: standing member gone@example.com matches no JumpCloud user',
    'prod-db: standing member flaky@example.com could not be checked (Error: JumpCloud answered 503)',
  ]);
});
