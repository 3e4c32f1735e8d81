/**
 * The built product runs on plain node, as the image runs it: the steps of `npm run build` (tsc over
 * tsconfig.build.json, then scripts/build-workflow-bundle.ts) write into a temporary folder, whose worker and gateway
 * are then started with `node` against the suite's shared Temporal dev server. The temporary folder gets a
 * node_modules link to the repo's, as the image has node_modules beside dist/.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createReconcilerService, reconcilerWorkflowId } from '../../integrations/temporal/reconciler-service';
import { freePort } from '../../stand-ins/temporal/temporal-dev-server';
import { eventually } from '../support/eventually';
import { closeTestTemporal, testTemporal, testTemporalAddress, uniqueName } from '../support/temporal';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '..', '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

const scratch = mkdtempSync(join(tmpdir(), 'jit-build-output-test-'));
const out = join(scratch, 'out');
const taskQueue = uniqueName('build-output-test');
const GROUP_ID = '0b0000000000000000000b01';
const children: ChildProcess[] = [];

/** A process started from the build output, with everything it printed so far. */
interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startBuilt(entry: string, env: Record<string, string>): Started {
  // Exactly this environment: nothing from the test process (no NODE_OPTIONS, no tsx loader) reaches the child.
  const child = spawn(process.execPath, [join(out, entry)], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Waits for `pattern` in the process's output; its exiting first is a failure showing what it printed. */
async function waitForOutput(started: Started, pattern: RegExp, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!pattern.test(started.output())) {
    const { exitCode, signalCode } = started.child;
    if (exitCode !== null || signalCode !== null)
      assert.fail(`it exited (${exitCode ?? signalCode}) before ${what}. Its output:\n${started.output()}`);
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}. Its output:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopGracefully(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return started.exited;
}

/** The variables worker and gateway require; Slack and JumpCloud point at a closed loopback port, never outside. */
async function productEnv(): Promise<Record<string, string>> {
  const closed = `http://127.0.0.1:${await freePort()}`;
  return {
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    SLACK_BOT_TOKEN: 'xoxb-build-output-test',
    SLACK_API_URL: `${closed}/api/`,
    SLACK_APPROVAL_CHANNEL: 'C0BUILDTEST1',
    JUMPCLOUD_API_KEY: 'build-output-test-key',
    JUMPCLOUD_API_URL: `${closed}/api`,
    JIT_POLICY_FILE: join(scratch, 'policy.yaml'),
  };
}

before(async () => {
  writeFileSync(
    join(scratch, 'policy.yaml'),
    [
      'defaults:',
      '  approvalTimeout: 30m',
      '  durations: [1h]',
      'groups:',
      `  - id: ${GROUP_ID}`,
      '    name: build-output-test',
      '    maxDuration: 1h',
      '    approvers: [U0BUILDTEST1]',
      '    allowSelfApproval: false',
      '',
    ].join('\n'),
  );
  // The same two steps as `npm run build`, each pointed at the temporary folder instead of dist/.
  assert.deepEqual(packageJson.scripts.build?.split(' && '), [
    'tsc -p tsconfig.build.json',
    'tsx scripts/build-workflow-bundle.ts',
  ]);
  const bin = join(root, 'node_modules', '.bin');
  const steps: [string, string[]][] = [
    [join(bin, 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', out]],
    [join(bin, 'tsx'), ['scripts/build-workflow-bundle.ts', out]],
  ];
  for (const [file, args] of steps) {
    await execFileAsync(file, args, { cwd: root, maxBuffer: 16 * 1024 * 1024 }).catch((err: unknown) => {
      const failure = err as Error & { stdout?: string; stderr?: string };
      throw new Error(`${file} ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? failure.message}`);
    });
  }
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
});

after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  try {
    const { client } = await testTemporal();
    await client.workflow
      .getHandle(reconcilerWorkflowId(taskQueue))
      .terminate('build-output test finished')
      .catch(() => undefined);
  } finally {
    await closeTestTemporal();
    rmSync(scratch, { recursive: true, force: true });
  }
});

/** Every module the compiled files load by name: `require("x")` as tsc emits it, relative paths left out. */
function requiredPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js') || entry.name === 'workflow-bundle.js') continue;
    const code = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, specifier] of code.matchAll(/\brequire\("([^".][^"]*)"\)/g)) {
      const parts = specifier!.split('/');
      names.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return names;
}

test('the build output holds the product folders and the workflow bundle, nothing of test, stand-ins, sandbox, bench or scripts', () => {
  const entries = readdirSync(out).filter((name) => name !== 'node_modules');
  assert.deepEqual(entries.sort(), [
    'activities',
    'config',
    'gateway',
    'integrations',
    'worker',
    'workflow-bundle.js',
    'workflows',
  ]);
});

test('the compiled product loads only Node built-ins and runtime dependencies, so `npm install --omit=dev` suffices', () => {
  const dependencies = new Set(Object.keys(packageJson.dependencies));
  const required = requiredPackages(out);
  assert.ok(
    required.has('@temporalio/worker'),
    `no require("…") found in the compiled files: ${[...required].join(', ')}`,
  );
  const outside = [...required].filter((name) => !isBuiltin(name) && !dependencies.has(name));
  assert.deepEqual(outside, [], 'loaded by the compiled product but not in package.json "dependencies"');
});

test('node runs the built worker: it loads the prebuilt workflow bundle, polls its task queue and runs the workflow code', async () => {
  const worker = startBuilt(join('worker', 'main.js'), {
    ...(await productEnv()),
    WORKER_SHUTDOWN_GRACE_SECONDS: '5',
    RECONCILE_INTERVAL: '1h',
  });
  await waitForOutput(worker, /Worker state changed \{[^}]*state: 'RUNNING'/, 'the worker to run');
  assert.match(worker.output(), /Using the prebuilt workflow bundle/);
  assert.ok(worker.output().includes(join(out, 'workflow-bundle.js')), "the bundle loaded is not the build's");
  assert.doesNotMatch(worker.output(), /Workflow bundle created/, 'the worker bundled the workflows itself');

  // The reconciler the worker starts answers its query only once this worker has polled its task and run
  // its workflow code, which comes from the prebuilt bundle.
  const { client } = await testTemporal();
  const state = await eventually('the reconciler to answer its query', () =>
    createReconcilerService(client, taskQueue).state(),
  );
  assert.deepEqual(
    state.config.groups.map((g) => g.id),
    [GROUP_ID],
  );

  assert.equal(await stopGracefully(worker), 0, `the worker did not stop cleanly on SIGTERM:\n${worker.output()}`);
});

test('node runs the built gateway: /healthz and /readyz answer 200', async () => {
  const port = await freePort();
  const gateway = startBuilt(join('gateway', 'main.js'), {
    ...(await productEnv()),
    SLACK_SIGNING_SECRET: 'build-output-test-secret',
    PORT: String(port),
  });
  await waitForOutput(gateway, /gateway ready/, 'the gateway to listen');
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  await eventually('/readyz to see Temporal', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);

  assert.equal(await stopGracefully(gateway), 0, `the gateway did not stop cleanly on SIGTERM:\n${gateway.output()}`);
});
