import { escapeMrkdwn } from '../../integrations/slack/block-kit/elements';
import { isSlackPlatformError } from '../../integrations/slack/slack-error';
import { type Requester } from '../../workflows/grant/grant-types';
import { type GatewayDirectory, type GatewaySlack } from '../deps';
import { jumpCloudAccountProblem } from '../../integrations/jumpcloud/account-state';
import { slackAccountProblem } from './account-rules';

export type PersonResolution =
  | { ok: true; person: Requester }
  /** `problem` is mrkdwn for the person, saying what is wrong and what to do; `cause` is for the log only. */
  | { ok: false; problem: string; cause?: unknown };

export interface PeopleDeps {
  slack: GatewaySlack;
  directory: GatewayDirectory;
  /** The Slack workspace the app is installed in (auth.test's team_id). */
  ownTeamId(): Promise<string>;
}

/**
 * Slack user → their Slack account, checked → its profile email → their JumpCloud account, checked: the one way the
 * gateway learns who is asking or deciding, so the request form, its submission, extensions and every decision apply
 * the same rules (gateway/people/account-rules.ts). Every way it can fail ends in a message the person can act on.
 */
export async function resolvePerson(deps: PeopleDeps, slackUserId: string): Promise<PersonResolution> {
  let email: string | undefined;
  try {
    const [{ user }, ownTeamId] = await Promise.all([deps.slack.users.info({ user: slackUserId }), deps.ownTeamId()]);
    if (!user) return { ok: false, problem: "I couldn't find your Slack account." };
    const problem = slackAccountProblem(user, ownTeamId);
    if (problem)
      return { ok: false, problem: `Your Slack account ${problem}: only members of this workspace can do this.` };
    email = user.profile?.email?.trim() || undefined;
  } catch (err) {
    if (isSlackPlatformError(err, 'user_not_found'))
      return { ok: false, problem: "I couldn't find your Slack account." };
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
        problem: `No JumpCloud account has the email *${escapeMrkdwn(email)}*. Please ask IT to check your JumpCloud account.`,
      };
    }
    const problem = jumpCloudAccountProblem(user);
    if (problem) return { ok: false, problem: `Your JumpCloud account (*${escapeMrkdwn(email)}*) ${problem}.` };
    return { ok: true, person: { slackUserId, email, jumpcloudUserId: user.id } };
  } catch (err) {
    return {
      ok: false,
      problem: "I couldn't reach JumpCloud just now. Please try again in a few minutes.",
      cause: err,
    };
  }
}

/** `auth.test`'s team_id, asked once; a failed answer is asked again next time. */
export function ownTeamIdOf(slack: Pick<GatewaySlack, 'auth'>): () => Promise<string> {
  let teamId: string | undefined;
  return async () => {
    if (teamId === undefined) {
      const answer = await slack.auth.test();
      if (!answer.team_id) throw new Error('Slack auth.test returned no team_id');
      teamId = answer.team_id;
    }
    return teamId;
  };
}
