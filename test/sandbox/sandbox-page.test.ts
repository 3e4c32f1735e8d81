import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { type BrowserContext } from 'playwright-core';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { createGrantService } from '../../integrations/temporal/grant-service';
import { DEMO_GROUPS, DEMO_PEOPLE, SANDBOX_CHANNELS, SANDBOX_SECRETS } from '../../sandbox/demo-world';
import { startSandbox, type Sandbox } from '../../sandbox/sandbox-system';
import { type GrantState } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { firstRunIdOf, testWorkflowBundle } from '../support/temporal';
import { launchChromium, SandboxPageDriver } from '../../sandbox/page-driver';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'sandbox-page');
/** the sandbox's default task queue */
const TASK_QUEUE = 'jit-access';

function demoPerson(name: string) {
  const found = DEMO_PEOPLE.find((p) => p.name === name);
  assert.ok(found?.jumpcloudUserId, `demo person ${name}`);
  return { ...found, jumpcloudUserId: found.jumpcloudUserId };
}

// One sandbox and one browser serve all the tests: starting them is most of the time. Each test has its own person
// and group, so their grants (one workflow per user and group) never meet.
let sandbox: Sandbox;
let context: BrowserContext;
let driver: SandboxPageDriver;
const cleanups: Array<() => unknown> = [];

before(
  async () => {
    const temporalCliPath = process.env.TEMPORAL_CLI_PATH;
    assert.ok(
      temporalCliPath,
      'TEMPORAL_CLI_PATH is not set: run the suite with `npm test` (it builds the Temporal CLI if needed)',
    );
    // Its own dev server with the Web UI on (the suite's shared one is headless), on random ports, in a temporary folder.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jit-sandbox-page-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    sandbox = await startSandbox({
      temporalCliPath,
      dataDir,
      policyOverrides: { durations: ['5s', '1m', '5m'] },
      workflowBundle: await testWorkflowBundle(),
    });
    cleanups.push(() => sandbox.stop());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    driver = new SandboxPageDriver(await context.newPage(), ARTIFACTS);
    await driver.open(sandbox.pageUrl);
  },
  { timeout: 120_000 },
);

// Newest first, and every one of them even when another fails.
after(async () => {
  const failures: unknown[] = [];
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'cleaning up after the sandbox page tests failed');
});

