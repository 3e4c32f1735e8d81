import { type WebClient } from '@slack/web-api';
import { type AuditSink } from '../integrations/audit/audit-sinks';
import { type DirectoryInsightsClient } from '../integrations/jumpcloud/insights-client';
import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createAuditActivities } from './audit';
import { type JitPolicy } from '../config/policy';
import { type ReconcilerConfig } from '../workflows/reconciler/reconciler-types';
import { createMembershipActivities, type MembershipDirectory } from './membership';
import { createPolicyCheckActivities } from './policy-check';
import { createReconcileActivities, type ReconcileDirectory, type ReconcileGrants } from './reconcile';
import { createSlackNotificationActivities } from './slack-notifications';

export interface ActivityDeps {
  directory: MembershipDirectory & ReconcileDirectory & Pick<JumpCloudClient, 'listUserGroupIds'>;
  slack: WebClient;
  /** Temporal's view of the grants, for the reconciler's reads. */
  grants: ReconcileGrants;
  /** Where the audit trail goes (ServiceNow, Jira, webhook); none by default. */
  auditSinks?: readonly AuditSink[];
  /** The worker's policy as it stands now: the last word on every grant before JumpCloud changes. */
  policy: () => JitPolicy;
  /** Where refusals of the worker's policy are reported. */
  securityChannel: string;
  /** The reconciler's configuration: the worker's policy groups, the interval and the security channel. */
  reconcilerConfig: () => ReconcilerConfig;
  /** JumpCloud Directory Insights, when the reconciler follows it between sweeps. */
  insights?: Pick<DirectoryInsightsClient, 'membershipChanges'>;
}

/** Every activity the grant workflow and the reconciler call, bound to clients constructed once by the worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createMembershipActivities(deps.directory),
    ...createSlackNotificationActivities(deps.slack),
    ...createReconcileActivities(deps),
    ...createAuditActivities(deps.auditSinks ?? []),
    ...createPolicyCheckActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
