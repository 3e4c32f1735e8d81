import {
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  acknowledgeBreakGlassUpdate,
  decideExtensionUpdate,
  decideUpdate,
  grantStateQuery,
  requestExtensionUpdate,
  revokeUpdate,
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
  runId: string;
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

export function createGrantService(client: Client, taskQueue: string): GrantService {
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

    async decide(workflowId, decision, updateId, runId) {
      const handle = client.workflow.getHandle(workflowId, runId);
      return refusalsAsErrors(handle, () => handle.executeUpdate(decideUpdate, { args: [decision], updateId }));
    },

    async revoke(workflowId, revoke, updateId, runId) {
      const handle = client.workflow.getHandle(workflowId, runId);
      return refusalsAsErrors(handle, () => handle.executeUpdate(revokeUpdate, { args: [revoke], updateId }));
    },

    async requestExtension(workflowId, request, updateId, runId) {
      const handle = client.workflow.getHandle(workflowId, runId);
      return refusalsAsErrors(handle, () =>
        handle.executeUpdate(requestExtensionUpdate, { args: [request], updateId }),
      );
    },

    async decideExtension(workflowId, decision, updateId, runId) {
      const handle = client.workflow.getHandle(workflowId, runId);
      return refusalsAsErrors(handle, () =>
        handle.executeUpdate(decideExtensionUpdate, { args: [decision], updateId }),
      );
    },

    async acknowledgeBreakGlass(workflowId, ack, updateId, runId) {
      const handle = client.workflow.getHandle(workflowId, runId);
      return refusalsAsErrors(handle, () =>
        handle.executeUpdate(acknowledgeBreakGlassUpdate, { args: [ack], updateId }),
      );
    },

    async state(workflowId, runId) {
      const handle = client.workflow.getHandle(workflowId, runId);
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
      const clauses = [`WorkflowType = '${accessGrantWorkflow.name}'`];
      if (filter.requesterSlackUserId !== undefined) {
        clauses.push(`${sa.requester.name} = '${filter.requesterSlackUserId.replace(/'/g, '')}'`);
      }
      if (filter.groupId !== undefined) clauses.push(`${sa.group.name} = '${filter.groupId.replace(/'/g, '')}'`);
      if (filter.status !== undefined) clauses.push(`${sa.status.name} = '${filter.status}'`);
      if (filter.breakGlassOnly) clauses.push(`${sa.breakGlass.name} = true`);
      if (filter.openOnly) clauses.push(`ExecutionStatus = 'Running'`);
      const limit = filter.limit ?? 100;
      const summaries: GrantSummary[] = [];
      for await (const execution of client.workflow.list({ query: clauses.join(' AND '), pageSize: limit })) {
        const ids = parseGrantWorkflowId(execution.workflowId);
        if (!ids) continue;
        const attrs = execution.typedSearchAttributes;
        summaries.push({
          workflowId: execution.workflowId,
          runId: execution.runId,
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

/**
 * Temporal's answers to an Update that changed nothing, as the reason the clicker reads: the validator's refusal,
 * or, for a run that has closed (the server answers NOT_FOUND, surfaced as WorkflowNotFoundError), what became of it.
 */
async function refusalsAsErrors(handle: WorkflowHandle, call: () => Promise<GrantState>): Promise<GrantState> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new GrantRefusedError(err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError) throw new GrantRefusedError(await closedReason(handle));
    throw err;
  }
}

async function closedReason(handle: WorkflowHandle): Promise<string> {
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'this request no longer exists';
    throw err;
  }
  if (description.status.name === 'COMPLETED') return alreadyClosedReason((await handle.result()) as GrantState);
  return `this request has already ended (${description.status.name.toLowerCase()})`;
}
