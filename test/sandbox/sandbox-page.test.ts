import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { DEMO_GROUPS, DEMO_PEOPLE, SANDBOX_CHANNELS } from '../../sandbox/demo-world';
import { startSandbox } from '../../sandbox/sandbox-system';
import { type GrantState } from '../../workflows/grant-types';
import { grantWorkflowId } from '../../workflows/grant-workflow-id';
import { launchChromium, SandboxPageDriver } from '../../sandbox/page-driver';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'sandbox-page');

function demoPerson(name: string) {
  const found = DEMO_PEOPLE.find((p) => p.name === name);
  assert.ok(found?.jumpcloudUserId, `demo person ${name}`);
  return { ...found, jumpcloudUserId: found.jumpcloudUserId };
}

test(
  'the sandbox page: request with /jit, approve, watch the membership come and go, find the grant in the Temporal Web UI',
  { timeout: 240_000 },
  async (t) => {
    const temporalCliPath = process.env.TEMPORAL_CLI_PATH;
    assert.ok(
      temporalCliPath,
      'TEMPORAL_CLI_PATH is not set: run the suite with `npm test` (it builds the Temporal CLI if needed)',
    );

    // Its own dev server with the Web UI on (the suite's shared one is headless), on random ports, in a temporary folder.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'jit-sandbox-page-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const sandbox = await startSandbox({
      temporalCliPath,
      dataDir,
      policyOverrides: { durations: ['5s', '1m', '5m'] },
    });
    t.after(() => sandbox.stop());

    const browser = await launchChromium();
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const driver = new SandboxPageDriver(await context.newPage(), ARTIFACTS);
    const ada = demoPerson('ada');
    const margaret = demoPerson('margaret');
    const group = DEMO_GROUPS.prodDbReadonly;
    const workflowId = grantWorkflowId(ada.jumpcloudUserId, group.id);
    // Escaped by the gateway, so it must show up as text: no @channel ping, no HTML.
    const justification = 'Investigating INC-42: slow queries <!channel> & <b>not bold</b>';

    await driver.open(sandbox.pageUrl);
    await driver.actAs(ada.slackUserId);
    await driver.page.locator('#who-roles', { hasText: 'requester' }).waitFor();
    await driver.screenshot('01-requester-picked');

    await driver.type('/jit');
    await driver.modal.getByLabel('Group').waitFor();
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
    await driver.screenshot('08-membership-expired');
    assert.equal(sandbox.jumpcloud.isMember(group.id, ada.jumpcloudUserId), false);
    const result = (await sandbox.client.workflow.getHandle(workflowId).result()) as GrantState;
    assert.equal(result.status, 'EXPIRED');
    assert.equal(result.decidedBy, margaret.slackUserId);

    // The buttons carry the run, so the link opens exactly this grant's run.
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
  },
);
