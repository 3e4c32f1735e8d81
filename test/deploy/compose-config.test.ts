/**
 * The production packaging, checked without a Docker engine: `docker compose config` (Compose v2) or, where the
 * v2 plugin is missing, `docker-compose config` (Debian's Compose v1) renders and validates docker-compose.yml
 * (interpolation, required variables, schema); its YAML output is normalized across both versions before any
 * assertion. The Slack manifest and example policy are parsed as YAML. The Temporal setup job's script
 * (deploy/temporal/setup.sh) is also run against stub `temporal` and `temporal-sql-tool` commands; its run against
 * the real server and PostgreSQL is test/deploy/postgres-temporal.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { loadPolicy } from '../../config/policy';
import { grantSearchAttributes, searchAttributeCliArgs } from '../../workflows/search-attributes';

const execFileAsync = promisify(execFile);
const root = join(__dirname, '..', '..');
const composeFile = join(root, 'docker-compose.yml');

/** Dummy values for every variable docker-compose.yml requires with ${VAR:?…}. */
const requiredVars = {
  POSTGRES_PASSWORD: 'dummy-postgres-password',
  SLACK_BOT_TOKEN: 'xoxb-dummy',
  SLACK_SIGNING_SECRET: 'dummy-signing-secret',
  SLACK_APPROVAL_CHANNEL: 'C0DUMMY0001',
  JUMPCLOUD_API_KEY: 'dummy-jumpcloud-write-key',
  JUMPCLOUD_READ_ONLY_API_KEY: 'dummy-jumpcloud-read-only-key',
} as const;

const expectedAttributes = [
  'JitStatus=Keyword',
  'JitRequester=Keyword',
  'JitRequesterEmail=Keyword',
  'JitGroup=Keyword',
  'JitGroupName=Keyword',
  'JitDecider=Keyword',
  'JitExpiresAt=Datetime',
  'JitBreakGlass=Bool',
];

const scratch = mkdtempSync(join(tmpdir(), 'jit-compose-test-'));
// An empty env file, so a developer's own .env in the repo cannot satisfy (or break) what the tests check.
const emptyEnvFile = join(scratch, 'empty.env');
writeFileSync(emptyEnvFile, '');
after(() => rmSync(scratch, { recursive: true, force: true }));

interface ExecFailure extends Error {
  code?: string | number;
  stdout?: string;
  stderr?: string;
}

const installCompose =
  'Docker Compose is required by the deployment tests and neither `docker compose` (v2 plugin) nor `docker-compose` works: ' +
  "install Debian's docker-compose package (`apt-get install docker-compose`) or the Docker Compose v2 plugin " +
  "(docker-compose-plugin from Docker's apt repository, or a v2 binary in /usr/local/lib/docker/cli-plugins/).";

/** The command line that runs Compose: `docker compose` (v2) when it works, else `docker-compose` (v1 or a v2 binary). */
interface ComposeTool {
  file: string;
  prefix: string[];
}

function probeFailure(command: string, err: unknown): string {
  const failure = err as ExecFailure;
  return `${command}: ${failure.stderr?.trim() || failure.message}`;
}

let composeTool: Promise<ComposeTool> | undefined;

/** Fails (never skips) with an install hint when no Compose implementation is available. */
function requireCompose(): Promise<ComposeTool> {
  composeTool ??= (async () => {
    const failures: string[] = [];
    try {
      await execFileAsync('docker', ['compose', 'version']);
      return { file: 'docker', prefix: ['compose'] };
    } catch (err) {
      failures.push(probeFailure('docker compose version', err));
    }
    try {
      await execFileAsync('docker-compose', ['version']);
      return { file: 'docker-compose', prefix: [] };
    } catch (err) {
      failures.push(probeFailure('docker-compose version', err));
    }
    throw new Error(`${installCompose}\n${failures.join('\n')}`);
  })();
  return composeTool;
}

