/**
 * `npm start` (through scripts/start.sh): the whole system on this machine, no Slack workspace or JumpCloud tenant
 * needed. Everything runs in this process except the Temporal dev server; state lives in .sandbox-data/, so a
 * restart resumes: grants approved before it are still revoked on time. Ctrl-C stops everything in order.
 */
import path from 'node:path';
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../config/env';
import { gatewayLoggerOptions } from '../gateway/logger';
import { SANDBOX_AUDIT } from '../sandbox/demo-world';
import { PortInUseError, type SandboxPorts, startSandbox } from '../sandbox/sandbox-system';

const root = path.join(__dirname, '..');
const port = (fallback: number) =>
  z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(fallback);

const sandboxEnvSchema = z.object({
  TEMPORAL_CLI_PATH: z.string({
    error:
      'is required (the temporal binary: `npm start` finds or builds it, or run `bash scripts/ensure-temporal-cli.sh`)',
  }),
  SANDBOX_TEMPORAL_PORT: port(7233),
  SANDBOX_TEMPORAL_UI_PORT: port(8233),
  SANDBOX_GATEWAY_PORT: port(3000),
  SANDBOX_SLACK_PORT: port(3001),
  SANDBOX_JUMPCLOUD_PORT: port(3002),
  SANDBOX_SERVICENOW_PORT: port(3003),
  SANDBOX_JIRA_PORT: port(3004),
  SANDBOX_WEBHOOK_PORT: port(3005),
  SANDBOX_DATA_DIR: z.string().default(path.join(root, '.sandbox-data')),
  /** the gateway's structured log */
  SANDBOX_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** print every stand-in request and the Temporal dev server's output */
  SANDBOX_TRACE: z.stringbool().default(false),
});

const PORT_VARIABLES: Record<keyof SandboxPorts, string> = {
  temporal: 'SANDBOX_TEMPORAL_PORT',
  temporalUi: 'SANDBOX_TEMPORAL_UI_PORT',
  gateway: 'SANDBOX_GATEWAY_PORT',
  slack: 'SANDBOX_SLACK_PORT',
  jumpcloud: 'SANDBOX_JUMPCLOUD_PORT',
  serviceNow: 'SANDBOX_SERVICENOW_PORT',
  jira: 'SANDBOX_JIRA_PORT',
  webhook: 'SANDBOX_WEBHOOK_PORT',
};

function say(line: string): void {
  console.log(`[${new Date().toLocaleTimeString()}] ${line}`);
}

/** One line per SDK warning (the default is a multi-line object dump with stack traces). */
function temporalLogLine({ level, message, meta }: LogEntry): string {
  const fields = meta ?? {};
  const error = fields.error instanceof Error ? fields.error.message : fields.error;
  const details = [fields.activityType ?? fields.what, fields.workflowId, error].filter(
    (part) => typeof part === 'string' && part !== '',
  );
  return `Temporal ${level.toLowerCase()}: ${message}${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
}

async function main(): Promise<void> {
  const env = parseEnv(sandboxEnvSchema, process.env);
  // The sandbox decides when the worker stops (before the Temporal server), so the SDK must not react to signals itself.
  Runtime.install({ logger: new DefaultLogger('WARN', (entry) => say(temporalLogLine(entry))), shutdownSignals: [] });

  const ports: SandboxPorts = {
    temporal: env.SANDBOX_TEMPORAL_PORT,
    temporalUi: env.SANDBOX_TEMPORAL_UI_PORT,
    gateway: env.SANDBOX_GATEWAY_PORT,
    slack: env.SANDBOX_SLACK_PORT,
    jumpcloud: env.SANDBOX_JUMPCLOUD_PORT,
    serviceNow: env.SANDBOX_SERVICENOW_PORT,
    jira: env.SANDBOX_JIRA_PORT,
    webhook: env.SANDBOX_WEBHOOK_PORT,
  };
  const starting = startSandbox({
    temporalCliPath: env.TEMPORAL_CLI_PATH,
    dataDir: env.SANDBOX_DATA_DIR,
    ports,
    temporalInOwnProcessGroup: true,
    log: say,
    traceLog: env.SANDBOX_TRACE ? say : undefined,
    gatewayLogger: pino(gatewayLoggerOptions(env.SANDBOX_LOG_LEVEL)),
  });

  let stopping = false;
  let firstSignalAt = 0;
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    say(`${signal}: stopping the gateway, the worker, the stand-ins and the Temporal dev server...`);
    // Ctrl-C while it is still starting stops it once it is up (a failed start has already cleaned up after itself).
    starting
      .then((sandbox) => sandbox.stop())
      .then(
        () => {
          say('Stopped. `npm start` resumes where this left off.');
          process.exit(0);
        },
        (err: unknown) => {
          console.error('Stopping failed:', err);
          process.exit(1);
        },
      );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopping) {
        firstSignalAt = Date.now();
        stop(signal);
      } else if (Date.now() - firstSignalAt > 2000) {
        // npm relays the terminal's Ctrl-C too, so one keypress can arrive twice: only a later one forces the exit.
        say('Forced exit. A Temporal dev server left running is stopped by the next `npm start`.');
        process.exit(130);
      }
    });
  }

  const sandbox = await starting;
  if (stopping) return;

  const dataDir = path.relative(process.cwd(), env.SANDBOX_DATA_DIR) || env.SANDBOX_DATA_DIR;
  console.log(
    [
      '',
      'The JIT access sandbox is running:',
      '',
      `  Sandbox page (Slack stand-in)  ${sandbox.pageUrl}`,
      `  Temporal Web UI                ${sandbox.temporalUiUrl}/namespaces/default/workflows`,
      `  Gateway                        ${sandbox.gatewayUrl}  (/healthz, /readyz, /slack/commands, /slack/interactions)`,
      `  JumpCloud stand-in             ${sandbox.jumpcloud.baseUrl}  (state: ${sandbox.jumpcloud.origin}/_control/state)`,
      `  ServiceNow stand-in (audit)    ${sandbox.serviceNow.baseUrl}  (records: ${sandbox.serviceNow.origin}/_control/records?table=${SANDBOX_AUDIT.serviceNowTable})`,
      `  Jira stand-in (audit)          ${sandbox.jira.baseUrl}  (issues: ${sandbox.jira.origin}/_control/issues)`,
      `  Audit webhook receiver         ${sandbox.webhook.url}  (events: ${sandbox.webhook.origin}/_control/events)`,
      `  Temporal frontend (gRPC)       ${sandbox.temporalAddress}`,
      '',
      ...(sandbox.resumed
        ? [
            `Resumed from ${dataDir}/: grants approved before the restart still end on time. The Slack and audit`,
            'stand-ins start empty, so updating messages and audit records from before the restart fails and is logged;',
            'the membership changes still happen.',
            '',
          ]
        : []),
      `Open the sandbox page, pick a person and type /jit. State is kept in ${dataDir}/ (delete it to start over).`,
      'Press Ctrl-C to stop; `npm start` again resumes, and pending expiries still fire.',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  if (err instanceof PortInUseError) {
    console.error(`${err.message} Stop whatever uses it, or choose another port with ${PORT_VARIABLES[err.role]}=...`);
  } else {
    console.error(err instanceof ConfigError ? err.message : err);
  }
  process.exit(1);
});
