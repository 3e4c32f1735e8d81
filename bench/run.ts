/**
 * The benchmarks, by scenario:
 *
 *   npm run bench                                  the acknowledgement benchmark (ack-latency)
 *   npm run bench -- <scenario> [--n N[,N…]] …      one scenario; --help lists them
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { approvalBurst } from './approval-burst';
import { MissingToolError } from './burst-world';
import { driftBench } from './drift';
import { defaultDurationSeconds, expiryBurst } from './expiry-burst';
import { defaultDurationSeconds as liveDurationSeconds, liveGrants } from './live-grants';

interface Options {
  n?: string;
  duration?: string;
  svg?: string;
  cache?: string;
}

interface Scenario {
  usage: string;
  about: string;
  run(options: Options): Promise<void>;
}

const root = join(__dirname, '..');

const scenarios: Record<string, Scenario> = {
  'ack-latency': {
    usage: 'ack-latency',
    about: 'how fast Slack gets its answer under sustained load (BENCH_CLIENTS, BENCH_SECONDS); the default',
    run: (options) => script('ack-latency.ts', options),
  },
  'worker-start': {
    usage: 'worker-start',
    about: 'worker start time before and after `npm run build` (BENCH_RUNS)',
    run: (options) => script('worker-start.ts', options),
  },
  'expiry-burst': {
    usage: 'expiry-burst [--n 200,1000] [--duration S] [--svg FILE] [--cache N]',
    about: `revocation lag when N grants expire together, against bare workflows; duration defaults to ${defaultDurationSeconds(200)} s at N=200, ${defaultDurationSeconds(1000)} s at N=1000; writes docs/bench-expiry-burst.svg; --cache sets the worker's WORKER_MAX_CACHED_WORKFLOWS (default: the product's)`,
    run: (options) =>
      expiryBurst({
        loads: loads(options.n, [200, 1000]),
        durationSeconds: options.duration === undefined ? undefined : positiveInteger('--duration', options.duration),
        svgFile: options.svg ?? join(root, 'docs', 'bench-expiry-burst.svg'),
        cache: cacheOption(options),
      }),
  },
  'approval-burst': {
    usage: 'approval-burst [--n 200]',
    about: 'Approve → JumpCloud add when N approvals arrive together, against bare workflows',
    run: (options) => approvalBurst({ loads: loads(options.n, [200]) }),
  },
  drift: {
    usage: 'drift [--n 50]',
    about:
      'a membership added by hand → alert in the security channel (p50/p99 of N changes) and JumpCloud calls per hour at 50 groups of 200 members: Directory Insights every 15 s against the 5-minute sweep',
    run: (options) => driftBench({ changes: options.n === undefined ? 50 : positiveInteger('--n', options.n) }),
  },
  'live-grants': {
    usage: 'live-grants [--n 10000] [--duration S] [--cache N]',
    about: `N grants live at once: start and approval rates, worker and dev server memory (RSS) over time, revocation lag, against bare sleeping workflows; duration defaults to ${liveDurationSeconds(10000)} s at N=10000; --cache sets the worker's WORKER_MAX_CACHED_WORKFLOWS (default: the product's)`,
    run: (options) =>
      liveGrants({
        n: options.n === undefined ? 10000 : positiveInteger('--n', options.n),
        durationSeconds: options.duration === undefined ? undefined : positiveInteger('--duration', options.duration),
        cache: cacheOption(options),
      }),
  },
};

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      n: { type: 'string' },
      duration: { type: 'string' },
      svg: { type: 'string' },
      cache: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] === 'list') return usage();
  if (positionals.length > 1) throw new UsageError(`one scenario at a time (got ${positionals.join(', ')})`);
  const name = positionals[0] ?? 'ack-latency';
  const scenario = scenarios[name];
  if (!scenario) throw new UsageError(`no scenario "${name}"`);
  if (positionals.length === 0) console.error('[bench] ack-latency (npm run bench -- --help lists the scenarios)');
  await scenario.run(values);
}

function usage(print: (line: string) => void = console.log): void {
  print('npm run bench -- <scenario> [options]   (no scenario: ack-latency)\n');
  for (const scenario of Object.values(scenarios)) print(`  ${scenario.usage}\n      ${scenario.about}\n`);
}

/** The older benchmarks run as they always have: their own process, configured through the environment. */
function script(file: string, options: Options): Promise<void> {
  const given = Object.entries(options).filter(([, value]) => value !== undefined);
  if (given.length > 0) throw new UsageError(`${file} takes no options (${given.map(([k]) => `--${k}`).join(', ')})`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, file)], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${file} exited (${signal ?? code})`)),
    );
  });
}

function loads(text: string | undefined, fallback: number[]): number[] {
  if (text === undefined) return fallback;
  const values = text.split(',').map((part) => positiveInteger('--n', part.trim()));
  // Each load names its users and group after N, so the same N twice would collide in the stand-in.
  if (new Set(values).size !== values.length) throw new UsageError(`--n lists a load twice (got "${text}")`);
  return values;
}

function positiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${option} must be a positive integer (got "${text}")`);
  return value;
}

/** `--cache N`: the project worker's WORKER_MAX_CACHED_WORKFLOWS; undefined = the product's default. */
function cacheOption(options: Options): number | undefined {
  return options.cache === undefined ? undefined : nonNegativeInteger('--cache', options.cache);
}

function nonNegativeInteger(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 0)
    throw new UsageError(`${option} must be a whole number, 0 or more (got "${text}")`);
  return value;
}

class UsageError extends Error {}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n`);
      usage(console.error);
    } else if (err instanceof MissingToolError) {
      console.error(err.message);
    } else {
      console.error(err);
    }
    process.exit(1);
  },
);
