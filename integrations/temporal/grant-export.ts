import { type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { accessGrantWorkflow } from '../../workflows/grant/access-grant';
import { grantStateQuery } from '../../workflows/grant/grant-updates';
import { type GrantState } from '../../workflows/grant/grant-types';
import { grantSearchAttributes as sa } from '../../workflows/search-attributes';
import { type GrantRecord, grantRecordFromState } from '../audit/grant-record';
import { grantFirstRunId } from './grant-service';

export type { GrantRecord } from '../audit/grant-record';

/** Which grants an audit export lists: every grant requested since `since`, optionally of one group or requester. */
export interface GrantAuditFilter {
  since: Date;
  groupId?: string;
  requesterEmail?: string;
}

export interface GrantAuditOptions {
  /** Called after every grant read, with the count so far (for progress on long exports). */
  onProgress?: (read: number) => void;
  /** How many grants are read at once (default 8). */
  concurrency?: number;
  /** How long a running grant's query may take before its row falls back to visibility (default 10 s). */
  queryTimeoutMs?: number;
}

/** The visibility query for `filter`; values are quoted with their quotes escaped. */
export function grantAuditQuery(filter: GrantAuditFilter): string {
  const clauses = [
    `WorkflowType = ${quote(accessGrantWorkflow.name)}`,
    // A grant that continued as new (workflows/grant/access-grant.ts) is read from the run that carries it on.
    `ExecutionStatus != 'ContinuedAsNew'`,
    `StartTime >= ${quote(filter.since.toISOString())}`,
  ];
  if (filter.groupId !== undefined) clauses.push(`${sa.group.name} = ${quote(filter.groupId)}`);
  if (filter.requesterEmail !== undefined) clauses.push(`${sa.requesterEmail.name} = ${quote(filter.requesterEmail)}`);
  return clauses.join(' AND ');
}

/**
 * A string literal of the visibility query language. Temporal's parser reads `\'` as a quote but keeps other
 * backslashes as they are, so a value with a backslash cannot be written safely: it is refused.
 */
function quote(value: string): string {
  if (value.includes('\\')) throw new RangeError(`a visibility query value cannot contain a backslash: ${value}`);
  return `'${value.replace(/'/g, "\\'")}'`;
}

/**
 * Every grant matching `filter`, open and closed, in the order visibility lists them (newest first). Reads each grant
 * from Temporal itself: a running one through its `grantState` query, a completed one from its result.
 */
export async function listGrantRecords(
  client: Client,
  filter: GrantAuditFilter,
  options: GrantAuditOptions = {},
): Promise<GrantRecord[]> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const records: GrantRecord[] = [];
  let batch: WorkflowExecutionInfo[] = [];
  const flush = async () => {
    const read = await Promise.all(batch.map((execution) => readGrantRecord(client, execution, options)));
    batch = [];
    // A grant that continued as new is listed by its later run's start: the request itself may predate `since`.
    for (const record of read.filter((r) => !(Date.parse(r.requestedAt) < filter.since.getTime()))) {
      records.push(record);
      options.onProgress?.(records.length);
    }
  };
  for await (const execution of client.workflow.list({ query: grantAuditQuery(filter) })) {
    batch.push(execution);
    if (batch.length >= concurrency) await flush();
  }
  await flush();
  return records;
}

async function readGrantRecord(
  client: Client,
  execution: WorkflowExecutionInfo,
  options: GrantAuditOptions,
): Promise<GrantRecord> {
  const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
  const status = execution.status.name;
  // Rows name the grant by its first run, as its audit records do.
  const grant = { ...execution, runId: grantFirstRunId(execution) };
  if (status === 'COMPLETED') return grantRecordFromState((await handle.result()) as GrantState, grant);
  if (status === 'RUNNING') {
    const timeoutMs = options.queryTimeoutMs ?? 10_000;
    try {
      const state = await client.withDeadline(Date.now() + timeoutMs, () => handle.query(grantStateQuery));
      return grantRecordFromState(state, grant);
    } catch {
      // No worker answered in time: the row still lists the grant, with the status visibility last saw.
      return fromVisibility(execution, execution.typedSearchAttributes.get(sa.status) ?? 'RUNNING');
    }
  }
  return fromVisibility(execution, status);
}

/**
 * A run with no state to read: what visibility knows (who, which group, when), the rest left empty. Not even `endedAt`:
 * a terminated grant skipped its cleanup, so its close time says nothing about when access ended.
 */
function fromVisibility(execution: WorkflowExecutionInfo, status: string): GrantRecord {
  const attrs = execution.typedSearchAttributes;
  return {
    requestedAt: execution.startTime.toISOString(),
    requesterSlackUserId: attrs.get(sa.requester) ?? '',
    requesterEmail: attrs.get(sa.requesterEmail) ?? '',
    groupId: attrs.get(sa.group) ?? '',
    approvers: [],
    status,
    breakGlass: attrs.get(sa.breakGlass) === true,
    extensionsApproved: 0,
    extensionSeconds: 0,
    workflowId: execution.workflowId,
    runId: grantFirstRunId(execution),
  };
}
