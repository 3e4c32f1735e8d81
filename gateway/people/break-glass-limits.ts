import { formatDuration } from '../../config/durations';
import { type PolicyGroup, policyGroupLabel } from '../../config/policy';
import { type GrantService } from '../../integrations/temporal/grant-service';
import { mayRequest } from './requester-rules';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Why this person may not take break-glass access to the group now, as the end of "Break-glass access to X was
 * refused: …", or undefined. Who: the break-glass `requesters`, else the group's. How often: at most `maxPerDay` in any
 * 24 hours and not within `cooldown` of the last one, counted from Temporal's list of the person's break-glass grants
 * of the group (visibility lags a second or so; a grant of the same person and group cannot run twice at once anyway).
 */
export async function breakGlassRefusal(
  deps: { grants: Pick<GrantService, 'list'>; now(): number },
  group: PolicyGroup,
  slackUserId: string,
  memberOf: readonly string[],
): Promise<string | undefined> {
  const rules = group.breakGlass;
  if (!rules) return `${policyGroupLabel(group)} does not allow break-glass`;
  const requesters = rules.requesters ?? group.requesters;
  if (!mayRequest({ ...group, requesters }, slackUserId, memberOf)) {
    return 'you are not among the people who may take break-glass access to it';
  }
  const since = deps.now() - DAY_MS;
  const recent = (
    await deps.grants.list({
      requesterSlackUserId: slackUserId,
      groupId: group.id,
      breakGlassOnly: true,
      limit: rules.maxPerDay + 1,
    })
  ).filter((grant) => grant.startTime.getTime() > since);
  if (recent.length >= rules.maxPerDay) {
    return `you have taken it ${recent.length} times in the last 24 hours (maxPerDay is ${rules.maxPerDay})`;
  }
  const last = Math.max(...recent.map((grant) => grant.startTime.getTime()));
  const wait = last + rules.cooldownSeconds * 1000 - deps.now();
  if (recent.length > 0 && wait > 0) {
    return `your last break-glass access to it began less than ${formatDuration(rules.cooldownSeconds)} ago; you may take it again in ${formatDuration(Math.ceil(wait / 1000))}`;
  }
  return undefined;
}
