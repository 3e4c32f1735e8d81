import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acknowledgeRefusal,
  alreadyClosedReason,
  breakGlassGrantState,
  decisionRefusal,
  inputProblem,
  policyCloseRefusal,
  revokeRefusal,
  unreviewedAlertDue,
} from '../../workflows/grant/grant-rules';
import { type DecisionKind, type GrantStatus } from '../../workflows/grant/grant-types';
import { grantStateFor, group, people, plainGrantInput } from '../support/grant-inputs';

const CLOSED_FOR_DECISIONS: GrantStatus[] = [
  'APPROVED',
  'ACTIVE',
  'EXPIRED',
  'REVOKED',
  'REJECTED',
  'TIMED_OUT',
  'CANCELLED',
  'ALREADY_MEMBER',
  'FAILED',
];

describe('inputProblem', () => {
  test('a valid input has no problem', () => {
    assert.equal(inputProblem(plainGrantInput()), undefined);
  });

  test('a zero, negative, NaN or infinite duration is refused', () => {
    for (const durationSeconds of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(
        inputProblem(plainGrantInput({ durationSeconds })),
        'the duration must be a positive number of seconds',
        `duration ${durationSeconds}`,
      );
    }
  });

  test("a duration over the group's maximum is refused; exactly the maximum is allowed", () => {
    const policy = { maxDurationSeconds: 3600 };
    assert.equal(
      inputProblem(plainGrantInput({ durationSeconds: 3601, policy })),
      "the duration 3601s exceeds the group's maximum of 3600s",
    );
    assert.equal(inputProblem(plainGrantInput({ durationSeconds: 3600, policy })), undefined);
  });

  test('an escalation of more than two steps, out of order, or not before the approval timeout is refused', () => {
    const withSteps = (...afterSeconds: number[]) =>
      inputProblem(
        plainGrantInput({
          policy: { approvalTimeoutSeconds: 600, escalation: afterSeconds.map((after) => ({ afterSeconds: after })) },
        }),
      );
    assert.equal(withSteps(60, 120), undefined);
    for (const bad of [[60, 120, 180], [120, 60], [0], [600], [Number.NaN]]) {
      assert.match(withSteps(...bad) ?? '', /escalation takes at most two steps/, `steps ${bad.join()}`);
    }
  });

  test('a zero, negative or NaN approval timeout is refused', () => {
    for (const approvalTimeoutSeconds of [0, -1, Number.NaN]) {
      assert.equal(
        inputProblem(plainGrantInput({ policy: { approvalTimeoutSeconds } })),
        'the approval timeout must be positive',
        `approval timeout ${approvalTimeoutSeconds}`,
      );
    }
  });

  test('an empty or whitespace-only justification is refused', () => {
    for (const justification of ['', '   \n\t ']) {
      assert.equal(inputProblem(plainGrantInput({ justification })), 'a justification is required');
    }
  });

  test('a group without approvers is refused unless self-approval is allowed', () => {
    assert.equal(
      inputProblem(plainGrantInput({ policy: { approvers: [], allowSelfApproval: false } })),
      'the group has no approvers',
    );
    assert.equal(inputProblem(plainGrantInput({ policy: { approvers: [], allowSelfApproval: true } })), undefined);
  });
});

describe('the two-person rule', () => {
  const input = plainGrantInput({ policy: { requiredApprovals: 2, allowSelfApproval: true } });
  const pending = grantStateFor(input, { requiredApprovals: 2 });

  test('more required approvals than approvers, or fewer than one, is an input problem', () => {
    assert.equal(
      inputProblem(plainGrantInput({ policy: { requiredApprovals: 3 } })),
      'the group needs 3 approvals but has only 2 approvers',
    );
    assert.equal(
      inputProblem(plainGrantInput({ policy: { requiredApprovals: 0 } })),
      'the required number of approvals must be at least 1',
    );
    assert.equal(inputProblem(input), undefined);
  });

  test('an approver who already approved cannot approve again, but may still reject', () => {
    const once = grantStateFor(input, {
      requiredApprovals: 2,
      approvals: [{ bySlackUserId: people.approver, at: '2030-01-01T09:00:01.000Z' }],
    });
    assert.match(
      decisionRefusal(once, input.policy, { decision: 'approve', deciderSlackUserId: people.approver }) ?? '',
      /already approved this request; it needs 2 approvals from different approvers/,
    );
    assert.equal(
      decisionRefusal(once, input.policy, { decision: 'reject', deciderSlackUserId: people.approver }),
      undefined,
    );
    assert.equal(
      decisionRefusal(once, input.policy, { decision: 'approve', deciderSlackUserId: people.secondApprover }),
      undefined,
    );
  });

  test('the requester never counts, even where self-approval is allowed', () => {
    assert.equal(
      decisionRefusal(pending, input.policy, { decision: 'approve', deciderSlackUserId: people.requester.slackUserId }),
      'this group needs 2 approvers other than the requester',
    );
  });
});