test(
  'the sandbox page: request with /jit, approve, watch the membership come and go, find the grant in the Temporal Web UI',
  { timeout: 240_000 },
  async () => {
    const ada = demoPerson('ada');
    const margaret = demoPerson('margaret');
    const group = DEMO_GROUPS.prodDbReadonly;
    const workflowId = grantWorkflowId(ada.jumpcloudUserId, group.id);
    // Escaped by the gateway, so it must show up as text: no @channel ping, no HTML.
    const justification = 'Investigating INC-42: slow queries <!channel> & <b>not bold</b>';

    await driver.actAs(ada.slackUserId);
    await driver.page.locator('#who-roles', { hasText: 'requester' }).waitFor();
    await driver.screenshot('01-requester-picked');

    await driver.type('/jit');
    await driver.modal.getByLabel('Group').waitFor();
    // prod-k8s-admin allows break-glass in the demo policy, so the form offers it, unchecked.
    const breakGlass = driver.modal.getByRole('checkbox', { name: /Emergency access \(break-glass\)/ });
    assert.equal(await breakGlass.isChecked(), false);
    await driver.screenshot('02-request-modal');
    await driver.fillRequestForm({ groupName: group.name, duration: '5s', justification });
    await driver.screenshot('03-request-filled');
    await driver.submitModal();

    await driver.openConversation('@app');
    await driver.message('was sent to the approvers').waitFor();
    await driver.screenshot('04-requester-dm');

    await driver.actAs(margaret.slackUserId);
    await driver.openConversation(SANDBOX_CHANNELS.approvals.id);
    const approval = driver.message(`requests ${group.name}`);
    await approval.locator(`button[data-action-id="${ActionIds.approve}"]`).waitFor();
    const quoted = await approval.locator('blockquote').innerText();
    assert.match(quoted, /<!channel> & <b>not bold<\/b>/, 'the justification is shown literally');
    assert.equal(await approval.locator('.mention.broadcast, b').count(), 0, 'no @channel and no HTML from user text');
    assert.match(await approval.innerText(), /@Ada Lovelace requests prod-db-readonly for 5s/);
    await driver.screenshot('05-approval-request');

    await approval.locator(`button[data-action-id="${ActionIds.approve}"]`).click();
    await driver.page.locator('#confirm-dialog[open]').waitFor();
    await driver.screenshot('06-approve-confirm');
    await driver.page.locator('#confirm-dialog .confirm-buttons .primary').click();

    const membership = driver.membership(group.id, ada.jumpcloudUserId);
    await membership.waitFor({ timeout: 20_000 });
    await approval.filter({ hasText: 'Access granted until' }).waitFor();
    await driver.screenshot('07-membership-granted');
    assert.equal(sandbox.jumpcloud.isMember(group.id, ada.jumpcloudUserId), true);

    await membership.waitFor({ state: 'detached', timeout: 30_000 });
    await approval.filter({ hasText: 'Access expired and was removed' }).waitFor();
    await driver.grant(workflowId, 'EXPIRED').waitFor({ timeout: 10_000 });
    await driver.screenshot('08-membership-expired');
    assert.equal(sandbox.jumpcloud.isMember(group.id, ada.jumpcloudUserId), false);
    const result = (await sandbox.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(result.status, 'EXPIRED');
    assert.equal(result.decidedBy, margaret.slackUserId);
    // Margaret approves prod-db-readonly as a member of security-team in JumpCloud (its approverGroups).
    assert.equal(result.approvals[0]?.via, DEMO_GROUPS.securityTeam.id);

    // Temporal lists the run, so the link opens exactly this grant's run: the last one, where it ended.
    const { runId } = await sandbox.client.workflow.getHandle(workflowId).describe();
    const link = driver.temporalLink(workflowId);
    assert.equal(
      await link.getAttribute('href'),
      `${sandbox.temporalUiUrl}/namespaces/default/workflows/${workflowId}/${runId}`,
    );
    const [temporalPage] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await temporalPage.waitForLoadState();
    await temporalPage.getByText(workflowId).first().waitFor({ timeout: 60_000 });
    await temporalPage.getByText(runId).first().waitFor({ timeout: 30_000 });
    await temporalPage.getByText('Completed').first().waitFor({ timeout: 30_000 });
    await driver.screenshot('09-temporal-web-ui', temporalPage);
    assert.ok(
      temporalPage.url().startsWith(`${sandbox.temporalUiUrl}/namespaces/default/workflows/${workflowId}`),
      temporalPage.url(),
    );
    await temporalPage.close();
  },
);

test(
  "the grants panel shows each grant's status from Temporal, even for a grant whose approval message was never posted",
  { timeout: 120_000 },
  async () => {
    const grace = demoPerson('grace');
    const margaret = demoPerson('margaret');
    const group = DEMO_GROUPS.prodK8sAdmin;
    const policy = sandbox.policy.groups.find((g) => g.id === group.id);
    assert.ok(policy, `${group.name} is in the sandbox policy`);
    assert.ok(policy.approvers.includes(margaret.slackUserId), `${margaret.realName} approves ${group.name}`);
    const approvals = SANDBOX_CHANNELS.approvals.id;
    const grants = createGrantService(sandbox.client, TASK_QUEUE);

    // Slack refuses every message, so the approval request is never posted; the page must not need it.
    const faultsFrom = Date.now();
    sandbox.slack.faults.add({ kind: 'status', status: 503, match: { method: 'chat.postMessage' } });
    try {
      const started = await grants.start({
        requestId: 'sandbox-page-test-without-approval-message',
        requester: { slackUserId: grace.slackUserId, email: grace.email, jumpcloudUserId: grace.jumpcloudUserId },
        group: { id: group.id, name: group.name },
        durationSeconds: 300,
        justification: 'Rolling out the ingress fix while Slack is refusing messages',
        policy: {
          approvers: policy.approvers,
          maxDurationSeconds: policy.maxDurationSeconds,
          approvalTimeoutSeconds: sandbox.policy.approvalTimeoutSeconds,
          allowSelfApproval: policy.allowSelfApproval,
          approvalChannel: approvals,
        },
      });
      assert.equal(started.outcome, 'started');
      const { workflowId } = started;
      const runId = await firstRunIdOf(sandbox.client, workflowId);

      await sandbox.slack.waitFor(
        'the approval request, refused',
        () =>
          sandbox.slack.calls.some(
            (c) => c.method === 'chat.postMessage' && c.args.channel === approvals && !c.ok && c.at >= faultsFrom,
          ),
        30_000,
      );
      await driver.actAs(margaret.slackUserId);
      await driver.openConversation(approvals);
      const pending = driver.grant(workflowId, 'PENDING_APPROVAL');
      await pending.waitFor({ timeout: 10_000 });
      assert.equal(await pending.getAttribute('data-run-id'), runId);
      assert.equal(await pending.locator('.status-chip').innerText(), 'pending approval');
      assert.equal(
        sandbox.slack.messages(approvals).filter((m) => JSON.stringify(m).includes(group.name)).length,
        0,
        'no approval message was posted',
      );
      assert.equal(await driver.message(`requests ${group.name}`).count(), 0);
      await driver.screenshot('10-grant-pending-without-message');

      await grants.decide(
        workflowId,
        { decision: 'approve', deciderSlackUserId: margaret.slackUserId },
        'sandbox-page-test-approve',
      );
      const active = driver.grant(workflowId, 'ACTIVE');
      await active.waitFor({ timeout: 20_000 });
      assert.equal(await active.locator('.status-chip').innerText(), 'active');
      await active.locator('.countdown', { hasText: /^ends in / }).waitFor();
      const member = driver.jitMembership(group.id, grace.jumpcloudUserId);
      await member.waitFor({ timeout: 10_000 });
      assert.equal(await member.locator('.member-note').innerText(), 'JIT');
      assert.equal(sandbox.jumpcloud.isMember(group.id, grace.jumpcloudUserId), true);
      assert.equal(
        sandbox.slack.messages(approvals).filter((m) => JSON.stringify(m).includes(group.name)).length,
        0,
        'still no approval message',
      );
      await driver.screenshot('11-grant-active-without-message');
    } finally {
      sandbox.slack.faults.clear();
    }
  },
);

test(
  'the sandbox page: the requester asks for more time with Extend, an approver approves it, the expiry moves later',
  { timeout: 180_000 },
  async () => {
    // Alan holds billing-admin (by hand) and engineering only, and no other test asks for prod-db-readonly for him.
    const alan = demoPerson('alan');
    const margaret = demoPerson('margaret');
    const ken = demoPerson('ken');
    const group = DEMO_GROUPS.prodDbReadonly;
    const approvals = SANDBOX_CHANNELS.approvals.id;
    const workflowId = grantWorkflowId(alan.jumpcloudUserId, group.id);
    const grants = createGrantService(sandbox.client, TASK_QUEUE);
    assert.equal(sandbox.jumpcloud.isMember(group.id, alan.jumpcloudUserId), false, 'Alan starts without the group');
    // 5m, so the extension is decided long before the grant would expire on a busy machine.
    const extraSeconds = 60;

    await driver.actAs(alan.slackUserId);
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: group.name,
      duration: '5m',
      justification: 'Backfilling the churn report for INC-77',
    });
    await driver.submitModal();

    await driver.actAs(margaret.slackUserId);
    await driver.openConversation(approvals);
    const approval = driver.message(`@${alan.realName} requests ${group.name}`);
    await driver.approve(approval);
    await driver.jitMembership(group.id, alan.jumpcloudUserId).waitFor({ timeout: 20_000 });
    await approval.filter({ hasText: 'Access granted until' }).waitFor();

    await driver.actAs(alan.slackUserId);
    await driver.openConversation('@app');
    const granted = driver.message('approved your request');
    await granted.locator(`button[data-action-id="${ActionIds.extend}"]`).waitFor();
    assert.match(await granted.innerText(), /You are now in prod-db-readonly until/);
    await driver.screenshot('12-granted-dm-with-extend');
    const before = await grants.state(workflowId);
    assert.equal(before.status, 'ACTIVE');
    assert.ok(before.expiresAt, 'an active grant has an expiry');
    const expiryBefore = Date.parse(before.expiresAt);

    await driver.extend(
      granted,
      { duration: '1m', reason: 'The backfill needs one more pass over March' },
      '13-extend-form',
    );
    await driver.message('more was sent to the approvers').waitFor({ timeout: 20_000 });

    await driver.actAs(ken.slackUserId);
    await driver.openConversation(approvals);
    const extension = driver.message(`asks to keep ${group.name}`);
    await extension.locator(`button[data-action-id="${ActionIds.approveExtension}"]`).waitFor({ timeout: 20_000 });
    await extension.locator(`button[data-action-id="${ActionIds.rejectExtension}"]`).waitFor();
    const asked = await extension.innerText();
    assert.match(asked, /Extension 1: @Alan Turing asks to keep prod-db-readonly for 1m more: until .+ instead of /);
    assert.match(asked, /The backfill needs one more pass over March/);
    assert.doesNotMatch(asked, /:[a-z_]+:/, 'every emoji shortcode is shown as an emoji');
    // The two expiries: the proposed one first, then the one in force (Slack dates have whole seconds).
    const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString();
    const dates = extension.locator('.block-section').first().locator('time.slack-date');
    assert.deepEqual(await dates.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime'))), [
      wholeSeconds(expiryBefore + extraSeconds * 1000),
      wholeSeconds(expiryBefore),
    ]);
    await driver.screenshot('14-extension-request');
    await driver.approveExtension(extension, '15-extension-approve-confirm');
    await extension.filter({ hasText: 'Extended by' }).waitFor({ timeout: 20_000 });
    assert.equal(await extension.locator(`button[data-action-id="${ActionIds.approveExtension}"]`).count(), 0);
    // The grant's own approval message follows: "Access granted until" the new expiry.
    await approval
      .locator(`time.slack-date[datetime="${wholeSeconds(expiryBefore + extraSeconds * 1000)}"]`)
      .waitFor({ timeout: 20_000 });

    await driver.actAs(alan.slackUserId);
    await driver.openConversation('@app');
    const extended = driver.message('approved your extension');
    await extended.waitFor({ timeout: 20_000 });
    assert.match(await extended.innerText(), /@Ken Thompson approved your extension: you keep prod-db-readonly until/);

    const after = await grants.state(workflowId);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(Date.parse(after.expiresAt ?? ''), expiryBefore + extraSeconds * 1000, 'the expiry moved by 1m');
    assert.equal(after.extensions.length, 1);
    assert.equal(after.extensions[0]?.status, 'APPROVED');
    assert.equal(after.extensions[0]?.decidedBy, ken.slackUserId);
    const newExpiry = extended.locator('time.slack-date');
    assert.equal(await newExpiry.getAttribute('datetime'), wholeSeconds(expiryBefore + extraSeconds * 1000));
    // The side panel reads the expiry from Temporal, so its countdown moves too.
    await driver
      .grant(workflowId, 'ACTIVE')
      .locator(`.countdown[data-expires-at="${expiryBefore + extraSeconds * 1000}"]`)
      .waitFor({ timeout: 10_000 });
    await driver.screenshot('16-extension-approved-dm');

    await grants.revoke(workflowId, { bySlackUserId: alan.slackUserId }, 'sandbox-page-test-extension-cleanup');
    await driver.membership(group.id, alan.jumpcloudUserId).waitFor({ state: 'detached', timeout: 30_000 });
    await driver.grant(workflowId, 'REVOKED').waitFor({ timeout: 10_000 });
    assert.equal(sandbox.jumpcloud.isMember(group.id, alan.jumpcloudUserId), false);
    const result = (await sandbox.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(result.status, 'REVOKED');
  },
);

