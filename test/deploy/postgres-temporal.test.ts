/**
 * The compose topology of docker-compose.yml, proven without Docker: Debian's PostgreSQL in a temp dir, the real
 * Temporal server and temporal-sql-tool built from source (scripts/ensure-temporal-server.sh, the version of the
 * temporalio/server image), the repository's deploy/temporal/config.yaml and deploy/temporal/setup.sh.
 *
 * Like `docker compose up`: the setup script and the server start together (the server is restarted until the
 * script has created the schema); the script then creates the namespace and search attributes. A second run of
 * the script changes nothing. A grant then runs its whole life on that server with the real worker, through a
 * SIGKILL of the server while the grant is active.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { type GrantState } from '../../workflows/grant/grant-types';
import { searchAttributeCliArgs } from '../../workflows/search-attributes';
import { eventually } from '../support/eventually';
import { createGrantHarness, type GrantHarness } from '../support/grant-harness';
import { type PostgresCluster, startPostgresCluster } from '../support/postgres-cluster';
import {
  freeServerPorts,
  startTemporalServer,
  temporalConfigDir,
  type TemporalServerOptions,
  type TemporalServerProcess,
} from '../support/temporal-server-process';

const execFileAsync = promisify(execFile);
const setupScript = join(temporalConfigDir, 'setup.sh');
const NINETY_DAYS_SECONDS = 90 * 24 * 3600;
const POSTGRES_PASSWORD = 'not-checked-trust-auth';
/** temporal.api.enums.v1.IndexedValueType, as listSearchAttributes returns it. */
const INDEXED_VALUE_TYPE: Record<string, number> = { Keyword: 2, Bool: 5, Datetime: 6 };

function requiredBinary(variable: string, hint: string): string {
  const path = process.env[variable];
  assert.ok(path, `${variable} is not set: ${hint}`);
  assert.ok(existsSync(path), `${variable}=${path} does not exist: ${hint}`);
  return path;
}

interface SetupRun {
  code: number | null;
  output: string;
}

/** Runs deploy/temporal/setup.sh with /bin/sh (as the admin-tools container does), the built tools on its env. */
function runSetup(env: NodeJS.ProcessEnv): Promise<SetupRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', [setupScript], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Everything the setup script may change in PostgreSQL: both databases' DDL and schema version bookkeeping. */
async function schemaSnapshot(pg: PostgresCluster, databases: string[]): Promise<string> {
  const parts: string[] = [];
  const conn = ['-h', pg.host, '-p', String(pg.port), '-U', pg.user];
  for (const db of databases) {
    const { stdout: ddl } = await execFileAsync(join(pg.binDir, 'pg_dump'), [...conn, '--schema-only', db], {
      maxBuffer: 64 * 1024 * 1024,
    });
    const { stdout: versions } = await execFileAsync(join(pg.binDir, 'psql'), [
      ...conn,
      '-d',
      db,
      '-Atc',
      'SELECT * FROM schema_version; SELECT version_partition, year, month, update_time, old_version, new_version FROM schema_update_history ORDER BY update_time, new_version;',
    ]);
    // pg_dump brackets its output with a random \restrict key per run: not part of the schema.
    const schema = ddl.replace(/^\\(un)?restrict .*$/gm, '');
    parts.push(`-- ${db}\n${schema}\n${versions}`);
  }
  return parts.join('\n');
}

