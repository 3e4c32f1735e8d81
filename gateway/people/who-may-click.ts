import { findPolicyGroup, type JitPolicy, policyGroupLabel } from '../../config/policy';
import { parseGrantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { mayRequest } from './requester-rules';
import { type PeopleDeps, requesterAccountProblem, resolvePerson } from './resolve-person';

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

/**
 * Why the gateway will not send this click to the grant, as a sentence for the clicker, or undefined. The policy the
 * gateway runs with now decides who may decide (a grant's input carries the approvers of the day it was asked, and
 * its validator still has its own say); the clicker's Slack and JumpCloud accounts are read again (guests, other
 * workspaces, suspended or locked accounts decide nothing); and no access is approved for a requester whose JumpCloud
 * account is no longer active. A revocation is never held here: ending access is always welcome, and the workflow
 * checks who asks. Throws when Slack or JumpCloud cannot be read (nothing is sent then either).
 */
export async function clickRefusal(
  deps: PeopleDeps & { policy: JitPolicy },
  workflowId: string,
  clicker: string,
  kind: ClickKind,
): Promise<string | undefined> {
  if (kind === 'revoke') return undefined;
  const ids = parseGrantWorkflowId(workflowId);
  const group = ids && findPolicyGroup(deps.policy, ids.groupId);
  if (!ids || !group) return 'this group is no longer in the access policy: nobody can decide on it here';
  const label = policyGroupLabel(group);
  if (DECISIONS.has(kind) && !group.approvers.includes(clicker)) return `you are not an approver for ${label}`;
  const clickerAccount = await resolvePerson(deps, clicker);
  if (!clickerAccount.ok) {
    if (clickerAccount.cause) throw clickerAccount.cause;
    return clickerAccount.problem;
  }
  if (kind === 'extend') {
    const memberOf = await deps.directory.listUserGroupIds(clickerAccount.person.jumpcloudUserId);
    if (!mayRequest(group, clicker, memberOf)) return `you are no longer among the people who may request ${label}`;
  }
  if (kind === 'approve' || kind === 'approveExtension') return requesterAccountProblem(deps, ids.jumpcloudUserId);
  return undefined;
}
