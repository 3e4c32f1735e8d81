import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { Worker } from '@temporalio/worker';
import { createAuditSinks } from '../../integrations/audit/audit-sinks';
import { startJiraStandIn, type JiraStandIn } from '../../stand-ins/jira/jira-stand-in';
import { startServiceNowStandIn, type ServiceNowStandIn } from '../../stand-ins/servicenow/servicenow-stand-in';
import { startWebhookReceiver, type WebhookReceiver } from '../../stand-ins/webhook/webhook-receiver';
import { type GrantInput, type GrantState } from '../../workflows/grant/grant-types';
import { eventually } from '../support/eventually';
import { createGrantHarness, type GrantHarness } from '../support/grant-harness';
import { startSweep } from '../support/reconciler-sweep';
import { firstRunIdOf, testWorkflowBundle, uniqueName } from '../support/temporal';

const TABLE = 'u_jit_access_grant';
const WEBHOOK_SECRET = 'audit-webhook-secret-for-tests';

interface AuditWorld {
  h: GrantHarness;
  serviceNow: ServiceNowStandIn;
  jira: JiraStandIn;
  webhook: WebhookReceiver;
}

/** The grant world of test/support/grant-harness.ts, with all three audit sinks pointed at their stand-ins. */
async function auditWorld(t: TestContext): Promise<AuditWorld> {
  const serviceNow = await startServiceNowStandIn({ username: 'jit.audit', password: 'sn-password' });
  const jira = await startJiraStandIn({
    email: 'jit@example.com',
    apiToken: 'jira-token',
    projects: [{ key: 'SEC', issueTypes: ['Task'] }],
  });
  const webhook = await startWebhookReceiver({ secret: WEBHOOK_SECRET });
  t.after(async () => {
    await Promise.all([serviceNow.close(), jira.close(), webhook.close()]);
  });
  const sinks = createAuditSinks({
    serviceNow: {
      instanceUrl: serviceNow.baseUrl,
      table: TABLE,
      auth: { kind: 'basic', username: 'jit.audit', password: 'sn-password' },
    },
    jira: {
      baseUrl: jira.baseUrl,
      email: 'jit@example.com',
      apiToken: 'jira-token',
      projectKey: 'SEC',
      issueType: 'Task',
      doneTransition: 'Done',
    },
    webhook: { url: webhook.url, secret: WEBHOOK_SECRET },
  });
  const h = await createGrantHarness(t, { auditSinks: sinks });
  return { h, serviceNow, jira, webhook };
}

function fastGrant(h: GrantHarness, overrides: Partial<GrantInput> = {}): GrantInput {
  const input = h.grantInput(overrides);
  return { ...input, timing: { ...input.timing, auditBudgetSeconds: 20 } };
}

/** Waits until the workflow has closed (its audit trail settled), and returns its final state. */
async function finalState(h: GrantHarness, workflowId: string): Promise<GrantState> {
  return (await h.client.workflow.getHandle(workflowId).result()) as GrantState;
}

function webhookTypes(world: AuditWorld): string[] {
  return world.webhook.events().map((e) => (e as { type: string }).type);
}

function grantRecords(world: AuditWorld) {
  return world.serviceNow.records(TABLE);
}

