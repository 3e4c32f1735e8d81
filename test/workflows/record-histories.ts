/**
 * Records event histories of the workflows as they are today, for the replay test (test/workflows/replay.test.ts):
 * on a Temporal dev server of its own, each scenario runs on its own task queue with the real worker and mock
 * activities, is driven through the GrantService as the gateway drives it, and its history is written to
 * test/workflows/histories/<name>.json.
 *
 * Existing fixtures are kept: they stand for workflows already running in production, and re-recording them with
 * changed code would hide the very breakage the replay test exists to catch. `--overwrite` re-records them anyway.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import { type Activities } from '../../activities';
import { createGrantService, type GrantService } from '../../integrations/temporal/grant-service';
import { createReconcilerService, reconcilerWorkflowId } from '../../integrations/temporal/reconciler-service';
import { startTemporalDevServer } from '../../stand-ins/temporal/temporal-dev-server';
import { eventually } from '../support/eventually';
import { group, people, plainGrantInput } from '../support/grant-inputs';
import { type GrantActivities, mockWorkerActivities, recordingActivities } from '../support/mock-activities';
import { createGrantWorker, workflowsPath } from '../../worker/create-worker';
import {
  type GrantInput,
  MEMBERSHIP_ADD_REFUSED,
  type GrantPolicy,
  type GrantState,
  type GrantStatus,
} from '../../workflows/grant/grant-types';
import { grantStateQuery, removedOutsideSignal } from '../../workflows/grant/grant-updates';
import { PATCHES, type PatchName } from '../../workflows/patches';
import { type ReconcilerConfig } from '../../workflows/reconciler/reconciler-types';

const root = join(__dirname, '..', '..');
const historiesDir = join(root, 'test', 'workflows', 'histories');
const NAMESPACE = 'default';

/** All three audit sinks configured; ServiceNow and Jira answer with a record. */
const auditedActivities: Partial<GrantActivities> = {
  auditSinks: async () => ['servicenow', 'jira', 'webhook'],
  recordAuditEvent: async (sink) =>
    sink === 'webhook'
      ? undefined
      : { id: `${sink}-sys-id`, label: sink === 'jira' ? 'SEC-1' : 'JIT0001001', url: `https://${sink}.example/1` },
};

interface ScenarioContext {
  client: Client;
  grants: GrantService;
  taskQueue: string;
}

interface Scenario {
  /** The fixture's file name, without .json. */
  name: string;
  activities: () => Activities;
  /** Drives the workflow through the scenario, checks it went as intended, and returns its history. */
  record(context: ScenarioContext): Promise<History>;
}

interface StartedGrant extends ScenarioContext {
  workflowId: string;
  waitFor(status: GrantStatus): Promise<void>;
  /** Waits until the grant's state (its query) satisfies `check`. */
  waitUntil(what: string, check: (state: GrantState) => boolean): Promise<void>;
}

/** One policy group in report mode, runs a second apart: the reconciler scenarios' configuration. */
const REPORTING_RECONCILER: ReconcilerConfig = {
  intervalSeconds: 1,
  securityChannel: 'C0SECURITY',
  groups: [{ id: group.id, name: group.name, onDrift: 'report', standingMembers: [] }],
  timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 2 },
};

/** Slack down for every call: retried until the notification budget runs out, then given up. */
const slackDown = async (): Promise<never> => {
  throw ApplicationFailure.retryable('Slack answered 503', 'SlackError');
};

const approve = ({ grants, workflowId }: StartedGrant) =>
  grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: people.approver }, `${workflowId}-approve`);

/**
 * As in Slack, where nobody can click before the message is there: the approval request has been posted, so the
 * workflow is waiting for decisions when the first one arrives (not handed it with its first task).
 */
const whenPosted = (grant: StartedGrant) =>
  grant.waitUntil('the approval request to be posted', (state) => state.approvalMessage !== undefined);

/** The extension request has been posted to the approvers. */
const whenExtensionPosted = (grant: StartedGrant) =>
  grant.waitUntil('the extension request to be posted', (state) => state.extensions[0]?.approvalMessage !== undefined);

/** Approved, then 2 s more asked for and approved while active. */
const approveThenExtend = async (grant: StartedGrant) => {
  await whenPosted(grant);
  await approve(grant);
  await grant.waitFor('ACTIVE');
  await requestExtension(grant, 2);
  await whenExtensionPosted(grant);
  await decideExtension(grant, 'approve', people.approver);
};

/** The two-person rule: two distinct approvers, one after the other (the first leaves the request pending). */
const approveByTwo = async (grant: StartedGrant) => {
  await whenPosted(grant);
  const first = await approve(grant);
  if (first.status !== 'PENDING_APPROVAL') throw new Error(`one approval of two made it ${first.status}`);
  await grant.grants.decide(
    grant.workflowId,
    { decision: 'approve', deciderSlackUserId: people.secondApprover },
    `${grant.workflowId}-approve-2`,
  );
};

/** Approved, then its workflow cancelled once the access is active. */
const cancelWhenActive = async (grant: StartedGrant) => {
  await whenPosted(grant);
  await approve(grant);
  await grant.waitFor('ACTIVE');
  await grant.client.workflow.getHandle(grant.workflowId).cancel();
};

/** The requester asks for `extraSeconds` more on the active grant (extension 1). */
const requestExtension = ({ grants, workflowId }: StartedGrant, extraSeconds: number) =>
  grants.requestExtension(
    workflowId,
    { bySlackUserId: people.requester.slackUserId, extraSeconds, reason: 'the migration is still running' },
    `${workflowId}-extend`,
  );

const decideExtension = (
  { grants, workflowId }: StartedGrant,
  decision: 'approve' | 'reject',
  deciderSlackUserId: string,
  reason?: string,
) =>
  grants.decideExtension(
    workflowId,
    { extensionId: 1, decision, deciderSlackUserId, reason },
    `${workflowId}-extension-1-${decision}-${deciderSlackUserId}`,
  );

/** The messages of the checks that are false. */
const unmet = (...checks: [ok: boolean, problem: string][]): string[] =>
  checks.filter(([ok]) => !ok).map(([, problem]) => problem);

/** Patch markers recorded after the run's first workflow task. */
function patchMarkersAfterFirstTask(history: History): number {
  const events = history.events ?? [];
  const secondTask = events.filter((e) => e.workflowTaskCompletedEventAttributes)[1]?.eventId;
  if (secondTask === undefined || secondTask === null) return 0;
  return events.filter(
    (e) => e.markerRecordedEventAttributes?.markerName === 'core_patch' && Number(e.eventId) > Number(secondTask),
  ).length;
}

