/**
 * worker/main.ts as shipped, with one difference: its `Worker.create` gets the workflow bundle named by
 * JIT_TEST_WORKFLOW_BUNDLE (which scripts/run-test-suite.ts builds once per run from the same workflows/ source) instead
 * of `workflowsPath`, so the worker loads it as the built worker loads dist/workflow-bundle.js rather than running
 * webpack at every start. Run by `startWorkerProcess` with `prebuiltWorkflowBundle`, for tests that restart workers often.
 */
import { Worker, type WorkerOptions } from '@temporalio/worker';

const codePath = process.env.JIT_TEST_WORKFLOW_BUNDLE;
if (!codePath) throw new Error('worker-main-prebuilt-bundle: JIT_TEST_WORKFLOW_BUNDLE names no bundle file');

const create = Worker.create.bind(Worker);
Worker.create = (options: WorkerOptions) =>
  create({ ...options, workflowsPath: undefined, workflowBundle: { codePath } });

// Loaded once the replacement is in place (an import statement would be hoisted above it).
void import('../../worker/main.js');
