import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createAuditSinks } from '../integrations/audit/audit-sinks';
import { ConfigError } from '../config/env';
import { loadPolicy } from '../config/policy';
import { DirectoryInsightsClient } from '../integrations/jumpcloud/insights-client';
import { JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../integrations/slack/slack-client';
import { temporalConnectionOptions } from '../integrations/temporal/connection-options';
import { createGrantService } from '../integrations/temporal/grant-service';
import { createReconcilerService, reconcilerConfig } from '../integrations/temporal/reconciler-service';
import { loadWorkerConfig, workerTelemetry } from './config';
import { createGrantWorker } from './create-worker';
import { closeRequestsOfGroupsLeft } from './policy-changes';
import { unresolvedStandingMembers } from './standing-members';

async function run(): Promise<void> {
  const config = loadWorkerConfig();
  const policy = loadPolicy(config.JIT_POLICY_FILE);
  Runtime.install({ logger: new DefaultLogger('INFO'), telemetryOptions: workerTelemetry(config) });

  const temporalOptions = temporalConnectionOptions(config);
  const connection = await NativeConnection.connect(temporalOptions);
  const clientConnection = await Connection.connect(temporalOptions);
  try {
    const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
    const sweep = {
      ...reconcilerConfig(policy, {
        intervalSeconds: config.RECONCILE_INTERVAL,
        securityChannel: config.SLACK_SECURITY_CHANNEL,
      }),
      ...(config.JUMPCLOUD_INSIGHTS_URL && {
        events: { followSeconds: config.DRIFT_EVENTS_INTERVAL, sweepSeconds: config.RECONCILE_INTERVAL_WITH_EVENTS },
      }),
    };
    const directory = new JumpCloudClient({
      baseUrl: config.JUMPCLOUD_API_URL,
      apiKey: config.JUMPCLOUD_API_KEY,
      orgId: config.JUMPCLOUD_ORG_ID,
    });
    // In the background: a slow JumpCloud must not hold up the worker's start.
    void unresolvedStandingMembers(policy, directory).then((problems) => {
      for (const problem of problems) console.error(`Policy: ${problem}`);
    });
    const grants = createGrantService(client, config.TEMPORAL_TASK_QUEUE);
    // In the background too: pending requests of groups this policy no longer lists are withdrawn.
    void closeRequestsOfGroupsLeft(policy, grants).then(
      (lines) => lines.forEach((line) => console.log(`Policy: ${line}`)),
      (err: unknown) => console.error('Policy: could not look for requests of groups that left the policy', err),
    );
    const activities = createActivities({
      directory,
      slack: createSlackClient({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL }),
      grants,
      auditSinks: createAuditSinks(config.auditSinks),
      policy: () => policy,
      securityChannel: config.SLACK_SECURITY_CHANNEL,
      reconcilerConfig: () => sweep,
      ...(config.JUMPCLOUD_INSIGHTS_URL && {
        insights: new DirectoryInsightsClient({
          baseUrl: config.JUMPCLOUD_INSIGHTS_URL,
          apiKey: config.JUMPCLOUD_API_KEY,
          orgId: config.JUMPCLOUD_ORG_ID,
        }),
      }),
    });
    const worker = await createGrantWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities,
      shutdownGraceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    });
    // Idempotent: the first worker starts the sweep; it reads its configuration from the workers' policy every run.
    await createReconcilerService(client, config.TEMPORAL_TASK_QUEUE).ensureRunning(sweep);
    // The Runtime shuts the worker down on SIGINT/SIGTERM; run() resolves once in-flight work is done.
    await worker.run();
  } finally {
    await clientConnection.close();
    await connection.close();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
