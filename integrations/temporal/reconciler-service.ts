import { randomUUID } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { policyGroupLabel, type JitPolicy } from '../../config/policy';
import { reconcilerWorkflow } from '../../workflows/reconciler/reconciler';
import {
  type DriftDecision,
  type DriftDecisionResult,
  type ReconcilerConfig,
  type ReconcilerState,
} from '../../workflows/reconciler/reconciler-types';
import {
  configureReconcilerSignal,
  decideDriftUpdate,
  reconcilerStateQuery,
} from '../../workflows/reconciler/reconciler-updates';

/** The reconciler refused a drift decision (its validator, or the worker's policy): `message` says why. */
export class DriftDecisionRefusedError extends Error {
  override readonly name = 'DriftDecisionRefusedError';
}

/** One reconciler per task queue: its workflow ID says which. */
export function reconcilerWorkflowId(taskQueue: string): string {
  return `jit-reconciler-${taskQueue}`;
}

/** The reconciler's configuration from the policy file and the process's settings. */
export function reconcilerConfig(
  policy: JitPolicy,
  settings: { intervalSeconds: number; securityChannel: string; timing?: ReconcilerConfig['timing'] },
): ReconcilerConfig {
  return {
    intervalSeconds: settings.intervalSeconds,
    securityChannel: settings.securityChannel,
    groups: policy.groups.map((g) => ({
      id: g.id,
      name: policyGroupLabel(g),
      onDrift: g.onDrift,
      standingMembers: g.standingMembers,
      maxRemovalsPerRun: g.maxDriftRemovals,
    })),
    ...(settings.timing ? { timing: settings.timing } : {}),
  };
}

export interface ReconcilerService {
  /**
   * Starts the reconciler unless it is running, and hands it this configuration either way: every worker calls it at
   * start, and a restart or a second worker never starts a second reconciler.
   */
  ensureRunning(config: ReconcilerConfig): Promise<void>;
  /** The reconciler's memory (open drift, recent runs), or undefined when none is running. */
  state(): Promise<ReconcilerState | undefined>;
  /** Remove now / Keep; throws DriftDecisionRefusedError with the reason when the reconciler refuses it. */
  decideDrift(decision: DriftDecision): Promise<DriftDecisionResult>;
}

export function createReconcilerService(client: Client, taskQueue: string): ReconcilerService {
  const workflowId = reconcilerWorkflowId(taskQueue);
  return {
    async ensureRunning(config) {
      await client.workflow.signalWithStart(reconcilerWorkflow, {
        workflowId,
        taskQueue,
        args: [{ config }],
        signal: configureReconcilerSignal,
        signalArgs: [config],
      });
    },

    async state() {
      try {
        return await client.workflow.getHandle(workflowId).query(reconcilerStateQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },

    async decideDrift(decision) {
      try {
        return await client.workflow
          .getHandle(workflowId)
          .executeUpdate(decideDriftUpdate, { args: [decision], updateId: randomUUID() });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) {
          const cause = err.cause instanceof Error ? err.cause.message : undefined;
          throw new DriftDecisionRefusedError(cause ?? err.message);
        }
        if (err instanceof WorkflowNotFoundError) throw new DriftDecisionRefusedError('the reconciler is not running');
        throw err;
      }
    },
  };
}