test(
  'the sandbox page shows the two-person rule: after the first approval, "1 of 2 approvals" and Approve stays',
  { timeout: 120_000 },
  async () => {
    const grace = demoPerson('grace');
    const ken = demoPerson('ken');
    const group = DEMO_GROUPS.billingAdmin;
    const policy = sandbox.policy.groups.find((g) => g.id === group.id);
    assert.equal(policy?.requiredApprovals, 2, `${group.name} needs two approvals`);
    assert.equal(sandbox.jumpcloud.isMember(group.id, grace.jumpcloudUserId), false, 'Grace starts without the group');
    const workflowId = grantWorkflowId(grace.jumpcloudUserId, group.id);
    const grants = createGrantService(sandbox.client, TASK_QUEUE);

    await driver.actAs(grace.slackUserId);
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: group.name,
      duration: '1m',
      justification: 'Refunding the double charges of INC-88',
    });
    await driver.submitModal();

    await driver.actAs(ken.slackUserId);
    await driver.openConversation(SANDBOX_CHANNELS.approvals.id);
    const approval = driver.message(`@${grace.realName} requests ${group.name}`);
    await driver.approve(approval);
    const half = approval.filter({ hasText: '1 of 2 approvals' });
    await half.waitFor({ timeout: 20_000 });
    assert.match(await half.innerText(), /1 of 2 approvals: @Ken Thompson\. Waiting for 1 more until /);
    await half.locator(`button[data-action-id="${ActionIds.approve}"]`).waitFor();
    assert.equal(await half.locator(`button[data-action-id="${ActionIds.reject}"]`).count(), 1);
    await driver.grant(workflowId, 'PENDING_APPROVAL').waitFor({ timeout: 10_000 });
    assert.equal(sandbox.jumpcloud.isMember(group.id, grace.jumpcloudUserId), false, 'one approval adds nothing');
    await driver.screenshot('17-two-person-rule-one-of-two');

    const state = await grants.state(workflowId);
    assert.equal(state.status, 'PENDING_APPROVAL');
    assert.deepEqual(
      state.approvals.map((a) => a.bySlackUserId),
      [ken.slackUserId],
    );

    await grants.revoke(workflowId, { bySlackUserId: grace.slackUserId }, 'sandbox-page-test-two-person-cleanup');
    await approval.filter({ hasText: 'Withdrawn by' }).waitFor({ timeout: 20_000 });
    assert.equal(await approval.locator(`button[data-action-id="${ActionIds.approve}"]`).count(), 0);
    const result = (await sandbox.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(result.status, 'CANCELLED');
    assert.equal(sandbox.jumpcloud.isMember(group.id, grace.jumpcloudUserId), false);
  },
);

