import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../config/env';
import { checkPolicyMatchesWorld } from '../../sandbox/sandbox-policy';
import { group, people, policyGroup } from '../support/grant-inputs';

test('the sandbox refuses to start when its policy names an approver or requester group its JumpCloud stand-in lacks', () => {
  const world = {
    groups: [{ id: group.id, name: group.name }],
    slackUsers: [people.approver, people.secondApprover].map((id) => ({ id, name: id })),
  };
  const policy = (overrides: Parameters<typeof policyGroup>[0]) => ({
    approvalTimeoutSeconds: 600,
    durationPresetsSeconds: [600],
    groups: [policyGroup(overrides)],
  });
  checkPolicyMatchesWorld(policy({}), world);
  const missing = '64f0c0ffee0000000000c00f';
  for (const overrides of [
    { approverGroups: [missing] },
    { requesters: { slackUserIds: [], jumpcloudGroupIds: [missing] } },
  ]) {
    assert.throws(
      () => checkPolicyMatchesWorld(policy(overrides), world),
      (err: Error) => err instanceof ConfigError && err.message.includes(`group ${missing}, named by prod-db-readonly`),
    );
  }
});
