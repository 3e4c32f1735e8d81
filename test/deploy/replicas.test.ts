/**
 * Horizontal scale: two worker processes and two gateways on one task queue, as a production deployment runs them.
 * Grants are requested through one gateway and approved through the other, one worker is killed mid-grant, and
 * everything still happens exactly once: one membership added and removed per grant, one reconciler.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { createReconcilerService, reconcilerWorkflowId } from '../../integrations/temporal/reconciler-service';
import { type GrantState } from '../../workflows/grant/grant-types';
import { createGatewayHarness, startHarnessGateway } from '../gateway/gateway-harness';
import { eventually } from '../support/eventually';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal } from '../support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

after(() => closeTestTemporal());

test(
  'two gateways and two worker processes on one task queue: every grant is added and removed once, through a worker crash, with one reconciler',
  { timeout: 180_000 },
  async (t) => {
    const workers: WorkerProcess[] = [];
    // Registered before the harness, so the workers stop while the stand-ins they talk to still answer.
    t.after(async () => {
      for (const worker of workers) await worker.stop();
    });
    const h = await createGatewayHarness(t, {}, { worker: false });
    t.after(async () => {
      try {
        await h.client.workflow.getHandle(reconcilerWorkflowId(h.taskQueue)).terminate('test over');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    });
    workers.push(startWorkerProcess(undefined, h), startWorkerProcess(undefined, h));
    const reconciler = createReconcilerService(h.client, h.taskQueue);
    // The workers are up once one of them has run the reconciler they start (each bundles the workflows first).
    await eventually('a worker to run the reconciler', async () => (await reconciler.state())?.lastRun, 90_000);

    // The second gateway: the same code and configuration as the harness's, a process of its own in production.
    const second = await startHarnessGateway(h, h.policy);
    t.after(() => second.app.close());
    const gateways = [h.slack.gatewayUrl ?? '', second.url];

    const people = [h.requester, h.newPerson('carol'), h.newPerson('dave')];
    const grants: string[] = [];
    for (const [index, person] of people.entries()) {
      // Requested through one gateway, approved through the other (a load balancer picks either).
      h.slack.gatewayUrl = gateways[index % 2];
      const { workflowId, message } = await h.requestAccess({ durationSeconds: 3 }, person);
      h.slack.gatewayUrl = gateways[(index + 1) % 2];
      assert.equal((await h.click(h.approver, message, ActionIds.approve)).status, 200);
      grants.push(workflowId);
      if (index === 0) {
        // Mid-way, one worker dies without a chance to finish anything; the other carries on.
        await h.waitForStatus(workflowId, 'ACTIVE');
        workers[0]?.process.kill('SIGKILL');
      }
    }

    for (const workflowId of grants) {
      const final = (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
      assert.equal(final.status, 'EXPIRED', workflowId);
    }
    for (const person of people) {
      const ofPerson = (op: 'add' | 'remove') =>
        membershipChanges(h, op).filter((c) => (c.body as { id?: string }).id === person.jumpcloudUserId);
      assert.equal(ofPerson('add').length, 1, `${person.name} added once`);
      assert.equal(ofPerson('remove').length, 1, `${person.name} removed once`);
      assert.equal(h.jumpcloud.isMember(h.group.id, person.jumpcloudUserId), false);
    }

    // Both workers started the reconciler at start; there is one, and it runs.
    const running = await eventually('the reconciler to be running', async () => {
      const runs: string[] = [];
      for await (const execution of h.client.workflow.list({
        query: `WorkflowId = '${reconcilerWorkflowId(h.taskQueue)}' AND ExecutionStatus = 'Running'`,
      })) {
        runs.push(execution.runId);
      }
      return runs.length > 0 ? runs : undefined;
    });
    assert.equal(running.length, 1);
  },
);