/** The activities the workflow scheduled, in order. */
function scheduledActivities(history: History): string[] {
  return (history.events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

/** The task queues each activity type was scheduled on. */
function activityQueues(history: History): Map<string, string[]> {
  const queues = new Map<string, string[]>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const name = scheduled?.activityType?.name;
    if (name) queues.set(name, [...(queues.get(name) ?? []), scheduled?.taskQueue?.name ?? '']);
  }
  return queues;
}

/** How many local activities the history records (one marker each). */
const localActivityMarkers = (history: History): number =>
  (history.events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .length;

/** How many timers the workflow started: each wait that a partial approval or an extension event woke is one more. */
const timersStarted = (history: History): number =>
  (history.events ?? []).filter((event) => event.timerStartedEventAttributes).length;

/** Whether the history records the patch `patchId` (a marker the SDK writes when `wf.patched()` first returns true). */
function hasPatchMarker(history: History, patch: PatchName): boolean {
  const patchId = PATCHES[patch].id;
  return (history.events ?? []).some((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return false;
    return Object.values(marker.details ?? {}).some((payloads) =>
      (payloads.payloads ?? []).some((payload) =>
        Buffer.from(payload.data ?? [])
          .toString('utf8')
          .includes(patchId),
      ),
    );
  });
}

/** The extension limits these scenarios run under: room for one extension of a few seconds. */
/** A JumpCloud approver group of the approver-group scenario. */
const APPROVER_GROUP = '64f0c0ffee0000000000c001';
/** The sign-in an approver of a group with step-up made, as the gateway verified it. */
const RECORDED_STEP_UP = {
  issuer: 'https://idp.example.com',
  subject: 'approver-subject',
  email: 'approver@example.com',
  authTime: '2026-12-07T12:00:00.000Z',
};

const withPolicy =
  (policy: Partial<GrantPolicy>, durationSeconds?: number) =>
  (input: GrantInput): GrantInput => ({
    ...input,
    durationSeconds: durationSeconds ?? input.durationSeconds,
    policy: { ...input.policy, ...policy },
  });

/**
 * An approved grant that hands off and expires: audited, and long enough for its messages and audit records to go out
 * before it expires.
 */
const approvedThenHandedOff = {
  activities: auditedActivities,
  input: (input: GrantInput): GrantInput => ({ ...input, durationSeconds: 5 }),
  drive: approve,
  status: 'EXPIRED',
} as const;

/**
 * One run of the grant workflow, started and driven through the GrantService. `closedAs` is how the workflow
 * execution closes, `status` the grant's final status.
 */
function grantScenario(
  name: string,
  options: {
    activities?: Partial<GrantActivities>;
    input?: (input: GrantInput) => GrantInput;
    drive?: (grant: StartedGrant) => Promise<unknown>;
    status: GrantStatus;
    closedAs?: 'COMPLETED' | 'CANCELLED';
    /** Which run's history is the fixture, when the grant continued as new: its first or (default) its last. */
    run?: 'first' | 'last';
    /** What else the final state and the history must show; returns the problems found. */
    check?: (final: GrantState, history: History) => string[];
  },
): Scenario {
  return {
    name,
    activities: () => mockWorkerActivities(recordingActivities(options.activities).activities),
    async record(context) {
      const { client, grants } = context;
      // Short times so every scenario ends in seconds; long access where the scenario ends it by hand.
      const plain = plainGrantInput({
        requestId: `req-${name}`,
        durationSeconds: 1,
        timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 2 },
        policy: { approvalTimeoutSeconds: 30 },
      });
      const started = await grants.start(options.input ? options.input(plain) : plain);
      if (started.outcome !== 'started') throw new Error(`${name}: the grant was not started (${started.outcome})`);
      const { workflowId } = started;
      const handle = client.workflow.getHandle(workflowId);
      await options.drive?.({
        ...context,
        workflowId,
        waitFor: async (status) => {
          await eventually(
            `${name} to reach ${status}`,
            async () => (await grants.state(workflowId)).status === status,
          );
        },
        waitUntil: async (what, check) => {
          await eventually(`${name}: ${what}`, async () => check(await grants.state(workflowId)));
        },
      });
      try {
        await handle.result();
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
      }
      const [description, final] = await Promise.all([handle.describe(), handle.query(grantStateQuery)]);
      const closedAs = options.closedAs ?? 'COMPLETED';
      if (description.status.name !== closedAs || final.status !== options.status) {
        throw new Error(
          `${name}: closed ${description.status.name} as ${final.status}, expected ${closedAs} as ${options.status}`,
        );
      }
      const firstRunId = description.raw.workflowExecutionInfo?.firstRunId ?? description.runId;
      const history = await (
        options.run === 'first' ? client.workflow.getHandle(workflowId, firstRunId) : handle
      ).fetchHistory();
      const problems = options.check?.(final, history) ?? [];
      if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
      return history;
    },
  };
}

const longAccess = (input: GrantInput): GrantInput => ({ ...input, durationSeconds: 600 });

/** Set by grant-cancelled-while-adding's add once its first attempt has failed: the scenario cancels then. */
let addAttempted = false;

/**
 * An add that lands, then times out as far as the worker can tell, and asks for its retry in 30 s: a cancellation in
 * that pause reaches the workflow with the add's outcome unknown.
 */
const landsThenTimesOut = async (): Promise<never> => {
  addAttempted = true;
  throw ApplicationFailure.create({
    message: 'JumpCloud POST timed out',
    type: 'JumpCloudError',
    nextRetryDelay: '30s',
  });
};

const scenarios: Scenario[] = [
  grantScenario('grant-approved-then-expired', { drive: approve, status: 'EXPIRED' }),
  grantScenario('grant-rejected-with-reason', {
    drive: ({ grants, workflowId }) =>
      grants.decide(
        workflowId,
        { decision: 'reject', deciderSlackUserId: people.secondApprover, reason: 'not during the freeze' },
        `${workflowId}-reject`,
      ),
    status: 'REJECTED',
  }),
  grantScenario('grant-approval-timed-out', {
    input: (input) => ({ ...input, policy: { ...input.policy, approvalTimeoutSeconds: 1 } }),
    status: 'TIMED_OUT',
  }),
  grantScenario('grant-revoked-early-by-requester', {
    input: longAccess,
    drive: async (grant) => {
      await approve(grant);
      await grant.waitFor('ACTIVE');
      await grant.grants.revoke(
        grant.workflowId,
        { bySlackUserId: people.requester.slackUserId, reason: 'finished early' },
        `${grant.workflowId}-revoke`,
      );
    },
    status: 'REVOKED',
  }),
  // Escalation: two steps pass without a decision (the approvers reminded in the request's thread, an on-call channel
  // and the requester told), then an approval; the grant runs to its expiry.
  grantScenario('grant-escalated-then-approved', {
    input: (input) => ({
      ...input,
      policy: {
        ...input.policy,
        escalation: [{ afterSeconds: 1 }, { afterSeconds: 2, channel: 'C0ONCALL1', mention: ['U0LEAD1'] }],
      },
    }),
    drive: async (grant) => {
      await grant.waitUntil('both steps', (state) => (state.escalations?.length ?? 0) === 2);
      await approve(grant);
    },
    status: 'EXPIRED',
    run: 'first',
    check: (final, history) =>
      unmet(
        [final.escalations?.length === 2, `escalations ${JSON.stringify(final.escalations)}`],
        [
          scheduledActivities(history).filter((name) => name === 'escalateApproval').length === 2,
          'not two escalation activities',
        ],
      ),
  }),
  // The reconciler tells an active grant that its membership was removed by hand ('membershipRemovedOutside'): the
  // grant looks at JumpCloud itself, records who removed it, tells the requester, and is then revoked.
  grantScenario('grant-removed-outside-while-active', {
    input: longAccess,
    drive: async (grant) => {
      await approve(grant);
      await grant.waitFor('ACTIVE');
      // Told once it has handed off to the active grants' queue, so the fixture is the run that handles it.
      const handle = grant.client.workflow.getHandle(grant.workflowId);
      await eventually('the hand-off', async () => {
        const description = await handle.describe();
        return description.runId !== description.raw.workflowExecutionInfo?.firstRunId;
      });
      const removal = {
        seenAt: new Date().toISOString(),
        by: { op: 'remove' as const, email: 'dana@example.com', at: '2026-12-07T10:00:00.000Z' },
      };
      await grant.client.workflow.getHandle(grant.workflowId).signal(removedOutsideSignal, removal);
      await grant.waitUntil('the removal recorded', (state) => state.removedOutside !== undefined);
      await grant.grants.revoke(
        grant.workflowId,
        { bySlackUserId: people.requester.slackUserId },
        `${grant.workflowId}-revoke`,
      );
    },
    status: 'REVOKED',
    check: (final, history) =>
      unmet(
        [final.removedOutside?.by?.email === 'dana@example.com', 'the removal is not in the state'],
        [scheduledActivities(history).includes('tellRemovedOutside'), 'the requester was not told'],
      ),
  }),
  grantScenario('grant-withdrawn-while-pending', {
    drive: ({ grants, workflowId }) =>
      grants.revoke(workflowId, { bySlackUserId: people.requester.slackUserId }, `${workflowId}-withdraw`),
    status: 'CANCELLED',
  }),
  grantScenario('grant-standing-member', {
    activities: { isGroupMember: async () => true },
    drive: approve,
    status: 'ALREADY_MEMBER',
  }),
  grantScenario('grant-cancelled-while-active', {
    input: longAccess,
    drive: async (grant) => {
      await approve(grant);
      await grant.waitFor('ACTIVE');
      await grant.client.workflow.getHandle(grant.workflowId).cancel();
    },
    status: 'REVOKED',
    closedAs: 'CANCELLED',
  }),
  grantScenario('grant-add-failed-permanently', {
    activities: {
      addMembership: async () => {
        throw ApplicationFailure.nonRetryable('JumpCloud answered 404: no such group', 'JumpCloudError');
      },
    },
    drive: approve,
    status: 'FAILED',
  }),
  grantScenario('grant-notifications-failing', {
    activities: { postApprovalRequest: slackDown, updateApprovalMessage: slackDown, notifyRequester: slackDown },
    drive: approve,
    status: 'EXPIRED',
  }),

  // Recorded from the version with the two-person rule, extensions of active grants and the
  // 'final-notices-survive-cancel' patch: every grant of it that reaches its removal carries the patch marker.
  grantScenario('grant-two-person-approved', {
    input: withPolicy({ requiredApprovals: 2 }),
    drive: approveByTwo,
    status: 'EXPIRED',
    check: (final, history) =>
      unmet(
        [
          final.approvals.map((a) => a.bySlackUserId).join() === `${people.approver},${people.secondApprover}`,
          `approvals ${JSON.stringify(final.approvals)}`,
        ],
        [final.decidedBy === people.secondApprover, `decided by ${final.decidedBy ?? 'nobody'}`],
        // The approval wait, the one the first approval woke, and the expiry.
        [timersStarted(history) === 3, `${timersStarted(history)} timers: the first approval did not wake the wait`],
        [hasPatchMarker(history, 'finalNoticesSurviveCancel'), 'no patch marker'],
      ),
  }),
  grantScenario('grant-two-person-partial-then-timed-out', {
    input: withPolicy({ requiredApprovals: 2, approvalTimeoutSeconds: 3 }),
    drive: async (grant) => {
      await whenPosted(grant);
      await approve(grant);
    },
    status: 'TIMED_OUT',
    check: (final, history) =>
      unmet(
        [final.approvals.length === 1, `${final.approvals.length} approvals`],
        [timersStarted(history) === 2, `${timersStarted(history)} timers: the partial approval did not wake the wait`],
        [!scheduledActivities(history).includes('addMembership'), 'a membership was added'],
      ),
  }),
  grantScenario('grant-extension-approved', {
    input: withPolicy({ maxExtensions: 1, maxTotalDurationSeconds: 10 }, 3),
    drive: approveThenExtend,
    status: 'EXPIRED',
    check: (final, history) => {
      const extension = final.extensions[0];
      return unmet(
        [extension?.status === 'APPROVED', `extension ${JSON.stringify(extension)}`],
        [
          extension?.expiresAtAfter !== undefined && final.expiresAt === extension.expiresAtAfter,
          `expiresAt ${final.expiresAt ?? '-'} is not the extension's ${extension?.expiresAtAfter ?? '-'}`,
        ],
        [
          Date.parse(final.endedAt ?? '') >= Date.parse(final.expiresAt ?? ''),
          `ended ${final.endedAt ?? '-'} before the extended expiry ${final.expiresAt ?? '-'}`,
        ],
        [
          ['postExtensionRequest', 'updateExtensionRequest', 'notifyExtension'].every((a) =>
            scheduledActivities(history).includes(a),
          ),
          `extension notifications missing: ${scheduledActivities(history).join()}`,
        ],
      );
    },
  }),
  grantScenario('grant-reminded-before-expiry', {
    input: withPolicy({ remindBeforeSeconds: 1 }, 3),
    drive: async (grant) => {
      await whenPosted(grant);
      await approve(grant);
    },
    status: 'EXPIRED',
    check: (final, history) =>
      unmet(
        [final.remindedAt !== undefined, 'no reminder recorded'],
        [scheduledActivities(history).includes('remindRequester'), 'the reminder was not sent'],
        [timersStarted(history) >= 3, `${timersStarted(history)} timers: no separate reminder timer`],
      ),
  }),
  grantScenario('grant-extension-rejected', {
    input: withPolicy({ maxExtensions: 1, maxTotalDurationSeconds: 10 }, 3),
    drive: async (grant) => {
      await whenPosted(grant);
      await approve(grant);
      await grant.waitFor('ACTIVE');
      await requestExtension(grant, 2);
      await whenExtensionPosted(grant);
      await decideExtension(grant, 'reject', people.secondApprover, 'finish it tomorrow');
    },
    status: 'EXPIRED',
    check: (final) => {
      const extension = final.extensions[0];
      return unmet(
        [extension?.status === 'REJECTED', `extension ${JSON.stringify(extension)}`],
        [extension?.decisionReason === 'finish it tomorrow', 'the rejection reason was lost'],
        [
          final.grantedAt !== undefined &&
            Date.parse(final.expiresAt ?? '') === Date.parse(final.grantedAt) + final.durationSeconds * 1000,
          `expiry moved to ${final.expiresAt ?? '-'}`,
        ],
      );
    },
  }),
  grantScenario('grant-extension-moot-at-expiry', {
    input: withPolicy({ maxExtensions: 1, maxTotalDurationSeconds: 10 }, 3),
    drive: async (grant) => {
      await whenPosted(grant);
      await approve(grant);
      await grant.waitFor('ACTIVE');
      await requestExtension(grant, 2);
    },
    status: 'EXPIRED',
    check: (final, history) => {
      const extension = final.extensions[0];
      const activities = scheduledActivities(history);
      return unmet(
        [extension?.status === 'MOOT', `extension ${JSON.stringify(extension)}`],
        [
          final.grantedAt !== undefined &&
            Date.parse(final.expiresAt ?? '') === Date.parse(final.grantedAt) + final.durationSeconds * 1000,
          `expiry moved to ${final.expiresAt ?? '-'}`,
        ],
        [
          activities.includes('updateExtensionRequest') &&
            activities.filter((a) => a === 'notifyExtension').length === 2,
          `the moot extension was not announced: ${activities.join()}`,
        ],
      );
    },
  }),
  grantScenario('grant-cancelled-while-active-with-final-notices', {
    input: longAccess,
    drive: cancelWhenActive,
    status: 'REVOKED',
    closedAs: 'CANCELLED',
    check: (final, history) => {
      const activities = scheduledActivities(history);
      const afterRemoval = activities.slice(activities.indexOf('revokeMembership') + 1);
      return unmet(
        [final.endReason === 'the grant workflow was cancelled', `end reason ${final.endReason ?? '-'}`],
        [hasPatchMarker(history, 'finalNoticesSurviveCancel'), 'no patch marker'],
        [
          activities.includes('revokeMembership') &&
            afterRemoval.includes('updateApprovalMessage') &&
            afterRemoval.includes('notifyRequester'),
          `no final notices after the removal: ${activities.join()}`,
        ],
      );
    },
  }),
  grantScenario('grant-two-person-extension-approved', {
    input: withPolicy({ requiredApprovals: 2, maxExtensions: 1, maxTotalDurationSeconds: 10 }, 3),
    drive: async (grant) => {
      await approveByTwo(grant);
      await grant.waitFor('ACTIVE');
      await requestExtension(grant, 2);
      await whenExtensionPosted(grant);
      const partly = await decideExtension(grant, 'approve', people.approver);
      if (partly.extensions[0]?.status !== 'PENDING') throw new Error('one approval of two decided the extension');
      await decideExtension(grant, 'approve', people.secondApprover);
    },
    status: 'EXPIRED',
    check: (final) => {
      const extension = final.extensions[0];
      return unmet(
        [
          extension?.status === 'APPROVED' && extension.approvals.length === 2,
          `extension ${JSON.stringify(extension)}`,
        ],
        [final.expiresAt === extension?.expiresAtAfter, `expiresAt ${final.expiresAt ?? '-'}`],
      );
    },
  }),
  grantScenario('grant-extension-pending-then-revoked', {
    input: longAccess,
    drive: async (grant) => {
      await whenPosted(grant);
      await approve(grant);
      await grant.waitFor('ACTIVE');
      await requestExtension(grant, 60);
      await whenExtensionPosted(grant);
      await grant.grants.revoke(
        grant.workflowId,
        { bySlackUserId: people.requester.slackUserId, reason: 'finished early' },
        `${grant.workflowId}-revoke`,
      );
    },
    status: 'REVOKED',
    check: (final) =>
      unmet([final.extensions[0]?.status === 'MOOT', `extension ${JSON.stringify(final.extensions[0])}`]),
  }),

  // Recorded from the version with break-glass access.
  grantScenario('grant-break-glass-unreviewed-then-acknowledged', {
    input: (input) => ({
      ...withPolicy({}, 3)(input),
      justification: 'Primary database is down, incident INC-911',
      breakGlass: { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 1 },
    }),
    drive: async (grant) => {
      await grant.waitUntil('the unreviewed alert', (state) => state.unreviewedAlertAt !== undefined);
      await grant.grants.acknowledgeBreakGlass(
        grant.workflowId,
        { bySlackUserId: people.approver },
        `${grant.workflowId}-acknowledge`,
      );
    },
    status: 'EXPIRED',
    check: (final, history) => {
      const activities = scheduledActivities(history);
      return unmet(
        [final.breakGlass === true, 'not marked break-glass'],
        [final.decidedBy === people.requester.slackUserId, `decided by ${final.decidedBy ?? 'nobody'}`],
        [final.acknowledgedBy === people.approver, `acknowledged by ${final.acknowledgedBy ?? 'nobody'}`],
        [!activities.includes('postApprovalRequest'), 'an approval request was posted'],
        [
          ['postBreakGlassAlert', 'postBreakGlassUnreviewed', 'updateBreakGlassAlert'].every((a) =>
            activities.includes(a),
          ),
          `break-glass notifications missing: ${activities.join()}`,
        ],
        [
          activities.filter((a) => a === 'postBreakGlassUnreviewed').length === 1,
          'the unreviewed alert went out twice',
        ],
      );
    },
  }),
  grantScenario('grant-audited-extended-then-expired', {
    activities: auditedActivities,
    input: withPolicy({ maxExtensions: 1, maxTotalDurationSeconds: 10 }, 3),
    drive: approveThenExtend,
    status: 'EXPIRED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'auditTrail'), 'no audit-trail patch marker'],
        [final.auditRecords?.servicenow?.label === 'JIT0001001', `records ${JSON.stringify(final.auditRecords)}`],
        [final.auditRecords?.jira?.label === 'SEC-1', `records ${JSON.stringify(final.auditRecords)}`],
        [
          scheduledActivities(history).filter((a) => a === 'recordAuditEvent').length === 3 * 6,
          `audit deliveries: ${scheduledActivities(history).join()}`,
        ],
      ),
  }),
  grantScenario('grant-audit-sinks-failing', {
    activities: {
      auditSinks: async () => ['servicenow', 'webhook'],
      recordAuditEvent: async () => {
        throw ApplicationFailure.retryable('the sink answered 503', 'WebhookError');
      },
    },
    input: (input) => ({ ...input, timing: { ...input.timing, auditBudgetSeconds: 2 } }),
    drive: approve,
    status: 'EXPIRED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'auditTrail'), 'no audit-trail patch marker'],
        [final.auditFailures === 2 * 4, `auditFailures ${final.auditFailures ?? '-'}`],
        [final.auditRecords === undefined, `records ${JSON.stringify(final.auditRecords)}`],
      ),
  }),
  grantScenario('grant-notifications-on-their-own-queue', {
    activities: auditedActivities,
    drive: approve,
    status: 'EXPIRED',
    check: (_final, history) => {
      const queues = activityQueues(history);
      const own = (name: string) => (queues.get(name) ?? []).every((q) => q.endsWith('-notifications'));
      return unmet(
        [hasPatchMarker(history, 'notificationTaskQueue'), 'no notification-task-queue patch marker'],
        [
          ['postApprovalRequest', 'notifyRequester', 'recordAuditEvent'].every(own),
          `queues ${JSON.stringify([...queues])}`,
        ],
        [!(queues.get('addMembership') ?? ['-notifications']).some((q) => q.endsWith('-notifications')), 'add moved'],
      );
    },
  }),
  grantScenario('grant-fewer-workflow-tasks', {
    activities: auditedActivities,
    drive: approve,
    status: 'EXPIRED',
    check: (_final, history) => {
      const events = history.events ?? [];
      const firstAdd = events.findIndex(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'addMembership',
      );
      const preCheck = events.findIndex((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
      const scheduled = scheduledActivities(history);
      return unmet(
        [hasPatchMarker(history, 'fewerWorkflowTasks'), 'no fewer-workflow-tasks patch marker'],
        [preCheck >= 0 && preCheck < firstAdd, `local pre-check at ${preCheck}, first add at ${firstAdd}`],
        [!scheduled.includes('isGroupMember'), `isGroupMember scheduled as an activity: ${scheduled.join()}`],
        [
          scheduled.filter((a) => a === 'announceGrant').length === 2 && !scheduled.includes('notifyRequester'),
          `activities ${scheduled.join()}`,
        ],
      );
    },
  }),
  grantScenario('grant-fewer-server-writes', {
    activities: auditedActivities,
    drive: approve,
    status: 'EXPIRED',
    check: (_final, history) => {
      const scheduled = scheduledActivities(history);
      const beforeAdd = scheduled.slice(0, scheduled.indexOf('addMembership'));
      const localRuns = localActivityMarkers(history);
      return unmet(
        [hasPatchMarker(history, 'fewerServerWrites'), 'no fewer-server-writes patch marker'],
        [
          ['isGroupMember', 'revokeMembership', 'auditSinks'].every((name) => !scheduled.includes(name)),
          `activities ${scheduled.join()}`,
        ],
        // The audit records' numbers still update it later; nothing before the add does.
        [!beforeAdd.includes('updateApprovalMessage'), `before the add: ${beforeAdd.join()}`],
        [localRuns === 3, `${localRuns} local activity markers (sinks, pre-check, removal)`],
      );
    },
  }),
  grantScenario('grant-local-removal-failed-then-activity', {
    activities: (() => {
      let removals = 0;
      return {
        revokeMembership: async () => {
          removals += 1;
          if (removals === 1) throw ApplicationFailure.retryable('JumpCloud answered 503', 'JumpCloudError');
          return { wasMember: true };
        },
      };
    })(),
    drive: approve,
    status: 'EXPIRED',
    check: (_final, history) => {
      const removals = scheduledActivities(history).filter((name) => name === 'revokeMembership').length;
      return unmet(
        [hasPatchMarker(history, 'fewerServerWrites'), 'no fewer-server-writes patch marker'],
        [removals === 1, `revokeMembership scheduled ${removals} times after the failed local attempt`],
      );
    },
  }),
  grantScenario('grant-handed-off-when-active', {
    ...approvedThenHandedOff,
    run: 'first',
    check: (_final, history) => {
      const events = history.events ?? [];
      const scheduled = scheduledActivities(history);
      return unmet(
        [hasPatchMarker(history, 'handOffWhenActive'), 'no hand-off-when-active patch marker'],
        [
          events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes !== undefined,
          `the first run closed with ${String(events.at(-1)?.eventType)}`,
        ],
        [scheduled.includes('addMembership') && !scheduled.includes('revokeMembership'), scheduled.join()],
      );
    },
  }),
  grantScenario('grant-carried-then-expired', {
    ...approvedThenHandedOff,
    check: (final, history) => {
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const scheduled = scheduledActivities(history);
      return unmet(
        [Boolean(started?.continuedExecutionRunId), 'the last run was not continued from the first'],
        [!scheduled.includes('addMembership'), `the carried run added again: ${scheduled.join()}`],
        [localActivityMarkers(history) >= 1, 'no removal in the carried run'],
        [final.grantedAt !== undefined && final.endedAt !== undefined, 'the final state lost its times'],
      );
    },
  }),
  grantScenario('grant-break-glass-audited-local-turns', {
    activities: auditedActivities,
    input: (input) => ({
      ...input,
      durationSeconds: 5,
      justification: 'Primary database is down, incident INC-911',
      breakGlass: { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 600 },
    }),
    status: 'EXPIRED',
    run: 'first',
    check: (final, history) => {
      const scheduled = scheduledActivities(history);
      return unmet(
        [hasPatchMarker(history, 'localActivitiesInTurn'), 'no local-activities-in-turn patch marker'],
        [final.breakGlass === true, 'not marked break-glass'],
        // Its first task asks the sinks and makes the pre-check: two local activities, one after the other.
        [localActivityMarkers(history) === 2, `${localActivityMarkers(history)} local activity markers`],
        [
          scheduled.includes('addMembership') && scheduled.includes('recordAuditEvent'),
          `activities ${scheduled.join()}`,
        ],
      );
    },
  }),
  grantScenario('grant-handed-off-to-active-queue', {
    ...approvedThenHandedOff,
    run: 'first',
    check: (_final, history) => {
      const continued = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
      return unmet(
        [hasPatchMarker(history, 'activeGrantsQueue'), 'no active-grants-queue patch marker'],
        [
          continued?.taskQueue?.name?.endsWith('-active') === true,
          `continued on ${String(continued?.taskQueue?.name)}`,
        ],
      );
    },
  }),
  grantScenario('grant-carried-on-active-queue-then-expired', {
    ...approvedThenHandedOff,
    check: (final, history) => {
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      const queues = new Set(
        (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name ?? []),
      );
      return unmet(
        [started?.taskQueue?.name?.endsWith('-active') === true, `started on ${String(started?.taskQueue?.name)}`],
        [
          queues.size > 0 && [...queues].every((queue) => queue.endsWith('-notifications')),
          `activities on ${[...queues].join()}`,
        ],
        [localActivityMarkers(history) >= 1, 'no removal in the carried run'],
        [final.grantedAt !== undefined && final.endedAt !== undefined, 'the final state lost its times'],
      );
    },
  }),

  // Recorded from the version that removes an add that may have landed ('remove-after-uncertain-add').
  grantScenario('grant-add-refused-nothing-removed', {
    activities: {
      addMembership: async () => {
        throw ApplicationFailure.nonRetryable('JumpCloud answered 404: no such group', MEMBERSHIP_ADD_REFUSED);
      },
    },
    drive: approve,
    status: 'FAILED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'removeAfterUncertainAdd'), 'no remove-after-uncertain-add patch marker'],
        [final.addRemoved === undefined, 'a refused add was removed'],
        // The sinks question, the worker's policy check and the pre-check; a removal would be a fourth, or an activity.
        [localActivityMarkers(history) === 3, `${localActivityMarkers(history)} local activities: a removal ran`],
        [!scheduledActivities(history).includes('revokeMembership'), 'a removal was scheduled'],
      ),
  }),
  grantScenario('grant-add-unverified-then-removed', {
    activities: {
      addMembership: async () => {
        throw ApplicationFailure.nonRetryable('JumpCloud GET memberof answered 403', 'JumpCloudError');
      },
    },
    drive: approve,
    status: 'FAILED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'removeAfterUncertainAdd'), 'no remove-after-uncertain-add patch marker'],
        [final.addRemoved === true, 'the add was not removed'],
      ),
  }),
  grantScenario('grant-cancelled-while-adding', {
    activities: { addMembership: landsThenTimesOut },
    input: (input) => ({ ...input, timing: { ...input.timing, addSettleSeconds: 1 } }),
    drive: async (grant) => {
      await whenPosted(grant);
      await approve(grant);
      await eventually('the first add attempt to have failed', async () => addAttempted);
      await grant.client.workflow.getHandle(grant.workflowId).cancel();
    },
    status: 'REVOKED',
    closedAs: 'CANCELLED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'removeAfterUncertainAdd'), 'no remove-after-uncertain-add patch marker'],
        [final.addRemoved === true && final.grantedAt === undefined, 'not removed as an uncertain add'],
        [timersStarted(history) >= 2, 'no wait for the add to settle before the removal'],
      ),
  }),

  // Recorded from the version whose worker checks every grant against its own policy ('worker-policy-check').
  grantScenario('grant-refused-by-worker-policy', {
    activities: { checkGrantPolicy: async () => 'U0OUTSIDER is not an approver of prod-db-readonly' },
    drive: approve,
    status: 'FAILED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'workerPolicyCheck'), 'no worker-policy-check patch marker'],
        [/refused by the worker's policy/.test(final.failure ?? ''), `failure ${String(final.failure)}`],
        [!scheduledActivities(history).includes('addMembership'), 'an add was scheduled'],
      ),
  }),
  grantScenario('grant-break-glass-policy-checked-in-turn', {
    activities: auditedActivities,
    input: (input) => ({
      ...input,
      durationSeconds: 5,
      justification: 'Primary database is down, incident INC-912',
      breakGlass: { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 600 },
    }),
    status: 'EXPIRED',
    run: 'first',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'workerPolicyCheck'), 'no worker-policy-check patch marker'],
        [final.breakGlass === true, 'not marked break-glass'],
        // Its first task asks the sinks, checks the policy and makes the pre-check: three local activities in turn.
        [localActivityMarkers(history) === 3, `${localActivityMarkers(history)} local activity markers`],
        [scheduledActivities(history).includes('addMembership'), 'no add'],
      ),
  }),

  // Recorded from the version that asks every grant patch in the first workflow task ('patches-asked-first').
  grantScenario('grant-patches-asked-first-handed-off', {
    ...approvedThenHandedOff,
    run: 'first',
    check: (_final, history) =>
      unmet(
        [hasPatchMarker(history, 'patchesAskedFirst'), 'no patches-asked-first patch marker'],
        [patchMarkersAfterFirstTask(history) === 0, 'patch markers after the first workflow task'],
      ),
  }),
  grantScenario('grant-patches-asked-first-cancelled-while-active', {
    input: longAccess,
    drive: cancelWhenActive,
    status: 'REVOKED',
    closedAs: 'CANCELLED',
    check: (final, history) =>
      unmet(
        [hasPatchMarker(history, 'patchesAskedFirst'), 'no patches-asked-first patch marker'],
        [patchMarkersAfterFirstTask(history) === 0, 'patch markers after the first workflow task'],
        [final.endReason === 'the grant workflow was cancelled', `end reason ${final.endReason ?? '-'}`],
        [scheduledActivities(history).includes('announceGrant'), 'no final notices'],
      ),
  }),
  // Recorded from the version with JumpCloud approver groups: an approver by group is named in the Update, recorded
  // with the approval, and passed to the worker's policy check (no patch: the commands are those of any approval).
  grantScenario('grant-approved-via-approver-group', {
    input: withPolicy({ approverGroupIds: [APPROVER_GROUP] }, 5),
    drive: ({ grants, workflowId }) =>
      grants.decide(
        workflowId,
        { decision: 'approve', deciderSlackUserId: people.outsider, approverVia: APPROVER_GROUP },
        `${workflowId}-approve-via-group`,
      ),
    status: 'EXPIRED',
    check: (final) =>
      unmet([final.approvals[0]?.via === APPROVER_GROUP, `approvals ${JSON.stringify(final.approvals)}`]),
  }),
  // Recorded from the version whose approvals of a group with step-up carry the approver's sign-in.
  grantScenario('grant-approved-with-step-up', {
    input: withPolicy({ stepUp: true }, 5),
    drive: ({ grants, workflowId }) =>
      grants.decide(
        workflowId,
        { decision: 'approve', deciderSlackUserId: people.approver, stepUp: RECORDED_STEP_UP },
        `${workflowId}-approve-with-step-up`,
      ),
    status: 'EXPIRED',
    check: (final) =>
      unmet([
        final.approvals[0]?.stepUp?.email === RECORDED_STEP_UP.email,
        `approvals ${JSON.stringify(final.approvals)}`,
      ]),
  }),
  // Recorded from the version whose worker withdraws pending requests of groups its policy no longer lists.
  grantScenario('grant-withdrawn-for-policy-change', {
    drive: async (grant) => {
      await whenPosted(grant);
      await grant.grants.closeForPolicy(
        grant.workflowId,
        { reason: 'its group is no longer in the access policy' },
        `${grant.workflowId}-close-for-policy`,
      );
    },
    status: 'CANCELLED',
    check: (final) =>
      unmet([
        final.endReason === 'its group is no longer in the access policy',
        `end reason ${String(final.endReason)}`,
      ]),
  }),
  reconcilerScenario('reconciler-drift-found-then-ended'),
  reconcilerScenario('reconciler-drift-audited', auditedActivities),
  // Recorded from the version whose reconciler reads the worker's policy and brakes its removals ('guarded-reconciler').
  reconcilerScenario('reconciler-guarded-held-then-removed', auditedActivities, {
    removing: true,
    check: (history) =>
      unmet(
        [hasPatchMarker(history, 'guardedReconciler'), 'no guarded-reconciler patch marker'],
        [scheduledActivities(history).includes('removeDriftMember'), 'no removal after the held run'],
      ),
  }),
  reconcilerFollowingScenario('reconciler-following-insights'),
  reconcilerDecisionsScenario('reconciler-drift-kept-and-removed-by-approvers'),
  reconcilerTellsGrantScenario('reconciler-tells-grant-of-removal'),
];

