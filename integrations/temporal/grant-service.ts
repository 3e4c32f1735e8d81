import {
  type Client,
  type UpdateDefinition,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import {
  acknowledgeBreakGlassUpdate,
  closeForPolicyUpdate,
  decideExtensionUpdate,
  decideUpdate,
  grantStateQuery,
  requestExtensionUpdate,
  endGrantUpdate,
} from '../../workflows/grant/grant-updates';
import {
  type AcknowledgeInput,
  type PolicyCloseInput,
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
import { DEFAULT_UPDATE_PATIENCE, describeIfAny, sendGrantUpdate, type UpdatePatience } from './send-grant-update';

export { GrantRefusedError, GrantUpdatePendingError, type UpdatePatience } from './send-grant-update';

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
  /** Only this service's task queue (the namespace may hold other deployments' grants). */
  ownQueueOnly?: boolean;
  /** Newest first; at most this many (default 100). */
  limit?: number;
}

/**
 * The gateway's (and tests') view of grants: start, decide, revoke, read. Everything goes through Temporal. An Update
 * (decide, revoke, the extensions, acknowledge) refused by the workflow throws GrantRefusedError; one that outlasted
 * its attempts, GrantUpdatePendingError (it may still take effect); any other error means it was not taken.
 */
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
  /** The worker withdraws a pending request whose group left its policy (closeForPolicyUpdate). */
  closeForPolicy(workflowId: string, close: PolicyCloseInput, updateId: string, runId?: string): Promise<GrantState>;
  state(workflowId: string, runId?: string): Promise<GrantState>;
  /** Whether a run of this grant workflow is open now: read from the server itself, not from lagging visibility. */
  isRunning(workflowId: string): Promise<boolean>;
  list(filter?: GrantListFilter): Promise<GrantSummary[]>;
}

export function createGrantService(
  client: Client,
  taskQueue: string,
  options: { updatePatience?: UpdatePatience } = {},
): GrantService {
  const patience = options.updatePatience ?? DEFAULT_UPDATE_PATIENCE;
  /** One of the grant's Updates as a GrantService method; every click goes through sendGrantUpdate. */
  const sendUpdate =
    <Input>(update: UpdateDefinition<GrantState, [Input]>) =>
    (workflowId: string, input: Input, updateId: string, runId?: string): Promise<GrantState> =>
      sendGrantUpdate(client, patience, { workflowId, runId, updateId }, (handle) =>
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
    closeForPolicy: sendUpdate(closeForPolicyUpdate),

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
      if (filter.ownQueueOnly) clauses.push(`TaskQueue = '${taskQueue.replace(/'/g, '')}'`);
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