interface ComposeResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Runs `<compose> -f docker-compose.yml <args>` with exactly `vars` as the interpolation environment. */
async function compose(args: string[], vars: Record<string, string>): Promise<ComposeResult> {
  const tool = await requireCompose();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME ?? scratch, ...vars };
  if (process.env.DOCKER_CONFIG) env.DOCKER_CONFIG = process.env.DOCKER_CONFIG;
  try {
    // v1 and v2 both take these as global options before the subcommand.
    const { stdout, stderr } = await execFileAsync(
      tool.file,
      [...tool.prefix, '--project-directory', root, '-f', composeFile, '--env-file', emptyEnvFile, ...args],
      { env, cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    return { ok: true, stdout, stderr };
  } catch (err) {
    const failure = err as ExecFailure;
    if (failure.stdout === undefined && failure.stderr === undefined) throw err;
    return { ok: false, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

interface ComposePort {
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
}

interface ComposeVolume {
  type: string;
  source?: string;
  target: string;
  read_only: boolean;
}

/** A service as the tests see it: ports, volumes and environment normalized across Compose v1 and v2. */
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  ports?: ComposePort[];
  volumes?: ComposeVolume[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: string[] };
}

interface ComposeModel {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** A port as v2 prints it (long form) or as v1 prints it (`[host_ip:][published:]target[/protocol]`). */
function parsePort(raw: unknown): ComposePort {
  if (typeof raw === 'object' && raw !== null) {
    const port = raw as { host_ip?: unknown; target?: unknown; published?: unknown; protocol?: unknown };
    const target = Number(port.target);
    assert.ok(Number.isInteger(target), `unsupported port ${JSON.stringify(raw)}`);
    return {
      ...(port.host_ip ? { host_ip: String(port.host_ip) } : {}),
      target,
      ...(port.published !== undefined && port.published !== null && port.published !== ''
        ? { published: String(port.published) }
        : {}),
      protocol: typeof port.protocol === 'string' ? port.protocol : 'tcp',
    };
  }
  const spec = String(raw);
  const slash = spec.lastIndexOf('/');
  const protocol = slash >= 0 ? spec.slice(slash + 1) : 'tcp';
  const parts = (slash >= 0 ? spec.slice(0, slash) : spec).split(':');
  const target = Number(parts.pop());
  assert.ok(Number.isInteger(target), `unsupported port ${spec}`);
  const published = parts.pop();
  // Whatever is left is the host IP; an IPv6 one is bracketed and contains colons itself.
  const hostIp = parts.join(':').replace(/^\[(.*)\]$/, '$1');
  return {
    ...(hostIp ? { host_ip: hostIp } : {}),
    target,
    ...(published ? { published } : {}),
    protocol,
  };
}

/** A volume as v2 prints it (long form) or as v1 prints it (`[source:]target[:mode]`, source absolute for binds). */
function parseVolume(raw: unknown): ComposeVolume {
  if (typeof raw === 'object' && raw !== null) {
    const volume = raw as { type?: unknown; source?: unknown; target?: unknown; read_only?: unknown };
    assert.equal(typeof volume.target, 'string', `unsupported volume ${JSON.stringify(raw)}`);
    return {
      type: String(volume.type),
      ...(typeof volume.source === 'string' && volume.source ? { source: volume.source } : {}),
      target: volume.target as string,
      read_only: volume.read_only === true,
    };
  }
  const parts = String(raw).split(':');
  const [source, target, mode] = parts.length === 1 ? [undefined, parts[0], undefined] : parts;
  assert.ok(target && parts.length <= 3, `unsupported volume ${String(raw)}`);
  const isPath = source !== undefined && /^[/.~]/.test(source);
  return {
    type: isPath ? 'bind' : 'volume',
    ...(source ? { source } : {}),
    target,
    read_only: (mode ?? '').split(',').includes('ro'),
  };
}

/** Environment as a map; a pass-through variable that is unset has the value null (v1 prints it so). */
function parseEnvironment(raw: unknown): Record<string, string | null> {
  const env: Record<string, string | null> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw as unknown[]) {
      const text = String(entry);
      const eq = text.indexOf('=');
      if (eq < 0) env[text] = null;
      else env[text.slice(0, eq)] = text.slice(eq + 1);
    }
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [key, value] of Object.entries(raw))
      env[key] = value === null || value === undefined ? null : String(value);
  }
  return env;
}

/** Parses the YAML `config` prints (v1 and v2 alike) into the normalized model. */
function parseComposeConfig(stdout: string): ComposeModel {
  const raw = parse(stdout) as {
    services?: Record<string, Record<string, unknown>>;
    volumes?: Record<string, unknown> | null;
  };
  assert.ok(raw?.services, `compose config printed no services:\n${stdout}`);
  const services: Record<string, ComposeService> = {};
  for (const [name, svc] of Object.entries(raw.services)) {
    const { ports, volumes, environment, ...rest } = svc;
    services[name] = {
      ...(rest as Omit<ComposeService, 'ports' | 'volumes' | 'environment'>),
      ...(ports !== undefined ? { ports: (ports as unknown[]).map(parsePort) } : {}),
      ...(volumes !== undefined ? { volumes: (volumes as unknown[]).map(parseVolume) } : {}),
      ...(environment !== undefined ? { environment: parseEnvironment(environment) } : {}),
    };
  }
  return { services, ...(raw.volumes ? { volumes: raw.volumes } : {}) };
}

/**
 * The variable a failed `config` reports as missing, and the reason from its ${VAR:?reason}.
 * v2: `required variable SLACK_SIGNING_SECRET is missing a value: set SLACK_SIGNING_SECRET (…)`.
 * v1: `Missing mandatory value for "environment" option interpolating {…} in service "worker": set SLACK_SIGNING_SECRET (…)`
 * (v1 does not name the variable itself, only the reason, which in docker-compose.yml always starts with `set VAR`).
 */
function missingVariableError(stderr: string): { variable?: string; reason: string } | undefined {
  const v2 = /required variable (\w+) is missing a value(?:: (.*))?$/m.exec(stderr);
  if (v2) return { variable: v2[1], reason: v2[2] ?? '' };
  const v1 = /^Missing mandatory value for "[^"]+" option interpolating .* in service "[^"]+": (.*)$/m.exec(stderr);
  if (v1) return { reason: v1[1] ?? '' };
  return undefined;
}

/** Asserts that a failed `config` names `variable` as the missing required one; returns the reason text. */
function assertMissingVariable(result: ComposeResult, variable: string): string {
  assert.equal(result.ok, false, `compose config accepted a missing ${variable}`);
  const error = missingVariableError(result.stderr);
  assert.ok(error, `compose config did not report a missing required variable:\n${result.stderr}`);
  if (error.variable !== undefined) assert.equal(error.variable, variable, result.stderr);
  assert.match(error.reason, new RegExp(`^set ${variable}\\b`), result.stderr);
  return error.reason;
}

let rendered: Promise<ComposeModel> | undefined;

/** The compose model as Docker Compose resolves it with every required variable set to a dummy value. */
function renderedConfig(): Promise<ComposeModel> {
  rendered ??= (async () => {
    const result = await compose(['config'], requiredVars);
    assert.ok(result.ok, `compose config failed with every required variable set:\n${result.stderr}`);
    return parseComposeConfig(result.stdout);
  })();
  return rendered;
}

async function service(name: string): Promise<ComposeService> {
  const config = await renderedConfig();
  const found = config.services[name];
  assert.ok(found, `docker-compose.yml has no service "${name}"`);
  return found;
}

const setupScriptPath = join(root, 'deploy', 'temporal', 'setup.sh');
/** Where docker-compose.yml mounts deploy/temporal in the temporal and temporal-setup containers. */
const temporalMount = '/etc/temporal/jit';

function assertTemporalMount(name: string, svc: ComposeService): void {
  const mount = svc.volumes?.find((v) => v.target === temporalMount);
  assert.ok(mount, `${name} does not mount deploy/temporal at ${temporalMount}`);
  assert.equal(mount.type, 'bind');
  assert.equal(mount.source, join(root, 'deploy', 'temporal'));
  assert.equal(mount.read_only, true, `${name} mounts deploy/temporal writable`);
}

function durationSeconds(value: string): number {
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s)/g)) {
    const factor = { h: 3600, m: 60, s: 1, ms: 0.001 }[unit as 'h' | 'm' | 's' | 'ms'];
    total += Number(amount) * factor;
  }
  return total;
}

