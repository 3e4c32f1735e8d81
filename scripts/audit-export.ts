/**
 * `npm run audit -- --since 90d [--group ID] [--requester EMAIL] [--format csv|json]`: one row per grant requested
 * since then, open and closed, read from Temporal, on stdout. Progress goes to stderr. Bad arguments exit 2.
 *
 * CSV: RFC 4180 (header row, CRLF, fields with a comma, quote, CR or LF quoted and quotes doubled), UTF-8 with a BOM so
 * that Excel reads it as UTF-8. Against formula injection, a field starting with `=`, `+`, `-`, `@`, a tab or a CR
 * gets a leading `'` (a spreadsheet then shows it as text). JSON: an array of objects with the same keys, no BOM, and
 * no formula guard (values exactly as recorded; absent ones are null).
 * `break_glass` is always false: break-glass access does not exist yet.
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { formatDuration, parseDuration } from '../config/durations';
import { ConfigError, parseEnv, temporalEnv } from '../config/env';
import { temporalConnectionOptions } from '../integrations/temporal/connection-options';
import { type GrantAuditFilter, type GrantRecord, listGrantRecords } from '../integrations/temporal/grant-export';

const USAGE = 'usage: npm run audit -- --since 90d [--group ID] [--requester EMAIL] [--format csv|json]';

const auditEnvSchema = z.object(temporalEnv).omit({ TEMPORAL_TASK_QUEUE: true });

class UsageError extends Error {}

type Format = 'csv' | 'json';

function parseArguments(argv: string[], now: Date): { filter: GrantAuditFilter; format: Format } {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        since: { type: 'string' },
        group: { type: 'string' },
        requester: { type: 'string' },
        format: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.since === undefined) throw new UsageError('--since is required (a duration such as 90d or 12h)');
  const seconds = parseDuration(values.since);
  if (seconds === undefined) {
    throw new UsageError(`--since must be a duration such as 90d, 12h or 30m (got ${JSON.stringify(values.since)})`);
  }
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') {
    throw new UsageError(`--format must be csv or json (got ${JSON.stringify(format)})`);
  }
  const filter: GrantAuditFilter = { since: new Date(now.getTime() - seconds * 1000) };
  for (const name of ['group', 'requester'] as const) {
    if (values[name]?.includes('\\')) throw new UsageError(`--${name} cannot contain a backslash`);
  }
  if (values.group !== undefined) {
    if (values.group.trim() === '') throw new UsageError('--group must be a JumpCloud group ID');
    filter.groupId = values.group.trim();
  }
  if (values.requester !== undefined) {
    if (!values.requester.includes('@')) throw new UsageError('--requester must be an email address');
    filter.requesterEmail = values.requester.trim();
  }
  return { filter, format };
}

// --- the rows ---

type Value = string | number | boolean | undefined;

/** The columns, in order: CSV header names and JSON keys. */
const columns: ReadonlyArray<[string, (r: GrantRecord) => Value]> = [
  ['requested_at', (r) => r.requestedAt],
  ['requester_slack_id', (r) => r.requesterSlackUserId],
  ['requester_email', (r) => r.requesterEmail],
  ['group_id', (r) => r.groupId],
  ['group_name', (r) => r.groupName],
  ['justification', (r) => r.justification],
  ['duration_seconds', (r) => r.durationSeconds],
  ['duration', (r) => (r.durationSeconds === undefined ? undefined : formatDuration(r.durationSeconds))],
  ['approvers', (r) => (r.approvers.length > 0 ? r.approvers.join(' ') : undefined)],
  ['decided_at', (r) => r.decidedAt],
  ['decision_reason', (r) => r.decisionReason],
  ['granted_at', (r) => r.grantedAt],
  ['expires_at', (r) => r.expiresAt],
  ['ended_at', (r) => r.endedAt],
  ['ended_by', (r) => r.endedBy],
  ['end_reason', (r) => r.endReason],
  ['status', (r) => r.status],
  ['break_glass', (r) => r.breakGlass],
  ['extensions_approved', (r) => r.extensionsApproved],
  ['extension_seconds', (r) => r.extensionSeconds],
  ['workflow_id', (r) => r.workflowId],
  ['run_id', (r) => r.runId],
];

/** One CSV field: formula guard first, then RFC 4180 quoting. */
function csvField(value: Value): string {
  let text = value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function toCsv(records: GrantRecord[]): string {
  const lines = [columns.map(([name]) => csvField(name)).join(',')];
  for (const record of records) lines.push(columns.map(([, get]) => csvField(get(record))).join(','));
  return `\uFEFF${lines.map((line) => `${line}\r\n`).join('')}`;
}

function toJson(records: GrantRecord[]): string {
  const rows = records.map((record) => Object.fromEntries(columns.map(([name, get]) => [name, get(record) ?? null])));
  return `${JSON.stringify(rows, null, 2)}\n`;
}

// --- main ---

async function main(): Promise<number> {
  let args: { filter: GrantAuditFilter; format: Format };
  try {
    args = parseArguments(process.argv.slice(2), new Date());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`audit: ${err.message}\n${USAGE}`);
    return 2;
  }
  const env = parseEnv(auditEnvSchema, process.env);
  const connection = await Connection.connect(temporalConnectionOptions(env));
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const records = await listGrantRecords(client, args.filter, {
      onProgress: (read) => {
        if (read % 100 === 0) console.error(`read ${read} grants…`);
      },
    });
    console.error(`read ${records.length} grants since ${args.filter.since.toISOString()}`);
    const output = args.format === 'csv' ? toCsv(records) : toJson(records);
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(output, (err) => (err ? reject(err) : resolve())),
    );
    return 0;
  } finally {
    await connection.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exitCode = 1;
  },
);
