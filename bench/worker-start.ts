/**
 * Worker start time, from spawning the process to its worker polling, before and after `npm run build`.
 *
 *   npm run bench:worker-start            (BENCH_RUNS=5 by default; TEMPORAL_CLI_PATH, else the CLI is built)
 *
 * Before: `npx tsx worker/main.ts`, as the image used to run it: TypeScript compiled on the fly and the workflow code
 * bundled with webpack at every start. After: `node <out>/worker/main.js` from a fresh build into a temporary folder
 * (the steps of `npm run build`), loading the prebuilt workflow bundle. Runs alternate between the two, so load from
 * elsewhere on the machine falls on both alike. Each run gets its own task queue on this benchmark's own Temporal dev
 * server, is timed until the worker logs that it is RUNNING (its pollers start then), and is stopped before the next.
 * Prints one table. Not a test: nothing here asserts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { percentile } from './percentile';
import { freePort, startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = join(__dirname, '..');

interface Mode {
  /** Also names the task queue of each run. */
  name: 'before' | 'after';
  label: string;
  command: string;
  args: string[];
  /** What the worker logs when it got its workflow code the way this mode is meant to. */
  expectedLog: RegExp;
}

interface Row {
  mode: Mode;
  millis: number[];
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'jit-bench-worker-start-'));
  try {
    await run(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function run(scratch: string): Promise<void> {
  const cliPath =
    process.env.TEMPORAL_CLI_PATH ??
    execFileSync('bash', [join(root, 'scripts/ensure-temporal-cli.sh')], { encoding: 'utf8' }).trim();

  const out = join(scratch, 'out');
  log('building into a temporary folder (tsc, then the workflow bundle)');
  const bin = join(root, 'node_modules', '.bin');
  execFileSync(join(bin, 'tsc'), ['-p', 'tsconfig.build.json', '--outDir', out], { cwd: root, stdio: 'inherit' });
  execFileSync(join(bin, 'tsx'), ['scripts/build-workflow-bundle.ts', out], { cwd: root, stdio: 'inherit' });
  // As in the image, node_modules sits beside the built folders.
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');

  const policyFile = join(scratch, 'policy.yaml');
  writeFileSync(
    policyFile,
    [
      'defaults:',
      '  approvalTimeout: 30m',
      '  durations: [1h]',
      'groups:',
      '  - id: 0b0000000000000000000b02',
      '    name: bench-worker-start',
      '    maxDuration: 1h',
      '    approvers: [U0BENCHAPPROVER1]',
      '',
    ].join('\n'),
  );

  log(`starting the Temporal dev server (${cliPath})`);
  const temporal = await startTemporalDevServer({ cliPath });
  try {
    // Slack and JumpCloud on a closed loopback port: the reconciler's first sweep fails fast and never leaves the host.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? scratch,
      TEMPORAL_ADDRESS: temporal.address,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_API_URL: `${closed}/api/`,
      SLACK_APPROVAL_CHANNEL: 'C0BENCHAPPROVALS',
      JUMPCLOUD_API_KEY: 'bench-jumpcloud-key',
      JUMPCLOUD_API_URL: `${closed}/api`,
      JIT_POLICY_FILE: policyFile,
      WORKER_SHUTDOWN_GRACE_SECONDS: '5',
      RECONCILE_INTERVAL: '1h',
    };
    const rows: Row[] = [
      {
        mode: {
          name: 'before',
          label: 'before: npx tsx worker/main.ts (bundles at start)',
          command: 'npx',
          args: ['tsx', 'worker/main.ts'],
          expectedLog: /Workflow bundle created/,
        },
        millis: [],
      },
      {
        mode: {
          name: 'after',
          label: 'after: node dist/worker/main.js (prebuilt bundle)',
          command: process.execPath,
          args: [join(out, 'worker', 'main.js')],
          expectedLog: /Using the prebuilt workflow bundle/,
        },
        millis: [],
      },
    ];
    for (let i = 1; i <= RUNS; i += 1) {
      for (const row of rows) {
        const millis = await timeStart(row.mode, {
          ...env,
          TEMPORAL_TASK_QUEUE: `bench-worker-start-${row.mode.name}-${i}`,
        });
        row.millis.push(millis);
        log(`run ${i}/${RUNS} ${row.mode.label}: ${millis.toFixed(0)} ms`);
      }
    }
    printTable(rows);
  } finally {
    await temporal.stop();
  }
}

/** Spawns the worker, returns the milliseconds until it logs RUNNING, and stops it. */
async function timeStart(mode: Mode, env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(mode.command, mode.args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = new Promise<number>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Worker state changed \{[^}]*state: 'RUNNING'/.test(output)) resolve(performance.now() - started);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then(() => reject(new Error(`${mode.label} exited before running:\n${output}`)));
  });
  try {
    const millis = await running;
    if (!mode.expectedLog.test(output))
      throw new Error(`${mode.label} did not get its workflow code as expected (${mode.expectedLog}):\n${output}`);
    return millis;
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

function printTable(rows: Row[]): void {
  const stats = rows.map((row) => {
    const sorted = [...row.millis].sort((a, b) => a - b);
    return { label: row.mode.label, runs: sorted.length, p50: percentile(sorted, 50), max: sorted.at(-1) ?? NaN };
  });
  const base = stats[0]?.p50;
  const header = ['worker start, spawn → polling', 'runs', 'p50 ms', 'max ms', 'p50 / before'];
  const lines = stats.map((s) => [
    s.label,
    String(s.runs),
    s.p50.toFixed(0),
    s.max.toFixed(0),
    base ? `${(s.p50 / base).toFixed(2)}×` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  console.log('');
  console.log(`Worker start, ${RUNS} runs each, alternating, ${cpus().length} CPUs, Node ${process.version}.`);
  console.log(format(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
