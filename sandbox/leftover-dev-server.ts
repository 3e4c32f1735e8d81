import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * The sandbox runs its Temporal dev server in its own process group (so Ctrl-C lets the worker stop first). If the
 * sandbox itself is killed hard, that server outlives it and holds the ports and the SQLite file; its PID is kept in
 * a file so the next start can stop it.
 */
export function rememberDevServer(pidFile: string, pid: number | undefined): void {
  if (pid !== undefined) writeFileSync(pidFile, `${pid}\n`);
}

export function forgetDevServer(pidFile: string): void {
  rmSync(pidFile, { force: true });
}

export async function stopLeftoverDevServer(pidFile: string, log: (line: string) => void): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  forgetDevServer(pidFile);
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return;
  // The PID may have been reused since: only stop a process that is a Temporal dev server.
  if (!commandOf(pid).includes('start-dev')) return;
  log(`Stopping the Temporal dev server (pid ${pid}) that an earlier sandbox left running...`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return '';
  }
}
