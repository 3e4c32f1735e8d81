import { type WebClient } from '@slack/web-api';
import { createMembershipActivities, type MembershipDirectory } from './membership';
import { createReconcileActivities, type ReconcileDirectory, type ReconcileGrants } from './reconcile';
import { createSlackNotificationActivities } from './slack-notifications';

export interface ActivityDeps {
  directory: MembershipDirectory & ReconcileDirectory;
  slack: WebClient;
  /** Temporal's view of the grants, for the reconciler's reads. */
  grants: ReconcileGrants;
}

/** Every activity the grant workflow and the reconciler call, bound to clients constructed once by the worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMembershipActivities(deps.directory),
    ...createSlackNotificationActivities(deps.slack),
    ...createReconcileActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
