import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { bulletList, doc, heading, labelled, paragraph, text } from '../../integrations/jira/adf';
import { JiraClient, type JiraClientOptions } from '../../integrations/jira/jira-client';
import { JiraError, jiraHttpError } from '../../integrations/jira/jira-error';
import { type JiraStandIn, type JiraStandInOptions, startJiraStandIn } from '../../stand-ins/jira/jira-stand-in';

const EMAIL = 'audit-bot@example.com';
const API_TOKEN = 'ATATT3xFfGF0-secret-token-value';

async function startJira(t: TestContext, options: Partial<JiraStandInOptions> = {}): Promise<JiraStandIn> {
  const jira = await startJiraStandIn({
    email: EMAIL,
    apiToken: API_TOKEN,
    projects: [
      { key: 'SEC', issueTypes: ['Task'] },
      { key: 'OPS', issueTypes: ['Task'] },
    ],
    ...options,
  });
  t.after(() => jira.close());
  return jira;
}

function clientFor(jira: JiraStandIn, options: Partial<JiraClientOptions> = {}): JiraClient {
  return new JiraClient({
    baseUrl: `${jira.baseUrl}/`,
    email: EMAIL,
    apiToken: API_TOKEN,
    projectKey: 'SEC',
    issueType: 'Task',
    ...options,
  });
}

const grantRecord = doc(
  heading(2, 'Access granted'),
  labelled('Requester', 'bob@example.com'),
  labelled('Justification', 'Incident INC-7:\nneed to read prod logs'),
  paragraph('Workflow ', text('jit-grant-bob-eng-prod', 'code')),
  bulletList(['Approved by alice@example.com', 'Approved by carol@example.com']),
);