test('docker-compose topology: setup.sh migrates PostgreSQL and registers everything, idempotently, and a grant survives a server crash on it', async (t) => {
  const serverPath = requiredBinary(
    'TEMPORAL_SERVER_PATH',
    'run `bash scripts/ensure-temporal-server.sh` (builds temporal-server and temporal-sql-tool, ~7 min the first time) and export the two paths it prints as TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH, or run the suite with `npm test`',
  );
  const sqlToolPath = requiredBinary(
    'TEMPORAL_SQL_TOOL_PATH',
    'run `bash scripts/ensure-temporal-server.sh` and export its second line as TEMPORAL_SQL_TOOL_PATH, or run the suite with `npm test`',
  );
  const cliPath = requiredBinary(
    'TEMPORAL_CLI_PATH',
    'run `bash scripts/ensure-temporal-cli.sh` and export the path it prints, or run the suite with `npm test`',
  );

  const pg = await startPostgresCluster();
  const dir = mkdtempSync(join(tmpdir(), 'jit-postgres-temporal-'));
  const ports = await freeServerPorts();
  const serverOptions: TemporalServerOptions = {
    serverPath,
    ports,
    postgres: { host: pg.host, port: pg.port, user: pg.user, password: POSTGRES_PASSWORD },
    logFile: join(dir, 'temporal-server.log'),
  };
  const expected = searchAttributeCliArgs().filter((arg) => arg !== '--search-attribute');
  const databases = ['temporal', 'temporal_visibility'];
  const setupEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    TEMPORAL_SQL_TOOL: sqlToolPath,
    TEMPORAL_CLI: cliPath,
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: POSTGRES_PASSWORD,
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.frontend}`,
    TEMPORAL_NAMESPACE: 'default',
    SETUP_WAIT_SECONDS: '90',
    // TEMPORAL_RETENTION unset: the script's default (90 days) is what compose uses too.
  };

  // Torn down after the harness's worker (node:test runs after-hooks in registration order), so it is registered
  // once the harness exists; until then a failure tears down here.
  let server: TemporalServerProcess | undefined;
  let connections: { close(): Promise<void> }[] = [];
  const teardown = async (): Promise<void> => {
    for (const connection of connections) await connection.close();
    await server?.stop('SIGKILL');
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  let h: GrantHarness;
  try {
    // `docker compose up`: the setup job and the server start together; the server is restarted until it can run.
    const firstSetup = runSetup(setupEnv);
    server = await startTemporalServer(serverOptions);
    const first = await firstSetup;
    assert.equal(first.code, 0, `first setup run failed:\n${first.output}`);
    t.diagnostic(`the server was started ${server.starts} time(s) before it answered (no schema before that)`);
    assert.match(first.output, /created namespace default with retention 2160h/);
    for (const spec of expected) {
      const [name, type] = spec.split('=');
      assert.match(first.output, new RegExp(`created search attribute ${name} \\(${type}\\)`), first.output);
    }

    // Second run against the same database and running server: nothing to do, nothing changed, exit 0.
    const before = await schemaSnapshot(pg, databases);
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    connections = [connection, nativeConnection];
    const namespaceBefore = await connection.workflowService.describeNamespace({ namespace: 'default' });
    const second = await runSetup(setupEnv);
    assert.equal(second.code, 0, `second setup run failed:\n${second.output}`);
    assert.doesNotMatch(second.output, /created/, second.output);
    assert.match(second.output, /namespace default already exists/);
    for (const spec of expected) {
      assert.match(second.output, new RegExp(`search attribute ${spec.split('=')[0]} already exists`));
    }
    assert.equal(await schemaSnapshot(pg, databases), before, 'the second setup run changed the schema');
    const namespace = await connection.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(namespace.namespaceInfo?.id, namespaceBefore.namespaceInfo?.id);
    assert.equal(Number(namespace.config?.workflowExecutionRetentionTtl?.seconds), NINETY_DAYS_SECONDS);

    const attributes = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const spec of expected) {
      const [name, type] = spec.split('=') as [string, string];
      assert.equal(attributes.customAttributes[name], INDEXED_VALUE_TYPE[type], `search attribute ${name}`);
    }

    const client = new Client({ connection });
    h = await createGrantHarness(t, { temporal: { address: server.address, client, nativeConnection } });
  } catch (err) {
    await teardown();
    throw err;
  }
  t.after(teardown);

  // A grant's whole life on this server, with the real worker; the server crashes while the grant is active.
  const { workflowId } = await h.grants.start(h.grantInput({ durationSeconds: 10 }));
  await h.grants.decide(workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, 'a');
  const active = await h.waitForStatus(workflowId, 'ACTIVE');
  assert.equal(h.isMember(), true);
  assert.ok(Date.now() < Date.parse(active.expiresAt!), 'the grant expired before the crash');
  await server!.stop('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.equal(h.isMember(), true, 'the membership stays while the server is down');
  server = await startTemporalServer(serverOptions);

  const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
  assert.equal(final.status, 'EXPIRED');
  assert.equal(final.expiresAt, active.expiresAt, 'the expiry survived the crash unchanged');
  assert.equal(h.isMember(), false);
  // The search attributes are written to PostgreSQL visibility and can be queried, as the UI does.
  await eventually(
    'the expired grant in a visibility query on its search attributes',
    async () => {
      for await (const execution of h.client.workflow.list({
        query: `JitGroup = '${h.group.id}' AND JitStatus = 'EXPIRED'`,
      })) {
        if (execution.workflowId === workflowId) return true;
      }
      return false;
    },
    15_000,
  );
});
