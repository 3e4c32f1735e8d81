import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { type JitPolicy } from '../config/policy';
import { type GatewayDeps } from '../gateway/app';
import { createAuditSinks } from '../integrations/audit/audit-sinks';
import { DirectoryInsightsClient } from '../integrations/jumpcloud/insights-client';
import { JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../integrations/slack/slack-client';
import { createGrantService } from '../integrations/temporal/grant-service';
import { createReconcilerService, reconcilerConfig } from '../integrations/temporal/reconciler-service';
import { createGrantWorker, type GrantWorker } from '../worker/create-worker';
import {
  DEMO_PEOPLE,
  demoJumpCloudSeed,
  demoSlackUsers,
  SANDBOX_AUDIT,
  SANDBOX_CHANNELS,
  SANDBOX_SECRETS,
} from './demo-world';
import { startJiraStandIn, type JiraStandIn } from '../stand-ins/jira/jira-stand-in';
import { startJumpCloudStandIn, type JumpCloudStandIn } from '../stand-ins/jumpcloud/jumpcloud-stand-in';
import { startServiceNowStandIn, type ServiceNowStandIn } from '../stand-ins/servicenow/servicenow-stand-in';
import { startWebhookReceiver, type WebhookReceiver } from '../stand-ins/webhook/webhook-receiver';
import { loadSavedDirectory, saveDirectoryOnChange } from './jumpcloud-state-file';
import { forgetDevServer, rememberDevServer, stopLeftoverDevServer } from './leftover-dev-server';
import { pageGrants, sandboxPageConfig } from './page-data';
import { startSandboxGateway } from './sandbox-gateway';
import { checkPolicyMatchesWorld, loadSandboxPolicy, type PolicyOverrides } from './sandbox-policy';
import { startSlackStandIn, type SlackStandIn } from '../stand-ins/slack/slack-stand-in';
import { freePort, startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';

export const DEMO_POLICY_FILE = path.join(__dirname, 'demo-policy.yaml');
const PAGE_DIR = path.join(__dirname, 'web');
const NAMESPACE = 'default';
const SLASH_COMMAND = '/jit';

/** 0 or omitted = any free port. */
export interface SandboxPorts {
  temporal?: number;
  temporalUi?: number;
  slack?: number;
  jumpcloud?: number;
  gateway?: number;
  serviceNow?: number;
  jira?: number;
  webhook?: number;
}

export interface SandboxOptions {
  /** the `temporal` CLI (scripts/ensure-temporal-cli.sh prints it) */
  temporalCliPath: string;
  /** Temporal's SQLite file, the JumpCloud state and the dev server's PID live here */
  dataDir: string;
  ports?: SandboxPorts;
  /** default sandbox/demo-policy.yaml */
  policyFile?: string;
  policyOverrides?: PolicyOverrides;
  /** default 'jit-access' */
  taskQueue?: string;
  /** what a person watching should read: membership changes, problems */
  log?: (line: string) => void;
  /** every stand-in request and the dev server's own output */
  traceLog?: (line: string) => void;
  gatewayLogger?: GatewayDeps['logger'];
  /**
   * Run the Temporal dev server in its own process group, so a terminal's Ctrl-C reaches only this process, which
   * then stops the worker before the server (npm start). Default false: a test runner's signals reach it directly.
   */
  temporalInOwnProcessGroup?: boolean;
  /** how often the reconciler sweeps the demo groups (default 30 s, so a newcomer sees its alert soon) */
  reconcileIntervalSeconds?: number;
  /** a prebuilt workflow bundle (tests); otherwise the worker bundles from source */
  workflowBundle?: WorkflowBundle;
}

export interface Sandbox {
  /** the Slack stand-in's page: pick a person, type /jit, approve */
  pageUrl: string;
  temporalUiUrl: string;
  temporalAddress: string;
  gatewayUrl: string;
  /** the OpenID provider where approvers of a group with step-up sign in again (its issuer URL) */
  identityProviderUrl: string;
  slack: SlackStandIn;
  jumpcloud: JumpCloudStandIn;
  /** the audit sinks' systems of record: the worker writes every grant's trail to all three */
  serviceNow: ServiceNowStandIn;
  jira: JiraStandIn;
  webhook: WebhookReceiver;
  client: Client;
  policy: JitPolicy;
  worker: GrantWorker;
  /** true when the JumpCloud state (and so Temporal's) came from an earlier run in the same data folder */
  resumed: boolean;
  /** Gateway first (no new requests), then the worker, the stand-ins and the Temporal dev server last. */
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly role: keyof SandboxPorts,
  ) {
    super(`Port ${port} (${role}) is already in use on 127.0.0.1.`);
  }
}

interface Cleanup {
  what: string;
  run(): Promise<void> | void;
}

/**
 * The whole system on loopback in this process: the real Temporal dev server (with its Web UI), the JumpCloud and
 * Slack stand-ins seeded with the demo world, the ServiceNow, Jira and webhook stand-ins the audit trail goes to, a
 * worker and the gateway, wired by URL exactly as in production.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const log = options.log ?? (() => undefined);
  const trace = options.traceLog;
  const ports = options.ports ?? {};
  const cleanups: Cleanup[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup.run();
      } catch (err) {
        log(`Stopping ${cleanup.what} failed: ${(err as Error).message}`);
      }
    }
  };

  try {
    mkdirSync(options.dataDir, { recursive: true });
    const policy = loadSandboxPolicy(options.policyFile ?? DEMO_POLICY_FILE, options.policyOverrides);
    const pidFile = path.join(options.dataDir, 'temporal-dev-server.pid');
    await stopLeftoverDevServer(pidFile, log);
    await assertPortsFree(ports);

    log('Starting the Temporal dev server...');
    const temporal = await startTemporalDevServer({
      cliPath: options.temporalCliPath,
      port: ports.temporal || undefined,
      uiPort: ports.temporalUi || (await freePort()),
      dbFile: path.join(options.dataDir, 'temporal.db'),
      // A week of closed grants to look back on (docs/audit-trail.md, Retention); the dev server keeps 24 hours.
      retentionHours: 7 * 24,
      detached: options.temporalInOwnProcessGroup ?? false,
      onOutput: trace && ((chunk) => trace(`temporal: ${chunk.trimEnd()}`)),
    });
    rememberDevServer(pidFile, temporal.process.pid);
    cleanups.push({
      what: 'the Temporal dev server',
      run: async () => {
        await temporal.stop();
        forgetDevServer(pidFile);
      },
    });
    const temporalUiUrl = temporal.uiUrl ?? '';

    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push({ what: 'the Temporal client connection', run: () => connection.close() });
    const client = new Client({ connection, namespace: NAMESPACE });
    const taskQueue = options.taskQueue ?? 'jit-access';
    const grants = createGrantService(client, taskQueue);

    const jumpcloudFile = path.join(options.dataDir, 'jumpcloud.json');
    const savedDirectory = loadSavedDirectory(jumpcloudFile);
    const jumpcloud = await startJumpCloudStandIn({
      apiKey: SANDBOX_SECRETS.jumpCloudApiKey,
      readOnlyApiKey: SANDBOX_SECRETS.jumpCloudReadOnlyApiKey,
      port: ports.jumpcloud,
      seed: savedDirectory ?? demoJumpCloudSeed(),
      log: trace,
    });
    cleanups.push({ what: 'the JumpCloud stand-in', run: () => jumpcloud.close() });
    cleanups.push({ what: 'saving the JumpCloud state', run: saveDirectoryOnChange(jumpcloud, jumpcloudFile) });
    cleanups.push({ what: 'the membership log', run: logMembershipChanges(jumpcloud, log) });

    // In memory only (these stand-ins take no saved state): after a restart, later events of earlier grants find no
    // record to update, as their Slack messages are gone too.
    const serviceNow = await startServiceNowStandIn({
      username: SANDBOX_SECRETS.serviceNowUsername,
      password: SANDBOX_SECRETS.serviceNowPassword,
      port: ports.serviceNow,
      log: trace,
    });
    cleanups.push({ what: 'the ServiceNow stand-in', run: () => serviceNow.close() });
    const jira = await startJiraStandIn({
      email: SANDBOX_SECRETS.jiraEmail,
      apiToken: SANDBOX_SECRETS.jiraApiToken,
      projects: [{ key: SANDBOX_AUDIT.jiraProjectKey, issueTypes: [SANDBOX_AUDIT.jiraIssueType] }],
      port: ports.jira,
      log: trace,
    });
    cleanups.push({ what: 'the Jira stand-in', run: () => jira.close() });
    const webhook = await startWebhookReceiver({
      secret: SANDBOX_SECRETS.auditWebhookSecret,
      port: ports.webhook,
      log: trace,
    });
    cleanups.push({ what: 'the webhook receiver', run: () => webhook.close() });

    const channels = [SANDBOX_CHANNELS.general, SANDBOX_CHANNELS.approvals, SANDBOX_CHANNELS.security];
    const slack = await startSlackStandIn({
      botToken: SANDBOX_SECRETS.slackBotToken,
      signingSecret: SANDBOX_SECRETS.slackSigningSecret,
      users: demoSlackUsers(),
      channels,
      port: ports.slack,
      staticDir: PAGE_DIR,
      rateLimits: true,
      log: trace,
      pageData: {
        config: () =>
          sandboxPageConfig({
            people: DEMO_PEOPLE,
            policy,
            jumpcloudOrigin: jumpcloud.origin,
            temporalUiUrl,
            temporalNamespace: NAMESPACE,
            channels,
            approvalChannelId: SANDBOX_CHANNELS.approvals.id,
            slashCommand: SLASH_COMMAND,
          }),
        grants: async () =>
          pageGrants(
            await grants.list({ limit: 50 }),
            { uiUrl: temporalUiUrl, namespace: NAMESPACE },
            {
              serviceNowRecords: serviceNow.records(SANDBOX_AUDIT.serviceNowTable),
              jiraIssues: jira.issues(),
              webhookEvents: webhook.events(),
            },
          ),
      },
    });
    cleanups.push({ what: 'the Slack stand-in', run: () => slack.close() });
    checkPolicyMatchesWorld(policy, { groups: jumpcloud.snapshot().groups, slackUsers: demoSlackUsers() });

    const nativeConnection = await NativeConnection.connect({ address: temporal.address });
    cleanups.push({ what: 'the worker connection', run: () => nativeConnection.close() });

    const directory = new JumpCloudClient({
      baseUrl: jumpcloud.baseUrl,
      apiKey: SANDBOX_SECRETS.jumpCloudApiKey,
      timeoutMs: 10_000,
    });
    log(
      options.workflowBundle
        ? 'Starting the worker...'
        : 'Starting the worker (bundling the workflow code takes a few seconds)...',
    );
    // The stand-in's Directory Insights every 3 s: a membership added by hand on the page is alerted, named, in seconds.
    const sweep = {
      ...reconcilerConfig(policy, {
        intervalSeconds: options.reconcileIntervalSeconds ?? 30,
        securityChannel: SANDBOX_CHANNELS.security.id,
      }),
      events: { followSeconds: 3, sweepSeconds: options.reconcileIntervalSeconds ?? 30 },
    };
    const worker = await createGrantWorker({
      connection: nativeConnection,
      namespace: NAMESPACE,
      taskQueue,
      activities: createActivities({
        directory,
        slack: createSlackClient({ token: SANDBOX_SECRETS.slackBotToken, apiUrl: slack.apiUrl, timeoutMs: 10_000 }),
        grants,
        auditSinks: createAuditSinks({
          serviceNow: {
            instanceUrl: serviceNow.baseUrl,
            table: SANDBOX_AUDIT.serviceNowTable,
            auth: {
              kind: 'basic',
              username: SANDBOX_SECRETS.serviceNowUsername,
              password: SANDBOX_SECRETS.serviceNowPassword,
            },
          },
          jira: {
            baseUrl: jira.baseUrl,
            email: SANDBOX_SECRETS.jiraEmail,
            apiToken: SANDBOX_SECRETS.jiraApiToken,
            projectKey: SANDBOX_AUDIT.jiraProjectKey,
            issueType: SANDBOX_AUDIT.jiraIssueType,
            doneTransition: SANDBOX_AUDIT.jiraDoneTransition,
          },
          webhook: { url: webhook.url, secret: SANDBOX_SECRETS.auditWebhookSecret },
        }),
        policy: () => policy,
        securityChannel: SANDBOX_CHANNELS.security.id,
        reconcilerConfig: () => sweep,
        insights: new DirectoryInsightsClient({
          baseUrl: jumpcloud.insightsUrl,
          apiKey: SANDBOX_SECRETS.jumpCloudApiKey,
          timeoutMs: 10_000,
        }),
      }),
      shutdownGraceSeconds: 5,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
    });
    const running = worker
      .run()
      .catch((err: unknown) => log(`The worker stopped with an error: ${(err as Error).message}`));
    cleanups.push({
      what: 'the worker',
      run: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    });
    await createReconcilerService(client, taskQueue).ensureRunning(sweep);

    const gateway = await startSandboxGateway({
      policy,
      client,
      connection,
      taskQueue,
      slack,
      jumpcloud,
      slashCommand: SLASH_COMMAND,
      ...(ports.gateway !== undefined && { port: ports.gateway }),
      logger: options.gatewayLogger,
      ...(trace && { trace }),
    });
    cleanups.push({ what: 'the gateway and its sign-in provider', run: () => gateway.stop() });
    const gatewayUrl = gateway.url;
    slack.gatewayUrl = gatewayUrl;

    let stopped: Promise<void> | undefined;
    return {
      pageUrl: `${slack.baseUrl}/`,
      temporalUiUrl,
      temporalAddress: temporal.address,
      gatewayUrl,
      identityProviderUrl: gateway.identityProvider.issuer,
      slack,
      jumpcloud,
      serviceNow,
      jira,
      webhook,
      client,
      policy,
      worker,
      resumed: savedDirectory !== undefined,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Fixed ports are checked before anything starts, so a clash is one clear message instead of a half-started system. */
async function assertPortsFree(ports: SandboxPorts): Promise<void> {
  for (const [role, port] of Object.entries(ports) as Array<[keyof SandboxPorts, number | undefined]>) {
    if (!port) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) throw new PortInUseError(port, role);
  }
}

/** "Ada Lovelace added to prod-db-readonly", so the console tells the story too. */
function logMembershipChanges(jumpcloud: JumpCloudStandIn, log: (line: string) => void): () => void {
  return jumpcloud.onChange((change) => {
    const { users, groups } = jumpcloud.snapshot();
    const user = users.find((u) => u.id === change.userId);
    const group = groups.find((g) => g.id === change.groupId);
    const who = user ? [user.firstname, user.lastname].filter(Boolean).join(' ') || user.username : change.userId;
    const verb = change.type === 'member-added' ? 'added to' : 'removed from';
    log(`JumpCloud: ${who} ${verb} ${group?.name ?? change.groupId}`);
  });
}
