import { type PolicyGroup } from '../../config/policy';

/**
 * Whether the person may ask for the group: anyone when the group names no `requesters`, else a Slack user it names
 * or a member of a JumpCloud group it names (`memberOf`: the JumpCloud groups the person is in, nested ones included).
 */
export function mayRequest(group: PolicyGroup, slackUserId: string, memberOf: readonly string[]): boolean {
  const { requesters } = group;
  if (!requesters) return true;
  return (
    requesters.slackUserIds.includes(slackUserId) || requesters.jumpcloudGroupIds.some((id) => memberOf.includes(id))
  );
}
