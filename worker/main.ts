import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../activities';
import { ConfigError } from '../config/env';
import { JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../integrations/slack/slack-client';
import { loadWorkerConfig } from './config';
import { createGrantWorker } from './create-worker';

async function run(): Promise<void> {
  const config = loadWorkerConfig();
  Runtime.install({ logger: new DefaultLogger('INFO') });

  const activities = createActivities({
    directory: new JumpCloudClient({
      baseUrl: config.JUMPCLOUD_API_URL,
      apiKey: config.JUMPCLOUD_API_KEY,
      orgId: config.JUMPCLOUD_ORG_ID,
    }),
    slack: createSlackClient({ token: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL }),
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const worker = await createGrantWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities,
      shutdownGraceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
    });
    // The Runtime shuts the worker down on SIGINT/SIGTERM; run() resolves once in-flight work is done.
    await worker.run();
  } finally {
    await connection.close();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
