import { type TestContext } from 'node:test';
import { type Client } from '@temporalio/client';
import { createActivities } from '../../activities';
import { type JitPolicy } from '../../config/policy';
import { type AuditSink } from '../../integrations/audit/audit-sinks';
import { DirectoryInsightsClient } from '../../integrations/jumpcloud/insights-client';
import { JumpCloudClient } from '../../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../../integrations/slack/slack-client';
import { createGrantService, type GrantService } from '../../integrations/temporal/grant-service';
import { reconcilerConfig } from '../../integrations/temporal/reconciler-service';
import { type ReconcilerConfig } from '../../workflows/reconciler/reconciler-types';
import { startJumpCloudStandIn, type JumpCloudStandIn } from '../../stand-ins/jumpcloud/jumpcloud-stand-in';
import { type SlackRateLimits, startSlackStandIn, type SlackStandIn } from '../../stand-ins/slack/slack-stand-in';
import { type GrantInput, type GrantState, type GrantStatus } from '../../workflows/grant/grant-types';
import { createGrantWorker, type GrantWorker } from '../../worker/create-worker';
import { eventually } from './eventually';
import { policyGroup } from './grant-inputs';
import { randomObjectId, type TestTemporal, testTemporal, testWorkflowBundle, uniqueName } from './temporal';

export const SLACK_BOT_TOKEN = 'xoxb-test-token';
export const SLACK_SIGNING_SECRET = 'test-signing-secret';
export const JUMPCLOUD_API_KEY = 'jc-test-api-key';
/** A Read Only administrator's key: the gateway's (the stand-in refuses every change asked with it). */
export const JUMPCLOUD_READ_ONLY_API_KEY = 'jc-test-read-only-key';
export const APPROVAL_CHANNEL = 'C0APPROVALS';
/** Where the worker reports grants its policy refuses. */
export const SECURITY_CHANNEL = 'C0SECURITY';

/** A policy allowing every grant the harness's tests make on `groups`: self-approval, break-glass, 1 h. */
function loosePolicy(groups: Array<{ id: string; name: string }>, approvers: string[]): JitPolicy {
  return {
    approvalTimeoutSeconds: 3600,
    durationPresetsSeconds: [3600],
    groups: groups.map(({ id, name }) =>
      policyGroup({
        id,
        name,
        approvers,
        allowSelfApproval: true,
        breakGlass: {
          maxDurationSeconds: 3600,
          alertChannel: 'C0BREAKGLASS',
          reviewWithinSeconds: 3600,
          maxPerDay: 100,
          cooldownSeconds: 0,
        },
      }),
    ),
  };
}

export interface Person {
  slackUserId: string;
  email: string;
  jumpcloudUserId: string;
  name: string;
}

export interface RunningWorker {
  worker: GrantWorker;
  stop(): Promise<void>;
}

export interface GrantHarness {
  client: Client;
  grants: GrantService;
  slack: SlackStandIn;
  jumpcloud: JumpCloudStandIn;
  taskQueue: string;
  requester: Person;
  approver: Person;
  secondApprover: Person;
  outsider: Person;
  group: { id: string; name: string };
  /** A second JIT group, for tests that need two. */
  otherGroup: { id: string; name: string };
  grantInput(overrides?: Partial<GrantInput>): GrantInput;
  startWorker(): Promise<RunningWorker>;
  /** Replaces the worker's policy (read at each check, as the worker reads its current policy). */
  useWorkerPolicy(policy: JitPolicy): void;
  workerPolicy(): JitPolicy;
  /** The reconciler's retry pacing and audit budget (its interval is 1 s). */
  useSweepTiming(timing: ReconcilerConfig['timing']): void;
  /** The reconciler follows the JumpCloud stand-in's Directory Insights with these settings (default: sweeps only). */
  useDriftEvents(events: ReconcilerConfig['events']): void;
  waitForStatus(workflowId: string, status: GrantStatus, timeoutMs?: number): Promise<GrantState>;
  isMember(person?: Person): boolean;
}

/**
 * A fresh world per test: Slack and JumpCloud stand-ins on loopback, the production clients pointed at them,
 * a unique task queue on the shared Temporal dev server, and (by default) a running worker.
 */
