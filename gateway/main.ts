import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { ConfigError } from '../config/env';
import { loadPolicy } from '../config/policy';
import { JumpCloudReadClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../integrations/slack/slack-client';
import { temporalConnectionOptions } from '../integrations/temporal/connection-options';
import { createGrantService } from '../integrations/temporal/grant-service';
import { createReconcilerService } from '../integrations/temporal/reconciler-service';
import { buildApp } from './app';
import { loadGatewayConfig, stepUpSettings } from './config';
import { gatewayLoggerOptions } from './logger';
import { createResponseUrlSender } from './slack/response-url';
import { temporalReadiness } from '../integrations/temporal/readiness';

async function run(): Promise<void> {
  const config = loadGatewayConfig();
  const policy = loadPolicy(config.JIT_POLICY_FILE);
  const logger = pino(gatewayLoggerOptions(config.LOG_LEVEL));

  // Lazy: the gateway comes up even while Temporal is down, and /readyz says so until it answers.
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = await buildApp({
    config,
    policy,
    grants: createGrantService(client, config.TEMPORAL_TASK_QUEUE),
    reconciler: createReconcilerService(client, config.TEMPORAL_TASK_QUEUE),
    // Interactive paths: short timeouts, so a slow JumpCloud or Slack shows up as a message, not a hang. Reads only:
    // the internet-facing process holds no client that can change a membership (its key is a Read Only admin's).
    directory: new JumpCloudReadClient({
      baseUrl: config.JUMPCLOUD_API_URL,
      apiKey: config.JUMPCLOUD_API_KEY,
      orgId: config.JUMPCLOUD_ORG_ID,
      timeoutMs: 10_000,
    }),
    slack: createSlackClient({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, timeoutMs: 5000 }),
    respond: createResponseUrlSender(),
    temporalReady: temporalReadiness(connection),
    logger,
    shutdownGraceMs: config.GATEWAY_SHUTDOWN_GRACE_SECONDS * 1000,
    ...stepUpSettings(config, policy),
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests; letting acknowledged work finish');
    try {
      // Stops accepting connections, answers in-flight requests, then waits for background work (see buildApp).
      await app.close();
    } finally {
      await connection.close();
    }
    logger.info('stopped');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }

  await app.listen({ host: '0.0.0.0', port: config.PORT });
  logger.info(
    { command: config.SLACK_COMMAND, groups: policy.groups.length, temporal: config.TEMPORAL_ADDRESS },
    'gateway ready',
  );
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