describe('audit trail: ServiceNow, Jira and the webhook over a grant’s life', () => {
  test('approve → extend → expire: one ServiceNow record updated at each step, one Jira issue with a comment per event closed as Done, every event on the webhook, record numbers in the approval message', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    const started = await h.grants.start(fastGrant(h, { durationSeconds: 4 }));
    const id = started.workflowId;
    await h.waitForStatus(id, 'PENDING_APPROVAL');
    await h.grants.decide(id, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, uniqueName('u'));
    await h.waitForStatus(id, 'ACTIVE');
    await h.grants.requestExtension(
      id,
      { bySlackUserId: h.requester.slackUserId, extraSeconds: 2, reason: 'migration still running' },
      uniqueName('u'),
    );
    await h.grants.decideExtension(
      id,
      { extensionId: 1, decision: 'approve', deciderSlackUserId: h.secondApprover.slackUserId },
      uniqueName('u'),
    );
    const final = await finalState(h, id);
    assert.equal(final.status, 'EXPIRED');
    assert.equal(final.auditFailures ?? 0, 0);

    const expected = [
      'grant.requested',
      'grant.approved',
      'grant.granted',
      'grant.extension_requested',
      'grant.extended',
      'grant.ended',
    ];
    assert.deepEqual(webhookTypes(world), expected);
    const last = world.webhook.events().at(-1) as {
      schema: string;
      id: string;
      grant: { status: string; approvers: string[]; extensionsApproved: number; requesterEmail: string };
    };
    assert.equal(last.schema, 'jit-access.audit.v1');
    assert.equal(last.grant.status, 'EXPIRED');
    assert.deepEqual(last.grant.approvers, [h.approver.slackUserId]);
    assert.equal(last.grant.extensionsApproved, 1);
    assert.equal(last.grant.requesterEmail, h.requester.email);
    assert.ok(
      world.webhook.deliveries.every((d) => d.verified),
      'every delivery carries a valid signature',
    );

    const records = grantRecords(world);
    assert.equal(records.length, 1, 'one ServiceNow record per grant');
    const record = records[0]!;
    assert.equal(record.fields.u_status, 'EXPIRED');
    assert.equal(record.fields.u_requester_email, h.requester.email);
    assert.equal(record.fields.u_group_name, h.group.name);
    assert.equal(record.fields.u_justification, 'Investigating incident INC-42');
    assert.equal(record.fields.u_approvers, h.approver.slackUserId);
    assert.equal(record.fields.u_extensions_approved, '1');
    assert.notEqual(record.fields.u_granted_at, '');
    assert.notEqual(record.fields.u_ended_at, '');
    assert.deepEqual(
      record.updates.map((u) => u.fields.u_status),
      ['APPROVED', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'EXPIRED'],
      'one update per later event, each with the status of its moment',
    );

    const issues = world.jira.issues();
    assert.equal(issues.length, 1, 'one Jira issue per grant');
    const issue = issues[0]!;
    assert.match(issue.fields.summary, new RegExp(`${h.requester.email} → prod-db-readonly`));
    assert.ok(issue.fields.labels.includes('jit-access'));
    assert.equal(issue.comments.length, 5, 'a comment for each event after the request');
    assert.equal(issue.status, 'Done');

    assert.deepEqual(final.auditRecords?.servicenow?.label, record.fields.number);
    assert.deepEqual(final.auditRecords?.jira?.label, issue.key);
    await eventually('the approval message to show both record numbers', async () => {
      const message = h.slack.messages('C0APPROVALS')[0];
      const text = JSON.stringify(message?.blocks ?? []);
      return text.includes(record.fields.number ?? '?') && text.includes(issue.key) ? true : undefined;
    });
  });

  test('a rejection is recorded as requested then rejected, and the Jira issue is closed', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    const { workflowId } = await h.grants.start(fastGrant(h));
    await h.waitForStatus(workflowId, 'PENDING_APPROVAL');
    await h.grants.decide(
      workflowId,
      { decision: 'reject', deciderSlackUserId: h.approver.slackUserId, reason: 'not during the freeze' },
      uniqueName('u'),
    );
    const final = await finalState(h, workflowId);
    assert.equal(final.status, 'REJECTED');
    assert.deepEqual(webhookTypes(world), ['grant.requested', 'grant.rejected']);
    const [record] = grantRecords(world);
    assert.equal(record?.fields.u_status, 'REJECTED');
    assert.equal(record?.fields.u_decision_reason, 'not during the freeze');
    assert.equal(world.jira.issues()[0]?.status, 'Done');
    assert.equal(h.jumpcloud.calls.filter((c) => c.method === 'POST').length, 0, 'no membership change');
  });

  test('a request nobody decides is recorded as timed out', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    const input = fastGrant(h);
    const { workflowId } = await h.grants.start({ ...input, policy: { ...input.policy, approvalTimeoutSeconds: 2 } });
    const final = await finalState(h, workflowId);
    assert.equal(final.status, 'TIMED_OUT');
    assert.deepEqual(webhookTypes(world), ['grant.requested', 'grant.timed_out']);
    assert.equal(grantRecords(world)[0]?.fields.u_status, 'TIMED_OUT');
    assert.equal(world.jira.issues()[0]?.comments.length, 1);
  });

  test('break-glass access is recorded as used, granted, acknowledged and ended', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    const { workflowId } = await h.grants.start(
      fastGrant(h, { durationSeconds: 3, breakGlass: { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 600 } }),
    );
    await h.waitForStatus(workflowId, 'ACTIVE');
    await h.grants.acknowledgeBreakGlass(workflowId, { bySlackUserId: h.approver.slackUserId }, uniqueName('u'));
    const final = await finalState(h, workflowId);
    assert.equal(final.status, 'EXPIRED');
    assert.deepEqual(webhookTypes(world), [
      'grant.break_glass_used',
      'grant.granted',
      'grant.break_glass_acknowledged',
      'grant.ended',
    ]);
    const [record] = grantRecords(world);
    assert.equal(record?.fields.u_break_glass, 'true');
    assert.match(world.jira.issues()[0]?.fields.summary ?? '', /^Break-glass access/);
  });

  test('break-glass grants with every sink configured replay from their history: the sinks question and the pre-check of the first task take turns', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    // One grant per person: each first task asks the sinks and checks the membership (two local activities).
    const started = await Promise.all(
      [h.requester, h.approver, h.secondApprover, h.outsider].map((person) =>
        h.grants.start(
          fastGrant(h, {
            requester: {
              slackUserId: person.slackUserId,
              email: person.email,
              jumpcloudUserId: person.jumpcloudUserId,
            },
            durationSeconds: 1,
            breakGlass: { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 600 },
          }),
        ),
      ),
    );
    const histories = await Promise.all(
      started.map(async ({ workflowId }) => {
        assert.equal((await finalState(h, workflowId)).status, 'EXPIRED');
        const firstRunId = await firstRunIdOf(h.client, workflowId);
        return { workflowId, history: await h.client.workflow.getHandle(workflowId, firstRunId).fetchHistory() };
      }),
    );
    for (const { workflowId, history } of histories) {
      const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
      assert.ok(
        scheduled.includes('addMembership') && scheduled.includes('recordAuditEvent'),
        `${workflowId}'s first run added the membership and sent audit records: ${scheduled.join()}`,
      );
    }
    const failures: string[] = [];
    const replays = Worker.runReplayHistories(
      { workflowBundle: await testWorkflowBundle(), replayName: uniqueName('break-glass-replay') },
      histories,
    );
    for await (const result of replays) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    assert.deepEqual(failures, []);
  });

  test('every sink failing throughout never holds up the membership: it is added and removed, and each lost event is counted', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    world.serviceNow.faults.add({ kind: 'status', status: 503 });
    world.jira.faults.add({ kind: 'status', status: 503 });
    world.webhook.faults.add({ kind: 'status', status: 503 });
    const input = fastGrant(h, { durationSeconds: 2 });
    const { workflowId } = await h.grants.start({ ...input, timing: { ...input.timing, auditBudgetSeconds: 4 } });
    await h.waitForStatus(workflowId, 'PENDING_APPROVAL');
    await h.grants.decide(
      workflowId,
      { decision: 'approve', deciderSlackUserId: h.approver.slackUserId },
      uniqueName('u'),
    );
    await h.waitForStatus(workflowId, 'ACTIVE');
    assert.ok(h.isMember(), 'added while no sink has accepted anything');
    await h.waitForStatus(workflowId, 'EXPIRED');
    assert.ok(!h.isMember(), 'removed while no sink has accepted anything');
    assert.equal(world.webhook.events().length, 0);
    assert.equal(grantRecords(world).length, 0);
    assert.equal(world.jira.issues().length, 0);

    const final = await finalState(h, workflowId);
    // 4 events (requested, approved, granted, ended) × 3 sinks, each retried until its budget ran out.
    assert.equal(final.auditFailures, 12);
    assert.equal(final.auditRecords, undefined);
  });

  test('a sink that recovers gets the later events on the one record, created late from the state of that moment', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    const outage = world.serviceNow.faults.add({ kind: 'status', status: 503 });
    const input = fastGrant(h, { durationSeconds: 2 });
    const { workflowId } = await h.grants.start({ ...input, timing: { ...input.timing, auditBudgetSeconds: 2 } });
    await eventually('the request event to be given up by ServiceNow', async () =>
      ((await h.grants.state(workflowId)).auditFailures ?? 0) >= 1 ? true : undefined,
    );
    world.serviceNow.faults.remove(outage);
    await h.grants.decide(
      workflowId,
      { decision: 'approve', deciderSlackUserId: h.approver.slackUserId },
      uniqueName('u'),
    );
    const final = await finalState(h, workflowId);
    assert.equal(final.status, 'EXPIRED');
    const records = grantRecords(world);
    assert.equal(records.length, 1, 'the approval created the record the lost request could not');
    assert.equal(records[0]?.fields.u_status, 'EXPIRED');
    assert.equal(final.auditFailures, 1);
  });

  test('drift found then gone is recorded: one ServiceNow record and one Jira issue for the drift, closed when it ends, both events on the webhook', async (t) => {
    const world = await auditWorld(t);
    const { h } = world;
    const sweep = await startSweep(t, h, {}, { auditBudgetSeconds: 20 });
    await sweep.runsPass(1);
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, true);
    await eventually('the drift.found event', async () =>
      webhookTypes(world).includes('drift.found') ? true : undefined,
    );
    h.jumpcloud.setMember(h.group.id, h.outsider.jumpcloudUserId, false);
    await eventually('the drift issue to be closed', async () =>
      world.jira.issues()[0]?.status === 'Done' ? true : undefined,
    );
    await eventually('the drift record to be ended', async () =>
      grantRecords(world)[0]?.fields.u_status === 'ENDED' ? true : undefined,
    );

    assert.deepEqual(webhookTypes(world), ['drift.found', 'drift.ended']);
    const found = world.webhook.events()[0] as { drift: { userId: string; groupName: string } };
    assert.equal(found.drift.userId, h.outsider.jumpcloudUserId);
    assert.equal(found.drift.groupName, h.group.name);
    const records = grantRecords(world);
    assert.equal(records.length, 1, 'one record per drift');
    assert.equal(records[0]?.fields.u_kind, 'drift');
    assert.equal(records[0]?.fields.u_requester_email, h.outsider.email);
    const issues = world.jira.issues();
    assert.equal(issues.length, 1, 'one issue per drift');
    assert.match(issues[0]?.fields.summary ?? '', /is in prod-db-readonly without a grant/);
    assert.equal(issues[0]?.comments.length, 1);
    assert.equal((await sweep.state()).auditFailures, 0);
  });
});
