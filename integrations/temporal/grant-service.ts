import {
  type Client,
  type UpdateDefinition,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  isGrpcServiceError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import {
  acknowledgeBreakGlassUpdate,
  decideExtensionUpdate,
  decideUpdate,
  grantStateQuery,
  requestExtensionUpdate,
  endGrantUpdate,
} from '../../workflows/grant/grant-updates';
import { alreadyClosedReason } from '../../workflows/grant/grant-rules';
import {
  type AcknowledgeInput,
  type DecisionInput,
  type ExtensionDecisionInput,
  type ExtensionRequestInput,
  type GrantInput,
  type GrantState,
  type GrantStatus,
  type RevokeInput,
} from '../../workflows/grant/grant-types';
import { grantDetails, grantSummary } from '../../workflows/grant/grant-descriptions';
import { grantWorkflowId, parseGrantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { grantSearchAttributes as sa } from '../../workflows/search-attributes';
import { accessGrantWorkflow } from '../../workflows/grant/access-grant';

/** A request Temporal refused for a reason the user should read (not an outage). */
export class GrantRefusedError extends Error {
  override readonly name = 'GrantRefusedError';
}

export type StartGrantResult =
  | { outcome: 'started'; workflowId: string }
  /** The same request (same requestId) was already started: a double submit. */
  | { outcome: 'duplicate'; workflowId: string }
  /** Another request for this user and group is still pending or active: one membership, one owner. */
  | { outcome: 'conflict'; workflowId: string };

/** One grant as Temporal's visibility lists it: enough for `/jit status` and the sandbox page, no history read. */
export interface GrantSummary {
  workflowId: string;
  /** The grant's current run (the last one, once closed). */
  runId: string;
  /**
   * The run the grant began with, which names it to the audit sinks. Differs from `runId` once an active grant has
   * continued as new (the hand-off in workflows/grant/access-grant.ts, which records it in the memo).
   */
  firstRunId: string;
  status: GrantStatus;
  requesterSlackUserId: string;
  jumpcloudUserId: string;
  groupId: string;
  expiresAt?: Date;
  /** True for break-glass grants (the JitBreakGlass search attribute). */
  breakGlass: boolean;
  startTime: Date;
  /** Set once the workflow has closed. */
  closeTime?: Date;
}

export interface GrantListFilter {
  requesterSlackUserId?: string;
  groupId?: string;
  status?: GrantStatus;
  /** Only break-glass grants (`JitBreakGlass = true`). */
  breakGlassOnly?: boolean;
  /** Only grants whose workflow is still running (pending, active, or finishing). */
  openOnly?: boolean;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

/** The gateway's (and tests') view of grants: start, decide, revoke, read. Everything goes through Temporal. */
export interface GrantService {
  start(input: GrantInput): Promise<StartGrantResult>;
  /** `runId` pins the run the clicked message belongs to; without it the newest run is addressed. */
  decide(workflowId: string, decision: DecisionInput, updateId: string, runId?: string): Promise<GrantState>;
  revoke(workflowId: string, revoke: RevokeInput, updateId: string, runId?: string): Promise<GrantState>;
  requestExtension(
    workflowId: string,
    request: ExtensionRequestInput,
    updateId: string,
    runId?: string,
  ): Promise<GrantState>;
  decideExtension(
    workflowId: string,
    decision: ExtensionDecisionInput,
    updateId: string,
    runId?: string,
  ): Promise<GrantState>;
  /** An approver acknowledges a break-glass grant's alert. */
  acknowledgeBreakGlass(
    workflowId: string,
    ack: AcknowledgeInput,
    updateId: string,
    runId?: string,
  ): Promise<GrantState>;
  state(workflowId: string, runId?: string): Promise<GrantState>;
  /** Whether a run of this grant workflow is open now: read from the server itself, not from lagging visibility. */
  isRunning(workflowId: string): Promise<boolean>;
  list(filter?: GrantListFilter): Promise<GrantSummary[]>;
}

/** How long a click's Update may wait on Temporal, and how often it is sent again after waiting that long. */
export interface UpdatePatience {
  /** The gRPC deadline of one attempt (default 30 s). */
  attemptMs: number;
  /** Attempts in all, each under the same Update ID (default 4: two minutes, well inside a response_url's life). */
  attempts: number;
}

const DEFAULT_UPDATE_PATIENCE: UpdatePatience = { attemptMs: 30_000, attempts: 4 };

export function createGrantService(
  client: Client,
  taskQueue: string,
  options: { updatePatience?: UpdatePatience } = {},
): GrantService {
  const patience = options.updatePatience ?? DEFAULT_UPDATE_PATIENCE;
  /** One of the grant's Updates as a GrantService method; every click goes through updateGrant. */
  const sendUpdate =
    <Input>(update: UpdateDefinition<GrantState, [Input]>) =>
    (workflowId: string, input: Input, updateId: string, runId?: string): Promise<GrantState> =>
      updateGrant(client, patience, workflowId, runId, (handle) =>
        handle.executeUpdate(update, { args: [input], updateId }),
      );
  return {
    async start(input) {
      const workflowId = grantWorkflowId(input.requester.jumpcloudUserId, input.group.id);
      try {
        await client.workflow.start(accessGrantWorkflow, {
          workflowId,
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
          memo: { requestId: input.requestId },
          // What the Web UI shows in the list and at the top of the grant's page.
          staticSummary: grantSummary(input),
          staticDetails: grantDetails(input),
          // Listed from the first moment, before a worker has run the workflow's first task.
          typedSearchAttributes: [
            { key: sa.status, value: 'PENDING_APPROVAL' },
            { key: sa.requester, value: input.requester.slackUserId },
            { key: sa.requesterEmail, value: input.requester.email },
            { key: sa.group, value: input.group.id },
            { key: sa.groupName, value: input.group.name },
            ...(input.breakGlass ? [{ key: sa.breakGlass, value: true }] : []),
          ],
        });
        return { outcome: 'started', workflowId };
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // The memo is served by Temporal itself, so this works even while no worker is polling.
        const running = await client.workflow.getHandle(workflowId).describe();
        return { outcome: running.memo?.requestId === input.requestId ? 'duplicate' : 'conflict', workflowId };
      }
    },

    decide: sendUpdate(decideUpdate),
    revoke: sendUpdate(endGrantUpdate),
    requestExtension: sendUpdate(requestExtensionUpdate),
    decideExtension: sendUpdate(decideExtensionUpdate),
    acknowledgeBreakGlass: sendUpdate(acknowledgeBreakGlassUpdate),

    async state(workflowId, runId) {
      const handle = await currentRunOf(client, workflowId, runId);
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') return handle.query(grantStateQuery);
      return (await handle.result()) as GrantState;
    },

    async isRunning(workflowId) {
      try {
        return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },

    async list(filter = {}) {
      // A run that handed its grant off is listed by the run that carries it on.
      const clauses = [`WorkflowType = '${accessGrantWorkflow.name}'`, `ExecutionStatus != 'ContinuedAsNew'`];
      if (filter.requesterSlackUserId !== undefined) {
        clauses.push(`${sa.requester.name} = '${filter.requesterSlackUserId.replace(/'/g, '')}'`);
      }
      if (filter.groupId !== undefined) clauses.push(`${sa.group.name} = '${filter.groupId.replace(/'/g, '')}'`);
      if (filter.status !== undefined) clauses.push(`${sa.status.name} = '${filter.status}'`);
      if (filter.breakGlassOnly) clauses.push(`${sa.breakGlass.name} = true`);
      if (filter.openOnly) clauses.push(`ExecutionStatus = 'Running'`);
      const limit = filter.limit ?? 100;
      const summaries: GrantSummary[] = [];
      // Newest first: while visibility catches up with a hand-off, the run that carries the grant on is listed before
      // the one it continued from, which is then skipped.
      const seen = new Set<string>();
      for await (const execution of client.workflow.list({ query: clauses.join(' AND '), pageSize: limit })) {
        const ids = parseGrantWorkflowId(execution.workflowId);
        const grant = `${execution.workflowId}/${grantFirstRunId(execution)}`;
        if (!ids || seen.has(grant)) continue;
        seen.add(grant);
        const attrs = execution.typedSearchAttributes;
        summaries.push({
          workflowId: execution.workflowId,
          runId: execution.runId,
          firstRunId: grantFirstRunId(execution),
          status: (attrs.get(sa.status) as GrantStatus | undefined) ?? 'PENDING_APPROVAL',
          requesterSlackUserId: attrs.get(sa.requester) ?? '',
          jumpcloudUserId: ids.jumpcloudUserId,
          groupId: ids.groupId,
          expiresAt: attrs.get(sa.expiresAt),
          breakGlass: attrs.get(sa.breakGlass) === true,
          startTime: execution.startTime,
          closeTime: execution.closeTime,
        });
        if (summaries.length >= limit) break;
      }
      return summaries;
    },
  };
}

/** The run a listed grant began with: the memo's, once the grant has continued as new; else the run itself. */
export function grantFirstRunId(execution: Pick<WorkflowExecutionInfo, 'runId' | 'memo'>): string {
  const first = execution.memo?.firstRunId;
  return typeof first === 'string' ? first : execution.runId;
}

/**
 * Sends a click's Update and turns Temporal's answers that changed nothing into the reason the clicker reads: the
 * validator's refusal, or, for a grant that has ended (the server answers NOT_FOUND), what became of it.
 *
 * A button names the run that posted it, and an active grant continues as a new run once its messages are out
 * (workflows/grant/access-grant.ts). So the Update is addressed to the chain of runs the button's run belongs to (by
 * its first run): it reaches whichever run holds the grant now, and one sent while a run is handing off is moved to the
 * next run by Temporal itself. A button of an earlier grant with the same workflow ID names another chain, and is
 * refused as ended.
 *
 * A saturated server can let an attempt run out of time (DEADLINE_EXCEEDED) before the workflow has taken the Update.
 * The Update is then sent again under the same ID: Temporal answers a repeated ID with the first one's outcome, so a
 * click is recorded once however many attempts it took. (Within one run: a repeat that reaches the next run after a
 * hand-off is a new Update there, refused by its validator as already done; the click itself was recorded.)
 */
async function updateGrant(
  client: Client,
  patience: UpdatePatience,
  workflowId: string,
  runId: string | undefined,
  call: (handle: WorkflowHandle) => Promise<GrantState>,
): Promise<GrantState> {
  const pinned = runId === undefined ? undefined : client.workflow.getHandle(workflowId, runId);
  const firstExecutionRunId = pinned && ((await describeIfAny(pinned))?.raw.workflowExecutionInfo?.firstRunId || runId);
  const handle = client.workflow.getHandle(workflowId, undefined, firstExecutionRunId ? { firstExecutionRunId } : {});
  let busyAnswers = 0;
  let timedOut = 0;
  for (;;) {
    try {
      return await client.withDeadline(Date.now() + patience.attemptMs, () => call(handle));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw new GrantRefusedError(err.cause?.message ?? err.message);
      const delay = BUSY_WORKFLOW_RETRY_DELAYS_MS[busyAnswers];
      if (isBusyWorkflow(err) && delay !== undefined) {
        busyAnswers += 1;
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError && ++timedOut < patience.attempts) continue;
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      const closed = pinned ?? handle;
      throw new GrantRefusedError(await closedReason(closed, await describeIfAny(closed)));
    }
  }
}

/** gRPC's RESOURCE_EXHAUSTED status code, with which Temporal answers "retry later" (busy workflow, rate limits). */
const GRPC_RESOURCE_EXHAUSTED = 8;
/** About 3 s in all: long enough for a busy run to finish its workflow task, short enough for a click. */
const BUSY_WORKFLOW_RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1600];

function isBusyWorkflow(err: unknown): boolean {
  return err instanceof ServiceError && isGrpcServiceError(err.cause) && err.cause.code === GRPC_RESOURCE_EXHAUSTED;
}

async function describeIfAny(handle: WorkflowHandle): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * The run that holds the grant `runId` names: that run, or, once it has continued as new, the workflow's current run
 * if it belongs to the same chain. A chain that has since ended is read through the named run (its result follows the
 * chain to its last run).
 */
async function currentRunOf(client: Client, workflowId: string, runId: string | undefined): Promise<WorkflowHandle> {
  const named = client.workflow.getHandle(workflowId, runId);
  if (runId === undefined) return named;
  const description = await named.describe();
  if (description.status.name !== 'CONTINUED_AS_NEW') return named;
  const current = client.workflow.getHandle(workflowId);
  const firstRunOf = (d: WorkflowExecutionDescription | undefined) => d?.raw.workflowExecutionInfo?.firstRunId;
  return firstRunOf(await describeIfAny(current)) === firstRunOf(description) ? current : named;
}

async function closedReason(
  handle: WorkflowHandle,
  description: WorkflowExecutionDescription | undefined,
): Promise<string> {
  if (!description) return 'this request no longer exists';
  // A run that continued as new has a result at the end of its chain.
  if (description.status.name === 'COMPLETED' || description.status.name === 'CONTINUED_AS_NEW') {
    return alreadyClosedReason((await handle.result()) as GrantState);
  }
  return `this request has already ended (${description.status.name.toLowerCase()})`;
}