describe('decisionRefusal', () => {
  const input = plainGrantInput();
  const pending = grantStateFor(input);
  const decide = (deciderSlackUserId: string, decision: DecisionKind = 'approve') => ({ decision, deciderSlackUserId });

  test('an approver may approve or reject a pending request', () => {
    assert.equal(decisionRefusal(pending, input.policy, decide(people.approver, 'approve')), undefined);
    assert.equal(decisionRefusal(pending, input.policy, decide(people.secondApprover, 'reject')), undefined);
  });

  test('a decision other than approve or reject is refused, even from an approver', () => {
    const odd = { decision: 'maybe' as DecisionKind, deciderSlackUserId: people.approver };
    assert.equal(decisionRefusal(pending, input.policy, odd), 'unknown decision "maybe"');
  });

  test("a non-approver's decision is refused", () => {
    assert.equal(
      decisionRefusal(pending, input.policy, decide(people.outsider)),
      `you are not an approver for ${group.name}`,
    );
  });

  test('the requester cannot decide on their own request without allowSelfApproval, even when listed as approver', () => {
    const listed = plainGrantInput({ policy: { approvers: [people.approver, people.requester.slackUserId] } });
    for (const policy of [input.policy, listed.policy]) {
      assert.equal(
        decisionRefusal(pending, policy, decide(people.requester.slackUserId)),
        'you cannot decide on your own request',
      );
    }
  });

  test('allowSelfApproval lets an approver decide on their own request, never a requester who is not an approver', () => {
    const notListed = plainGrantInput({ policy: { allowSelfApproval: true } });
    assert.equal(
      decisionRefusal(grantStateFor(notListed), notListed.policy, decide(people.requester.slackUserId)),
      `you are not an approver for ${group.name}`,
    );
    const listed = plainGrantInput({
      policy: { approvers: [people.approver, people.requester.slackUserId], allowSelfApproval: true },
    });
    const state = grantStateFor(listed);
    assert.equal(decisionRefusal(state, listed.policy, decide(people.requester.slackUserId)), undefined);
    assert.equal(
      decisionRefusal(state, listed.policy, decide(people.outsider)),
      `you are not an approver for ${group.name}`,
      'self-approval does not open the decision to everyone',
    );
  });

  test("an approver by JumpCloud group is accepted only for one of the grant's approverGroupIds", () => {
    const grouped = plainGrantInput({ policy: { approverGroupIds: ['64f0c0ffee0000000000c001'] } });
    const state = grantStateFor(grouped);
    const via = (approverVia: string) => ({ ...decide(people.outsider), approverVia });
    assert.equal(decisionRefusal(state, grouped.policy, via('64f0c0ffee0000000000c001')), undefined);
    assert.equal(
      decisionRefusal(state, grouped.policy, via('64f0c0ffee0000000000c002')),
      `you are not an approver for ${group.name}`,
    );
    assert.equal(
      decisionRefusal(grantStateFor(input), input.policy, via('64f0c0ffee0000000000c001')),
      `you are not an approver for ${group.name}`,
      'a grant without approver groups takes no group as an approver',
    );
  });

  test('with step-up an approval needs its sign-in; a rejection does not, and a grant without step-up takes none', () => {
    const guarded = plainGrantInput({ policy: { stepUp: true } });
    const state = grantStateFor(guarded);
    const stepUp = {
      issuer: 'https://idp.example.com',
      subject: 's1',
      email: 'a@example.com',
      authTime: '2030-01-01T09:00:00Z',
    };
    assert.match(
      decisionRefusal(state, guarded.policy, decide(people.approver)) ?? '',
      /needs a fresh sign-in to approve/,
    );
    assert.equal(decisionRefusal(state, guarded.policy, { ...decide(people.approver), stepUp }), undefined);
    assert.equal(decisionRefusal(state, guarded.policy, decide(people.approver, 'reject')), undefined);
    assert.equal(decisionRefusal(grantStateFor(input), input.policy, decide(people.approver)), undefined);
  });

  test('the worker may withdraw a pending request for a policy change, with a reason, once; nothing else', () => {
    const pendingState = grantStateFor(input);
    assert.equal(policyCloseRefusal(pendingState, { reason: 'the group left the policy' }), undefined);
    assert.equal(policyCloseRefusal(pendingState, { reason: ' ' }), 'a reason is required');
    assert.equal(
      policyCloseRefusal(grantStateFor(input, { status: 'ACTIVE' }), { reason: 'gone' }),
      alreadyClosedReason(grantStateFor(input, { status: 'ACTIVE' })),
    );
    assert.equal(
      policyCloseRefusal(grantStateFor(input, { endReason: 'gone' }), { reason: 'gone' }),
      'this request is already being withdrawn',
    );
  });

  test('a request that is no longer pending takes no decision; the reason is the closed reason of its status', () => {
    for (const status of CLOSED_FOR_DECISIONS) {
      const state = grantStateFor(input, { status, decidedBy: people.secondApprover });
      const refusal = decisionRefusal(state, input.policy, decide(people.approver));
      assert.ok(refusal !== undefined, `${status} must refuse`);
      assert.equal(refusal, alreadyClosedReason(state), status);
    }
  });
});

