/**
 * The baseline worker of the burst benchmarks, run as its own process like worker/main.ts (one Runtime per process,
 * workflow code bundled at start, the SDK's default worker limits), so project and baseline get the same footing.
 * Configured through the environment: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, JUMPCLOUD_API_URL, JUMPCLOUD_API_KEY.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createBaselineActivities } from './baseline-activities';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function run(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('INFO') });
  const connection = await NativeConnection.connect({ address: required('TEMPORAL_ADDRESS') });
  try {
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: required('TEMPORAL_TASK_QUEUE'),
      activities: createBaselineActivities(
        new JumpCloudClient({ baseUrl: required('JUMPCLOUD_API_URL'), apiKey: required('JUMPCLOUD_API_KEY') }),
      ),
      workflowsPath: require.resolve('./baseline-workflows'),
      shutdownGraceTime: '5 seconds',
    });
    // The Runtime shuts the worker down on SIGINT/SIGTERM.
    await worker.run();
  } finally {
    await connection.close();
  }
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
