import { activityInfo } from '@temporalio/activity';
import { type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createGrantWorker } from '../../worker/create-worker';
import { type ActivityName, type GrantActivities, mockWorkerActivities, recordingActivities } from './mock-activities';
import { testTemporalAddress, testWorkflowBundle } from './temporal';

/** The grant activities a workflow can call (every one the recording mocks define), each dispatched to its own mocks. */
const GRANT_ACTIVITY_NAMES = Object.keys(recordingActivities().activities) as ActivityName[];

export interface MockGrantWorker {
  client: Client;
  /** The mock activities of the workflow `workflowId`, until `forget`. */
  register(workflowId: string, activities: GrantActivities): void;
  forget(workflowId: string): void;
  stop(): Promise<void>;
}

/**
 * Production's own three Workers (worker/create-worker.ts) on the suite's shared dev server, so tests follow its queues,
 * with each workflow's activities handed to the mocks registered for its workflow ID: one worker serves a whole file.
 */
export async function startMockGrantWorker(
  taskQueue: string,
  options: { maxCachedWorkflows?: number } = {},
): Promise<MockGrantWorker> {
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: testTemporalAddress(),
    namespace: 'default',
  });
  const byWorkflow = new Map<string, GrantActivities>();
  const dispatching = Object.fromEntries(
    GRANT_ACTIVITY_NAMES.map((name) => [
      name,
      (...args: unknown[]) => {
        const workflowId = activityInfo().workflowExecution?.workflowId ?? '';
        const mocks = byWorkflow.get(workflowId);
        if (!mocks) throw ApplicationFailure.nonRetryable(`no mock activities for workflow ${workflowId}`);
        return (mocks[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as GrantActivities;
  const worker = await createGrantWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: mockWorkerActivities(dispatching),
    workflowBundle: await testWorkflowBundle(),
    // No drain at the end: the tests' workflows are over or terminated by then.
    shutdownGraceSeconds: 0,
    ...options,
  });
  const running = worker.run();
  return {
    client: env.client,
    register: (workflowId, activities) => byWorkflow.set(workflowId, activities),
    forget: (workflowId) => byWorkflow.delete(workflowId),
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}
