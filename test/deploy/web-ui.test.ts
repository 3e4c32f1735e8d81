/**
 * The Temporal Web UI as an auditor uses it: a known set of grants on the suite's dev server (its UI on), the audit
 * queries of docs/audit-trail.md run as written there, and the UI's grant list and grant page read in Chromium.
 * Screenshots of both go to test-artifacts/ (copied to docs/ by hand when the UI changes).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { launchChromium } from '../../sandbox/page-driver';
import { eventually } from '../support/eventually';
import { createGrantHarness } from '../support/grant-harness';
import { closeTestTemporal, firstRunIdOf, testTemporalUiUrl, uniqueName } from '../support/temporal';
import { activeGrantsTaskQueue } from '../../workflows/task-queues';

after(() => closeTestTemporal());

const root = join(__dirname, '..', '..');
const artifacts = join(root, 'test-artifacts');

/** The rows between the audit-queries markers of docs/audit-trail.md: question → query. */
function documentedQueries(): Map<string, string> {
  const doc = readFileSync(join(root, 'docs', 'audit-trail.md'), 'utf8');
  const section = /<!-- audit-queries:start -->([\s\S]*?)<!-- audit-queries:end -->/.exec(doc)?.[1] ?? '';
  const rows = [...section.matchAll(/^\|\s*([^|]+?)\s*\|\s*`([^`]+)`\s*\|$/gm)];
  return new Map(rows.map(([, question, query]) => [question as string, query as string]));
}

test('the documented audit queries find exactly the grants they describe, and the Web UI shows them readably', async (t) => {
  const h = await createGrantHarness(t);
  // This test's grants: a handed-off grant runs on the active grants' queue beside the one it began on.
  const thisTestsQueues = `TaskQueue IN ("${h.taskQueue}", "${activeGrantsTaskQueue(h.taskQueue)}")`;
  const long = { durationSeconds: 600 };
  const approved = await h.grants.start(h.grantInput(long));
  const rejected = await h.grants.start(h.grantInput({ group: h.otherGroup }));
  const breakGlass = await h.grants.start(
    h.grantInput({
      ...long,
      requester: {
        slackUserId: h.outsider.slackUserId,
        email: h.outsider.email,
        jumpcloudUserId: h.outsider.jumpcloudUserId,
      },
      breakGlass: { alertChannel: 'C0INCIDENTS', reviewWithinSeconds: 3600 },
    }),
  );
  await h.waitForStatus(approved.workflowId, 'PENDING_APPROVAL');
  await h.grants.decide(
    approved.workflowId,
    { decision: 'approve', deciderSlackUserId: h.approver.slackUserId },
    uniqueName('u'),
  );
  await h.grants.decide(
    rejected.workflowId,
    { decision: 'reject', deciderSlackUserId: h.approver.slackUserId, reason: 'not now' },
    uniqueName('u'),
  );
  await h.waitForStatus(approved.workflowId, 'ACTIVE');
  await h.waitForStatus(breakGlass.workflowId, 'ACTIVE');
  await h.waitForStatus(rejected.workflowId, 'REJECTED');
  // Terminated, not revoked: hooks run after the harness has stopped its worker, and the stand-ins go with the test.
  t.after(async () => {
    for (const { workflowId } of [approved, breakGlass]) {
      await h.client.workflow.getHandle(workflowId).terminate('test over');
    }
  });

  // The documentation's example values stand for this test's people; the task queue keeps other tests' grants out.
  const examples: Record<string, string> = { 'ada@example.com': h.requester.email, U0KEN: h.approver.slackUserId };
  const expected: Record<string, string[]> = {
    'Everything one person asked for': [approved.workflowId, rejected.workflowId],
    'Every grant of one group, by its name': [approved.workflowId, breakGlass.workflowId],
    'Every break-glass grant': [breakGlass.workflowId],
    'Who holds elevated access right now': [approved.workflowId, breakGlass.workflowId],
    'Everything one approver decided': [approved.workflowId, rejected.workflowId],
    'Requests that were refused': [rejected.workflowId],
  };
  const queries = documentedQueries();
  assert.ok(queries.size >= 6, `the audit queries section lists ${queries.size} queries`);
  for (const [question, documented] of queries) {
    const want = expected[question];
    assert.ok(want, `no expectation in this test for the documented query "${question}"`);
    const query = `(${documented.replace(/ada@example\.com|U0KEN/g, (v) => examples[v] ?? v)}) AND ${thisTestsQueues}`;
    await eventually(`"${question}" (${query}) to list ${want.length} grants`, async () => {
      const found: string[] = [];
      for await (const execution of h.client.workflow.list({ query })) found.push(execution.workflowId);
      return found.sort().join() === [...want].sort().join() ? found : undefined;
    });
  }

  const ui = testTemporalUiUrl();
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1500, height: 520 } });
  // The list's columns, as an auditor would pick them with the table's settings (the UI keeps them in localStorage).
  const columns = [
    'Status',
    'JitStatus',
    'JitRequesterEmail',
    'JitGroupName',
    'JitExpiresAt',
    'JitBreakGlass',
    'Start',
  ];
  await page.addInitScript((labels) => {
    const value = JSON.stringify({ default: labels.map((label) => ({ label })) });
    (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem(
      'namespace-workflow-table-columns',
      value,
    );
  }, columns);
  // Each grant once: an active grant's first execution has continued as new (docs/audit-trail.md).
  const listQuery = `${thisTestsQueues} AND ExecutionStatus != "ContinuedAsNew"`;
  await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent(listQuery)}`);
  const rows = page.locator('table tbody tr');
  await rows.filter({ hasText: 'billing-admin' }).first().waitFor({ timeout: 30_000 });
  const listed = await rows.allInnerTexts();
  assert.equal(listed.length, 3, listed.join('\n'));
  const row = (text: string) => listed.find((r) => r.includes(text)) ?? '';
  assert.match(row('billing-admin'), new RegExp(`REJECTED[\\s\\S]*${h.requester.email}`));
  assert.match(row(h.outsider.email), /ACTIVE[\s\S]*prod-db-readonly[\s\S]*true/);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'web-ui-grants.png') });

  // What the grant's page shows: its summary and details (set at start, on its first execution) and current details
  // (kept by the workflow, on the execution that holds the grant now).
  const handle = h.client.workflow.getHandle(approved.workflowId);
  const firstRunId = await firstRunIdOf(h.client, approved.workflowId);
  const description = await h.client.workflow.getHandle(approved.workflowId, firstRunId).describe();
  const summary = `${h.requester.email} → prod-db-readonly, 10m: Investigating incident INC-42`;
  assert.equal(await description.staticSummary(), summary);
  assert.match(
    (await description.staticDetails()) ?? '',
    new RegExp(`### Access request[\\s\\S]*\\| Approvers \\| ${h.approver.slackUserId}`),
  );
  const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  assert.match(
    metadata.currentDetails,
    new RegExp(`\\| Status \\| ACTIVE \\|[\\s\\S]*\\| Approved by \\| ${h.approver.slackUserId} at`),
  );

  // The page itself: the membership activities are named in it. (The UI loads summary and details in the same
  // panel, but not reliably on the first load, so their text is checked through the API above.)
  await page.setViewportSize({ width: 1500, height: 900 });
  await page.goto(`${ui}/namespaces/default/workflows/${approved.workflowId}/${description.runId}/user-metadata`);
  await eventually('the grant page to name its membership activities', async () => {
    const text = await page.locator('body').innerText();
    return text.includes(`add ${h.requester.email} (${h.requester.jumpcloudUserId}) to prod-db-readonly`)
      ? true
      : undefined;
  });
  await page.screenshot({ path: join(artifacts, 'web-ui-grant-details.png') });
});
