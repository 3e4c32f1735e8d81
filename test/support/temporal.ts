import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { type History } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { workflowsPath } from '../../worker/create-worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed by another module in this process
}

export interface TestTemporal {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
}

let shared: Promise<TestTemporal> | undefined;
let bundle: Promise<WorkflowBundle> | undefined;

/**
 * The suite's shared Temporal dev server (started by scripts/run-test-suite.ts). Missing is a failure, never a skip.
 */
export function testTemporal(): Promise<TestTemporal> {
  shared ??= (async () => {
    const address = testTemporalAddress();
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    return { address, client: new Client({ connection }), nativeConnection };
  })();
  return shared;
}

/** The address of the suite's shared Temporal dev server. Missing is a failure, never a skip. */
export function testTemporalAddress(): string {
  const address = process.env.JIT_TEST_TEMPORAL_ADDRESS;
  if (!address) {
    throw new Error(
      'No Temporal dev server for the tests. Run them with `npm test` (it builds the Temporal CLI if needed and starts ' +
        'one server for the run), or set JIT_TEST_TEMPORAL_ADDRESS=127.0.0.1:PORT of a running `temporal server start-dev` ' +
        'that has the search attributes of workflows/search-attributes.ts.',
    );
  }
  return address;
}

/** The Web UI of the suite's shared dev server. Missing is a failure, never a skip. */
export function testTemporalUiUrl(): string {
  const url = process.env.JIT_TEST_TEMPORAL_UI_URL;
  if (!url) {
    throw new Error(
      'No Temporal Web UI for the tests. Run them with `npm test`, which starts the dev server with its UI, or set ' +
        'JIT_TEST_TEMPORAL_UI_URL=http://127.0.0.1:PORT of the `temporal server start-dev --ui-port PORT` in use.',
    );
  }
  return url;
}

/**
 * The workflow code bundled once per run: scripts/run-test-suite.ts bundles it before the test files start and names
 * the file in JIT_TEST_WORKFLOW_BUNDLE (webpack takes seconds of CPU, once instead of once per test file). A test file
 * run on its own bundles for itself.
 */
export function testWorkflowBundle(): Promise<WorkflowBundle> {
  const prebuilt = process.env.JIT_TEST_WORKFLOW_BUNDLE;
  bundle ??= prebuilt
    ? readFile(prebuilt, 'utf8').then((code) => ({ code }))
    : bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

export async function closeTestTemporal(): Promise<void> {
  if (!shared) return;
  const { client, nativeConnection } = await shared;
  await client.connection.close();
  await nativeConnection.close();
  shared = undefined;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A JumpCloud-style 24-hex-character object ID, unique per test so workflow IDs never collide across tests. */
export function randomObjectId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 24);
}

/** The run a grant began with, which names it (an active grant goes on in a later run). */
export async function firstRunIdOf(client: Client, workflowId: string): Promise<string> {
  const description = await client.workflow.getHandle(workflowId).describe();
  return description.raw.workflowExecutionInfo?.firstRunId || description.runId;
}

type HistoryEvent = NonNullable<History['events']>[number];

/**
 * Every event of the workflow's current run and of the runs it continued from (an active grant continues as new once
 * its messages are out), oldest run first. Walks the chain through each run's start event, not through visibility.
 */
export async function eventsOfAllRuns(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  do {
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    runs.unshift(events);
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  return runs.flat();
}
