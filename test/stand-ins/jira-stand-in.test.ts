import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { type JiraStandIn, type JiraStandInOptions, startJiraStandIn } from '../../stand-ins/jira/jira-stand-in';

const EMAIL = 'audit-bot@example.com';
const API_TOKEN = 'jira-test-token';

async function startJira(t: TestContext, options: Partial<JiraStandInOptions> = {}): Promise<JiraStandIn> {
  const jira = await startJiraStandIn({
    email: EMAIL,
    apiToken: API_TOKEN,
    projects: [
      { key: 'SEC', issueTypes: ['Task', 'Bug'] },
      { key: 'OPS', issueTypes: ['Task'] },
    ],
    ...options,
  });
  t.after(() => jira.close());
  return jira;
}

const BASIC = `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64')}`;

function api(
  jira: JiraStandIn,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return fetch(`${jira.baseUrl}/rest/api/3${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: BASIC, accept: 'application/json', 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
}

const para = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const adf = (...content: unknown[]) => ({ type: 'doc', version: 1, content });

function issueFields(overrides: Record<string, unknown> = {}) {
  return {
    project: { key: 'SEC' },
    issuetype: { name: 'Task' },
    summary: 'JumpCloud access granted: bob → eng-prod',
    description: adf(para('Approved by alice via Slack.')),
    labels: ['jit-access', 'grant-42'],
    ...overrides,
  };
}

async function createIssue(jira: JiraStandIn, overrides: Record<string, unknown> = {}) {
  const response = await api(jira, '/issue', { method: 'POST', body: { fields: issueFields(overrides) } });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string; key: string; self: string };
}

test('creating an issue answers 201 with id, key and self, and keys count up per project', async (t) => {
  const jira = await startJira(t);
  const first = await createIssue(jira);
  assert.deepEqual(first, { id: '10000', key: 'SEC-1', self: `${jira.baseUrl}/rest/api/3/issue/10000` });
  assert.equal((await createIssue(jira)).key, 'SEC-2');
  assert.equal((await createIssue(jira, { project: { key: 'OPS' } })).key, 'OPS-1');
  const byIds = await createIssue(jira, { project: { id: '10000' }, issuetype: { id: '10002' } });
  assert.equal(byIds.key, 'SEC-3');

  const [stored] = jira.issues();
  assert.deepEqual(stored?.fields, {
    project: 'SEC',
    issuetype: 'Task',
    summary: 'JumpCloud access granted: bob → eng-prod',
    description: adf(para('Approved by alice via Slack.')),
    labels: ['jit-access', 'grant-42'],
  });
  assert.equal(stored?.status, 'To Do');
  assert.equal(jira.issues()[3]?.fields.issuetype, 'Bug', 'issue type 10002 is the second one declared');
});

test('GET issue answers the fields with status.name, narrows them with fields=, and matches keys without case', async (t) => {
  const jira = await startJira(t);
  const { id, key } = await createIssue(jira);
  const response = await api(jira, `/issue/${key}`);
  assert.equal(response.status, 200);
  const issue = (await response.json()) as { id: string; key: string; fields: Record<string, unknown> };
  assert.equal(issue.id, id);
  assert.deepEqual(issue.fields.status, { id: '10000', name: 'To Do' });
  assert.deepEqual(issue.fields.project, { id: '10000', key: 'SEC' });
  assert.deepEqual(issue.fields.labels, ['jit-access', 'grant-42']);

  const narrowed = (await (await api(jira, `/issue/sec-1?fields=status,summary`)).json()) as { fields: object };
  assert.deepEqual(Object.keys(narrowed.fields).sort(), ['status', 'summary']);
  assert.equal((await api(jira, `/issue/${id}`)).status, 200, 'by id too');
});

test('an unknown issue answers 404 with the ErrorCollection Jira sends for missing or hidden issues', async (t) => {
  const jira = await startJira(t);
  for (const [path, method, body] of [
    ['/issue/SEC-99', 'GET', undefined],
    ['/issue/SEC-99/comment', 'POST', { body: adf(para('x')) }],
    ['/issue/SEC-99/transitions', 'GET', undefined],
    ['/issue/SEC-99/transitions', 'POST', { transition: { id: '31' } }],
  ] as const) {
    const response = await api(jira, path, { method, body });
    assert.equal(response.status, 404, `${method} ${path}`);
    assert.deepEqual(await response.json(), {
      errorMessages: ['Issue does not exist or you do not have permission to see it.'],
      errors: {},
    });
  }
});

test('a description that is a plain string or not a valid ADF document is refused with 400 naming description', async (t) => {
  const jira = await startJira(t);
  const text = (value: unknown, marks?: unknown) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
  const invalid: Array<[string, unknown]> = [
    ['a plain string', 'Approved by alice'],
    ['no version', { type: 'doc', content: [] }],
    ['version 2', { type: 'doc', version: 2, content: [] }],
    ['no content', { type: 'doc', version: 1 }],
    ['text at the top level', adf(text('loose'))],
    ['an empty text node', adf({ type: 'paragraph', content: [text('')] })],
    ['a paragraph inside a paragraph', adf({ type: 'paragraph', content: [para('nested')] })],
    ['an unknown node type', adf({ type: 'table', content: [] })],
    ['an unknown mark', adf({ type: 'paragraph', content: [text('x', [{ type: 'sparkle' }])] })],
    ['code with strong', adf({ type: 'paragraph', content: [text('x', [{ type: 'code' }, { type: 'strong' }])] })],
    ['a link without href', adf({ type: 'paragraph', content: [text('x', [{ type: 'link', attrs: {} }])] })],
    ['heading level 7', adf({ type: 'heading', attrs: { level: 7 }, content: [text('x')] })],
    ['an empty bulletList', adf({ type: 'bulletList', content: [] })],
    ['a bulletList of paragraphs', adf({ type: 'bulletList', content: [para('x')] })],
    ['an unknown property', adf({ type: 'paragraph', text: 'x' })],
    ['a hardBreak with content', adf({ type: 'paragraph', content: [{ type: 'hardBreak', content: [] }] })],
  ];
  for (const [what, description] of invalid) {
    const response = await api(jira, '/issue', { method: 'POST', body: { fields: issueFields({ description }) } });
    assert.equal(response.status, 400, what);
    assert.deepEqual(
      await response.json(),
      { errorMessages: [], errors: { description: 'Operation value must be an Atlassian Document' } },
      what,
    );
  }
  assert.deepEqual(jira.issues(), []);

  const rich = adf(
    { type: 'heading', attrs: { level: 2 }, content: [text('Access granted')] },
    {
      type: 'paragraph',
      content: [
        text('Requester: ', [{ type: 'strong' }]),
        text('bob@example.com', [{ type: 'link', attrs: { href: 'mailto:bob@example.com' } }]),
        { type: 'hardBreak' },
        text('jit-grant-1', [{ type: 'code' }]),
        text(' emphasised', [{ type: 'em' }]),
      ],
    },
    { type: 'bulletList', content: [{ type: 'listItem', content: [para('one')] }] },
    { type: 'paragraph', content: [] },
  );
  await createIssue(jira, { description: rich });
  await createIssue(jira, { description: undefined });
  assert.deepEqual(
    jira.issues().map((issue) => issue.fields.description),
    [rich, undefined],
  );
});

test('missing summary, unknown project or issue type, an over-long summary, spaced labels and unknown fields each get 400 naming the field', async (t) => {
  const jira = await startJira(t);
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ summary: undefined }, ['summary']],
    [{ summary: '   ' }, ['summary']],
    [{ summary: 'x'.repeat(256) }, ['summary']],
    [{ summary: 'two\nlines' }, ['summary']],
    [{ project: { key: 'NOPE' } }, ['project']],
    [{ project: undefined }, ['project']],
    [{ project: 'SEC' }, ['project']],
    [{ issuetype: { name: 'Epic' } }, ['issuetype']],
    [{ labels: ['has space'] }, ['labels']],
    [{ labels: 'jit-access' }, ['labels']],
    [{ priority: { name: 'High' } }, ['priority']],
    [{ summary: undefined, project: { key: 'NOPE' } }, ['project', 'summary']],
  ];
  for (const [overrides, fields] of cases) {
    const response = await api(jira, '/issue', { method: 'POST', body: { fields: issueFields(overrides) } });
    assert.equal(response.status, 400, JSON.stringify(overrides));
    const body = (await response.json()) as { errorMessages: string[]; errors: Record<string, string> };
    assert.deepEqual(body.errorMessages, []);
    assert.deepEqual(Object.keys(body.errors).sort(), fields, JSON.stringify(overrides));
  }
  const long = await api(jira, '/issue', {
    method: 'POST',
    body: { fields: issueFields({ summary: 'x'.repeat(256) }) },
  });
  assert.deepEqual(await long.json(), {
    errorMessages: [],
    errors: { summary: 'Summary must be less than 255 characters.' },
  });
  assert.equal((await createIssue(jira, { summary: 'x'.repeat(255) })).key, 'SEC-1');
  assert.equal(jira.issues().length, 1);
});

test('a body that is not JSON gets 400, and a POST that is not application/json gets 415', async (t) => {
  const jira = await startJira(t);
  const notJson = await api(jira, '/issue', { method: 'POST', body: '{"fields":' });
  assert.equal(notJson.status, 400);
  assert.ok(((await notJson.json()) as { errorMessages: string[] }).errorMessages.length > 0);
  const noFields = await api(jira, '/issue', { method: 'POST', body: {} });
  assert.equal(noFields.status, 400);
  const form = await api(jira, '/issue', {
    method: 'POST',
    body: JSON.stringify({ fields: issueFields() }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 415);
  assert.deepEqual(jira.issues(), []);
});

test('requests without the right Basic email:token get 401 with Jira plain-text body and change nothing', async (t) => {
  const jira = await startJira(t);
  const wrongToken = `Basic ${Buffer.from(`${EMAIL}:nope`).toString('base64')}`;
  const otherEmail = `Basic ${Buffer.from(`mallory@example.com:${API_TOKEN}`).toString('base64')}`;
  for (const authorization of [undefined, wrongToken, otherEmail, `Bearer ${API_TOKEN}`]) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization) headers.authorization = authorization;
    const response = await fetch(`${jira.baseUrl}/rest/api/3/issue`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ fields: issueFields() }),
    });
    assert.equal(response.status, 401, authorization ?? 'no header');
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), 'Client must be authenticated to access this resource.');
  }
  assert.deepEqual(jira.issues(), []);
  assert.deepEqual(
    jira.calls.map((c) => c.status),
    [401, 401, 401, 401],
  );
});

test('a comment with an ADF body answers 201 with id, self, body and created; a plain-string body gets 400', async (t) => {
  const jira = await startJira(t);
  const { id, key } = await createIssue(jira);
  const body = adf(para('Access ended at expiry.'));
  const response = await api(jira, `/issue/${key}/comment`, { method: 'POST', body: { body } });
  assert.equal(response.status, 201);
  const comment = (await response.json()) as { id: string; self: string; body: unknown; created: string };
  assert.equal(comment.self, `${jira.baseUrl}/rest/api/3/issue/${id}/comment/${comment.id}`);
  assert.deepEqual(comment.body, body);
  assert.match(comment.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);

  const plain = await api(jira, `/issue/${key}/comment`, { method: 'POST', body: { body: 'Access ended.' } });
  assert.equal(plain.status, 400);
  assert.deepEqual(await plain.json(), {
    errorMessages: [],
    errors: { comment: 'Operation value must be an Atlassian Document' },
  });
  assert.equal((await api(jira, `/issue/${key}/comment`, { method: 'POST', body: {} })).status, 400);

  const stored = jira.issues()[0]?.comments;
  assert.deepEqual(
    stored?.map((c) => [c.id, c.body, c.author, c.created]),
    [[comment.id, body, EMAIL, comment.created]],
  );
  const fields = ((await (await api(jira, `/issue/${key}?fields=comment`)).json()) as { fields: { comment: unknown } })
    .fields.comment as { total: number; comments: Array<{ id: string }> };
  assert.equal(fields.total, 1);
  assert.equal(fields.comments[0]?.id, comment.id);
});

test('transitions list every workflow transition but the one into the current status; POST applies one by id with 204', async (t) => {
  const jira = await startJira(t, {
    workflow: [
      { id: '21', name: 'Start work', to: 'In Progress' },
      { id: '41', name: 'Close', to: 'Closed' },
    ],
  });
  const { key } = await createIssue(jira);
  const listed = async () => {
    const response = await api(jira, `/issue/${key}/transitions`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { transitions: Array<{ id: string; name: string; to: { name: string } }> };
    return body.transitions.map((tr) => `${tr.id}:${tr.name}→${tr.to.name}`);
  };
  assert.deepEqual(await listed(), ['21:Start work→In Progress', '41:Close→Closed']);

  const applied = await api(jira, `/issue/${key}/transitions`, { method: 'POST', body: { transition: { id: '41' } } });
  assert.equal(applied.status, 204);
  assert.equal(await applied.text(), '');
  assert.deepEqual(await listed(), ['21:Start work→In Progress']);
  const status = (await (await api(jira, `/issue/${key}`)).json()) as { fields: { status: { name: string } } };
  assert.equal(status.fields.status.name, 'Closed');

  for (const body of [{ transition: { id: '41' } }, { transition: { id: '99' } }, { transition: {} }, {}]) {
    const refused = await api(jira, `/issue/${key}/transitions`, { method: 'POST', body });
    assert.equal(refused.status, 400, JSON.stringify(body));
    assert.equal(((await refused.json()) as { errorMessages: string[] }).errorMessages.length, 1);
  }
  assert.equal(
    (await api(jira, `/issue/${key}/transitions`, { method: 'POST', body: { transition: { id: 21 } } })).status,
    204,
    'a numeric id is accepted too',
  );
  assert.deepEqual(
    jira.issues()[0]?.transitions.map((tr) => [tr.id, tr.from, tr.to]),
    [
      ['41', 'To Do', 'Closed'],
      ['21', 'Closed', 'In Progress'],
    ],
  );
});

test('the default workflow is To Do (11), In Progress (21) and Done (31), each offered from the other statuses', async (t) => {
  const jira = await startJira(t);
  const { key } = await createIssue(jira);
  const offered = async () => {
    const body = (await (await api(jira, `/issue/${key}/transitions`)).json()) as {
      transitions: Array<{ id: string; name: string }>;
    };
    return body.transitions.map((tr) => `${tr.id}:${tr.name}`);
  };
  assert.deepEqual(await offered(), ['21:In Progress', '31:Done']);
  assert.equal(
    (await api(jira, `/issue/${key}/transitions`, { method: 'POST', body: { transition: { id: '31' } } })).status,
    204,
  );
  assert.deepEqual(await offered(), ['11:To Do', '21:In Progress']);
});

test('search/jql finds issues by label, within a project when asked, and pages with maxResults and nextPageToken', async (t) => {
  const jira = await startJira(t);
  const first = await createIssue(jira, { labels: ['grant-1'] });
  await createIssue(jira, { labels: ['grant-2'] });
  const ops = await createIssue(jira, { project: { key: 'OPS' }, labels: ['grant-1'] });
  const search = async (jql: string, extra = '') => {
    const response = await api(jira, `/search/jql?jql=${encodeURIComponent(jql)}&fields=key${extra}`);
    assert.equal(response.status, 200, jql);
    return (await response.json()) as {
      issues: Array<{ id: string; key: string }>;
      isLast: boolean;
      nextPageToken?: string;
    };
  };
  assert.deepEqual(
    (await search('labels = "grant-1"')).issues.map((i) => [i.id, i.key]),
    [
      [first.id, 'SEC-1'],
      [ops.id, 'OPS-1'],
    ],
  );
  for (const jql of [
    'project = SEC AND labels = "grant-1"',
    "PROJECT = 'sec' and LABELS = grant-1",
    'labels = "grant-1" AND project = "10000"',
  ]) {
    assert.deepEqual(
      (await search(jql)).issues.map((i) => i.key),
      ['SEC-1'],
      jql,
    );
  }
  assert.deepEqual((await search('labels = "grant-3"')).issues, []);

  const page1 = await search('labels = "grant-1"', '&maxResults=1');
  assert.deepEqual([page1.issues.map((i) => i.key), page1.isLast], [['SEC-1'], false]);
  assert.ok(page1.nextPageToken);
  const page2 = await search('labels = "grant-1"', `&maxResults=1&nextPageToken=${page1.nextPageToken}`);
  assert.deepEqual([page2.issues.map((i) => i.key), page2.isLast, page2.nextPageToken], [['OPS-1'], true, undefined]);
});

test('search/jql answers 400 with errorMessages for JQL it does not support and for unknown projects', async (t) => {
  const jira = await startJira(t);
  for (const jql of [
    '',
    'status = Done',
    'labels = "x" OR labels = "y"',
    'labels ~ "x"',
    'labels = "x" AND',
    'labels = "unterminated',
    'project = SEC',
    'project = NOPE AND labels = "x"',
  ]) {
    const response = await api(jira, `/search/jql?jql=${encodeURIComponent(jql)}`);
    assert.equal(response.status, 400, jql);
    const body = (await response.json()) as { errorMessages: string[]; errors: object };
    assert.equal(body.errorMessages.length, 1, jql);
    assert.deepEqual(body.errors, {});
  }
  const unknownProject = await api(jira, `/search/jql?jql=${encodeURIComponent('project = NOPE AND labels = "x"')}`);
  assert.deepEqual(((await unknownProject.json()) as { errorMessages: string[] }).errorMessages, [
    "The value 'NOPE' does not exist for the field 'project'.",
  ]);
});

test('a 503 fault with times: 1 fails one create with an ErrorCollection body, then creates succeed; calls record both', async (t) => {
  const jira = await startJira(t);
  jira.faults.add({ kind: 'status', status: 503, times: 1, match: { method: 'POST', path: '^/rest/api/3/issue$' } });
  assert.equal((await api(jira, '/issue/SEC-1')).status, 404, 'GET is not matched by a POST rule');
  const failed = await api(jira, '/issue', { method: 'POST', body: { fields: issueFields() } });
  assert.equal(failed.status, 503);
  assert.deepEqual(await failed.json(), { errorMessages: ['Service Unavailable'], errors: {} });
  assert.deepEqual(jira.issues(), []);
  await createIssue(jira);
  assert.deepEqual(
    jira.calls.map((c) => [c.method, c.status, c.fault]),
    [
      ['GET', 404, undefined],
      ['POST', 503, 'status'],
      ['POST', 201, undefined],
    ],
  );
  assert.deepEqual(jira.calls[1]?.body, { fields: issueFields() });
});

test('a 429 fault carries Retry-After, and a drop fault closes the connection without creating anything', async (t) => {
  const jira = await startJira(t);
  jira.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 5, times: 1 });
  const limited = await api(jira, '/issue', { method: 'POST', body: { fields: issueFields() } });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '5');

  jira.faults.add({ kind: 'drop', times: 1 });
  await assert.rejects(api(jira, '/issue', { method: 'POST', body: { fields: issueFields() } }), TypeError);
  assert.deepEqual(jira.issues(), []);
  assert.deepEqual(jira.calls.at(-1)?.status, 0);
});

test('faults posted to /_control/faults apply, and /_control/issues lists issues for another origin', async (t) => {
  const jira = await startJira(t);
  const created = await fetch(`${jira.origin}/_control/faults`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'status', status: 502, match: { method: 'POST', path: '/comment$' } }),
  });
  assert.equal(created.status, 201);
  const { key } = await createIssue(jira);
  assert.equal(
    (await api(jira, `/issue/${key}/comment`, { method: 'POST', body: { body: adf(para('x')) } })).status,
    502,
  );
  assert.equal((await fetch(`${jira.origin}/_control/faults`, { method: 'DELETE' })).status, 204);
  assert.equal(
    (await api(jira, `/issue/${key}/comment`, { method: 'POST', body: { body: adf(para('x')) } })).status,
    201,
  );

  const listed = await fetch(`${jira.origin}/_control/issues`);
  assert.equal(listed.headers.get('access-control-allow-origin'), '*');
  const issues = (await listed.json()) as Array<{ key: string; status: string; comments: unknown[] }>;
  assert.deepEqual(
    issues.map((i) => [i.key, i.status, i.comments.length]),
    [['SEC-1', 'To Do', 1]],
  );
  assert.equal((await fetch(`${jira.origin}/_control/issues`, { method: 'OPTIONS' })).status, 204);
});

test('creates, comments and transitions reach onChange listeners, and issues() hands out copies', async (t) => {
  const jira = await startJira(t);
  const seen: string[] = [];
  const unsubscribe = jira.onChange((change) => seen.push(`${change.type}:${change.key}`));
  const { key } = await createIssue(jira);
  await api(jira, `/issue/${key}/comment`, { method: 'POST', body: { body: adf(para('x')) } });
  await api(jira, `/issue/${key}/transitions`, { method: 'POST', body: { transition: { id: '31' } } });
  unsubscribe();
  await createIssue(jira);
  assert.deepEqual(seen, ['issue-created:SEC-1', 'comment-added:SEC-1', 'issue-transitioned:SEC-1']);

  const copy = jira.issues()[0];
  assert.ok(copy);
  copy.status = 'Tampered';
  copy.fields.labels.push('tampered');
  assert.equal(jira.issues()[0]?.status, 'Done');
  assert.deepEqual(jira.issues()[0]?.fields.labels, ['jit-access', 'grant-42']);
});
