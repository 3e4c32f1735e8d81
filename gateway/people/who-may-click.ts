import { findPolicyGroup, type JitPolicy, policyGroupLabel } from '../../config/policy';
import { parseGrantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { mayRequest } from './requester-rules';
import { requesterAccountProblem } from '../../integrations/jumpcloud/account-state';
import { type PeopleDeps, resolvePerson } from './resolve-person';

/** What a click asks of a grant (gateway/handlers/update-grant.ts names the same kinds). */
export type ClickKind =
  'approve' | 'reject' | 'revoke' | 'acknowledge' | 'extend' | 'approveExtension' | 'rejectExtension';

const DECISIONS: ReadonlySet<ClickKind> = new Set([
  'approve',
  'reject',
  'acknowledge',
  'approveExtension',
  'rejectExtension',
]);

/** The gateway's answer to a click: a refusal for the clicker, or go, with the approver group that made them one. */
export type ClickCheck = { refusal: string } | { refusal?: undefined; approverVia?: string };

/**
 * Whether the gateway sends this click to the grant. The policy the gateway runs with now decides who may decide (a
 * grant's input carries the approvers of the day it was asked, and its validator still has its own say): listed by
 * Slack ID, or a member now of one of the group's JumpCloud `approverGroups`, which is then named in the Update. The
 * clicker's Slack and JumpCloud accounts are read again (guests, other workspaces, suspended or locked accounts decide
 * nothing), and no access is approved for a requester whose JumpCloud account is no longer active. A revocation is
 * never held here: ending access is always welcome, and the workflow checks who asks. Throws when Slack or JumpCloud
 * cannot be read (nothing is sent then either).
 */
export async function checkClick(
  deps: PeopleDeps & { policy: JitPolicy },
  workflowId: string,
  clicker: string,
  kind: ClickKind,
): Promise<ClickCheck> {
  if (kind === 'revoke') return {};
  const ids = parseGrantWorkflowId(workflowId);
  const group = ids && findPolicyGroup(deps.policy, ids.groupId);
  if (!ids || !group) return { refusal: 'this group is no longer in the access policy' };
  const label = policyGroupLabel(group);
  const deciding = DECISIONS.has(kind);
  const listed = group.approvers.includes(clicker);
  if (deciding && !listed && group.approverGroups.length === 0)
    return { refusal: `you are not an approver for ${label}` };
  const clickerAccount = await resolvePerson(deps, clicker);
  if (!clickerAccount.ok) {
    if (clickerAccount.cause) throw clickerAccount.cause;
    return { refusal: clickerAccount.problem };
  }
  let approverVia: string | undefined;
  if (kind === 'extend' || (deciding && !listed)) {
    const memberOf = await deps.directory.listUserGroupIds(clickerAccount.person.jumpcloudUserId);
    if (kind === 'extend' && !mayRequest(group, clicker, memberOf)) {
      return { refusal: `you are no longer among the people who may request ${label}` };
    }
    if (deciding && !listed) {
      approverVia = group.approverGroups.find((id) => memberOf.includes(id));
      if (approverVia === undefined) return { refusal: `you are not an approver for ${label}` };
    }
  }
  if (kind === 'approve' || kind === 'approveExtension') {
    const problem = await requesterAccountProblem(deps.directory, ids.jumpcloudUserId);
    // A sentence for the approver: "The requester's JumpCloud account is suspended."
    if (problem) return { refusal: `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.` };
  }
  return approverVia === undefined ? {} : { approverVia };
}

/**
 * Whether this Slack user may Remove now / Keep a drift of the group, by the policy the gateway runs with now: a
 * trusted account (as for any decision) listed as an approver, or a member now of one of the group's approver
 * groups. The reconciler asks the worker's policy again before anything changes. Throws when Slack or JumpCloud
 * cannot be read.
 */
export async function checkDriftDecider(
  deps: PeopleDeps & { policy: JitPolicy },
  groupId: string,
  clicker: string,
): Promise<{ refusal?: string }> {
  const group = findPolicyGroup(deps.policy, groupId);
  if (!group) return { refusal: 'this group is no longer in the access policy' };
  const notApprover = { refusal: `you are not an approver for ${policyGroupLabel(group)}` };
  const listed = group.approvers.includes(clicker);
  if (!listed && group.approverGroups.length === 0) return notApprover;
  const account = await resolvePerson(deps, clicker);
  if (!account.ok) {
    if (account.cause) throw account.cause;
    return { refusal: account.problem };
  }
  if (listed) return {};
  const memberOf = await deps.directory.listUserGroupIds(account.person.jumpcloudUserId);
  return group.approverGroups.some((id) => memberOf.includes(id)) ? {} : notApprover;
}
