/**
 * Runs the test suite against one real Temporal dev server, shared by every test file: starts the server,
 * runs node's test runner (through tsx) over test/**\/*.test.ts, stops the server, exits with the runner's code.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startTemporalDevServer } from '../stand-ins/temporal/temporal-dev-server';

const root = join(__dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
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
  const files = testFiles(join(root, 'test')).filter(
    (f) => filter.length === 0 || filter.some((part) => f.includes(part)),
  );
  console.log(`Starting the Temporal dev server (${cliPath})...`);
  const server = await startTemporalDevServer({ cliPath });
  console.log(`Temporal dev server at ${server.address}; running ${files.length} test files.`);
  try {
    return await new Promise<number>((resolve) => {
      const runner = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
          ...files.map((f) => relative(root, f)),
        ],
        { cwd: root, stdio: 'inherit', env: { ...process.env, JIT_TEST_TEMPORAL_ADDRESS: server.address } },
      );
      runner.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
