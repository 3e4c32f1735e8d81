import {
  type AcknowledgeInput,
  type DecisionInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type GrantInput,
  type GrantState,
  type PolicyCloseInput,
  type RevokeInput,
} from './grant-types';

/** A grant's state when its workflow starts: pending approval, with nothing decided yet. */
export function pendingGrantState(input: GrantInput, requestedAtMs: number): GrantState {
  return {
    requestId: input.requestId,
    status: 'PENDING_APPROVAL',
    requester: input.requester,
    group: input.group,
    durationSeconds: input.durationSeconds,
    justification: input.justification,
    approvers: input.policy.approvers,
    approvalChannel: input.policy.approvalChannel,
    requestedAt: new Date(requestedAtMs).toISOString(),
    approvalDeadline: new Date(requestedAtMs + input.policy.approvalTimeoutSeconds * 1000).toISOString(),
    approvals: [],
    requiredApprovals: requiredApprovalsOf(input.policy),
    extensions: [],
    notificationFailures: 0,
  };
}

/** A break-glass request must say this much about the emergency (the form and the workflow both check it). */
export const BREAK_GLASS_JUSTIFICATION_MIN_LENGTH = 20;

/** The state of a break-glass grant when its workflow starts: approved at once, by the requester, capped. */
export function breakGlassGrantState(pending: GrantState, input: GrantInput, requestedAtMs: number): GrantState {
  return {
    ...pending,
    status: 'APPROVED',
    breakGlass: true,
    breakGlassAlertChannel: input.breakGlass?.alertChannel,
    ...(input.breakGlass?.stepUp && { breakGlassStepUp: input.breakGlass.stepUp }),
    decidedBy: input.requester.slackUserId,
    decidedAt: new Date(requestedAtMs).toISOString(),
    decisionReason: 'break-glass',
  };
}

/**
 * When the louder "unreviewed" alert of a break-glass grant is due (ms since the epoch): `reviewWithinSeconds` after
 * access was granted, once, and only while nobody has acknowledged it. Undefined when none is due.
 */
export function unreviewedAlertDue(state: GrantState, input: GrantInput): number | undefined {
  if (!input.breakGlass || !state.breakGlass || !state.grantedAt) return undefined;
  if (state.acknowledgedAt !== undefined || state.unreviewedAlertAt !== undefined) return undefined;
  return Date.parse(state.grantedAt) + input.breakGlass.reviewWithinSeconds * 1000;
}

/**
 * Whether someone is an approver of the grant: listed by Slack ID, or a member of one of its JumpCloud approver groups
 * as the gateway found at the click (`via`). The worker confirms the membership in JumpCloud before any add.
 */
export function isApprover(policy: GrantInput['policy'], slackUserId: string, via: string | undefined): boolean {
  return policy.approvers.includes(slackUserId) || (via !== undefined && (policy.approverGroupIds ?? []).includes(via));
}

/** Why this acknowledgement of a break-glass grant is refused, or undefined. Pure: runs in the Update's validator. */
export function acknowledgeRefusal(
  state: GrantState,
  policy: GrantInput['policy'],
  input: AcknowledgeInput,
): string | undefined {
  if (!state.breakGlass) return 'this is not a break-glass grant: there is nothing to acknowledge';
  const by = input.bySlackUserId;
  if (by === state.requester.slackUserId) return 'you cannot acknowledge your own break-glass access';
  if (!isApprover(policy, by, input.approverVia)) return `you are not an approver for ${state.group.name}`;
  if (state.acknowledgedBy !== undefined)
    return `this break-glass grant was already acknowledged by ${state.acknowledgedBy}`;
  return undefined;
}

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
  if (policy.approvers.length === 0 && !policy.allowSelfApproval && !policy.approverGroupIds?.length) {
    return 'the group has no approvers';
  }
  const required = requiredApprovalsOf(policy);
  if (!Number.isInteger(required) || required < 1) return 'the required number of approvals must be at least 1';
  if (required > 1 && required > policy.approvers.length && !policy.approverGroupIds?.length) {
    return `the group needs ${required} approvals but has only ${policy.approvers.length} approvers`;
  }
  const steps = policy.escalation ?? [];
  const stepAfter = steps.map((step) => step.afterSeconds);
  if (
    steps.length > 2 ||
    stepAfter.some((after, i) => !(after > (stepAfter[i - 1] ?? 0)) || after >= policy.approvalTimeoutSeconds)
  ) {
    return 'escalation takes at most two steps, each later than the one before and before the approval timeout';
  }
  if (input.breakGlass) {
    if (input.breakGlass.alertChannel.trim() === '') return 'a break-glass grant needs an alert channel';
    if (!(input.breakGlass.reviewWithinSeconds > 0)) return 'the break-glass review time must be positive';
    if (input.justification.trim().length < BREAK_GLASS_JUSTIFICATION_MIN_LENGTH) {
      return `a break-glass justification needs at least ${BREAK_GLASS_JUSTIFICATION_MIN_LENGTH} characters`;
    }
  }
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
  const required = requiredApprovalsOf(policy);
  if (isRequester && required > 1) return `this group needs ${required} approvers other than the requester`;
  if (isRequester && !policy.allowSelfApproval) return 'you cannot decide on your own request';
  // allowSelfApproval lets an approver decide on their own request, never a requester who is not an approver.
  if (!isApprover(policy, decider, input.approverVia)) return `you are not an approver for ${state.group.name}`;
  if (input.decision === 'approve' && state.approvals.some((a) => a.bySlackUserId === decider)) {
    return `you have already approved this request; it needs ${required} approvals from different approvers`;
  }
  return stepUpRefusal(state, policy, input);
}

