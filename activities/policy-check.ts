import { log } from '@temporalio/activity';
import { type WebClient } from '@slack/web-api';
import { findPolicyGroup, type JitPolicy, policyGroupLabel, type PolicyGroup } from '../config/policy';
import { requesterAccountProblem } from '../integrations/jumpcloud/account-state';
import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { type GrantInput } from '../workflows/grant/grant-types';

/** What the worker checks before a grant's add: the grant as it asks, and who approved it. */
export interface GrantPolicyCheck {
  input: Pick<GrantInput, 'group' | 'requester' | 'durationSeconds' | 'policy' | 'breakGlass'>;
  /** The Slack IDs of the approvals that make the quorum (none for break-glass). */
  approvedBy: string[];
  /** Approvers by JumpCloud approver group, as the gateway found them: Slack ID → group ID (absent = none). */
  approvedVia?: Record<string, string>;
  /** The approvers whose approval carries a step-up sign-in (absent = none). */
  steppedUp?: string[];
}

/**
 * Why the worker's own policy forbids this grant, or undefined. Anyone who can write to the Temporal namespace can
 * start a grant with any input and send any Update: the workflow's validators enforce the policy the input carries,
 * and this is where the policy the worker was deployed with has the last word before JumpCloud changes. An input may
 * be stricter than the policy (a request made before a change that loosened it), never looser.
 */
export function grantPolicyRefusal(
  policy: JitPolicy,
  check: GrantPolicyCheck,
  /** Approvers the worker found in one of the group's approverGroups in JumpCloud just now (directoryApprovers). */
  inApproverGroups: ReadonlySet<string> = new Set(),
): string | undefined {
  const { input, approvedBy } = check;
  const group = findPolicyGroup(policy, input.group.id);
  if (!group) return `the group ${input.group.id} is not in the worker's policy`;
  const label = policyGroupLabel(group);
  if (input.breakGlass) {
    if (!group.breakGlass) return `${label} does not allow break-glass access`;
    if (group.stepUp && input.breakGlass.stepUp === undefined) {
      return `${label} needs a fresh sign-in for break-glass access, and the grant carries none`;
    }
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
  const strangers = [...approvers].filter((a) => !group.approvers.includes(a) && !inApproverGroups.has(a));
  if (strangers.length > 0) {
    return `${strangers.join(', ')} ${strangers.length === 1 ? 'is not an approver' : 'are not approvers'} of ${label}`;
  }
  // The worker's policy says whether sign-in is needed: a grant whose input left it out (older, or forged) needs it too.
  const unconfirmed = group.stepUp ? [...approvers].filter((a) => !(check.steppedUp ?? []).includes(a)) : [];
  if (unconfirmed.length > 0) {
    return `${label} needs a fresh sign-in with every approval; ${unconfirmed.join(', ')} approved without one`;
  }
  if (approvers.size < group.requiredApprovals) {
    return `${label} needs ${group.requiredApprovals} approvals, the grant has ${approvers.size}`;
  }
  return undefined;
}

/**
 * The approvers of the check, named by approver group and not listed by Slack ID, who are members of one of the
 * group's `approverGroups` in JumpCloud now (Slack ID → Slack profile email → JumpCloud user → its groups), so that
 * an approver removed from the group in JumpCloud approves nothing, whatever the gateway saw at the click.
 */
export async function directoryApprovers(
  deps: Pick<PolicyCheckDeps, 'slack' | 'directory'>,
  policy: JitPolicy,
  check: GrantPolicyCheck,
): Promise<Set<string>> {
  const group = findPolicyGroup(policy, check.input.group.id);
  const found = new Set<string>();
  if (!group || group.approverGroups.length === 0) return found;
  for (const slackUserId of Object.keys(check.approvedVia ?? {})) {
    if (group.approvers.includes(slackUserId)) continue;
    if (await inApproverGroup(deps, group, slackUserId)) found.add(slackUserId);
  }
  return found;
}

/** Whether this Slack user is now a member of one of the group's `approverGroups` in JumpCloud (by profile email). */
async function inApproverGroup(
  deps: Pick<PolicyCheckDeps, 'slack' | 'directory'>,
  group: PolicyGroup,
  slackUserId: string,
): Promise<boolean> {
  if (group.approverGroups.length === 0) return false;
  const email = (await deps.slack.users.info({ user: slackUserId })).user?.profile?.email;
  const user = email ? await deps.directory.findUserByEmail(email) : undefined;
  const memberOf = user ? await deps.directory.listUserGroupIds(user.id) : [];
  return group.approverGroups.some((id) => memberOf.includes(id));
}

export interface PolicyCheckDeps {
  /** The worker's policy as it stands now. */
  policy: () => JitPolicy;
  slack: WebClient;
  /** JumpCloud, to confirm approvers named by approver group and that the requester's account is still active. */
  directory: Pick<JumpCloudClient, 'findUserByEmail' | 'listUserGroupIds' | 'getUser'>;
  /** Where a refusal is reported (the reconciler's channel). */
  securityChannel: string;
}

export function createPolicyCheckActivities(deps: PolicyCheckDeps) {
  return {
    driftDeciderRefusal,
    /**
     * The worker's refusal of the grant, or undefined; a refusal is logged and reported in the security channel. The
     * policy first (a refusal there is a grant the gateway would never have sent), then the requester's JumpCloud
     * account, read again just before the add (suspended, locked or gone since the request was approved).
     */
    async checkGrantPolicy(check: GrantPolicyCheck): Promise<string | undefined> {
      const policy = deps.policy();
      const who = `${check.input.requester.email} → ${check.input.group.name} (${check.input.group.id})`;
      const refusal = grantPolicyRefusal(policy, check, await directoryApprovers(deps, policy, check));
      if (refusal !== undefined) {
        await report(
          who,
          refusal,
          `:rotating_light: A grant the worker's policy does not allow was refused before any change: ${who}: ${refusal}. Someone may be writing to the Temporal namespace directly.`,
        );
        return refusal;
      }
      const account = await requesterAccountProblem(deps.directory, check.input.requester.jumpcloudUserId);
      if (account !== undefined) {
        await report(who, account, `:no_entry: Access was not granted, nothing was changed: ${who}: ${account}.`);
      }
      return account;
    },
  };

  /**
   * Why this Slack user may not remove or keep a drift of the group, or undefined: an approver by Slack ID in the
   * worker's policy now, or a member now of one of its JumpCloud approver groups.
   */
  async function driftDeciderRefusal(decider: { groupId: string; slackUserId: string }): Promise<string | undefined> {
    const group = findPolicyGroup(deps.policy(), decider.groupId);
    if (!group) return `the group ${decider.groupId} is not in the worker's policy`;
    if (group.approvers.includes(decider.slackUserId)) return undefined;
    if (await inApproverGroup(deps, group, decider.slackUserId)) return undefined;
    log.warn('Drift decision refused: not an approver', { groupId: decider.groupId, slackUserId: decider.slackUserId });
    return `${decider.slackUserId} is not an approver of ${policyGroupLabel(group)}`;
  }

  async function report(who: string, refusal: string, text: string): Promise<void> {
    log.warn("Grant refused by the worker's checks", { grant: who, refusal });
    try {
      await deps.slack.chat.postMessage({ channel: deps.securityChannel, text });
    } catch (err) {
      // The refusal stands without the alert; the log line above is the record.
      log.error('Could not report the refused grant in the security channel', { error: String(err) });
    }
  }
}
