import { randomUUID } from 'node:crypto';
import { type PolicyGroup } from '../../config/policy';
import { pendingGrantState } from '../../workflows/grant/grant-rules';
import { type GrantInput, type GrantPolicy, type GrantState } from '../../workflows/grant/grant-types';

/**
 * Plain grant inputs and states for tests without stand-ins (rules, activities, the workflow with mock
 * activities). The IDs are fixed and fake: nothing here talks to Slack or JumpCloud. Tests that run against the
 * stand-ins use `grantInput()` of grant-harness.ts, whose people exist in the stand-ins.
 */
export const people = {
  requester: {
    slackUserId: 'U0REQUESTER',
    email: 'requester@example.com',
    jumpcloudUserId: '64f0c0ffee00000000000001',
  },
  approver: 'U0APPROVER',
  secondApprover: 'U0APPROVER2',
  outsider: 'U0OUTSIDER',
} as const;

export const group = { id: '64f0c0ffee0000000000a001', name: 'prod-db-readonly' } as const;

export const APPROVAL_CHANNEL = 'C0APPROVALS';

export type GrantInputOverrides = Partial<Omit<GrantInput, 'policy'>> & { policy?: Partial<GrantPolicy> };

/** A valid input: two approvers, no self-approval, 1 h maximum, fast retry pacing. */
export function plainGrantInput(overrides: GrantInputOverrides = {}): GrantInput {
  const { policy, ...rest } = overrides;
  return {
    requestId: `req-${randomUUID().slice(0, 8)}`,
    requester: { ...people.requester },
    group: { ...group },
    durationSeconds: 60,
    justification: 'Investigating incident INC-42',
    timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 5 },
    ...rest,
    policy: {
      approvers: [people.approver, people.secondApprover],
      maxDurationSeconds: 3600,
      approvalTimeoutSeconds: 60,
      allowSelfApproval: false,
      approvalChannel: APPROVAL_CHANNEL,
      ...policy,
    },
  };
}

/** The state the workflow starts from for `input` (pending approval), with `overrides` applied. */
export function grantStateFor(input: GrantInput, overrides: Partial<GrantState> = {}): GrantState {
  return { ...pendingGrantState(input, Date.parse('2030-01-01T09:00:00.000Z')), ...overrides };
}

/** A policy group as the policy file would give it (every default spelt out): `group`, two approvers, 1 h. */
export function policyGroup(overrides: Partial<PolicyGroup> = {}): PolicyGroup {
  return {
    id: group.id,
    name: group.name,
    maxDurationSeconds: 3600,
    approvers: [people.approver, people.secondApprover],
    approverGroups: [],
    allowSelfApproval: false,
    stepUp: false,
    requiredApprovals: 1,
    maxExtensions: 2,
    maxTotalDurationSeconds: 7200,
    remindBeforeSeconds: 600,
    standingMembers: [],
    onDrift: 'report',
    maxDriftRemovals: 3,
    ...overrides,
  };
}
