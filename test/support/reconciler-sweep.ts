import assert from 'node:assert/strict';
import { type TestContext } from 'node:test';
import {
  createReconcilerService,
  reconcilerConfig,
  reconcilerWorkflowId,
  type ReconcilerService,
} from '../../integrations/temporal/reconciler-service';
import {
  type DriftAction,
  type ReconcilerConfig,
  type ReconcilerState,
} from '../../workflows/reconciler/reconciler-types';
import { eventually } from './eventually';
import { type GrantHarness, SECURITY_CHANNEL } from './grant-harness';

export interface Sweep {
  service: ReconcilerService;
  state(): Promise<ReconcilerState>;
  /** Resolves once `count` more runs have finished than had when it was called. */
  runsPass(count: number): Promise<ReconcilerState>;
  alerts(): string[];
}

/**
 * The reconciler on the harness's task queue, every second, over the harness's JIT groups with `group`'s rules for the
 * main one; stopped after the test. The rules go into the worker's policy, where the reconciler reads them each run.
 */
export async function startSweep(
  t: TestContext,
  h: GrantHarness,
  group: { onDrift?: DriftAction; standingMembers?: string[]; maxDriftRemovals?: number } = {},
  timing: ReconcilerConfig['timing'] = {},
  events?: ReconcilerConfig['events'],
): Promise<Sweep> {
  const policy = h.workerPolicy();
  h.useWorkerPolicy({
    ...policy,
    groups: policy.groups.map((g) => (g.id === h.group.id ? { ...g, ...group } : g)),
  });
  h.useSweepTiming(timing);
  h.useDriftEvents(events);
  const service = createReconcilerService(h.client, h.taskQueue);
  const config = reconcilerConfig(h.workerPolicy(), {
    intervalSeconds: 1,
    securityChannel: SECURITY_CHANNEL,
    timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 5, ...timing },
  });
  if (events) config.events = events;
  await service.ensureRunning(config);
  t.after(() => h.client.workflow.getHandle(reconcilerWorkflowId(h.taskQueue)).terminate('test over'));
  const state = async () => {
    const current = await service.state();
    assert.ok(current, 'the reconciler is running');
    return current;
  };
  return {
    service,
    state,
    async runsPass(count) {
      const from = (await state()).runs;
      // A run every second when idle; a loaded machine stretches them, so each may take up to 5 s here.
      return eventually(
        `${count} reconcile runs`,
        async () => {
          const now = await state();
          return now.runs >= from + count ? now : undefined;
        },
        Math.max(30_000, count * 5_000),
      );
    },
    alerts: () => h.slack.messages(SECURITY_CHANNEL).map((m) => m.text ?? ''),
  };
}
