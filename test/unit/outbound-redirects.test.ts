/**
 * No credential ever follows a redirect. fetch follows 3xx by default and carries the request's headers along, so a
 * service (or whoever sits in front of it) answering a redirect would receive the API key, basic-auth header, bot
 * token or signed event at another address. Each client family meets a stand-in answering a redirect to a second
 * loopback server, the trap, and must fail with its own typed, non-retryable error while the trap sees nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebhookClient, WebhookError } from '../../integrations/audit/webhook-client';
import { doc, paragraph } from '../../integrations/jira/adf';
import { JiraClient } from '../../integrations/jira/jira-client';
import { JiraError } from '../../integrations/jira/jira-error';
import { JumpCloudClient } from '../../integrations/jumpcloud/jumpcloud-client';
import { JumpCloudError } from '../../integrations/jumpcloud/jumpcloud-error';
import { ServiceNowClient } from '../../integrations/servicenow/servicenow-client';
import { ServiceNowError } from '../../integrations/servicenow/servicenow-error';
import { createSlackClient } from '../../integrations/slack/slack-client';
import { createResponseUrlSender, ResponseUrlError } from '../../gateway/slack/response-url';
import { startJiraStandIn } from '../../stand-ins/jira/jira-stand-in';
import { startJumpCloudStandIn } from '../../stand-ins/jumpcloud/jumpcloud-stand-in';
import { startServiceNowStandIn } from '../../stand-ins/servicenow/servicenow-stand-in';
import { startSlackStandIn } from '../../stand-ins/slack/slack-stand-in';
import { startWebhookReceiver } from '../../stand-ins/webhook/webhook-receiver';

/** The redirect's target: records every request it gets, and answers 200 as the real service would. */
async function startTrap(t: TestContext): Promise<{ url: string; requests: IncomingHttpHeaders[] }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/elsewhere`, requests };
}

/** Awaits the rejection, checks its class and that it is a permanent failure of a redirect, and returns it. */
async function redirectFailure<E extends Error>(
  call: Promise<unknown>,
  ErrorClass: new (...args: never[]) => E,
  status: number,
): Promise<E> {
  const error = await call.then(
    () => assert.fail(`expected a ${ErrorClass.name}`),
    (err: unknown) => err,
  );
  assert.ok(error instanceof ErrorClass, `expected a ${ErrorClass.name}, got ${String(error)}`);
  assert.equal((error as unknown as { status?: number }).status, status);
  return error;
}

test('the JumpCloud client follows no redirect: a 302 is a permanent JumpCloudError and the API key never reaches the target', async (t) => {
  const trap = await startTrap(t);
  const apiKey = 'jc-redirect-test-key';
  const jumpcloud = await startJumpCloudStandIn({ apiKey });
  t.after(() => jumpcloud.close());
  jumpcloud.faults.add({ kind: 'status', status: 302, location: trap.url });
  const client = new JumpCloudClient({ baseUrl: jumpcloud.baseUrl, apiKey, timeoutMs: 2000 });

  const read = await redirectFailure(client.findUserByEmail('ada@example.com'), JumpCloudError, 302);
  assert.equal(read.retryable, false);
  assert.match(read.message, /answered 302 \(a redirect, not followed .*JUMPCLOUD_API_URL/);
  const write = await redirectFailure(client.addMember('64f0c0ffee0000000000a001', 'u1'), JumpCloudError, 302);
  assert.equal(write.retryable, false);
  assert.deepEqual(trap.requests, []);
});

test('the ServiceNow and Jira clients follow no redirect: a 307 is a permanent error and the basic-auth header never reaches the target', async (t) => {
  const trap = await startTrap(t);
  const serviceNow = await startServiceNowStandIn({ username: 'jit', password: 'sn-password' });
  t.after(() => serviceNow.close());
  serviceNow.faults.add({ kind: 'status', status: 307, location: trap.url });
  const records = new ServiceNowClient({
    instanceUrl: serviceNow.baseUrl,
    table: 'u_jit_access_grant',
    auth: { kind: 'basic', username: 'jit', password: 'sn-password' },
    timeoutMs: 2000,
  });
  const refused = await redirectFailure(records.createRecord({ u_state: 'ACTIVE' }), ServiceNowError, 307);
  assert.equal(refused.retryable, false);
  assert.match(refused.message, /SERVICENOW_INSTANCE_URL/);

  const jira = await startJiraStandIn({
    email: 'audit@example.com',
    apiToken: 'jira-token',
    projects: [{ key: 'SEC', issueTypes: ['Task'] }],
  });
  t.after(() => jira.close());
  jira.faults.add({ kind: 'status', status: 307, location: trap.url });
  const issues = new JiraClient({
    baseUrl: jira.baseUrl,
    email: 'audit@example.com',
    apiToken: 'jira-token',
    projectKey: 'SEC',
    issueType: 'Task',
    timeoutMs: 2000,
  });
  const summary = { summary: 'grant', description: doc(paragraph('grant')), labels: ['jit'] };
  const jiraRefused = await redirectFailure(issues.createIssue(summary), JiraError, 307);
  assert.equal(jiraRefused.retryable, false);
  assert.match(jiraRefused.message, /JIRA_BASE_URL/);
  assert.deepEqual(trap.requests, []);
});

test('the audit webhook follows no redirect: a 308 is a permanent WebhookError and the signed event never reaches the target', async (t) => {
  const trap = await startTrap(t);
  const secret = 'webhook-secret-0123456789';
  const receiver = await startWebhookReceiver({ secret });
  t.after(() => receiver.close());
  receiver.faults.add({ kind: 'status', status: 308, location: trap.url });
  const webhook = new WebhookClient({ url: receiver.url, secret, timeoutMs: 2000 });

  const refused = await redirectFailure(webhook.send('event-1', { type: 'granted' }), WebhookError, 308);
  assert.equal(refused.retryable, false);
  assert.match(refused.message, /AUDIT_WEBHOOK_URL/);
  assert.deepEqual(trap.requests, []);
});

test("the gateway's response_url sender and the Slack Web API client follow no redirect, so neither message nor bot token reaches the target", async (t) => {
  const trap = await startTrap(t);
  const botToken = 'xoxb-redirect-test';
  const slack = await startSlackStandIn({ botToken });
  t.after(() => slack.close());
  slack.faults.add({ kind: 'status', status: 302, location: trap.url, match: { method: 'response_url' } });
  const respond = createResponseUrlSender({ timeoutMs: 2000 });
  const responseUrl = slack.mintResponseUrl({ channel: 'C0GENERAL', userId: 'U0ASKER' });
  await redirectFailure(respond(responseUrl, { text: 'hello' }), ResponseUrlError, 302);

  // The WebClient fetches with redirect 'error' itself (@slack/web-api); this keeps it that way across upgrades.
  slack.faults.add({ kind: 'status', status: 302, location: trap.url, match: { method: 'chat.postMessage' } });
  const client = createSlackClient({ token: botToken, apiUrl: slack.apiUrl, timeoutMs: 2000 });
  await assert.rejects(client.chat.postMessage({ channel: 'C0GENERAL', text: 'hello' }));
  assert.deepEqual(trap.requests, []);
});