// ---- docker compose (v2) / docker-compose (v1) ----

test('compose config validates the file and renders all six services when the required variables are set', async () => {
  const config = await renderedConfig();
  assert.deepEqual(Object.keys(config.services).sort(), [
    'gateway',
    'postgresql',
    'temporal',
    'temporal-setup',
    'temporal-ui',
    'worker',
  ]);
  const quiet = await compose(['config', '-q'], requiredVars);
  assert.ok(quiet.ok, quiet.stderr);
  assert.equal(quiet.stdout, '');
});

test('postgres, temporal, admin-tools and the UI are official images pinned to explicit versions', async () => {
  assert.equal((await service('postgresql')).image, 'postgres:16');
  const temporal = (await service('temporal')).image ?? '';
  // temporalio/server, not the deprecated temporalio/auto-setup.
  const match = /^temporalio\/server:(1\.\d+\.\d+)$/.exec(temporal);
  assert.ok(match, `temporal image ${temporal} is not a pinned temporalio/server tag`);
  const adminTools = (await service('temporal-setup')).image ?? '';
  assert.ok(
    adminTools.startsWith(`temporalio/admin-tools:${match[1]}-`),
    `admin-tools image ${adminTools} does not match the server version ${match[1]}`,
  );
  // The proof without Docker (test/deploy/postgres-temporal.test.ts) builds exactly the image's server version.
  const ensureServer = readFileSync(join(root, 'scripts', 'ensure-temporal-server.sh'), 'utf8');
  assert.match(ensureServer, new RegExp(`^version=v${match[1]!.replaceAll('.', '\\.')}\\b`, 'm'));
  assert.match((await service('temporal-ui')).image ?? '', /^temporalio\/ui:\d+\.\d+\.\d+$/);
});

test('postgres keeps its data in a named volume, is health-checked, and shares its password with temporal', async () => {
  const config = await renderedConfig();
  const postgres = await service('postgresql');
  const data = postgres.volumes?.find((v) => v.target === '/var/lib/postgresql/data');
  assert.ok(
    data && data.type === 'volume' && data.source && config.volumes?.[data.source] !== undefined,
    'no named data volume',
  );
  assert.ok(postgres.healthcheck?.test?.join(' ').includes('pg_isready'));
  assert.equal(postgres.environment?.POSTGRES_PASSWORD, requiredVars.POSTGRES_PASSWORD);

  // The variables deploy/temporal/config.yaml (server) and deploy/temporal/setup.sh (job) read.
  for (const name of ['temporal', 'temporal-setup']) {
    const svc = await service(name);
    assert.equal(svc.environment?.DB_PORT, '5432', name);
    assert.equal(svc.environment?.POSTGRES_SEEDS, 'postgresql', name);
    assert.equal(svc.environment?.POSTGRES_USER, postgres.environment?.POSTGRES_USER, name);
    assert.equal(svc.environment?.POSTGRES_PWD, requiredVars.POSTGRES_PASSWORD, name);
    assert.equal(svc.depends_on?.postgresql?.condition, 'service_healthy', name);
  }
});

