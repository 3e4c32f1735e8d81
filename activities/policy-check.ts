import { log } from '@temporalio/activity';
import { type WebClient } from '@slack/web-api';
import { findPolicyGroup, type JitPolicy, policyGroupLabel } from '../config/policy';
import { type GrantInput } from '../workflows/grant/grant-types';

/** What the worker checks before a grant's add: the grant as it asks, and who approved it. */
export interface GrantPolicyCheck {
  input: Pick<GrantInput, 'group' | 'requester' | 'durationSeconds' | 'policy' | 'breakGlass'>;
  /** The Slack IDs of the approvals that make the quorum (none for break-glass). */
  approvedBy: string[];
}

/**
 * Why the worker's own policy forbids this grant, or undefined. Anyone who can write to the Temporal namespace can
 * start a grant with any input and send any Update: the workflow's validators enforce the policy the input carries,
 * and this is where the policy the worker was deployed with has the last word before JumpCloud changes. An input may
 * be stricter than the policy (a request made before a change that loosened it), never looser.
 */
export function grantPolicyRefusal(policy: JitPolicy, check: GrantPolicyCheck): string | undefined {
  const { input, approvedBy } = check;
  const group = findPolicyGroup(policy, input.group.id);
  if (!group) return `the group ${input.group.id} is not in the worker's policy`;
  const label = policyGroupLabel(group);
  if (input.breakGlass) {
    if (!group.breakGlass) return `${label} does not allow break-glass access`;
    if (input.durationSeconds > group.breakGlass.maxDurationSeconds) {
      return `${input.durationSeconds}s is over ${label}'s break-glass maximum of ${group.breakGlass.maxDurationSeconds}s`;
    }
    return undefined;
  }
  if (input.durationSeconds > group.maxDurationSeconds) {
    return `${input.durationSeconds}s is over ${label}'s maximum of ${group.maxDurationSeconds}s`;
  }
  const approvers = new Set(approvedBy);
  const requester = input.requester.slackUserId;
  const selfApproved = approvers.has(requester);
  if (selfApproved && (!group.allowSelfApproval || group.requiredApprovals > 1)) {
    return `the requester may not approve their own request for ${label}`;
  }
  // Whoever approved must be an approver now: the input's list may be older (an approver left the policy while the
  // request was pending) or forged. A requester who approved their own request is one of them too (allowSelfApproval).
  const strangers = [...approvers].filter((a) => !group.approvers.includes(a));
  if (strangers.length > 0) {
    return `${strangers.join(', ')} ${strangers.length === 1 ? 'is not an approver' : 'are not approvers'} of ${label}`;
  }
  if (approvers.size < group.requiredApprovals) {
    return `${label} needs ${group.requiredApprovals} approvals, the grant has ${approvers.size}`;
  }
  return undefined;
}

export interface PolicyCheckDeps {
  /** The worker's policy as it stands now. */
  policy: () => JitPolicy;
  slack: WebClient;
  /** Where a refusal is reported (the reconciler's channel). */
  securityChannel: string;
}

export function createPolicyCheckActivities(deps: PolicyCheckDeps) {
  return {
    /** The worker's refusal of the grant, or undefined; a refusal is logged and reported in the security channel. */
    async checkGrantPolicy(check: GrantPolicyCheck): Promise<string | undefined> {
      const refusal = grantPolicyRefusal(deps.policy(), check);
      if (refusal === undefined) return undefined;
      const who = `${check.input.requester.email} → ${check.input.group.name} (${check.input.group.id})`;
      log.warn("Grant refused by the worker's policy", { grant: who, refusal });
      try {
        await deps.slack.chat.postMessage({
          channel: deps.securityChannel,
          text: `:rotating_light: A grant the worker's policy does not allow was refused before any change: ${who}: ${refusal}. Someone may be writing to the Temporal namespace directly.`,
        });
      } catch (err) {
        // The refusal stands without the alert; the log line above is the record.
        log.error('Could not report the refused grant in the security channel', { error: String(err) });
      }
      return refusal;
    },
  };
}
