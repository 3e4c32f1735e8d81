import { type JitPolicy, type PolicyGroup } from '../../config/policy';
import { type GrantService } from '../../integrations/temporal/grant-service';
import { type Requester } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { mayRequest } from '../people/requester-rules';
import { type PeopleDeps, resolvePerson } from '../people/resolve-person';

export type Eligibility =
  /** `groups` can be requested; `extendable` are held through a running grant, which choosing them extends. */
  | { ok: true; requester: Requester; groups: PolicyGroup[]; extendable: PolicyGroup[] }
  /** `problem` is mrkdwn for the requester, saying what is wrong and what to do; `cause` is for the log only. */
  | { ok: false; problem: string; cause?: unknown };

/**
 * The person (gateway/people/resolve-person.ts) → the JumpCloud groups they are in → the policy's groups they may
 * ask for (its `requesters`) and are not in yet, or hold through a running grant. Every way this can fail ends in a
 * message the requester can act on.
 */
export async function resolveEligibility(
  deps: PeopleDeps & { policy: JitPolicy; grants: Pick<GrantService, 'isRunning'> },
  slackUserId: string,
): Promise<Eligibility> {
  const resolved = await resolvePerson(deps, slackUserId);
  if (!resolved.ok) return resolved;
  const requester = resolved.person;
  try {
    const memberOf = await deps.directory.listUserGroupIds(requester.jumpcloudUserId);
    const askable = deps.policy.groups.filter((group) => mayRequest(group, slackUserId, memberOf));
    if (askable.length === 0) {
      return { ok: false, problem: 'No group here can be requested by you. Please ask your security team.' };
    }
    const groups = askable.filter((group) => !memberOf.includes(group.id));
    // A group held through a running grant is offered too: choosing it asks to extend that grant.
    const extendable: PolicyGroup[] = [];
    for (const group of askable.filter((g) => memberOf.includes(g.id))) {
      if (await deps.grants.isRunning(grantWorkflowId(requester.jumpcloudUserId, group.id))) extendable.push(group);
    }
    if (groups.length === 0 && extendable.length === 0) {
      return {
        ok: false,
        problem: 'You are already a member of every group that can be requested here, so there is nothing to ask for.',
      };
    }
    return { ok: true, requester, groups, extendable };
  } catch (err) {
    return {
      ok: false,
      problem: "I couldn't reach JumpCloud just now. Please try again in a few minutes.",
      cause: err,
    };
  }
}