test('the temporal service runs temporal-server with the repository config (read-only) in one process, no auto-setup', async () => {
  const temporal = await service('temporal');
  assertTemporalMount('temporal', temporal);
  const config = readFileSync(join(root, 'deploy', 'temporal', 'config.yaml'), 'utf8');
  assert.match(config, /^# enable-template$/m, 'config.yaml is not rendered from the environment');
  assert.match(config, /pluginName: postgres12/);
  for (const variable of ['POSTGRES_SEEDS', 'DB_PORT', 'POSTGRES_USER', 'POSTGRES_PWD']) {
    assert.ok(config.includes(`env "${variable}"`), `config.yaml does not read ${variable}`);
    assert.ok(variable in (temporal.environment ?? {}), `the temporal service does not set ${variable}`);
  }
  // The same shard count as temporalio/auto-setup used: it can never change on an existing cluster.
  assert.match(config, /^ {2}numHistoryShards: 4$/m);
  assert.deepEqual(temporal.entrypoint, [
    '/usr/local/bin/temporal-server',
    '--root',
    temporalMount,
    '--config',
    '.',
    '--env',
    'config',
    '--allow-no-auth',
    'start',
  ]);
  assert.equal(temporal.command ?? null, null, 'no --service flags: every service in one process');
  assert.equal(temporal.restart, 'unless-stopped', 'restarted until the setup job has created the schema');
});

test('temporal gRPC (7233) and the temporal UI (8080) are published on 127.0.0.1 only', async () => {
  for (const [name, port] of [
    ['temporal', 7233],
    ['temporal-ui', 8080],
  ] as const) {
    const ports = (await service(name)).ports ?? [];
    assert.deepEqual(
      ports.map((p) => [p.host_ip, p.target, p.published]),
      [['127.0.0.1', port, String(port)]],
      `${name} ports`,
    );
  }
  assert.equal((await service('temporal-ui')).environment?.TEMPORAL_ADDRESS, 'temporal:7233');
});

test('the Temporal UI offers no write action by default (terminate, cancel, signal, reset, batch), so no grant is ended from it', async () => {
  assert.equal((await service('temporal-ui')).environment?.TEMPORAL_DISABLE_WRITE_ACTIONS, 'true');
});

test('the Temporal UI has no login and stays on loopback by default; OIDC settings from the environment turn the login on', async () => {
  const ui = await service('temporal-ui');
  assert.equal(ui.environment?.TEMPORAL_AUTH_ENABLED, 'false');
  assert.deepEqual(
    (ui.ports ?? []).map((p) => p.host_ip),
    ['127.0.0.1'],
  );

  const result = await compose(['config'], {
    ...requiredVars,
    TEMPORAL_UI_AUTH_ENABLED: 'true',
    TEMPORAL_UI_AUTH_PROVIDER_URL: 'https://login.example.com',
    TEMPORAL_UI_AUTH_ISSUER_URL: 'https://login.example.com',
    TEMPORAL_UI_AUTH_CLIENT_ID: 'jit-ui',
    TEMPORAL_UI_AUTH_CLIENT_SECRET: 'not-a-real-secret',
    TEMPORAL_UI_AUTH_CALLBACK_URL: 'https://temporal.example.com/auth/sso/callback',
    TEMPORAL_UI_BIND: '0.0.0.0',
  });
  assert.ok(result.ok, result.stderr);
  const withLogin = parseComposeConfig(result.stdout).services['temporal-ui'];
  assert.deepEqual(
    {
      enabled: withLogin?.environment?.TEMPORAL_AUTH_ENABLED,
      type: withLogin?.environment?.TEMPORAL_AUTH_TYPE,
      provider: withLogin?.environment?.TEMPORAL_AUTH_PROVIDER_URL,
      clientId: withLogin?.environment?.TEMPORAL_AUTH_CLIENT_ID,
      callback: withLogin?.environment?.TEMPORAL_AUTH_CALLBACK_URL,
      scopes: withLogin?.environment?.TEMPORAL_AUTH_SCOPES,
    },
    {
      enabled: 'true',
      type: 'oidc',
      provider: 'https://login.example.com',
      clientId: 'jit-ui',
      callback: 'https://temporal.example.com/auth/sso/callback',
      scopes: 'openid,profile,email',
    },
  );
  assert.deepEqual(
    (withLogin?.ports ?? []).map((p) => p.host_ip),
    ['0.0.0.0'],
  );
});

test('the temporal-setup job runs deploy/temporal/setup.sh from the read-only mount with the container defaults', async () => {
  const job = await service('temporal-setup');
  assert.deepEqual(job.entrypoint, ['/bin/sh', `${temporalMount}/setup.sh`]);
  assertTemporalMount('temporal-setup', job);
  assert.equal(job.restart, 'no');
  assert.equal(job.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
  assert.equal(job.environment?.TEMPORAL_NAMESPACE, 'default');
  assert.equal(job.environment?.TEMPORAL_RETENTION, '2160h', 'closed grants are kept 90 days by default');
  assert.equal(job.depends_on?.temporal?.condition, 'service_started');
});

test('setup.sh creates all eight JIT attributes, with the types the workflow code declares', () => {
  const script = readFileSync(setupScriptPath, 'utf8');
  for (const attribute of expectedAttributes) assert.ok(script.includes(attribute), `missing ${attribute}`);
  // The same list as workflows/search-attributes.ts, so a new attribute in code cannot be forgotten here.
  const fromCode = searchAttributeCliArgs().filter((arg) => arg !== '--search-attribute');
  assert.deepEqual([...fromCode].sort(), [...expectedAttributes].sort());
  assert.equal(Object.keys(grantSearchAttributes).length, 8);
});

/**
 * Writes stub `temporal` and `temporal-sql-tool` commands (and a no-op `sleep`) and runs setup.sh with them first
 * on PATH and no other settings, i.e. with the defaults it has in the admin-tools container.
 */
async function runSetupScript(stubBehaviour: string): Promise<{ code: number; output: string; calls: string[] }> {
  const bin = mkdtempSync(join(scratch, 'bin-'));
  const log = join(bin, 'calls.log');
  writeFileSync(
    join(bin, 'temporal'),
    `#!/bin/sh\necho "temporal $*" >> "${log}"\nstate="${bin}/health-calls"\n${stubBehaviour}\n`,
  );
  writeFileSync(join(bin, 'temporal-sql-tool'), `#!/bin/sh\necho "temporal-sql-tool $*" >> "${log}"\nexit 0\n`);
  writeFileSync(join(bin, 'sleep'), '#!/bin/sh\nexit 0\n');
  for (const name of ['temporal', 'temporal-sql-tool', 'sleep']) chmodSync(join(bin, name), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, POSTGRES_PWD: 'dummy' };
  const calls = (): string[] => readFileSync(log, 'utf8').trim().split('\n');
  try {
    const { stdout, stderr } = await execFileAsync('/bin/sh', [setupScriptPath], { env, timeout: 30_000 });
    return { code: 0, output: stdout + stderr, calls: calls() };
  } catch (err) {
    const failure = err as ExecFailure;
    const code = typeof failure.code === 'number' ? failure.code : -1;
    return { code, output: (failure.stdout ?? '') + (failure.stderr ?? ''), calls: calls() };
  }
}

test('setup.sh migrates both databases, waits for Temporal, keeps an existing namespace and creates only missing attributes', async () => {
  // The frontend refuses twice (server still starting); the namespace exists; JitStatus is already registered.
  const run = await runSetupScript(`
case "$*" in
  *"cluster health"*)
    n=$(cat "$state" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$state"
    if [ "$n" -le 2 ]; then echo "connection refused" >&2; exit 1; fi
    exit 0 ;;
  *"namespace describe"*) echo "default"; exit 0 ;;
  *"search-attribute list"*) echo "JitStatus  Keyword"; exit 0 ;;
  *"search-attribute create"*) exit 0 ;;
esac
exit 2`);
  assert.equal(run.code, 0, run.output);
  const sql = run.calls.filter((c) => c.startsWith('temporal-sql-tool'));
  for (const call of sql) {
    assert.match(call, /^temporal-sql-tool --plugin postgres12 --endpoint postgresql --port 5432 --user temporal /);
    assert.doesNotMatch(call, /dummy/, 'the password is passed on the command line');
  }
  for (const [db, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    for (const step of ['create-database', 'setup-schema -v 0.0', `update-schema --schema-name ${schema}`]) {
      assert.ok(
        sql.some((c) => c.endsWith(`--database ${db} ${step}`)),
        `no \`${step}\` on ${db}:\n${sql.join('\n')}`,
      );
    }
  }
  assert.ok(run.calls.filter((c) => c.includes('cluster health')).length >= 3, 'did not retry the readiness probe');
  assert.ok(!run.calls.some((c) => c.includes('namespace create')), 'recreated an existing namespace');
  assert.match(run.output, /namespace default already exists/);
  const creates = run.calls.filter((c) => c.includes('search-attribute create'));
  assert.deepEqual(
    creates.map((c) => /--name (\S+) --type (\S+)/.exec(c)?.slice(1).join('=')),
    expectedAttributes.filter((a) => a !== 'JitStatus=Keyword'),
  );
  for (const call of run.calls.filter((c) => c.startsWith('temporal '))) {
    assert.match(call, /--address temporal:7233$/);
  }
  for (const call of creates) assert.match(call, /--namespace default /);
  assert.match(run.output, /search attribute JitStatus already exists/);
});

test('setup.sh creates a missing namespace with 90 days retention', async () => {
  const run = await runSetupScript(`
case "$*" in
  *"cluster health"*) exit 0 ;;
  *"namespace describe"*) echo "Namespace default is not found" >&2; exit 1 ;;
  *"namespace create"*) exit 0 ;;
  *"search-attribute list"*) exit 0 ;;
  *"search-attribute create"*) exit 0 ;;
esac
exit 2`);
  assert.equal(run.code, 0, run.output);
  assert.ok(
    run.calls.some((c) => /namespace create --namespace default --retention 2160h /.test(c)),
    run.calls.join('\n'),
  );
});

test('setup.sh exits non-zero when an attribute can be neither created nor found', async () => {
  const run = await runSetupScript(`
case "$*" in
  *"cluster health"*) exit 0 ;;
  *"namespace describe"*) exit 0 ;;
  *"search-attribute list"*) echo "JitStatus  Keyword"; exit 0 ;;
  *"--name JitGroup "*) echo "permission denied" >&2; exit 1 ;;
  *"search-attribute create"*) exit 0 ;;
esac
exit 2`);
  assert.notEqual(run.code, 0);
  assert.match(run.output, /could not create search attribute JitGroup/);
});

test('worker and gateway are built from this repo and run the compiled dist/worker/main.js and dist/gateway/main.js with node', async () => {
  for (const [name, entry] of [
    ['worker', 'dist/worker/main.js'],
    ['gateway', 'dist/gateway/main.js'],
  ] as const) {
    const svc = await service(name);
    assert.equal(svc.build?.context, root, `${name} build context`);
    assert.deepEqual(svc.command, ['node', entry]);
    assert.equal(svc.restart, 'unless-stopped');
    assert.equal(svc.depends_on?.['temporal-setup']?.condition, 'service_completed_successfully');
  }
});

test('worker and gateway receive every required variable, the Temporal address and the read-only policy mount', async () => {
  const jumpCloudKeys = {
    worker: requiredVars.JUMPCLOUD_API_KEY,
    gateway: requiredVars.JUMPCLOUD_READ_ONLY_API_KEY,
  } as const;
  for (const name of ['worker', 'gateway'] as const) {
    const svc = await service(name);
    const env = svc.environment ?? {};
    for (const key of ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APPROVAL_CHANNEL'] as const) {
      assert.equal(env[key], requiredVars[key], `${name} ${key}`);
    }
    assert.equal(env.JUMPCLOUD_API_KEY, jumpCloudKeys[name], `${name} JUMPCLOUD_API_KEY`);
    assert.equal(env.POSTGRES_PASSWORD, undefined, `${name} must not see the database password`);
    assert.equal(env.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(env.TEMPORAL_NAMESPACE, 'default');
    assert.equal(env.TEMPORAL_TASK_QUEUE, 'jit-access');
    assert.equal(env.JIT_POLICY_FILE, '/config/policy.yaml');
    assert.equal(env.PORT, '3000');
    for (const optional of ['JUMPCLOUD_ORG_ID', 'JUMPCLOUD_API_URL', 'SLACK_API_URL']) {
      assert.ok(optional in env, `${name} does not pass ${optional} through`);
    }
    const configMount = svc.volumes?.find((v) => v.target === '/config');
    assert.ok(configMount, `${name} has no /config mount`);
    assert.equal(configMount.type, 'bind');
    assert.equal(configMount.source, join(root, 'config'));
    assert.equal(configMount.read_only, true);
  }
});

test('the gateway gets the Read Only JumpCloud key as its JUMPCLOUD_API_KEY, and no service but the worker ever sees the write key', async () => {
  const config = await renderedConfig();
  assert.equal(config.services.gateway?.environment?.JUMPCLOUD_API_KEY, requiredVars.JUMPCLOUD_READ_ONLY_API_KEY);
  for (const [name, svc] of Object.entries(config.services)) {
    const env = svc.environment ?? {};
    const holding = Object.keys(env).filter((key) => env[key] === requiredVars.JUMPCLOUD_API_KEY);
    assert.deepEqual(holding, name === 'worker' ? ['JUMPCLOUD_API_KEY'] : [], `${name} holds the write key`);
    // The processes read JUMPCLOUD_API_KEY only: the read-only key reaches the gateway under that name, nothing else.
    assert.equal(env.JUMPCLOUD_READ_ONLY_API_KEY, undefined, name);
    if (name !== 'gateway') {
      assert.ok(
        !Object.values(env).includes(requiredVars.JUMPCLOUD_READ_ONLY_API_KEY),
        `${name} holds the read-only key`,
      );
    }
  }
});

test('optional variables set in the environment reach worker and gateway, and namespace/queue can be overridden', async () => {
  const result = await compose(['config'], {
    ...requiredVars,
    JUMPCLOUD_ORG_ID: 'org-123',
    JUMPCLOUD_API_URL: 'https://console.eu.jumpcloud.com/api',
    SLACK_API_URL: 'https://slack.example/api/',
    TEMPORAL_NAMESPACE: 'jit',
    TEMPORAL_TASK_QUEUE: 'jit-prod',
  });
  assert.ok(result.ok, result.stderr);
  const config = parseComposeConfig(result.stdout);
  for (const name of ['worker', 'gateway']) {
    const env = config.services[name]?.environment ?? {};
    assert.equal(env.JUMPCLOUD_ORG_ID, 'org-123');
    assert.equal(env.JUMPCLOUD_API_URL, 'https://console.eu.jumpcloud.com/api');
    assert.equal(env.SLACK_API_URL, 'https://slack.example/api/');
    assert.equal(env.TEMPORAL_NAMESPACE, 'jit');
    assert.equal(env.TEMPORAL_TASK_QUEUE, 'jit-prod');
  }
});

test('the worker gets a ~60s stop grace period, longer than its own shutdown drain', async () => {
  const worker = await service('worker');
  const grace = durationSeconds(worker.stop_grace_period ?? '0s');
  assert.ok(grace >= 55 && grace <= 120, `stop_grace_period is ${worker.stop_grace_period}`);
  const drain = Number(worker.environment?.WORKER_SHUTDOWN_GRACE_SECONDS ?? 30);
  assert.ok(drain < grace, `the worker drains for ${drain}s but Docker kills it after ${grace}s`);
});

test('the gateway publishes port 3000 and is health-checked on /healthz with node fetch (no curl in the slim image)', async () => {
  const gateway = await service('gateway');
  assert.deepEqual(
    (gateway.ports ?? []).map((p) => [p.target, p.published]),
    [[3000, '3000']],
  );
  const check = gateway.healthcheck?.test ?? [];
  assert.equal(check[0], 'CMD');
  assert.equal(check[1], 'node');
  const commandLine = check.join(' ');
  assert.match(commandLine, /fetch\(/);
  assert.match(commandLine, /:3000\/healthz/);
  assert.doesNotMatch(commandLine, /curl|wget/);
});

test('compose config fails naming SLACK_SIGNING_SECRET when it is not set', async () => {
  const { SLACK_SIGNING_SECRET: _omitted, ...rest } = requiredVars;
  const reason = assertMissingVariable(await compose(['config', '-q'], rest), 'SLACK_SIGNING_SECRET');
  assert.match(reason, /Signing Secret/);
});

test('compose config fails naming each required variable when it alone is missing', async () => {
  for (const missing of Object.keys(requiredVars)) {
    const vars: Record<string, string> = { ...requiredVars };
    delete vars[missing];
    assertMissingVariable(await compose(['config', '-q'], vars), missing);
  }
});

// ---- Dockerfile ----

/** A Dockerfile stage: its base image, its name (`AS …`) and its instructions up to the next FROM. */
interface DockerStage {
  base: string;
  name?: string;
  body: string;
}

function dockerStages(dockerfile: string): DockerStage[] {
  return dockerfile
    .split(/^(?=FROM\s)/m)
    .filter((part) => part.startsWith('FROM'))
    .map((part) => {
      const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(part);
      assert.ok(from?.[1], `unreadable FROM line in ${part.split('\n')[0]}`);
      return { base: from[1], ...(from[2] ? { name: from[2] } : {}), body: part };
    });
}

test('the Dockerfile builds on node:20-bookworm-slim in stages and its final stage runs the built JavaScript with node, as user node with NODE_ENV=production, production dependencies only and no tsx', () => {
  // Instructions only: the file's comments may (and do) explain what is deliberately not done.
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
  const stages = dockerStages(dockerfile);
  assert.ok(stages.length >= 2, 'not multi-stage');
  for (const { base } of stages) assert.equal(base, 'node:20-bookworm-slim');

  const build = stages.find((stage) => /^RUN npm run build$/m.test(stage.body));
  assert.ok(build?.name, 'no named stage runs `npm run build`');
  assert.match(
    build.body,
    /RUN npm install --no-audit --no-fund/,
    'the build stage installs the locked dependency tree, dev dependencies (tsc, tsx) included',
  );
  assert.doesNotMatch(build.body, /--omit=dev|npm prune/, 'the build needs the dev dependencies');
  for (const dir of ['workflows', 'integrations', 'activities', 'worker', 'gateway', 'config']) {
    assert.match(build.body, new RegExp(`^COPY ${dir} \\./${dir}$`, 'm'), `does not copy ${dir}/`);
  }
  assert.match(build.body, /^COPY package\.json package-lock\.json \.\/$/m);
  assert.match(build.body, /^COPY tsconfig\.json tsconfig\.build\.json \.\/$/m);
  assert.match(build.body, /^COPY scripts\/build-workflow-bundle\.ts \.\/scripts\/$/m);

  const final = stages.at(-1)!;
  assert.notEqual(final, build, 'the final stage is the build stage');
  assert.match(final.body, new RegExp(`^COPY --from=${build.name} /app/dist \\./dist$`, 'm'), 'does not ship dist/');
  const modules = /^COPY --from=(\S+) \/app\/node_modules \.\/node_modules$/m.exec(final.body);
  assert.ok(modules, 'the final stage copies no node_modules');
  const depsStage = stages.find((stage) => stage.name === modules[1]);
  assert.ok(depsStage, `no stage named ${modules[1]}`);
  assert.match(
    depsStage.body,
    /npm install --omit=dev|npm prune --omit=dev/,
    `node_modules of the final stage come from ${modules[1]}, which does not leave the dev dependencies out`,
  );
  assert.doesNotMatch(final.body, /tsx|npx/, 'the final stage must not need tsx');
  assert.doesNotMatch(final.body, /^COPY (workflows|integrations|activities|worker|gateway|config|scripts)\b/m);
  assert.match(final.body, /^CMD \["node", "dist\/worker\/main\.js"\]$/m);
  assert.match(final.body, /^USER node$/m);
  assert.match(final.body, /NODE_ENV=production/);
  const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const entry of ['node_modules', '.git', 'test-artifacts', '.cache', '.sandbox-data', 'dist', '*.log', '.env']) {
    assert.ok(dockerignore.includes(entry), `.dockerignore lacks ${entry}`);
  }
});

// ---- Slack app manifest ----

interface SlackManifest {
  _metadata?: { major_version?: number };
  display_information?: { name?: string };
  features?: {
    bot_user?: { display_name?: string };
    slash_commands?: {
      command: string;
      url: string;
      description?: string;
      usage_hint?: string;
      should_escape?: boolean;
    }[];
  };
  oauth_config?: { scopes?: { bot?: string[]; user?: string[] } };
  settings?: {
    interactivity?: { is_enabled?: boolean; request_url?: string };
    org_deploy_enabled?: boolean;
    socket_mode_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

const manifest = parse(readFileSync(join(root, 'slack-app-manifest.yaml'), 'utf8')) as SlackManifest;

test('the Slack manifest asks for exactly the five bot scopes the app uses and no user scopes', () => {
  assert.deepEqual([...(manifest.oauth_config?.scopes?.bot ?? [])].sort(), [
    'chat:write',
    'commands',
    'im:write',
    'users:read',
    'users:read.email',
  ]);
  assert.equal(manifest.oauth_config?.scopes?.user, undefined);
});

test('the Slack manifest points /jit at /slack/commands and interactivity at /slack/interactions over HTTPS', () => {
  assert.equal(manifest._metadata?.major_version, 1);
  assert.equal(manifest.display_information?.name, 'JIT Access');
  assert.ok(manifest.features?.bot_user?.display_name);
  const commands = manifest.features?.slash_commands ?? [];
  assert.equal(commands.length, 1);
  const jit = commands[0]!;
  assert.equal(jit.command, '/jit');
  assert.match(jit.url, /^https:\/\/[^/]+\/slack\/commands$/);
  assert.equal(jit.usage_hint, '[help|status]');
  assert.equal(jit.should_escape, false);
  assert.ok(jit.description);
  assert.equal(manifest.settings?.interactivity?.is_enabled, true);
  assert.match(manifest.settings?.interactivity?.request_url ?? '', /^https:\/\/[^/]+\/slack\/interactions$/);
  assert.equal(manifest.settings?.org_deploy_enabled, false);
  assert.equal(manifest.settings?.socket_mode_enabled, false);
  assert.equal(manifest.settings?.token_rotation_enabled, false);
});

// ---- example policy ----

interface ExamplePolicy {
  defaults?: { approvalTimeout?: unknown; durations?: unknown };
  groups?: Record<string, unknown>[];
}

test('config/policy.example.yaml has the documented shape: defaults plus groups with 24-hex ids and Slack user approvers', () => {
  const policy = parse(readFileSync(join(root, 'config', 'policy.example.yaml'), 'utf8')) as ExamplePolicy;
  const duration = /^\d+[mhd]$/;
  assert.deepEqual(Object.keys(policy).sort(), ['defaults', 'groups']);
  assert.match(String(policy.defaults?.approvalTimeout), duration);
  assert.ok(Array.isArray(policy.defaults?.durations) && policy.defaults.durations.length > 0);
  for (const d of policy.defaults.durations as unknown[]) assert.match(String(d), duration);

  const groups = policy.groups ?? [];
  assert.ok(groups.length >= 2 && groups.length <= 3, `expected 2-3 example groups, got ${groups.length}`);
  const allowed = new Set([
    'id',
    'name',
    'maxDuration',
    'approvers',
    'allowSelfApproval',
    'approvalChannel',
    'requesters',
    'approverGroups',
    'escalation',
  ]);
  for (const group of groups) {
    for (const key of Object.keys(group)) assert.ok(allowed.has(key), `unexpected group key ${key}`);
    assert.match(String(group.id), /^[0-9a-f]{24}$/);
    assert.equal(typeof group.name, 'string');
    assert.match(String(group.maxDuration), duration);
    assert.ok(Array.isArray(group.approvers) && group.approvers.length > 0);
    for (const approver of group.approvers as unknown[]) assert.match(String(approver), /^[UW][A-Z0-9]+$/);
    assert.equal(typeof group.allowSelfApproval, 'boolean');
    if ('approvalChannel' in group) assert.match(String(group.approvalChannel), /^C[A-Z0-9]+$/);
    for (const requester of (group.requesters as unknown[] | undefined) ?? []) {
      assert.match(String(requester), /^([UW][A-Z0-9]+|[0-9a-f]{24})$/);
    }
    for (const id of (group.approverGroups as unknown[] | undefined) ?? []) assert.match(String(id), /^[0-9a-f]{24}$/);
    for (const step of (group.escalation as Array<Record<string, unknown>> | undefined) ?? []) {
      assert.match(String(step.after), duration);
      if ('channel' in step) assert.match(String(step.channel), /^C[A-Z0-9]+$/);
    }
  }
  assert.equal(new Set(groups.map((g) => g.id)).size, groups.length, 'group ids are not unique');
});

test('config/policy.example.yaml is accepted by the policy loader the worker and gateway use', () => {
  const policy = loadPolicy(join(root, 'config', 'policy.example.yaml'));
  assert.equal(policy.approvalTimeoutSeconds, 30 * 60);
  assert.deepEqual(policy.durationPresetsSeconds, [15 * 60, 3600, 4 * 3600, 8 * 3600]);
  assert.ok(
    policy.groups.some((g) => g.approvalChannel !== undefined),
    'no example of a per-group approvalChannel',
  );
});