test(
  'break-glass from the sandbox page: the box checked, access is there at once and #jit-security is alerted',
  { timeout: 120_000 },
  async () => {
    const ken = demoPerson('ken');
    const group = DEMO_GROUPS.prodK8sAdmin;
    assert.equal(sandbox.jumpcloud.isMember(group.id, ken.jumpcloudUserId), false, 'Ken starts without the group');
    const workflowId = grantWorkflowId(ken.jumpcloudUserId, group.id);
    const grants = createGrantService(sandbox.client, TASK_QUEUE);

    await driver.actAs(ken.slackUserId);
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: group.name,
      duration: '1m',
      justification: 'Production cluster down, INC-99: restarting the ingress',
    });
    await driver.modal.getByRole('checkbox', { name: /Emergency access \(break-glass\)/ }).check();
    await driver.screenshot('18-break-glass-form');
    await driver.submitModal();

    await driver.membership(group.id, ken.jumpcloudUserId).waitFor({ timeout: 20_000 });
    await driver.openConversation(SANDBOX_CHANNELS.security.id);
    const alert = driver.message('Break-glass access');
    await alert.waitFor({ timeout: 20_000 });
    assert.match(await alert.innerText(), /@Ken Thompson took prod-k8s-admin without approval/);
    await driver.screenshot('19-break-glass-alert');
    const state = await grants.state(workflowId);
    assert.equal(state.status, 'ACTIVE');
    assert.equal(state.breakGlass, true);
    assert.deepEqual(state.approvals, []);

    await grants.revoke(workflowId, { bySlackUserId: ken.slackUserId }, 'sandbox-page-test-break-glass-cleanup');
    await driver.membership(group.id, ken.jumpcloudUserId).waitFor({ state: 'detached', timeout: 20_000 });
  },
);