/** An approval of a group with step-up needs the sign-in that confirms it (gateway/step-up/). */
export function stepUpRefusal(
  state: GrantState,
  policy: GrantInput['policy'],
  input: DecisionInput,
): string | undefined {
  if (input.decision !== 'approve' || policy.stepUp !== true || input.stepUp !== undefined) return undefined;
  return `${state.group.name} needs a fresh sign-in to approve: use the Approve button in Slack`;
}

/** Why the requester may not ask for this extension now, or undefined. Names the limit that stops it. */
export function extensionRefusal(
  state: GrantState,
  policy: GrantInput['policy'],
  input: ExtensionRequestInput,
): string | undefined {
  if (input.bySlackUserId !== state.requester.slackUserId) return 'only the requester can extend this grant';
  if (state.status !== 'ACTIVE' || state.endedBy !== undefined || state.endingAt !== undefined) {
    return 'only an active grant can be extended';
  }
  if (state.removedOutside) return 'the membership was removed outside JIT access; ask again with a new request';
  if (!Number.isFinite(input.extraSeconds) || input.extraSeconds <= 0) {
    return 'the extension must be a positive number of seconds';
  }
  if (input.reason.trim() === '') return 'a reason is required';
  if (state.extensions.some((e) => e.status === 'PENDING'))
    return 'an extension request is already waiting for approval';
  const approved = state.extensions.filter((e) => e.status === 'APPROVED');
  const maxExtensions = maxExtensionsOf(policy);
  if (approved.length >= maxExtensions) {
    return `this grant has had its ${maxExtensions} extensions (maxExtensions is ${maxExtensions})`;
  }
  const total = state.durationSeconds + approved.reduce((sum, e) => sum + e.extraSeconds, 0) + input.extraSeconds;
  const maxTotal = maxTotalDurationOf(policy);
  if (total > maxTotal) {
    return `the grant would last ${total}s in all, over the group's maxTotalDuration of ${maxTotal}s`;
  }
  return undefined;
}

/** Why this decision on an extension is refused, or undefined: the grant's own rules, applied to the extension. */
export function extensionDecisionRefusal(
  state: GrantState,
  policy: GrantInput['policy'],
  input: ExtensionDecisionInput,
): string | undefined {
  const extension = state.extensions.find((e) => e.id === input.extensionId);
  if (!extension) return 'there is no such extension request';
  if (state.endingAt !== undefined && extension.status === 'PENDING') {
    return 'this extension request was closed: the grant ended first';
  }
  if (extension.status !== 'PENDING') {
    return extension.status === 'MOOT'
      ? 'this extension request was closed: the grant ended first'
      : `this extension request was already ${extension.status.toLowerCase()} by ${extension.decidedBy ?? 'an approver'}`;
  }
  return decisionRefusal({ ...state, status: 'PENDING_APPROVAL', approvals: extension.approvals }, policy, input);
}

export function maxExtensionsOf(policy: GrantInput['policy']): number {
  return policy.maxExtensions ?? 2;
}

export function maxTotalDurationOf(policy: GrantInput['policy']): number {
  return policy.maxTotalDurationSeconds ?? 2 * policy.maxDurationSeconds;
}

/** How many distinct approvals a grant under this policy needs (1 unless the two-person rule is on). */
export function requiredApprovalsOf(policy: GrantInput['policy']): number {
  return policy.requiredApprovals ?? 1;
}

export function revokeRefusal(state: GrantState, policy: GrantInput['policy'], input: RevokeInput): string | undefined {
  const by = input.bySlackUserId;
  if (by !== state.requester.slackUserId && !isApprover(policy, by, input.approverVia)) {
    return `only the requester or an approver for ${state.group.name} can revoke this grant`;
  }
  if (state.status !== 'PENDING_APPROVAL' && state.status !== 'ACTIVE' && state.status !== 'APPROVED') {
    return alreadyClosedReason(state);
  }
  if (state.endedBy !== undefined) return 'revocation is already under way';
  if (state.endingAt !== undefined) return 'this grant is already ending: its membership is being removed';
  return undefined;
}

/** Why the worker may not close this request for a policy change, or undefined: only a pending request, once. */
export function policyCloseRefusal(state: GrantState, input: PolicyCloseInput): string | undefined {
  if (typeof input.reason !== 'string' || input.reason.trim() === '') return 'a reason is required';
  if (state.status !== 'PENDING_APPROVAL') return alreadyClosedReason(state);
  if (state.endedBy !== undefined || state.endReason !== undefined) return 'this request is already being withdrawn';
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
