/**
 * The real Temporal server (temporal-server, built from source by scripts/ensure-temporal-server.sh) as a child
 * process, started exactly as docker-compose.yml starts it: with the repository's deploy/temporal/config.yaml,
 * whose settings come from the environment (PostgreSQL address, and here free loopback ports for every service).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';

export const temporalConfigDir = join(__dirname, '..', '..', 'deploy', 'temporal');

export interface ServerPorts {
  frontend: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Eight distinct free loopback ports, all below 32768: Temporal stores membership ports in a PostgreSQL smallint
 * (cluster_membership.rpc_port), so the kernel's ephemeral ports (32768 and up) make the server exit at start.
 */
export async function freeServerPorts(): Promise<ServerPorts> {
  const ports = new Set<number>();
  while (ports.size < 8) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.has(candidate) && (await portIsFree(candidate))) ports.add(candidate);
  }
  const [frontend, history, matching, worker, fm, hm, mm, wm] = [...ports] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    frontend,
    history,
    matching,
    worker,
    frontendMembership: fm,
    historyMembership: hm,
    matchingMembership: mm,
    workerMembership: wm,
  };
}

export interface TemporalServerOptions {
  serverPath: string;
  ports: ServerPorts;
  postgres: { host: string; port: number; user: string; password: string };
  /** Appended to by every start of the server. */
  logFile: string;
}

/** The environment deploy/temporal/config.yaml reads (docker-compose.yml sets the same PostgreSQL variables). */
export function serverEnvironment(options: TemporalServerOptions): NodeJS.ProcessEnv {
  const { ports, postgres } = options;
  return {
    PATH: process.env.PATH,
    POSTGRES_SEEDS: postgres.host,
    DB_PORT: String(postgres.port),
    POSTGRES_USER: postgres.user,
    POSTGRES_PWD: postgres.password,
    TEMPORAL_FRONTEND_BIND_IP: '127.0.0.1',
    TEMPORAL_FRONTEND_PORT: String(ports.frontend),
    TEMPORAL_HISTORY_PORT: String(ports.history),
    TEMPORAL_MATCHING_PORT: String(ports.matching),
    TEMPORAL_WORKER_PORT: String(ports.worker),
    TEMPORAL_FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    TEMPORAL_HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    TEMPORAL_MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    TEMPORAL_WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
  };
}

/** docker-compose.yml's entrypoint of the temporal service, with the repository's config directory as root. */
export const serverArgs = ['--root', temporalConfigDir, '--config', '.', '--env', 'config', '--allow-no-auth', 'start'];

export interface TemporalServerProcess {
  address: string;
  /** How many times the process was (re)started before the frontend answered (Docker's restart policy). */
  starts: number;
  /** SIGKILL (a crash) or SIGTERM (a clean stop); resolves once the process is gone. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts the server and resolves once its frontend answers on the default namespace's system info. Like
 * `restart: unless-stopped`, a process that exits before it is ready (no schema yet) is started again, until
 * `timeoutMs`.
 */
export async function startTemporalServer(
  options: TemporalServerOptions,
  timeoutMs = 90_000,
): Promise<TemporalServerProcess> {
  const address = `127.0.0.1:${options.ports.frontend}`;
  const env = serverEnvironment(options);
  const deadline = Date.now() + timeoutMs;
  let child: ChildProcess | undefined;
  let exited = true;
  let starts = 0;
  const launch = (): void => {
    const log = openSync(options.logFile, 'a');
    child = spawn(options.serverPath, serverArgs, { env, stdio: ['ignore', log, log] });
    closeSync(log);
    starts += 1;
    exited = false;
    child.once('exit', () => {
      exited = true;
    });
  };
  for (;;) {
    if (exited) launch();
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        break;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        child?.kill('SIGKILL');
        throw new Error(
          `the Temporal server did not answer at ${address} within ${timeoutMs} ms (${starts} starts): ${(err as Error).message}\n${logTail(options.logFile)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, exited ? 1000 : 250));
    }
  }
  const running = child!;
  return {
    address,
    starts,
    async stop(signal = 'SIGTERM') {
      if (exited) return;
      const gone = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      const timer = setTimeout(() => running.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
    },
  };
}
