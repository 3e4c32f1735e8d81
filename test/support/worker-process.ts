import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext } from 'node:test';
import { APPROVAL_CHANNEL, type GrantHarness, JUMPCLOUD_API_KEY, SLACK_BOT_TOKEN } from './grant-harness';
import { testTemporalAddress } from './temporal';

const root = join(__dirname, '..', '..');

export interface WorkerProcess {
  process: ChildProcess;
  /** What the worker printed (the last few KiB), for failure messages. */
  output(): string;
  /** Rejects, with the worker's output, once the process exits. */
  exited: Promise<never>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * `worker/main.ts` as its own process (as in production: one Runtime per process), on the harness's task queue and
 * stand-ins, with a policy file for the harness's group and a complete environment of its own: nothing from the
 * developer's shell leaks in. `env` adds or overrides variables. Stopped when the test ends (pass `t: undefined`
 * and call `stop` yourself to stop it at another moment, e.g. before the harness's stand-ins go away).
 */
export function startWorkerProcess(
  t: TestContext | undefined,
  h: Pick<GrantHarness, 'taskQueue' | 'group' | 'otherGroup' | 'approver' | 'secondApprover' | 'slack' | 'jumpcloud'>,
  env: NodeJS.ProcessEnv = {},
  options: {
    /**
     * A workflow bundle file (the suite's, JIT_TEST_WORKFLOW_BUNDLE) the worker loads instead of running webpack at
     * start, as the built worker loads dist/workflow-bundle.js: seconds less per start, for tests that restart often
     * (test/support/worker-main-prebuilt-bundle.ts runs worker/main.ts with it).
     */
    prebuiltWorkflowBundle?: string;
  } = {},
): WorkerProcess {
  const dir = mkdtempSync(join(tmpdir(), 'jit-worker-process-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    [
      'defaults:',
      '  approvalTimeout: 10m',
      '  durations: [3s, 1h]',
      'groups:',
      `  - id: ${h.group.id}`,
      `    name: ${h.group.name}`,
      '    maxDuration: 1h',
      `    approvers: [${h.approver.slackUserId}, ${h.secondApprover.slackUserId}]`,
      // The worker checks every grant against this policy: both of the harness's groups are in it.
      `  - id: ${h.otherGroup.id}`,
      `    name: ${h.otherGroup.name}`,
      '    maxDuration: 1h',
      `    approvers: [${h.approver.slackUserId}, ${h.secondApprover.slackUserId}]`,
    ].join('\n'),
  );
  const lines: string[] = [];
  const main = options.prebuiltWorkflowBundle ? 'test/support/worker-main-prebuilt-bundle.ts' : 'worker/main.ts';
  const proc = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      SLACK_BOT_TOKEN,
      SLACK_API_URL: h.slack.apiUrl,
      SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
      JUMPCLOUD_API_KEY,
      JUMPCLOUD_API_URL: h.jumpcloud.baseUrl,
      JIT_POLICY_FILE: policyFile,
      WORKER_SHUTDOWN_GRACE_SECONDS: '2',
      ...(options.prebuiltWorkflowBundle && { JIT_TEST_WORKFLOW_BUNDLE: options.prebuiltWorkflowBundle }),
      ...env,
    },
  });
  proc.stdout.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const output = () => lines.join('').slice(-4000);
  const exited = new Promise<never>((_, reject) => {
    proc.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code}):\n${output()}`)));
  });
  exited.catch(() => undefined);
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const gone = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  t?.after(stop);
  return { process: proc, output, exited, stop };
}
