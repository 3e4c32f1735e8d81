import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type JitPolicy } from '../../config/policy';
import { unresolvedStandingMembers } from '../../worker/standing-members';
import { policyGroup } from '../support/grant-inputs';

test('the worker names at start each standing-member email that matches no JumpCloud user, or could not be checked', async () => {
  const policy: JitPolicy = {
    approvalTimeoutSeconds: 60,
    durationPresetsSeconds: [60],
    groups: [
      policyGroup({
        id: '64f0c0ffee0000000000a001',
        name: 'prod-db',
        onDrift: 'remove',
        standingMembers: ['64f0c0ffee00000000000009', 'ada@example.com', 'gone@example.com', 'flaky@example.com'],
      }),
    ],
  };
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