/** The reconciler never ends by itself: its history is recorded open, then it is stopped. */
async function recordedOpen(client: Client, taskQueue: string): Promise<History> {
  const handle = client.workflow.getHandle(reconcilerWorkflowId(taskQueue));
  const history = await handle.fetchHistory();
  await handle.terminate('history recorded');
  return history;
}

/**
 * An active grant's member missing from the group ('tell-grant-of-removal'): the drift is alerted and the grant is
 * signalled once (here a grant that has closed, so the signal fails and is only logged); later runs do not signal again.
 */
function reconcilerTellsGrantScenario(name: string): Scenario {
  const config = REPORTING_RECONCILER;
  const missing = {
    kind: 'missing-member' as const,
    groupId: group.id,
    userId: people.requester.jumpcloudUserId,
    grantWorkflowId: 'jit-grant-closed-long-ago',
  };
  return {
    name,
    activities: () =>
      mockWorkerActivities(recordingActivities().activities, {
        inspectGroup: async ({ groupId }) => ({ groupId, members: 0, drift: [missing], unresolvedStanding: [] }),
        reconcilerSettings: async () => config,
      }),
    async record({ client, taskQueue }) {
      const reconciler = createReconcilerService(client, taskQueue);
      await reconciler.ensureRunning(config);
      await eventually(`${name} to run three times`, async () => ((await reconciler.state())?.runs ?? 0) >= 3);
      const history = await recordedOpen(client, taskQueue);
      const signals = (history.events ?? []).filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes);
      const problems = unmet(
        [hasPatchMarker(history, 'tellGrantOfRemoval'), 'no tell-grant-of-removal patch marker'],
        [signals.length === 1, `${signals.length} signals to the grant`],
      );
      if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
      return history;
    },
  };
}

