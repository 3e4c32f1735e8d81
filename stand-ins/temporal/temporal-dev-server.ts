import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { searchAttributeCliArgs } from '../../workflows/search-attributes';

export interface DevServerOptions {
  /** Path of the `temporal` CLI binary (see scripts/ensure-temporal-cli.sh). */
  cliPath: string;
  port?: number;
  /** Serve the Web UI on this port; omitted = headless. */
  uiPort?: number;
  /** SQLite file for durable state; omitted = in memory. */
  dbFile?: string;
  /**
   * With `dbFile`: SQLite in WAL mode without fsync. What a killed server wrote survives (it is in the OS's page
   * cache); only a crash of the machine would lose it, which no test makes. The chaos test's 200 grants took 73-105 s
   * to finish after its last worker kill with an fsync per write, 43-45 s without.
   */
  skipFsync?: boolean;
  startTimeoutMs?: number;
  /** Where the server's own output goes (default: discarded unless it fails to start). */
  onOutput?: (chunk: string) => void;
  /**
   * Run the server in its own process group, so a terminal's Ctrl-C reaches only the parent, which can then stop
   * its worker first and the server last (the sandbox). Default false.
   */
  detached?: boolean;
  /** How long closed workflows stay in the `default` namespace; omitted = the dev server's own 24 hours. */
  retentionHours?: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  /** Stops the server; SIGKILL when `hard`, to simulate a crash. */
  stop(options?: { hard?: boolean }): Promise<void>;
}

/** Starts the real Temporal dev server with the project's search attributes registered at creation. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    'default',
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.dbFile && options.skipFsync
      ? ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off']
      : []),
    ...searchAttributeCliArgs(),
  ];
  const child = spawn(options.cliPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    options.onOutput?.(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, exited, options.startTimeoutMs ?? 60_000);
    if (options.retentionHours !== undefined) await setRetention(address, options.retentionHours);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`The Temporal dev server did not start (${(err as Error).message}). Its output:\n${output}`);
  }

  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: child,
    async stop({ hard = false } = {}) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(hard ? 'SIGKILL' : 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitUntilServing(address: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) throw new Error(`it exited with code ${exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`not reachable at ${address} after ${timeoutMs} ms: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** The namespace's retention period, as an operator sets it with `temporal operator namespace update --retention`. */
async function setRetention(address: string, hours: number): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.updateNamespace({
      namespace: 'default',
      config: { workflowExecutionRetentionTtl: msToTs(`${hours} hours`) },
    });
  } finally {
    await connection.close();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
