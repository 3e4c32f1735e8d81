import { findPolicyGroup, type JitPolicy } from '../config/policy';
import { GrantRefusedError, type GrantService } from '../integrations/temporal/grant-service';

/**
 * The worker's policy is the authority, and it takes effect when a worker starts with it: a pending request for a
 * group the policy no longer lists is withdrawn (its requester and approval message are told why), so nobody waits on
 * a request nobody may approve. An active grant of such a group keeps its expiry; no extension or decision on it passes
 * the gateway (gateway/people/who-may-click.ts), and the reconciler stops sweeping the group. Each worker does this at
 * its start; a request already closed is refused by the Update's validator and left alone. What happened, a line each.
 */
export async function closeRequestsOfGroupsLeft(
  policy: JitPolicy,
  grants: Pick<GrantService, 'list' | 'closeForPolicy'>,
): Promise<string[]> {
  const pending = await grants.list({ openOnly: true, ownQueueOnly: true, status: 'PENDING_APPROVAL', limit: 1000 });
  const lines: string[] = [];
  for (const grant of pending.filter((g) => !findPolicyGroup(policy, g.groupId))) {
    const reason = `its group (${grant.groupId}) is no longer in the access policy`;
    try {
      await grants.closeForPolicy(grant.workflowId, { reason }, `${grant.workflowId}:close-for-policy`, grant.runId);
      lines.push(`withdrew ${grant.workflowId}: ${reason}`);
    } catch (err) {
      if (err instanceof GrantRefusedError) continue;
      lines.push(`could not withdraw ${grant.workflowId} (${String(err)})`);
    }
  }
  return lines;
}
