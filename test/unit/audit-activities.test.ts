import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAuditActivities } from '../../activities/audit';
import { serviceNowSink } from '../../integrations/audit/audit-sinks';
import { ServiceNowClient } from '../../integrations/servicenow/servicenow-client';
import { type ServiceNowStandIn, startServiceNowStandIn } from '../../stand-ins/servicenow/servicenow-stand-in';
import { type DriftAuditEvent } from '../../workflows/audit/audit-types';

const TABLE = 'u_jit_access_grant';
const AUTH = { username: 'jit.integration', password: 'audit-test-password' };

const driftFound: DriftAuditEvent = {
  subject: 'drift',
  kind: 'found',
  at: '2026-12-07T12:00:00.000Z',
  workflowId: 'jit-reconciler-test',
  groupName: 'prod-db-readonly',
  drift: {
    kind: 'unexplained-member',
    groupId: 'group-1',
    userId: 'user-1',
    since: '2026-12-07T12:00:00.000Z',
    alerted: false,
  },
};

async function auditActivities(t: TestContext) {
  const sn: ServiceNowStandIn = await startServiceNowStandIn(AUTH);
  t.after(() => sn.close());
  const client = new ServiceNowClient({
    instanceUrl: sn.baseUrl,
    table: TABLE,
    auth: { kind: 'basic', ...AUTH },
  });
  return { sn, activities: createAuditActivities([serviceNowSink(client)]) };
}

/** An attempt of `recordAuditEvent` as the server would hand it out, its budget counted from `scheduledAgoMs` ago. */
function attempt(options: { attempt: number; scheduledAgoMs: number; budgetMs: number }): MockActivityEnvironment {
  const now = Date.now();
  return new MockActivityEnvironment(
    {
      attempt: options.attempt,
      scheduledTimestampMs: now - options.scheduledAgoMs,
      currentAttemptScheduledTimestampMs: now,
      scheduleToCloseTimeoutMs: options.budgetMs,
      startToCloseTimeoutMs: 30_000,
    },
    { logger: new DefaultLogger('ERROR') },
  );
}

test('an audit attempt that starts after the server gave the event up sends nothing to the sink', async (t) => {
  const { sn, activities } = await auditActivities(t);
  const env = attempt({ attempt: 3, scheduledAgoMs: 5_000, budgetMs: 2_000 });

  await assert.rejects(env.run(activities.recordAuditEvent, 'servicenow' as const, driftFound, undefined));

  assert.deepEqual(sn.calls, [], 'no request reached ServiceNow');
  assert.deepEqual(sn.records(TABLE), []);
});

test('an audit attempt whose budget runs out during a slow lookup creates no record afterwards', async (t) => {
  const { sn, activities } = await auditActivities(t);
  // The retry's lookup answers after the budget: a create following it would race the grant's next event.
  const slowLookupMs = 1_500;
  sn.faults.add({ kind: 'latency', delayMs: slowLookupMs, match: { method: 'GET' }, times: 1 });
  const env = attempt({ attempt: 2, scheduledAgoMs: 0, budgetMs: 300 });

  await assert.rejects(env.run(activities.recordAuditEvent, 'servicenow' as const, driftFound, undefined));
  await sleep(slowLookupMs + 500);

  assert.deepEqual(
    sn.calls.filter((c) => c.method !== 'GET'),
    [],
    'no request after the lookup: nothing was created after the budget ran out',
  );
  assert.deepEqual(sn.records(TABLE), []);
});