test(
  'the Audit records panel: a grant approved from the page shows its ServiceNow record and Jira issue, closed when it ends',
  { timeout: 120_000 },
  async () => {
    // Ada asks for staging-admin, which no other test does, and Ken approves it.
    const ada = demoPerson('ada');
    const ken = demoPerson('ken');
    const group = DEMO_GROUPS.stagingAdmin;
    const workflowId = grantWorkflowId(ada.jumpcloudUserId, group.id);
    const grants = createGrantService(sandbox.client, TASK_QUEUE);

    await driver.actAs(ada.slackUserId);
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: group.name,
      duration: '5m',
      justification: 'Replaying the staging migration for INC-51',
    });
    await driver.submitModal();
    await driver.actAs(ken.slackUserId);
    await driver.openConversation(SANDBOX_CHANNELS.approvals.id);
    const approval = driver.message(`@${ada.realName} requests ${group.name}`);
    await driver.approve(approval);
    await driver.grant(workflowId, 'ACTIVE').waitFor({ timeout: 20_000 });
    const runId = await firstRunIdOf(sandbox.client, workflowId);

    const entry = driver.auditRecord(workflowId, runId);
    const serviceNow = driver.auditLine(entry, 'servicenow');
    const jira = driver.auditLine(entry, 'jira');
    await serviceNow.locator('.status-chip', { hasText: /^active$/ }).waitFor({ timeout: 20_000 });
    await driver.auditLine(entry, 'webhook').filter({ hasText: 'granted' }).waitFor({ timeout: 20_000 });
    await jira.locator('.audit-ref').waitFor({ timeout: 20_000 });
    // For the screenshot only. The panel redraws as the sinks answer, which can detach the entry mid-scroll: try again.
    await entry.scrollIntoViewIfNeeded().catch(() => entry.scrollIntoViewIfNeeded());
    await driver.screenshot('20-audit-records');

    // The numbers the grant itself keeps, from the sinks' answers, are the ones the panel found in the stand-ins.
    const { auditRecords } = await grants.state(workflowId);
    const number = auditRecords?.servicenow?.label;
    const key = auditRecords?.jira?.label;
    assert.ok(number && key, 'the grant knows its ServiceNow record and Jira issue');
    assert.equal(await serviceNow.locator('.audit-ref').innerText(), number);
    assert.equal(await jira.locator('.audit-ref').innerText(), key);
    const record = sandbox.serviceNow.records('u_jit_access_grant').find((r) => r.fields.number === number);
    assert.equal(record?.fields.u_subject_id, `${workflowId}/${runId}`);
    const issue = sandbox.jira.issues().find((i) => i.key === key);
    assert.ok(issue, `${key} is in the Jira stand-in`);
    assert.match(await jira.innerText(), new RegExp(`${issue.comments.length} comments?`));
    // The approval message links both records too, its emoji shown as an emoji.
    const recorded = approval.filter({ hasText: 'Recorded in' }).filter({ hasText: number }).filter({ hasText: key });
    await recorded.waitFor({ timeout: 10_000 });
    assert.doesNotMatch(await recorded.innerText(), /:[a-z_]+:/);

    await grants.revoke(workflowId, { bySlackUserId: ada.slackUserId }, 'sandbox-page-test-audit-cleanup');
    await serviceNow.locator('.status-chip', { hasText: /^revoked$/ }).waitFor({ timeout: 20_000 });
    await jira.locator('.status-chip', { hasText: /^done$/ }).waitFor({ timeout: 20_000 });
    assert.equal(sandbox.jumpcloud.isMember(group.id, ada.jumpcloudUserId), false);
  },
);

