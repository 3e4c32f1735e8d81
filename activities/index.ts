import { type WebClient } from '@slack/web-api';
import { createMembershipActivities, type MembershipDirectory } from './membership';
import { createSlackNotificationActivities } from './slack-notifications';

export interface ActivityDeps {
  directory: MembershipDirectory;
  slack: WebClient;
}

/** Every activity the grant workflow calls, bound to clients constructed once by the worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMembershipActivities(deps.directory),
    ...createSlackNotificationActivities(deps.slack),
  };
}

export type Activities = ReturnType<typeof createActivities>;
