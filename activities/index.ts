import { type WebClient } from '@slack/web-api';
import { type AuditSink } from '../integrations/audit/audit-sinks';
import { createAuditActivities } from './audit';
import { createMembershipActivities, type MembershipDirectory } from './membership';
import { createReconcileActivities, type ReconcileDirectory, type ReconcileGrants } from './reconcile';
import { createSlackNotificationActivities } from './slack-notifications';

export interface ActivityDeps {
  directory: MembershipDirectory & ReconcileDirectory;
  slack: WebClient;
  /** Temporal's view of the grants, for the reconciler's reads. */
  grants: ReconcileGrants;
  /** Where the audit trail goes (ServiceNow, Jira, webhook); none by default. */
  auditSinks?: readonly AuditSink[];
}

/** Every activity the grant workflow and the reconciler call, bound to clients constructed once by the worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMembershipActivities(deps.directory),
    ...createSlackNotificationActivities(deps.slack),
    ...createReconcileActivities(deps),
    ...createAuditActivities(deps.auditSinks ?? []),
  };
}

export type Activities = ReturnType<typeof createActivities>;
