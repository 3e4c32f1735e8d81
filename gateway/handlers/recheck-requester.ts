import { type PolicyGroup, policyGroupLabel } from '../../config/policy';
import { escapeMrkdwn } from '../../integrations/slack/block-kit/elements';
import { type GrantInput } from '../../workflows/grant/grant-types';
import { type GatewayServices } from '../deps';
import { breakGlassRefusal } from '../people/break-glass-limits';
import { mayRequest } from '../people/requester-rules';
import { resolvePerson } from '../people/resolve-person';

/**
 * The form may have stayed open while the requester's accounts or the group's requesters changed: the person is
 * resolved again at submit, by the same rules as when the form opened. The refusal for their DM, or the JumpCloud
 * groups they are in.
 */
export async function recheckRequester(
  services: GatewayServices,
  input: GrantInput,
  group: PolicyGroup,
  label: string,
): Promise<string | { memberOf: string[] }> {
  const { slackUserId, jumpcloudUserId } = input.requester;
  const resolved = await resolvePerson(services, slackUserId);
  if (!resolved.ok) {
    if (resolved.cause) services.log.warn({ err: resolved.cause, slackUserId }, 'could not resolve the requester');
    return `:no_entry: Your request for ${label} was not sent. ${resolved.problem}`;
  }
  if (resolved.person.jumpcloudUserId !== jumpcloudUserId) {
    return `:no_entry: Your request for ${label} was not sent: your JumpCloud account changed since the form opened. Please type \`${services.config.SLACK_COMMAND}\` again.`;
  }
  const memberOf = await services.directory.listUserGroupIds(jumpcloudUserId);
  if (input.breakGlass) {
    const refusal = await breakGlassRefusal(services, group, slackUserId, memberOf);
    if (refusal !== undefined) {
      await alertBreakGlassRefused(services, group, slackUserId, refusal);
      return `:no_entry: Break-glass access to ${label} was refused: ${refusal}.`;
    }
  } else if (!mayRequest(group, slackUserId, memberOf)) {
    return `:no_entry: Your request for ${label} was not sent: you are not among the people who may request it.`;
  }
  return { memberOf };
}

/** A refused break-glass is news for whoever watches the group's break-glass alerts; the refusal stands without it. */
async function alertBreakGlassRefused(
  services: GatewayServices,
  group: PolicyGroup,
  slackUserId: string,
  refusal: string,
): Promise<void> {
  if (!group.breakGlass) return;
  try {
    await services.slack.chat.postMessage({
      channel: group.breakGlass.alertChannel,
      text: `:warning: <@${slackUserId}> asked for break-glass access to *${escapeMrkdwn(policyGroupLabel(group))}* and was refused: ${refusal}.`,
    });
  } catch (err) {
    services.log.warn({ err, slackUserId }, 'could not alert the refused break-glass');
  }
}