/**
 * Remove now and Keep on the reconciler's alerts: two unexplained members; a stranger's Remove now refused by the
 * worker's check, an approver's Keep with a reason, an approver's Remove now; then a run that leaves the kept one be.
 */
function reconcilerDecisionsScenario(name: string): Scenario {
  const config = REPORTING_RECONCILER;
  const kept = people.requester.jumpcloudUserId;
  const removed = '64f0c0ffee00000000000077';
  return {
    name,
    activities: () => {
      const members = new Set([kept, removed]);
      return mockWorkerActivities(recordingActivities().activities, {
        inspectGroup: async ({ groupId }) => {
          const drift = [...members].map((userId) => ({ kind: 'unexplained-member' as const, groupId, userId }));
          return { groupId, members: drift.length, drift, unresolvedStanding: [] };
        },
        removeDriftMember: async ({ userId }) => ({ removed: members.delete(userId) }),
        reconcilerSettings: async () => config,
      });
    },
    async record({ client, taskQueue }) {
      const reconciler = createReconcilerService(client, taskQueue);
      await reconciler.ensureRunning(config);
      await eventually(`${name} to alert both`, async () => {
        const open = (await reconciler.state())?.openDrift ?? [];
        return open.length === 2 && open.every((d) => d.alerted);
      });
      const decision = { groupId: group.id, userId: removed, action: 'remove' as const };
      await reconciler.decideDrift({ ...decision, bySlackUserId: people.outsider }).then(
        () => Promise.reject(new Error(`${name}: a stranger's Remove now was accepted`)),
        () => undefined,
      );
      const keep = { groupId: group.id, userId: kept, action: 'keep' as const, reason: 'On-call service account' };
      await reconciler.decideDrift({ ...keep, bySlackUserId: people.approver });
      await reconciler.decideDrift({ ...decision, bySlackUserId: people.approver });
      const runs = (await reconciler.state())?.runs ?? 0;
      await eventually(`${name} to run twice more`, async () => ((await reconciler.state())?.runs ?? 0) >= runs + 2);
      const history = await recordedOpen(client, taskQueue);
      const open = (await reconciler.state())?.openDrift ?? [];
      if (open.length !== 1 || open[0]?.kept?.bySlackUserId !== people.approver) {
        throw new Error(`${name}: open drift ${JSON.stringify(open)}`);
      }
      return history;
    },
  };
}

