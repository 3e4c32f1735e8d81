/** What Slack's users.info says about a person that decides whether we trust them (Slack's `user` object). */
export interface SlackAccountFacts {
  team_id?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  /** A multi-channel guest. */
  is_restricted?: boolean;
  /** A single-channel guest. */
  is_ultra_restricted?: boolean;
  /** Someone of another workspace, seen through a shared channel. */
  is_stranger?: boolean;
}

/**
 * Why this Slack account may not ask or decide, as the end of "your Slack account …", or undefined. Only full members
 * of the app's own workspace count: guests, people of another workspace (Slack Connect), bots and deactivated
 * accounts do not, whatever JumpCloud says about the email they carry.
 */
export function slackAccountProblem(user: SlackAccountFacts, ownTeamId: string): string | undefined {
  if (user.deleted) return 'is deactivated';
  if (user.is_bot || user.is_app_user) return 'is a bot';
  if (user.is_restricted || user.is_ultra_restricted) return 'is a guest account';
  if (user.is_stranger || (user.team_id !== undefined && user.team_id !== ownTeamId)) {
    return 'belongs to another Slack workspace';
  }
  return undefined;
}