describe('revokeRefusal', () => {
  const input = plainGrantInput();
  const by = (bySlackUserId: string) => ({ bySlackUserId });

  test('the requester or an approver may revoke a pending, approved or active grant', () => {
    for (const status of ['PENDING_APPROVAL', 'APPROVED', 'ACTIVE'] as const) {
      const state = grantStateFor(input, { status });
      assert.equal(revokeRefusal(state, input.policy, by(people.requester.slackUserId)), undefined, status);
      assert.equal(revokeRefusal(state, input.policy, by(people.approver)), undefined, status);
    }
  });

  test('an outsider may not revoke, whatever the status', () => {
    for (const status of ['PENDING_APPROVAL', 'ACTIVE', 'EXPIRED'] as const) {
      assert.equal(
        revokeRefusal(grantStateFor(input, { status }), input.policy, by(people.outsider)),
        `only the requester or an approver for ${group.name} can revoke this grant`,
        status,
      );
    }
  });

  test('a closed grant cannot be revoked; the reason is the closed reason of its status', () => {
    const closed: GrantStatus[] = [
      'EXPIRED',
      'REVOKED',
      'REJECTED',
      'TIMED_OUT',
      'CANCELLED',
      'ALREADY_MEMBER',
      'FAILED',
    ];
    for (const status of closed) {
      const state = grantStateFor(input, { status, decidedBy: people.approver });
      const refusal = revokeRefusal(state, input.policy, by(people.requester.slackUserId));
      assert.ok(refusal !== undefined, `${status} must refuse`);
      assert.equal(refusal, alreadyClosedReason(state), status);
    }
  });

  test('a second revocation while the first is under way is refused', () => {
    const state = grantStateFor(input, { status: 'ACTIVE', endedBy: people.requester.slackUserId });
    assert.equal(revokeRefusal(state, input.policy, by(people.approver)), 'revocation is already under way');
  });
});

describe('alreadyClosedReason', () => {
  const input = plainGrantInput();

  test('each closed status has its own reason, naming the decider where there is one', () => {
    const expected: Array<[GrantStatus, string]> = [
      ['TIMED_OUT', 'this request timed out before anyone decided'],
      ['REJECTED', `this request was already rejected by ${people.approver}`],
      ['CANCELLED', 'this request was withdrawn'],
      ['APPROVED', `this request was already approved by ${people.approver}`],
      ['ACTIVE', `this request was already approved by ${people.approver}`],
      ['ALREADY_MEMBER', `this request was already approved by ${people.approver}`],
      ['FAILED', `this request was already approved by ${people.approver}`],
      ['EXPIRED', 'this grant has already ended'],
      ['REVOKED', 'this grant has already ended'],
    ];
    for (const [status, reason] of expected) {
      assert.equal(alreadyClosedReason(grantStateFor(input, { status, decidedBy: people.approver })), reason, status);
    }
  });

  test('without a recorded decider the reason says "an approver"', () => {
    assert.equal(
      alreadyClosedReason(grantStateFor(input, { status: 'REJECTED' })),
      'this request was already rejected by an approver',
    );
    assert.equal(
      alreadyClosedReason(grantStateFor(input, { status: 'ACTIVE' })),
      'this request was already approved by an approver',
    );
  });

  test('a status without a closed reason is described by its name', () => {
    assert.equal(alreadyClosedReason(grantStateFor(input)), 'this request is pending_approval');
  });
});