/**
 * The reconciler following Directory Insights ('drift-events'): a sweep that finds nothing, then a look that reads a
 * change by hand, and the run over that group, which finds the drift and names who made it; then looks with nothing.
 */
function reconcilerFollowingScenario(name: string): Scenario {
  const config: ReconcilerConfig = { ...REPORTING_RECONCILER, events: { followSeconds: 1, sweepSeconds: 3600 } };
  const madeBy = {
    op: 'add' as const,
    email: 'dana@example.com',
    authMethod: 'session',
    at: '2026-12-07T10:00:00.000Z',
  };
  return {
    name,
    activities: () => {
      let inspections = 0;
      let looks = 0;
      return mockWorkerActivities(recordingActivities().activities, {
        inspectGroup: async ({ groupId }) => {
          inspections += 1;
          const drift =
            inspections >= 2
              ? [{ kind: 'unexplained-member' as const, groupId, userId: people.requester.jumpcloudUserId }]
              : [];
          return { groupId, members: drift.length, drift, unresolvedStanding: [] };
        },
        readMembershipChanges: async () => {
          looks += 1;
          const changes = looks === 1 ? [{ groupId: group.id, userId: people.requester.jumpcloudUserId, madeBy }] : [];
          return { changes, cursor: [String(looks), 'e'], full: false };
        },
        reconcilerSettings: async () => config,
      });
    },
    async record({ client, taskQueue }) {
      const reconciler = createReconcilerService(client, taskQueue);
      await reconciler.ensureRunning(config);
      await eventually(`${name} to look three times`, async () => {
        const state = await reconciler.state();
        return (state?.runs ?? 0) >= 2 && Number(state?.events?.cursor?.[0] ?? 0) >= 3;
      });
      const history = await recordedOpen(client, taskQueue);
      const drift = (await reconciler.state())?.openDrift[0];
      if (!hasPatchMarker(history, 'driftEvents')) throw new Error(`${name}: no drift-events patch marker`);
      if (drift?.madeBy?.email !== madeBy.email) throw new Error(`${name}: the drift does not name who made it`);
      return history;
    },
  };
}

