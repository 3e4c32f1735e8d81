import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { type Activities } from '../activities';
import { activeGrantsTaskQueue, notificationTaskQueue } from '../workflows/task-queues';

export interface GrantWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  shutdownGraceSeconds?: number;
  /** Sticky cache size of each workflow queue's worker (WORKER_MAX_CACHED_WORKFLOWS); omitted = the SDK's default. */
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

/**
 * A workflow task counts as started once the worker polls it, and a workflow's clock is its task's start, but the
 * server starts a timer when the task completes. A handed-off grant computes its expiry timer in its first task, so
 * time that task spends polled but waiting for the workflow thread (with the SDK's 40 slots, behind up to 39 others
 * during an approval burst) makes the timer due after `expiresAt`. Fewer slots keep that wait in the server's queue,
 * where it moves nothing. Too few throttle the expiries themselves, since a slot is held while the removal runs
 * inside the task: 4 made the 1,000-grant burst's removals queue (README, Benchmarks, "Grants under load").
 */
const ACTIVE_QUEUE_WORKFLOW_TASK_SLOTS = 10;

/**
 * The grants' worker: one Worker on the grants' task queue (the workflows, membership changes, the reconciler's reads),
 * one on the active grants' queue (handed-off grants until their removal), and one on the notification queue (Slack
 * messages and audit records), each with its own pollers and slots, run and stopped together. All register every
 * activity, so grants started before a split, whose activities still go to the grants' queue, are served too.
 */
export class GrantWorker {
  private constructor(private readonly workers: readonly [Worker, ...Worker[]]) {}

  static async create(options: GrantWorkerOptions): Promise<GrantWorker> {
    const common = {
      connection: options.connection,
      namespace: options.namespace,
      activities: options.activities,
      // In-flight membership changes finish before the process exits.
      shutdownGraceTime: `${options.shutdownGraceSeconds ?? 30} seconds`,
    };
    const workflows = {
      ...common,
      ...workflowCode(options.workflowBundle),
      ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
    };
    const grants = await Worker.create({ ...workflows, taskQueue: options.taskQueue });
    const active = await Worker.create({
      ...workflows,
      taskQueue: activeGrantsTaskQueue(options.taskQueue),
      maxConcurrentWorkflowTaskExecutions: ACTIVE_QUEUE_WORKFLOW_TASK_SLOTS,
    });
    const notifications = await Worker.create({ ...common, taskQueue: notificationTaskQueue(options.taskQueue) });
    return new GrantWorker([grants, active, notifications]);
  }

  /** Polls every queue until shutdown (or until one fails, which stops the others). */
  async run(): Promise<void> {
    const runs = this.workers.map((worker) => worker.run());
    try {
      await Promise.race(runs);
    } finally {
      this.shutdown();
      await Promise.allSettled(runs);
    }
    await Promise.all(runs);
  }

  /** Runs both until `fn` settles, then stops them; resolves with its value. */
  async runUntil<T>(fn: () => Promise<T>): Promise<T> {
    const running = this.run();
    try {
      return await fn();
    } finally {
      this.shutdown();
      await running;
    }
  }

  shutdown(): void {
    for (const worker of this.workers) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }

  getState(): ReturnType<Worker['getState']> {
    return this.workers[0].getState();
  }
}

export function createGrantWorker(options: GrantWorkerOptions): Promise<GrantWorker> {
  return GrantWorker.create(options);
}
