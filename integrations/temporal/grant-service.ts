import {
  type Client,
  type WorkflowHandle,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { decideUpdate, grantStateQuery, revokeUpdate } from '../../workflows/grant-messages';
import { alreadyClosedReason } from '../../workflows/grant-rules';
import { type DecisionInput, type GrantInput, type GrantState, type RevokeInput } from '../../workflows/grant-types';
import { grantWorkflowId } from '../../workflows/grant-workflow-id';
import { grantSearchAttributes as sa } from '../../workflows/search-attributes';
import { accessGrantWorkflow } from '../../workflows/access-grant';

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

export interface GrantSummary {
  workflowId: string;
  status: string;
  groupId: string;
  expiresAt?: Date;
  startTime: Date;
}

/** The gateway's (and tests') view of grants: start, decide, revoke, read. Everything goes through Temporal. */
export interface GrantService {
  start(input: GrantInput): Promise<StartGrantResult>;
  /** `runId` pins the run the clicked message belongs to; without it the newest run is addressed. */
  decide(workflowId: string, decision: DecisionInput, updateId: string, runId?: string): Promise<GrantState>;
  revoke(workflowId: string, revoke: RevokeInput, updateId: string, runId?: string): Promise<GrantState>;
  state(workflowId: string): Promise<GrantState>;
  listOpen(requesterSlackUserId: string): Promise<GrantSummary[]>;
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
          typedSearchAttributes: [
            { key: sa.status, value: 'REQUESTED' },
            { key: sa.requester, value: input.requester.slackUserId },
            { key: sa.requesterEmail, value: input.requester.email },
            { key: sa.group, value: input.group.id },
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

    async state(workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      if (description.status.name === 'RUNNING') return handle.query(grantStateQuery);
      return (await handle.result()) as GrantState;
    },

    async listOpen(requesterSlackUserId) {
      const summaries: GrantSummary[] = [];
      const query = `${sa.requester.name} = '${requesterSlackUserId.replace(/'/g, '')}' AND ExecutionStatus = 'Running'`;
      for await (const wf of client.workflow.list({ query })) {
        const attrs = wf.typedSearchAttributes;
        summaries.push({
          workflowId: wf.workflowId,
          status: attrs.get(sa.status) ?? 'REQUESTED',
          groupId: attrs.get(sa.group) ?? '',
          expiresAt: attrs.get(sa.expiresAt),
          startTime: wf.startTime,
        });
      }
      return summaries;
    },
  };
}

async function refusalsAsErrors(handle: WorkflowHandle, call: () => Promise<GrantState>): Promise<GrantState> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new GrantRefusedError(err.cause?.message ?? err.message);
    if (err instanceof WorkflowNotFoundError || isClosedWorkflowError(err))
      throw new GrantRefusedError(await closedReason(handle));
    throw err;
  }
}

/** An Update sent to a closed run fails without a reason of its own: tell the clicker what happened to the request. */
async function closedReason(handle: WorkflowHandle): Promise<string> {
  try {
    const description = await handle.describe();
    if (description.status.name === 'COMPLETED') return alreadyClosedReason((await handle.result()) as GrantState);
    return `this request has already ended (${description.status.name.toLowerCase()})`;
  } catch {
    return 'this request no longer exists';
  }
}

function isClosedWorkflowError(err: unknown): boolean {
  const message = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : '';
  return /already completed|workflow execution already completed|NotFound/i.test(message);
}
