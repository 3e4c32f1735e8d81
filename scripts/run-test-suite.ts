/**
 * Runs the test suite against one real Temporal dev server, shared by every test file: starts the server,
 * bundles the workflow code once for all of them, runs node's test runner (through tsx) over test/**\/*.test.ts,
 * stops the server, exits with the runner's code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { freePort, startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';
import { workflowsPath } from '../worker/create-worker';
import { testFiles } from './test-files';

const root = join(__dirname, '..');

/**
 * Files that wait on real timers for tens of seconds. Started first, so the quick files fill the other slots
 * meanwhile instead of leaving one long file running alone at the end.
 */
const SLOW_FIRST = [
  'test/workflows/chaos',
  'test/deploy/postgres-temporal',
  'test/workflows/',
  'test/sandbox/',
  'test/deploy/build-output',
  'test/deploy/metrics',
  'test/deploy/replicas',
  'test/deploy/audit-export',
  'test/deploy/temporal-tls',
  'test/gateway/slack-flows',
  'test/gateway/extensions',
  'test/gateway/two-person-rule',
];

/** Files run before the others, one at a time, with the machine to themselves. */
const ALONE = ['test/workflows/chaos'];

/**
 * Files that load both cores for a long while on their own: started last, so they never starve the chaos tests, whose
 * grants must keep their deadlines.
 */
const LAST = ['test/workflows/grant-model'];

function slowness(file: string): number {
  if (LAST.some((prefix) => relative(root, file).startsWith(prefix))) return SLOW_FIRST.length + 1;
  const index = SLOW_FIRST.findIndex((prefix) => relative(root, file).startsWith(prefix));
  return index === -1 ? SLOW_FIRST.length : index;
}

async function main(): Promise<number> {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) {
    console.error(
      'TEMPORAL_CLI_PATH is not set. Run the suite with `npm test`, which builds the Temporal CLI if needed.',
    );
    return 1;
  }
  const filter = process.argv.slice(2);
  const files = testFiles(join(root, 'test'))
    .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
    .sort((a, b) => slowness(a) - slowness(b) || a.localeCompare(b));
  console.log(`Starting the Temporal dev server (${cliPath})...`);
  // With its Web UI: test/deploy/web-ui.test.ts reads grants there as an auditor would.
  const server = await startTemporalDevServer({ cliPath, uiPort: await freePort() });
  console.log(`Temporal dev server at ${server.address}; bundling the workflow code once for every test file...`);
  const bundleDir = mkdtempSync(join(tmpdir(), 'jit-test-bundle-'));
  const bundleFile = join(bundleDir, 'workflow-bundle.js');
  writeFileSync(bundleFile, (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') })).code);
  console.log(`Running ${files.length} test files.`);
  try {
    // The chaos tests first, on their own: their grants keep deadlines that a saturated machine breaks (they pass
    // alone and failed beside the rest of the suite on two cores). Then everything else.
    const alone = files.filter((f) => ALONE.some((prefix) => relative(root, f).startsWith(prefix)));
    const rest = files.filter((f) => !alone.includes(f));
    const env = {
      ...process.env,
      JIT_TEST_TEMPORAL_ADDRESS: server.address,
      JIT_TEST_TEMPORAL_UI_URL: server.uiUrl,
      JIT_TEST_WORKFLOW_BUNDLE: bundleFile,
    };
    let code = 0;
    if (alone.length > 0) code = await runFiles(alone, '1', env);
    if (rest.length > 0) code = Math.max(code, await runFiles(rest, process.env.TEST_CONCURRENCY ?? '3', env));
    return code;
  } finally {
    await server.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

/** Node's test runner over `files`, TAP on stdout with the failures again at the end; resolves to its exit code. */
function runFiles(files: string[], concurrency: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise<number>((resolve) => {
    const runner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${concurrency}`,
        // TAP as the tests run, then the failures again at the very end, where CI's tail shows them.
        '--test-reporter=tap',
        '--test-reporter-destination=stdout',
        `--test-reporter=${join(__dirname, 'test-failure-summary.mjs')}`,
        '--test-reporter-destination=stdout',
        ...files.map((f) => relative(root, f)),
      ],
      { cwd: root, stdio: 'inherit', env },
    );
    runner.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
