import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { type Activities } from '../activities';

export interface GrantWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  shutdownGraceSeconds?: number;
  /** Sticky cache size (WORKER_MAX_CACHED_WORKFLOWS); omitted = the SDK's default. */
  maxCachedWorkflows?: number;
  /** A prebuilt bundle (tests bundle once per run); otherwise the build's bundle, or workflows bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export const workflowsPath = require.resolve('../workflows');

/** Written by `npm run build` (scripts/build-workflow-bundle.ts) at the top of its output folder, beside `worker/`. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** Where the compiled worker (dist/worker/) finds the build's bundle; run from source (tsx) there is none. */
export const prebuiltWorkflowBundlePath = join(__dirname, '..', WORKFLOW_BUNDLE_FILE);

function workflowCode(given: GrantWorkerOptions['workflowBundle']): Partial<WorkerOptions> {
  if (given) return { workflowBundle: given };
  // Start time: webpack takes seconds of CPU at every start, so the built worker loads the bundle made once at build.
  if (existsSync(prebuiltWorkflowBundlePath)) {
    Runtime.instance().logger.info('Using the prebuilt workflow bundle', { path: prebuiltWorkflowBundlePath });
    return { workflowBundle: { codePath: prebuiltWorkflowBundlePath } };
  }
  return { workflowsPath };
}

/** The worker that hosts the grant workflow and its activities. */
export function createGrantWorker(options: GrantWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...workflowCode(options.workflowBundle),
    // In-flight membership changes finish before the process exits.
    shutdownGraceTime: `${options.shutdownGraceSeconds ?? 30} seconds`,
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
}
