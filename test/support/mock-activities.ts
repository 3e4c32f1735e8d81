import { type Activities } from '../../activities';
import { people } from './grant-inputs';

/** The activities the grant workflow calls (the worker's full set may hold others, e.g. the reconciler's). */
export type GrantActivities = Pick<
  Activities,
  | 'checkGrantPolicy'
  | 'isGroupMember'
  | 'addMembership'
  | 'revokeMembership'
  | 'postApprovalRequest'
  | 'updateApprovalMessage'
  | 'notifyRequester'
  | 'announceGrant'
  | 'postExtensionRequest'
  | 'updateExtensionRequest'
  | 'notifyExtension'
  | 'remindRequester'
  | 'tellRemovedOutside'
  | 'escalateApproval'
  | 'postBreakGlassAlert'
  | 'updateBreakGlassAlert'
  | 'postBreakGlassUnreviewed'
  | 'auditSinks'
  | 'recordAuditEvent'
>;

export type ActivityName = keyof GrantActivities;

/** The grant's JumpCloud activities: the calls a test follows to know what JumpCloud was asked. */
export const MEMBERSHIP_ACTIVITIES: readonly ActivityName[] = ['isGroupMember', 'addMembership', 'revokeMembership'];

/** The grant's Slack activities. */
export const SLACK_ACTIVITIES: readonly ActivityName[] = [
  'postApprovalRequest',
  'updateApprovalMessage',
  'notifyRequester',
  'announceGrant',
  'postExtensionRequest',
  'updateExtensionRequest',
  'notifyExtension',
  'remindRequester',
  'tellRemovedOutside',
  'escalateApproval',
  'postBreakGlassAlert',
  'updateBreakGlassAlert',
  'postBreakGlassUnreviewed',
];

/** The worker's activities that only the reconciler calls. */
export type ReconcilerOnlyActivities = Omit<Activities, keyof GrantActivities>;

export interface ActivityCall {
  name: ActivityName;
  args: unknown[];
  /** 'threw' for an attempt that failed (Temporal may retry it), 'returned' for one that completed. */
  outcome: 'returned' | 'threw';
}

export interface RecordingActivities {
  /** Pass to `Worker.create({ activities })`. */
  activities: GrantActivities;
  /** Every attempt of every activity, in completion order. */
  calls: ActivityCall[];
  /** Attempts of one activity, failed ones included. */
  attempts(name: ActivityName): ActivityCall[];
  /** Attempts of one activity that completed. */
  completed(name: ActivityName): ActivityCall[];
}

/**
 * Plain in-memory activities for the grant workflow: by default the requester is not a member, every membership
 * change succeeds and every Slack call succeeds. `overrides` replace single activities (e.g. one that throws).
 */
export function recordingActivities(overrides: Partial<GrantActivities> = {}): RecordingActivities {
  const calls: ActivityCall[] = [];
  let nextTs = 1;
  const defaults: GrantActivities = {
    // The worker's policy allows every grant unless a test says otherwise.
    checkGrantPolicy: async () => undefined,
    isGroupMember: async () => false,
    addMembership: async () => ({ alreadyMember: false }),
    revokeMembership: async () => ({ wasMember: true }),
    postApprovalRequest: async (state) => ({ channel: state.approvalChannel, ts: `1700000000.${String(nextTs++)}` }),
    updateApprovalMessage: async () => undefined,
    notifyRequester: async () => undefined,
    // Like the real one (activities/slack-notifications.ts): the updates, then the DM, as one activity. Made of the
    // test's choices for those three, so a test that breaks one breaks the announcement too.
    announceGrant: async (state) => {
      if (state.approvalMessage) await chosen.updateApprovalMessage(state.approvalMessage, state);
      if (state.breakGlassAlert) await chosen.updateBreakGlassAlert(state.breakGlassAlert, state);
      await chosen.notifyRequester(state);
    },
    postExtensionRequest: async (state) => ({
      channel: state.approvalChannel,
      ts: `1700000000.${String(nextTs++)}`,
    }),
    updateExtensionRequest: async () => undefined,
    notifyExtension: async () => undefined,
    remindRequester: async () => undefined,
    tellRemovedOutside: async () => undefined,
    escalateApproval: async () => undefined,
    postBreakGlassAlert: async (state) => ({
      channel: state.breakGlassAlertChannel ?? state.approvalChannel,
      ts: `1700000000.${String(nextTs++)}`,
    }),
    updateBreakGlassAlert: async () => undefined,
    postBreakGlassUnreviewed: async () => undefined,
    auditSinks: async () => [],
    recordAuditEvent: async () => undefined,
  };
  const chosen: GrantActivities = { ...defaults, ...overrides };

  const record = (name: ActivityName) => {
    const fn = chosen[name] as (...args: unknown[]) => Promise<unknown>;
    return async (...args: unknown[]) => {
      try {
        const result = await fn(...args);
        calls.push({ name, args, outcome: 'returned' });
        return result;
      } catch (err) {
        calls.push({ name, args, outcome: 'threw' });
        throw err;
      }
    };
  };
  const activities = Object.fromEntries(
    (Object.keys(chosen) as ActivityName[]).map((name) => [name, record(name)]),
  ) as unknown as GrantActivities;

  return {
    activities,
    calls,
    attempts: (name) => calls.filter((c) => c.name === name),
    completed: (name) => calls.filter((c) => c.name === name && c.outcome === 'returned'),
  };
}

/** An activity body that throws `failure()` the first `times` calls, then behaves like `then`. */
export function failingFirst<A extends unknown[], R>(
  times: number,
  failure: () => Error,
  then: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  let failures = 0;
  return async (...args: A) => {
    if (failures < times) {
      failures += 1;
      throw failure();
    }
    return then(...args);
  };
}

/**
 * The worker's full activity set, for `createGrantWorker`: the grant's activities as given, and reconciler activities
 * that by default find no drift and post nothing. `reconciler` replaces single ones.
 */
export function mockWorkerActivities(
  grant: GrantActivities,
  reconciler: Partial<ReconcilerOnlyActivities> = {},
): Activities {
  return {
    inspectGroup: async ({ groupId }) => ({ groupId, members: 0, drift: [] }),
    reconcilerSettings: async () => {
      throw new Error('no reconciler settings in this test: pass reconcilerSettings');
    },
    removeDriftMember: async () => ({ removed: true }),
    postDriftAlert: async () => undefined,
    readMembershipChanges: async () => ({ changes: [], full: false }),
    postInsightsNotice: async () => undefined,
    driftDeciderRefusal: async ({ slackUserId }) => (slackUserId === people.approver ? undefined : 'not an approver'),
    ...reconciler,
    ...grant,
  };
}
