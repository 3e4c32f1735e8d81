import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { type Activities } from '../activities';

export interface GrantWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  shutdownGraceSeconds?: number;
  /** A prebuilt bundle (tests bundle once per run); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export const workflowsPath = require.resolve('../workflows');

/** The worker that hosts the grant workflow and its activities. */
export function createGrantWorker(options: GrantWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    // In-flight membership changes finish before the process exits.
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 30} seconds`,
  });
}
