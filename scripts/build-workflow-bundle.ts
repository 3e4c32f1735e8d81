/**
 * The second step of `npm run build`, after tsc: bundles the workflow code once, so the built worker loads
 * `<out>/workflow-bundle.js` instead of running webpack at every start (worker/create-worker.ts).
 *
 *   tsx scripts/build-workflow-bundle.ts [out dir, default dist]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_FILE, workflowsPath } from '../worker/create-worker';

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(__dirname, '..', 'dist'));
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, WORKFLOW_BUNDLE_FILE);
  writeFileSync(file, code);
  console.log(`Workflow bundle written to ${file} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
