import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grantPolicyRefusal, type GrantPolicyCheck } from '../../activities/policy-check';
import { type JitPolicy, type PolicyGroup } from '../../config/policy';
import { people, plainGrantInput, policyGroup } from '../support/grant-inputs';

const policyOf = (overrides: Partial<PolicyGroup> = {}): JitPolicy => ({
  approvalTimeoutSeconds: 3600,
  durationPresetsSeconds: [3600],
  groups: [policyGroup(overrides)],
});
const check = (overrides: Partial<GrantPolicyCheck['input']> = {}, approvedBy: string[] = [people.approver]) => ({
  input: { ...plainGrantInput(), ...overrides },
  approvedBy,
});

describe("the worker's policy check before an add", () => {
  test('a grant the policy allows, approved by a policy approver, passes', () => {
    assert.equal(grantPolicyRefusal(policyOf(), check()), undefined);
  });

  test('a grant for a group the worker does not know is refused', () => {
    const refusal = grantPolicyRefusal(policyOf(), check({ group: { id: '64f0c0ffee0000000000beef', name: 'x' } }));
    assert.match(refusal ?? '', /not in the worker's policy/);
  });

  test('approvals count only from approvers the policy names now, whatever approvers the input names', () => {
    const input = plainGrantInput({ policy: { approvers: [people.approver, people.outsider] } });
    assert.match(
      grantPolicyRefusal(policyOf(), check(input, [people.outsider])) ?? '',
      new RegExp(`${people.outsider} is not an approver of`),
      'a forged input naming the outsider approver',
    );
    assert.equal(
      grantPolicyRefusal(policyOf({ approvers: [people.secondApprover] }), check({}, [people.secondApprover])),
      undefined,
      'an approver who left the policy while the request was pending did not approve: the grant goes on',
    );
    assert.match(
      grantPolicyRefusal(policyOf({ approvers: [people.secondApprover] }), check()) ?? '',
      new RegExp(`${people.approver} is not an approver of`),
      'the approval of an approver who left the policy does not count',
    );
  });

  test("the requester's own approval is refused unless they are an approver and the policy allows self-approval with one approver", () => {
    const self = check({}, [people.requester.slackUserId]);
    assert.match(grantPolicyRefusal(policyOf(), self) ?? '', /may not approve their own/);
    assert.match(grantPolicyRefusal(policyOf({ allowSelfApproval: true }), self) ?? '', /is not an approver/);
    const listed = policyOf({
      allowSelfApproval: true,
      approvers: [people.approver, people.secondApprover, people.requester.slackUserId],
    });
    assert.equal(grantPolicyRefusal(listed, self), undefined);
    const twoPerson = policyOf({ allowSelfApproval: true, requiredApprovals: 2 });
    assert.match(
      grantPolicyRefusal(twoPerson, check({}, [people.requester.slackUserId, people.approver])) ?? '',
      /own/,
    );
  });

  test('an approver by approver group counts only when the worker found them in one of the groups in JumpCloud', () => {
    const policy = policyOf({ approverGroups: ['64f0c0ffee0000000000c001'] });
    const viaGroup = {
      ...check({}, [people.outsider]),
      approvedVia: { [people.outsider]: '64f0c0ffee0000000000c001' },
    };
    assert.match(grantPolicyRefusal(policy, viaGroup) ?? '', /is not an approver of/);
    assert.equal(grantPolicyRefusal(policy, viaGroup, new Set([people.outsider])), undefined);
  });

  test("with step-up in the worker's policy every approval needs its sign-in, whatever the grant's input says", () => {
    const guarded = policyOf({ stepUp: true });
    assert.match(
      grantPolicyRefusal(guarded, check()) ?? '',
      /needs a fresh sign-in with every approval; .* approved without one/,
    );
    assert.equal(grantPolicyRefusal(guarded, { ...check(), steppedUp: [people.approver] }), undefined);
    assert.equal(grantPolicyRefusal(policyOf(), check()), undefined, 'a group without step-up asks for none');
    const breakGlass = { alertChannel: 'C0ALERTS', reviewWithinSeconds: 600 };
    const guardedBreakGlass = policyOf({
      stepUp: true,
      breakGlass: {
        maxDurationSeconds: 3600,
        alertChannel: 'C0ALERTS',
        reviewWithinSeconds: 600,
        maxPerDay: 2,
        cooldownSeconds: 0,
      },
    });
    assert.match(
      grantPolicyRefusal(guardedBreakGlass, check({ breakGlass }, [])) ?? '',
      /needs a fresh sign-in for break-glass access/,
    );
    const signedIn = {
      ...breakGlass,
      stepUp: { issuer: 'i', subject: 's', email: 'e@x', authTime: '2030-01-01T00:00:00Z' },
    };
    assert.equal(grantPolicyRefusal(guardedBreakGlass, check({ breakGlass: signedIn }, [])), undefined);
  });

  test('fewer distinct approvals than the policy requires are refused', () => {
    const twoPerson = policyOf({ requiredApprovals: 2 });
    assert.match(grantPolicyRefusal(twoPerson, check()) ?? '', /needs 2 approvals, the grant has 1/);
    assert.equal(grantPolicyRefusal(twoPerson, check({}, [people.approver, people.secondApprover])), undefined);
  });

  test("a duration over the policy's maximum is refused, whatever the input's own policy says", () => {
    const input = plainGrantInput({ durationSeconds: 7200, policy: { maxDurationSeconds: 9999 } });
    assert.match(grantPolicyRefusal(policyOf(), check(input)) ?? '', /over prod-db-readonly's maximum of 3600s/);
  });

  test('break-glass is refused where the policy does not allow it, or past its cap; allowed within it', () => {
    const breakGlass = { alertChannel: 'C0ALERTS', reviewWithinSeconds: 600 };
    assert.match(grantPolicyRefusal(policyOf(), check({ breakGlass }, [])) ?? '', /does not allow break-glass/);
    const allowing = policyOf({
      breakGlass: {
        maxDurationSeconds: 900,
        alertChannel: 'C0ALERTS',
        reviewWithinSeconds: 600,
        maxPerDay: 2,
        cooldownSeconds: 0,
      },
    });
    assert.match(
      grantPolicyRefusal(allowing, check({ breakGlass, durationSeconds: 1800 }, [])) ?? '',
      /break-glass maximum/,
    );
    assert.equal(grantPolicyRefusal(allowing, check({ breakGlass, durationSeconds: 600 }, [])), undefined);
  });
});
