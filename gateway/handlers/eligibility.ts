import { type JitPolicy, type PolicyGroup } from '../../config/policy';
import { escapeMrkdwn } from '../../integrations/slack/block-kit/elements';
import { type GrantService } from '../../integrations/temporal/grant-service';
import { type Requester } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { type GatewayDirectory, type GatewaySlack } from '../deps';

export type Eligibility =
  /** `groups` can be requested; `extendable` are held through a running grant, which choosing them extends. */
  | { ok: true; requester: Requester; groups: PolicyGroup[]; extendable: PolicyGroup[] }
  /** `problem` is mrkdwn for the requester, saying what is wrong and what to do; `cause` is for the log only. */
  | { ok: false; problem: string; cause?: unknown };

/**
 * Slack user → Slack profile email → JumpCloud user → the groups they are in → the policy's groups they may ask for
 * (the Slack profile email is the identity both systems share). Every way this can fail ends in a message the
 * requester can act on.
 */
export async function resolveEligibility(
  deps: {
    slack: GatewaySlack;
    directory: GatewayDirectory;
    policy: JitPolicy;
    grants: Pick<GrantService, 'isRunning'>;
  },
  slackUserId: string,
): Promise<Eligibility> {
  let email: string | undefined;
  try {
    const { user } = await deps.slack.users.info({ user: slackUserId });
    if (user?.deleted || user?.is_bot) return { ok: false, problem: 'Only active people can request access.' };
    email = user?.profile?.email?.trim() || undefined;
  } catch (err) {
    return {
      ok: false,
      problem: "I couldn't read your Slack profile just now. Please try again in a minute.",
      cause: err,
    };
  }
  if (!email) {
    return {
      ok: false,
      problem:
        "Your Slack profile has no email address I can read, so I can't find your JumpCloud account. Please ask your Slack admin.",
    };
  }

  try {
    const user = await deps.directory.findUserByEmail(email);
    if (!user) {
      return {
        ok: false,
        problem: `No JumpCloud account has the email *${escapeMrkdwn(email)}*, so there is nothing I can grant you. Please ask IT to check your JumpCloud account.`,
      };
    }
    if (user.state === 'SUSPENDED')
      return { ok: false, problem: `Your JumpCloud account (*${escapeMrkdwn(email)}*) is suspended.` };
    const memberOf = new Set(await deps.directory.listUserGroupIds(user.id));
    const groups = deps.policy.groups.filter((group) => !memberOf.has(group.id));
    // A group held through a running grant is offered too: choosing it asks to extend that grant.
    const extendable: PolicyGroup[] = [];
    for (const group of deps.policy.groups.filter((g) => memberOf.has(g.id))) {
      if (await deps.grants.isRunning(grantWorkflowId(user.id, group.id))) extendable.push(group);
    }
    if (groups.length === 0 && extendable.length === 0) {
      return {
        ok: false,
        problem: 'You are already a member of every group that can be requested here, so there is nothing to ask for.',
      };
    }
    return { ok: true, requester: { slackUserId, email, jumpcloudUserId: user.id }, groups, extendable };
  } catch (err) {
    return {
      ok: false,
      problem: "I couldn't reach JumpCloud just now. Please try again in a few minutes.",
      cause: err,
    };
  }
}