async function rejection(promise: Promise<unknown>): Promise<JiraError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof JiraError, `expected a JiraError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('ADF builders', () => {
  test('text turns line breaks into hardBreak nodes and drops empty pieces, since ADF refuses empty text', () => {
    assert.deepEqual(text('one\r\ntwo\n\nthree'), [
      { type: 'text', text: 'one' },
      { type: 'hardBreak' },
      { type: 'text', text: 'two' },
      { type: 'hardBreak' },
      { type: 'hardBreak' },
      { type: 'text', text: 'three' },
    ]);
    assert.deepEqual(text(''), []);
    assert.deepEqual(text('x', 'code'), [{ type: 'text', text: 'x', marks: [{ type: 'code' }] }]);
  });

  test('labelled puts the label in bold before the value, and an empty value leaves just the label', () => {
    assert.deepEqual(labelled('Approved by', 'alice'), {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Approved by: ', marks: [{ type: 'strong' }] },
        { type: 'text', text: 'alice' },
      ],
    });
    assert.deepEqual(labelled('Note', '').content, [{ type: 'text', text: 'Note: ', marks: [{ type: 'strong' }] }]);
  });

  test('doc is version 1, and leaves out empty bullet lists', () => {
    assert.deepEqual(doc(paragraph('a'), bulletList([])), {
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a' }] }],
    });
    assert.deepEqual(bulletList(['x']).content, [
      { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x' }] }] },
    ]);
  });

  test('documents built from every builder, empty strings included, are accepted by the Jira stand-in', async (t) => {
    const jira = await startJira(t);
    const client = clientFor(jira);
    const edgy = doc(heading(1, ''), paragraph(''), labelled('Empty', ''), paragraph('\n'), bulletList(['', 'x']));
    await client.createIssue({ summary: 'rich', description: grantRecord, labels: [] });
    await client.createIssue({ summary: 'edgy', description: edgy, labels: [] });
    await client.addComment('SEC-1', edgy);
    assert.deepEqual(
      jira.issues().map((issue) => issue.fields.description),
      [grantRecord, edgy],
    );
  });
});

describe('JiraClient against the Jira stand-in', () => {
  test('createIssue sends project, issue type, summary, ADF description and labels, and returns id and key', async (t) => {
    const jira = await startJira(t);
    const client = clientFor(jira);
    const created = await client.createIssue({
      summary: 'JumpCloud access granted: bob → eng-prod',
      description: grantRecord,
      labels: ['jit-access', 'jit-grant-bob-eng-prod'],
    });
    assert.deepEqual(created, { id: '10000', key: 'SEC-1' });
    assert.deepEqual(jira.issues()[0]?.fields, {
      project: 'SEC',
      issuetype: 'Task',
      summary: 'JumpCloud access granted: bob → eng-prod',
      description: grantRecord,
      labels: ['jit-access', 'jit-grant-bob-eng-prod'],
    });
    assert.equal(client.issueUrl('SEC-1'), `${jira.baseUrl}/browse/SEC-1`, 'the trailing slash of the base is dropped');
  });

  test('addComment adds the ADF body to the issue', async (t) => {
    const jira = await startJira(t);
    const client = clientFor(jira);
    const { key } = await client.createIssue({ summary: 's', description: doc(paragraph('d')), labels: [] });
    const body = doc(labelled('Access ended', 'at expiry'));
    await client.addComment(key, body);
    assert.deepEqual(
      jira.issues()[0]?.comments.map((c) => c.body),
      [body],
    );
  });

  test('transition picks by transition name or target status name, without regard to case', async (t) => {
    const jira = await startJira(t, {
      workflow: [
        { id: '41', name: 'Close issue', to: 'Closed' },
        { id: '51', name: 'Reopen', to: 'Open' },
      ],
    });
    const client = clientFor(jira);
    const { key } = await client.createIssue({ summary: 's', description: doc(), labels: [] });
    await client.transition(key, 'close ISSUE');
    await client.transition(key, 'open');
    await client.transition(key, 'CLOSED');
    assert.deepEqual(
      jira.issues()[0]?.transitions.map((tr) => [tr.id, tr.to]),
      [
        ['41', 'Closed'],
        ['51', 'Open'],
        ['41', 'Closed'],
      ],
    );
  });

  test('transition to the status the issue is already in succeeds without applying anything, so a retry is safe', async (t) => {
    const jira = await startJira(t);
    const client = clientFor(jira);
    const { key } = await client.createIssue({ summary: 's', description: doc(), labels: [] });
    await client.transition(key, 'Done');
    await client.transition(key, 'done');
    assert.equal(jira.issues()[0]?.transitions.length, 1);
    assert.equal(jira.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/transitions')).length, 1);
  });

  test('an unknown transition name is a non-retryable JiraError naming the available ones and JIRA_DONE_TRANSITION', async (t) => {
    const jira = await startJira(t);
    const client = clientFor(jira);
    const { key } = await client.createIssue({ summary: 's', description: doc(), labels: [] });
    const error = await rejection(client.transition(key, 'Resolved'));
    assert.equal(error.retryable, false);
    assert.equal(error.status, undefined);
    assert.match(error.message, /"Resolved"/);
    assert.match(error.message, /"In Progress" \(to In Progress\), "Done" \(to Done\)/);
    assert.match(error.message, /JIRA_DONE_TRANSITION/);
    assert.equal(jira.issues()[0]?.status, 'To Do');
  });

  test('findIssueByLabel finds the issue in the configured project only, and escapes the label in JQL', async (t) => {
    const jira = await startJira(t);
    const sec = clientFor(jira);
    const ops = clientFor(jira, { projectKey: 'OPS' });
    const odd = 'grant-"quoted"\\slash';
    const opsIssue = await ops.createIssue({ summary: 's', description: doc(), labels: ['grant-1', odd] });
    assert.equal(await sec.findIssueByLabel('grant-1'), undefined);
    const secIssue = await sec.createIssue({ summary: 's', description: doc(), labels: ['grant-1'] });
    assert.deepEqual(await sec.findIssueByLabel('grant-1'), secIssue);
    assert.deepEqual(await ops.findIssueByLabel(odd), opsIssue);
    const search = jira.calls.find((c) => c.path === '/rest/api/3/search/jql');
    assert.deepEqual(search?.query, { jql: 'project = "SEC" AND labels = "grant-1"', fields: 'key', maxResults: '1' });
  });
});

describe('JiraClient errors', () => {
  test('a refused token is a non-retryable 401 whose message quotes Jira and names the credential variables', async (t) => {
    const jira = await startJira(t);
    const error = await rejection(
      clientFor(jira, { apiToken: 'wrong-token' }).createIssue({ summary: 's', description: doc(), labels: [] }),
    );
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.match(error.message, /^Jira POST \/rest\/api\/3\/issue answered 401: Client must be authenticated/);
    assert.match(error.message, /JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN/);
    assert.ok(!error.message.includes('wrong-token'));
  });

  test('a 400 names the refused fields from the ErrorCollection and points at JIRA_PROJECT_KEY and JIRA_ISSUE_TYPE', async (t) => {
    const jira = await startJira(t);
    const error = await rejection(
      clientFor(jira, { projectKey: 'NOPE' }).createIssue({ summary: 's', description: doc(), labels: [] }),
    );
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.match(error.message, /answered 400: project: Specify a valid project ID or key \(/);
    assert.match(error.message, /JIRA_PROJECT_KEY/);
    assert.match(error.message, /JIRA_ISSUE_TYPE/);
  });

  test('a comment on a missing issue is a non-retryable 404 quoting Jira', async (t) => {
    const jira = await startJira(t);
    const error = await rejection(clientFor(jira).addComment('SEC-404', doc(paragraph('x'))));
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.match(error.message, /Issue does not exist or you do not have permission to see it\.$/);
  });

  test('429 is retryable and carries Retry-After in milliseconds; 503 is retryable', async (t) => {
    const jira = await startJira(t);
    const client = clientFor(jira);
    jira.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 7, times: 1 });
    const limited = await rejection(client.findIssueByLabel('x'));
    assert.deepEqual([limited.status, limited.retryable, limited.retryAfterMs], [429, true, 7000]);
    jira.faults.add({ kind: 'status', status: 503, times: 1 });
    const unavailable = await rejection(client.addComment('SEC-1', doc()));
    assert.deepEqual([unavailable.status, unavailable.retryable], [503, true]);
    assert.match(unavailable.message, /answered 503: Service Unavailable$/);
  });

  test('a dropped connection and a timeout are retryable with no status', async (t) => {
    const jira = await startJira(t);
    jira.faults.add({ kind: 'drop', times: 1 });
    const dropped = await rejection(clientFor(jira).createIssue({ summary: 's', description: doc(), labels: [] }));
    assert.deepEqual([dropped.status, dropped.retryable], [undefined, true]);
    assert.match(dropped.message, /^Jira POST \/rest\/api\/3\/issue failed: /);

    jira.faults.add({ kind: 'latency', delayMs: 5_000, times: 1 });
    const slow = await rejection(clientFor(jira, { timeoutMs: 50 }).findIssueByLabel('x'));
    assert.deepEqual([slow.status, slow.retryable], [undefined, true]);
  });

  test('an answer of the wrong shape is a non-retryable error naming the call', async (t) => {
    const jira = await startJira(t);
    jira.faults.add({ kind: 'status', status: 201, body: { nope: true }, times: 1 });
    const error = await rejection(clientFor(jira).createIssue({ summary: 's', description: doc(), labels: [] }));
    assert.deepEqual([error.status, error.retryable], [201, false]);
    assert.match(error.message, /^Jira POST \/rest\/api\/3\/issue answered 201 with an unexpected body/);
  });

  test('the API token never appears in a message, even when an answer echoes the credentials back', async (t) => {
    const jira = await startJira(t);
    const credentials = Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64');
    jira.faults.add({
      kind: 'status',
      status: 502,
      body: `proxy error; request had Authorization: Basic ${credentials} (token ${API_TOKEN})`,
      times: 1,
    });
    const error = await rejection(clientFor(jira).createIssue({ summary: 's', description: doc(), labels: [] }));
    assert.equal(error.retryable, true);
    assert.match(error.message, /Authorization: Basic \[redacted\] \(token \[redacted\]\)/);
    assert.ok(!error.message.includes(API_TOKEN));
    assert.ok(!error.message.includes(credentials));
  });
});

describe('jiraHttpError', () => {
  const httpError = (status: number, body = '', retryAfter: string | null = null) =>
    jiraHttpError('POST', '/rest/api/3/issue', status, body, retryAfter);

  test('408, 409, 425, 429 and every 5xx are retryable; 400, 401, 403 and 404 are not', () => {
    for (const status of [408, 409, 425, 429, 500, 501, 502, 503, 504]) assert.equal(httpError(status).retryable, true);
    for (const status of [400, 401, 403, 404, 415, 422]) assert.equal(httpError(status).retryable, false);
  });

  test('error messages and field errors of an ErrorCollection are joined; other bodies are quoted, at most 200 characters', () => {
    const body = JSON.stringify({ errorMessages: ['Field priority is required'], errors: { summary: 'too long' } });
    assert.equal(
      httpError(422, body).message,
      'Jira POST /rest/api/3/issue answered 422: Field priority is required; summary: too long',
    );
    assert.equal(httpError(500, '').message, 'Jira POST /rest/api/3/issue answered 500');
    assert.equal(
      httpError(502, 'x'.repeat(300)).message.length,
      'Jira POST /rest/api/3/issue answered 502: '.length + 200,
    );
  });

  test('403 points at the permissions of JIRA_EMAIL in JIRA_PROJECT_KEY; 404 and 5xx carry no hint', () => {
    assert.match(httpError(403).message, /JIRA_EMAIL.*JIRA_PROJECT_KEY/);
    for (const status of [404, 503]) assert.ok(!httpError(status).message.includes('('), String(status));
  });
});