describe('break-glass', () => {
  const breakGlass = { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 60 };
  const input = plainGrantInput({ justification: 'Primary database is down, INC-911', breakGlass });
  const requestedAt = Date.parse('2030-01-01T09:00:00.000Z');
  const approved = breakGlassGrantState(grantStateFor(input), input, requestedAt);

  test('the grant starts approved, by the requester, marked break-glass', () => {
    assert.equal(approved.status, 'APPROVED');
    assert.equal(approved.breakGlass, true);
    assert.equal(approved.decidedBy, people.requester.slackUserId);
    assert.equal(approved.decisionReason, 'break-glass');
    assert.equal(approved.decidedAt, '2030-01-01T09:00:00.000Z');
    assert.equal(approved.breakGlassAlertChannel, 'C0INCIDENTS');
    assert.deepEqual(approved.approvals, []);
  });

  test('input problems: a short justification, no alert channel, no review time', () => {
    assert.equal(inputProblem(input), undefined);
    assert.equal(
      inputProblem({ ...input, justification: 'db is down' }),
      'a break-glass justification needs at least 20 characters',
    );
    assert.equal(
      inputProblem({ ...input, breakGlass: { ...breakGlass, alertChannel: ' ' } }),
      'a break-glass grant needs an alert channel',
    );
    assert.equal(
      inputProblem({ ...input, breakGlass: { ...breakGlass, reviewWithinSeconds: 0 } }),
      'the break-glass review time must be positive',
    );
    // The cap is policy.maxDurationSeconds, enforced as for every grant.
    assert.match(
      inputProblem({ ...input, durationSeconds: 601, policy: { ...input.policy, maxDurationSeconds: 600 } }) ?? '',
      /exceeds the group's maximum of 600s/,
    );
  });

  test('only an approver other than the requester acknowledges, once, and only a break-glass grant', () => {
    const ack = (by: string, state = approved) => acknowledgeRefusal(state, input.policy, { bySlackUserId: by });
    assert.equal(ack(people.approver), undefined);
    assert.equal(ack(people.outsider), 'you are not an approver for prod-db-readonly');
    assert.equal(ack(people.requester.slackUserId), 'you cannot acknowledge your own break-glass access');
    assert.equal(
      acknowledgeRefusal(
        approved,
        { ...input.policy, approvers: [people.requester.slackUserId] },
        {
          bySlackUserId: people.requester.slackUserId,
        },
      ),
      'you cannot acknowledge your own break-glass access',
    );
    assert.match(
      ack(people.secondApprover, { ...approved, acknowledgedBy: people.approver, acknowledgedAt: 'x' }) ?? '',
      /already acknowledged by/,
    );
    assert.match(ack(people.approver, grantStateFor(input)) ?? '', /not a break-glass grant/);
  });

  test('the unreviewed alert is due reviewWithin after the grant, once, and never once acknowledged', () => {
    const active = { ...approved, status: 'ACTIVE' as const, grantedAt: '2030-01-01T09:00:05.000Z' };
    assert.equal(unreviewedAlertDue(active, input), Date.parse('2030-01-01T09:01:05.000Z'));
    assert.equal(unreviewedAlertDue(approved, input), undefined, 'not before access is granted');
    assert.equal(unreviewedAlertDue({ ...active, acknowledgedAt: '2030-01-01T09:00:30.000Z' }, input), undefined);
    assert.equal(unreviewedAlertDue({ ...active, unreviewedAlertAt: '2030-01-01T09:01:05.000Z' }, input), undefined);
    const ordinary = plainGrantInput();
    assert.equal(unreviewedAlertDue({ ...grantStateFor(ordinary), grantedAt: active.grantedAt }, ordinary), undefined);
  });
});
