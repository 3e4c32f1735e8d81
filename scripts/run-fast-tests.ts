/**
 * `npm run test:fast`: the layer that needs no Temporal server — every test/unit/**\/*.test.ts and the replay of the
 * recorded histories (test/workflows/replay.test.ts, which bundles the workflow code in this run and replays in
 * process). No format check, lint, typecheck or dev server: seconds, not minutes. Arguments filter the files as
 * scripts/run-test-suite.ts's do (`npm run test:fast -- grant-rules`).
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { testFiles } from './test-files';

const root = join(__dirname, '..');

/** Started first: it bundles the workflow code (webpack, seconds of CPU) while the unit files fill the other slot. */
const REPLAY = join(root, 'test/workflows/replay.test.ts');

const filter = process.argv.slice(2);
const files = [REPLAY, ...testFiles(join(root, 'test/unit')).sort()]
  .map((f) => relative(root, f))
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)));
if (files.length === 0) {
  console.error(`No fast test file matches ${filter.join(' ')}.`);
  process.exit(1);
}

const runner = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? Math.max(2, availableParallelism())}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
runner.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
