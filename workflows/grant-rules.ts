import { type DecisionInput, type GrantInput, type GrantState, type RevokeInput } from './grant-types';

/** Why the input cannot become a grant, or undefined. Enforced in the workflow whatever the caller checked. */
export function inputProblem(input: GrantInput): string | undefined {
  const { durationSeconds, policy } = input;
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0)
    return 'the duration must be a positive number of seconds';
  if (durationSeconds > policy.maxDurationSeconds) {
    return `the duration ${durationSeconds}s exceeds the group's maximum of ${policy.maxDurationSeconds}s`;
  }
  if (!(policy.approvalTimeoutSeconds > 0)) return 'the approval timeout must be positive';
  if (input.justification.trim() === '') return 'a justification is required';
  if (policy.approvers.length === 0 && !policy.allowSelfApproval) return 'the group has no approvers';
  return undefined;
}

/** Why this decision is refused, or undefined. Runs in the Update's synchronous validator: state only, no I/O. */
export function decisionRefusal(
  state: GrantState,
  policy: GrantInput['policy'],
  input: DecisionInput,
): string | undefined {
  if (input.decision !== 'approve' && input.decision !== 'reject')
    return `unknown decision "${String(input.decision)}"`;
  if (state.status !== 'PENDING_APPROVAL') return alreadyClosedReason(state);
  const decider = input.deciderSlackUserId;
  const isRequester = decider === state.requester.slackUserId;
  if (isRequester && !policy.allowSelfApproval) return 'you cannot decide on your own request';
  if (!isRequester && !policy.approvers.includes(decider)) return `you are not an approver for ${state.group.name}`;
  return undefined;
}

export function revokeRefusal(state: GrantState, policy: GrantInput['policy'], input: RevokeInput): string | undefined {
  const by = input.bySlackUserId;
  if (by !== state.requester.slackUserId && !policy.approvers.includes(by)) {
    return `only the requester or an approver for ${state.group.name} can revoke this grant`;
  }
  if (state.status !== 'PENDING_APPROVAL' && state.status !== 'ACTIVE' && state.status !== 'APPROVED') {
    return alreadyClosedReason(state);
  }
  if (state.endedBy !== undefined) return 'revocation is already under way';
  return undefined;
}

/** Why a grant in this state takes no more decisions, phrased for the person who clicked. */
export function alreadyClosedReason(state: GrantState): string {
  switch (state.status) {
    case 'TIMED_OUT':
      return 'this request timed out before anyone decided';
    case 'REJECTED':
      return `this request was already rejected by ${state.decidedBy ?? 'an approver'}`;
    case 'CANCELLED':
      return 'this request was withdrawn';
    case 'APPROVED':
    case 'ACTIVE':
    case 'ALREADY_MEMBER':
    case 'FAILED':
      return `this request was already approved by ${state.decidedBy ?? 'an approver'}`;
    case 'EXPIRED':
    case 'REVOKED':
      return 'this grant has already ended';
    default:
      return `this request is ${state.status.toLowerCase()}`;
  }
}
