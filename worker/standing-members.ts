import { type JitPolicy, policyGroupLabel } from '../config/policy';
import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';

/**
 * The policy's standing-member emails that match no JumpCloud user, as lines for the worker's log at start: the
 * reconciler would take such a person for drift, so it holds that group's removals (and says so in the security
 * channel) until the policy is fixed. JumpCloud unreachable at start is said too, and the worker starts anyway.
 */
export async function unresolvedStandingMembers(
  policy: JitPolicy,
  directory: Pick<JumpCloudClient, 'findUserByEmail'>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const group of policy.groups) {
    for (const entry of group.standingMembers.filter((m) => m.includes('@'))) {
      try {
        if (!(await directory.findUserByEmail(entry))) {
          problems.push(`${policyGroupLabel(group)}: standing member ${entry} matches no JumpCloud user`);
        }
      } catch (err) {
        problems.push(`${policyGroupLabel(group)}: standing member ${entry} could not be checked (${String(err)})`);
      }
    }
  }
  return problems;
}