test(
  'a group with step-up: the Approve click asks the approver to sign in, and only the sign-in grants the access',
  { timeout: 120_000 },
  async () => {
    // Ada asks for prod-secrets-admin, which no other test does; Margaret approves it after signing in again.
    const ada = demoPerson('ada');
    const margaret = demoPerson('margaret');
    const group = DEMO_GROUPS.prodSecretsAdmin;
    const workflowId = grantWorkflowId(ada.jumpcloudUserId, group.id);

    await driver.actAs(ada.slackUserId);
    await driver.type('/jit');
    await driver.fillRequestForm({
      groupName: group.name,
      duration: '1m',
      justification: 'Rotating the vault root for INC-77',
    });
    await driver.submitModal();
    await driver.actAs(margaret.slackUserId);
    await driver.openConversation(SANDBOX_CHANNELS.approvals.id);
    await driver.approve(driver.message(`@${ada.realName} requests ${group.name}`));

    const signIn = driver.page.getByRole('link', { name: 'Sign in to approve' });
    await signIn.waitFor({ timeout: 20_000 });
    await driver.screenshot('21-step-up-link');
    assert.doesNotMatch(await driver.message('need a fresh sign-in').innerText(), /:[a-z_]+:/, 'its emoji shown');
    const state = await createGrantService(sandbox.client, TASK_QUEUE).state(workflowId);
    assert.deepEqual([state.status, state.approvals], ['PENDING_APPROVAL', []], 'the click alone approved nothing');

    const [idpPage] = await Promise.all([context.waitForEvent('page'), signIn.click()]);
    const email = idpPage.getByLabel('Email');
    await email.waitFor({ timeout: 20_000 });
    assert.equal(await email.inputValue(), margaret.email, 'the provider is told who is expected');
    await idpPage.getByLabel('Password').fill(SANDBOX_SECRETS.signInPassword);
    await driver.screenshot('22-step-up-sign-in', idpPage);
    await idpPage.getByRole('button', { name: 'Sign in' }).click();
    await idpPage.getByText('your approval was recorded').waitFor({ timeout: 20_000 });
    await driver.screenshot('23-step-up-recorded', idpPage);
    await idpPage.close();

    await driver.membership(group.id, ada.jumpcloudUserId).waitFor({ timeout: 20_000 });
    const granted = await createGrantService(sandbox.client, TASK_QUEUE).state(workflowId);
    assert.equal(granted.approvals[0]?.bySlackUserId, margaret.slackUserId);
    assert.equal(granted.approvals[0]?.stepUp?.email, margaret.email);
    assert.equal(granted.approvals[0]?.stepUp?.issuer, sandbox.identityProviderUrl);
    await createGrantService(sandbox.client, TASK_QUEUE).revoke(
      workflowId,
      { bySlackUserId: ada.slackUserId },
      'sandbox-page-test-step-up-cleanup',
    );
  },
);