/**
 * The reconciler after three runs: drift found on the first, gone on the second, nothing on the third. `removing`: the
 * group is in remove mode and its drift stays for two runs: held on the first (the group's first run in remove mode),
 * removed on the second.
 */
function reconcilerScenario(
  name: string,
  activities: Partial<GrantActivities> = {},
  options: { removing?: boolean; check?: (history: History) => string[] } = {},
): Scenario {
  const config: ReconcilerConfig = {
    intervalSeconds: 1,
    securityChannel: 'C0SECURITY',
    groups: [
      {
        id: group.id,
        name: group.name,
        onDrift: options.removing ? 'remove' : 'report',
        standingMembers: [],
        ...(options.removing && { maxRemovalsPerRun: 3 }),
      },
    ],
    timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 2 },
  };
  return {
    name,
    activities: () => {
      let inspections = 0;
      return mockWorkerActivities(recordingActivities(activities).activities, {
        inspectGroup: async ({ groupId }) => {
          inspections += 1;
          const drift =
            inspections <= (options.removing ? 2 : 1)
              ? [{ kind: 'unexplained-member' as const, groupId, userId: people.requester.jumpcloudUserId }]
              : [];
          return { groupId, members: drift.length, drift, unresolvedStanding: [] };
        },
        reconcilerSettings: async () => config,
      });
    },
    async record({ client, taskQueue }) {
      const reconciler = createReconcilerService(client, taskQueue);
      await reconciler.ensureRunning(config);
      await eventually(`${name} to finish three runs`, async () => ((await reconciler.state())?.runs ?? 0) >= 3);
      const history = await recordedOpen(client, taskQueue);
      const problems = options.check?.(history) ?? [];
      if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
      return history;
    },
  };
}

