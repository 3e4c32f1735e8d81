/**
 * A throwaway PostgreSQL cluster for a test, from Debian's PostgreSQL server binaries
 * (/usr/lib/postgresql/<version>/bin, installed by scripts/ensure-system-packages.sh): initdb in a temp dir,
 * listening on 127.0.0.1 only on a free port, trust authentication for the superuser `temporal`, removed by stop().
 * As root the cluster belongs to the `postgres` user (initdb refuses to run as root).
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../stand-ins/temporal/temporal-dev-server';

const execFileAsync = promisify(execFile);

export interface PostgresCluster {
  host: string;
  port: number;
  /** The superuser the cluster was created with (no password needed from 127.0.0.1). */
  user: string;
  /** Directory of pg_ctl, psql, pg_dump… of the same version. */
  binDir: string;
  stop(): Promise<void>;
}

const installHint =
  "PostgreSQL's server binaries are required (/usr/lib/postgresql/<version>/bin/initdb): run `bash scripts/ensure-system-packages.sh` as root, or `apt-get install postgresql`.";

/** The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl; throws with the install hint otherwise. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(installHint);
  return join(base, versions[0]!, 'bin');
}

/** Runs a PostgreSQL binary as the cluster's owner: `postgres` when we are root, else ourselves. */
function asOwner(isRoot: boolean, file: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

export async function startPostgresCluster(user = 'temporal'): Promise<PostgresCluster> {
  const binDir = postgresBinDir();
  const isRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'jit-postgres-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const run = async (file: string, args: string[]): Promise<void> => {
    const [cmd, cmdArgs] = asOwner(isRoot, join(binDir, file), args);
    await execFileAsync(cmd, cmdArgs, { cwd: dir, timeout: 60_000 });
  };
  const port = await freePort();
  try {
    await run('initdb', ['-D', dataDir, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await run('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`,
      'start',
    ]);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL from ${binDir}: ${(err as Error).message}\n${log}`);
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    binDir,
    async stop() {
      try {
        await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