export async function createGrantHarness(
  t: TestContext,
  options: {
    worker?: boolean;
    temporal?: TestTemporal;
    auditSinks?: readonly AuditSink[];
    /** the Slack stand-in's rate limits (default off) */
    slackRateLimits?: boolean | SlackRateLimits;
  } = {},
): Promise<GrantHarness> {
  const temporal = options.temporal ?? (await testTemporal());
  // Torn down last-in first-out: workers stop before the stand-ins they talk to go away.
  const cleanups: Array<() => Promise<void>> = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const people = ['requester', 'approver', 'second-approver', 'outsider'].map((role, i) => ({
    slackUserId: `U0${role.replace(/-/g, '').toUpperCase().slice(0, 6)}${i}`,
    email: `${role}-${randomObjectId().slice(0, 6)}@example.com`,
    jumpcloudUserId: randomObjectId(),
    name: role,
  })) as [Person, Person, Person, Person];
  const [requester, approver, secondApprover, outsider] = people;
  const group = { id: randomObjectId(), name: 'prod-db-readonly' };
  const otherGroup = { id: randomObjectId(), name: 'billing-admin' };

  const jumpcloud = await startJumpCloudStandIn({
    apiKey: JUMPCLOUD_API_KEY,
    readOnlyApiKey: JUMPCLOUD_READ_ONLY_API_KEY,
    seed: {
      users: people.map((p) => ({ id: p.jumpcloudUserId, email: p.email, username: p.name })),
      groups: [group, otherGroup],
    },
  });
  cleanups.push(() => jumpcloud.close());
  const slack = await startSlackStandIn({
    botToken: SLACK_BOT_TOKEN,
    signingSecret: SLACK_SIGNING_SECRET,
    users: people.map((p) => ({ id: p.slackUserId, name: p.name, email: p.email })),
    rateLimits: options.slackRateLimits,
  });
  cleanups.push(() => slack.close());

  const taskQueue = uniqueName('grant-test');
  const grants = createGrantService(temporal.client, taskQueue);
  // The worker's own policy: by default both groups with the loosest rules any test asks for, so a grant is refused
  // only where a test means it to be (useWorkerPolicy).
  // The reconciler's pacing, as startSweep sets it.
  let sweepTiming: ReconcilerConfig['timing'] = { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 5 };
  let workerPolicy = loosePolicy([group, otherGroup], [approver.slackUserId, secondApprover.slackUserId]);
  let driftEvents: ReconcilerConfig['events'];
  const activities = createActivities({
    directory: new JumpCloudClient({ baseUrl: jumpcloud.baseUrl, apiKey: JUMPCLOUD_API_KEY, timeoutMs: 2000 }),
    slack: createSlackClient({ token: SLACK_BOT_TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2000 }),
    grants,
    auditSinks: options.auditSinks,
    policy: () => workerPolicy,
    securityChannel: SECURITY_CHANNEL,
    reconcilerConfig: () => ({
      ...reconcilerConfig(workerPolicy, { intervalSeconds: 1, securityChannel: SECURITY_CHANNEL, timing: sweepTiming }),
      ...(driftEvents && { events: driftEvents }),
    }),
    insights: new DirectoryInsightsClient({
      baseUrl: jumpcloud.insightsUrl,
      apiKey: JUMPCLOUD_API_KEY,
      timeoutMs: 2000,
    }),
  });
  const workflowBundle = await testWorkflowBundle();

  const startWorker = async (): Promise<RunningWorker> => {
    const worker = await createGrantWorker({
      connection: temporal.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities,
      workflowBundle,
      shutdownGraceSeconds: 2,
    });
    const running = worker.run();
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      worker.shutdown();
      await running;
    };
    cleanups.push(stop);
    return { worker, stop };
  };
  if (options.worker !== false) await startWorker();

  return {
    client: temporal.client,
    grants,
    slack,
    jumpcloud,
    taskQueue,
    requester,
    approver,
    secondApprover,
    outsider,
    group,
    otherGroup,
    grantInput: (overrides = {}) => ({
      requestId: uniqueName('req'),
      requester: {
        slackUserId: requester.slackUserId,
        email: requester.email,
        jumpcloudUserId: requester.jumpcloudUserId,
      },
      group,
      durationSeconds: 3,
      justification: 'Investigating incident INC-42',
      policy: {
        approvers: [approver.slackUserId, secondApprover.slackUserId],
        maxDurationSeconds: 3600,
        approvalTimeoutSeconds: 60,
        allowSelfApproval: false,
        approvalChannel: APPROVAL_CHANNEL,
      },
      timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 5 },
      ...overrides,
    }),
    startWorker,
    useWorkerPolicy: (policy) => {
      workerPolicy = policy;
    },
    workerPolicy: () => workerPolicy,
    useDriftEvents: (events) => {
      driftEvents = events;
    },
    useSweepTiming: (timing) => {
      sweepTiming = { ...sweepTiming, ...timing };
    },
    waitForStatus: (workflowId, status, timeoutMs = 30_000) =>
      eventually(
        `grant ${workflowId} to reach ${status}`,
        async () => {
          const state = await grants.state(workflowId);
          return state.status === status ? state : undefined;
        },
        timeoutMs,
      ),
    isMember: (person = requester) => jumpcloud.isMember(group.id, person.jumpcloudUserId),
  };
}