async function writeFixture(name: string, history: History): Promise<string> {
  const path = join(historiesDir, `${name}.json`);
  // Written as prettier would, so the format check passes on fixtures as recorded.
  const text = await format(historyToJSON(history), { ...(await resolveConfig(path)), filepath: path });
  writeFileSync(path, text);
  return `${relative(root, path)} (${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB, ${history.events?.length ?? 0} events)`;
}

async function main(): Promise<number> {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) {
    console.error('TEMPORAL_CLI_PATH is not set: the path of the `temporal` CLI (scripts/ensure-temporal-cli.sh).');
    return 1;
  }
  const overwrite = process.argv.includes('--overwrite');
  const todo = scenarios.filter((s) => overwrite || !existsSync(join(historiesDir, `${s.name}.json`)));
  for (const kept of scenarios.filter((s) => !todo.includes(s))) console.log(`kept ${kept.name}.json`);
  if (todo.length === 0) {
    console.log('Every scenario has its fixture; nothing recorded (--overwrite re-records them).');
    return 0;
  }
  mkdirSync(historiesDir, { recursive: true });

  // The mocks' failures are recorded in the histories: without stack frames, no fixture carries this machine's paths.
  Error.stackTraceLimit = 0;
  // The scenarios' expected activity failures and given-up notifications would be logged as warnings.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const workflowBundle: WorkflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  console.log(`Starting the Temporal dev server (${cliPath})...`);
  const server = await startTemporalDevServer({ cliPath });
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    for (const scenario of todo) {
      const taskQueue = `record-${scenario.name}`;
      const worker = await createGrantWorker({
        connection,
        namespace: NAMESPACE,
        taskQueue,
        activities: scenario.activities(),
        workflowBundle,
        shutdownGraceSeconds: 1,
      });
      const grants = createGrantService(client, taskQueue);
      const history = await worker.runUntil(() => scenario.record({ client, grants, taskQueue }));
      console.log(`recorded ${await writeFixture(scenario.name, history)}`);
    }
    return 0;
  } finally {
    await client.connection.close();
    await connection.close();
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