test(
  'a membership added by hand from the page, as an admin, is alerted in #jit-security within seconds, naming the admin, and an approver removes it with Remove now',
  { timeout: 120_000 },
  async () => {
    const gus = demoPerson('gus');
    const group = DEMO_GROUPS.billingAdmin;
    assert.equal(sandbox.jumpcloud.isMember(group.id, gus.jumpcloudUserId), false, 'Gus starts without the group');
    await driver.actAs(gus.slackUserId);
    await driver.page.locator(`.group-card[data-group-id="${group.id}"] button.by-hand`).click();
    await driver.membership(group.id, gus.jumpcloudUserId).waitFor({ timeout: 20_000 });

    await driver.openConversation(SANDBOX_CHANNELS.security.id);
    const alert = driver.message(`${gus.email} is in billing-admin with no grant`);
    await alert.waitFor({ timeout: 30_000 });
    assert.match(await alert.innerText(), /Added by it-admin@example\.com in the admin console from 198\.51\.100\.20/);
    await driver.screenshot('24-drift-named');

    // Margaret, an approver of billing-admin, removes it from the alert.
    await driver.actAs(demoPerson('margaret').slackUserId);
    await driver.openConversation(SANDBOX_CHANNELS.security.id);
    await driver.removeDriftNow(alert, '25-drift-remove-now');
    await driver.membership(group.id, gus.jumpcloudUserId).waitFor({ state: 'detached', timeout: 20_000 });
    await driver.message(`removed them (Remove now)`).waitFor({ timeout: 20_000 });
    assert.equal(sandbox.jumpcloud.isMember(group.id, gus.jumpcloudUserId), false);
  },
);
