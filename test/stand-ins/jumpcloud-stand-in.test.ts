import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  type JumpCloudStandIn,
  type JumpCloudStandInOptions,
  startJumpCloudStandIn,
} from '../../stand-ins/jumpcloud/jumpcloud-stand-in';

const API_KEY = 'jc-test-key';
const ALICE = '5f0c1a2b3c4d5e6f7a8b9c01';
const BOB = '5f0c1a2b3c4d5e6f7a8b9c02';
const ENG_PROD = '5f1a2b3c4d5e6f7a8b9c0d01';

async function startJumpCloud(
  t: TestContext,
  options: Partial<JumpCloudStandInOptions> = {},
): Promise<JumpCloudStandIn> {
  const jc = await startJumpCloudStandIn({
    apiKey: API_KEY,
    seed: {
      users: [
        { id: ALICE, email: 'alice@example.com', username: 'alice', firstname: 'Alice', lastname: 'Ng' },
        { id: BOB, email: 'bob@example.com', username: 'bob' },
      ],
      groups: [{ id: ENG_PROD, name: 'eng-prod', membershipMethod: 'STATIC' }],
      memberships: [{ groupId: ENG_PROD, userId: ALICE }],
    },
    ...options,
  });
  t.after(() => jc.close());
  return jc;
}

function api(
  jc: JumpCloudStandIn,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  return fetch(`${jc.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'x-api-key': API_KEY, accept: 'application/json', 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const addBob = { op: 'add', type: 'user', id: BOB };
const removeBob = { op: 'remove', type: 'user', id: BOB };

test('adding a member answers 204, adding again 409 Already Exists; removing a non-member answers 404 Not Found', async (t) => {
  const jc = await startJumpCloud(t);
  const members = `/v2/usergroups/${ENG_PROD}/members`;

  const added = await api(jc, members, { method: 'POST', body: addBob });
  assert.equal(added.status, 204);
  assert.equal(await added.text(), '');
  assert.ok(jc.isMember(ENG_PROD, BOB));

  const again = await api(jc, members, { method: 'POST', body: addBob });
  assert.equal(again.status, 409);
  assert.deepEqual(await again.json(), { message: 'Already Exists' });

  assert.equal((await api(jc, members, { method: 'POST', body: removeBob })).status, 204);
  const removedAgain = await api(jc, members, { method: 'POST', body: removeBob });
  assert.equal(removedAgain.status, 404);
  assert.deepEqual(await removedAgain.json(), { message: 'Not Found' });
  assert.equal(jc.isMember(ENG_PROD, BOB), false);
});

test('membership changes on unknown groups or users answer 404, and malformed bodies answer 400', async (t) => {
  const jc = await startJumpCloud(t);
  const unknownGroup = await api(jc, '/v2/usergroups/5f1a2b3c4d5e6f7a8b9c0dff/members', {
    method: 'POST',
    body: addBob,
  });
  assert.equal(unknownGroup.status, 404);
  const unknownUser = await api(jc, `/v2/usergroups/${ENG_PROD}/members`, {
    method: 'POST',
    body: { op: 'add', type: 'user', id: '5f0c1a2b3c4d5e6f7a8b9cff' },
  });
  assert.equal(unknownUser.status, 404);
  for (const body of [
    { op: 'add', type: 'system', id: BOB },
    { op: 'grant', type: 'user', id: BOB },
    { type: 'user' },
  ]) {
    const response = await api(jc, `/v2/usergroups/${ENG_PROD}/members`, { method: 'POST', body });
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.match(((await response.json()) as { message: string }).message, /^Bad Request/);
  }
  assert.deepEqual(jc.members(ENG_PROD), [ALICE]);
});

test('limit above 100 is refused with 400 and the documented message, on v1 and v2 lists', async (t) => {
  const jc = await startJumpCloud(t);
  for (const path of [
    '/systemusers?limit=101',
    '/v2/usergroups?limit=101',
    `/v2/usergroups/${ENG_PROD}/members?limit=500`,
  ]) {
    const response = await api(jc, path);
    assert.equal(response.status, 400, path);
    assert.deepEqual(await response.json(), {
      message: 'Bad Request: request parameter "limit" exceeds maximum value of 100',
    });
  }
  assert.equal((await api(jc, '/systemusers?limit=100')).status, 200);
});

test('requests without the right x-api-key get 401 Unauthorized and change nothing', async (t) => {
  const jc = await startJumpCloud(t);
  const missing = await fetch(`${jc.baseUrl}/systemusers`);
  assert.equal(missing.status, 401);
  assert.deepEqual(await missing.json(), { message: 'Unauthorized' });
  const wrong = await api(jc, `/v2/usergroups/${ENG_PROD}/members`, {
    method: 'POST',
    body: addBob,
    headers: { 'x-api-key': 'nope' },
  });
  assert.equal(wrong.status, 401);
  assert.equal(jc.isMember(ENG_PROD, BOB), false);
  assert.deepEqual(
    jc.calls.map((c) => c.status),
    [401, 401],
  );
});

test("a Read Only administrator's key reads users and groups, and a membership change it asks for gets 403 and changes nothing", async (t) => {
  const readOnly = 'jc-read-only-key';
  const jc = await startJumpCloud(t, { readOnlyApiKey: readOnly });
  const headers = { 'x-api-key': readOnly };
  assert.equal((await api(jc, '/systemusers', { headers })).status, 200);
  assert.equal((await api(jc, `/v2/users/${ALICE}/memberof`, { headers })).status, 200);
  const members = `/v2/usergroups/${ENG_PROD}/members`;
  const add = await api(jc, members, { method: 'POST', body: addBob, headers });
  assert.equal(add.status, 403);
  assert.deepEqual(await add.json(), { message: 'Forbidden' });
  assert.equal(
    (await api(jc, members, { method: 'POST', body: { ...addBob, op: 'remove', id: ALICE }, headers })).status,
    403,
  );
  assert.equal(jc.isMember(ENG_PROD, BOB), false);
  assert.equal(jc.isMember(ENG_PROD, ALICE), true);
  assert.equal((await api(jc, members, { method: 'POST', body: addBob })).status, 204, 'the write key still writes');
});

test('with an org id configured, a missing x-org-id answers 401 and a different one 404', async (t) => {
  const orgId = '5a0000000000000000000042';
  const jc = await startJumpCloud(t, { orgId });
  assert.equal((await api(jc, '/systemusers')).status, 401);
  assert.equal((await api(jc, '/systemusers', { headers: { 'x-org-id': '5a0000000000000000000043' } })).status, 404);
  const ok = await api(jc, '/systemusers', { headers: { 'x-org-id': orgId } });
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { results: Array<{ organization: string }> };
  assert.equal(body.results[0]?.organization, orgId);
});

test('a 503 fault with times: 2 fails the next two calls, then the call succeeds; all three are recorded', async (t) => {
  const jc = await startJumpCloud(t);
  jc.faults.add({ kind: 'status', status: 503, times: 2, match: { method: 'POST', path: '/members$' } });
  const members = `/v2/usergroups/${ENG_PROD}/members`;
  assert.equal((await api(jc, members)).status, 200, 'GET is not matched by a POST rule');
  assert.equal((await api(jc, members, { method: 'POST', body: addBob })).status, 503);
  assert.equal((await api(jc, members, { method: 'POST', body: addBob })).status, 503);
  assert.equal(jc.isMember(ENG_PROD, BOB), false);
  assert.equal((await api(jc, members, { method: 'POST', body: addBob })).status, 204);
  assert.ok(jc.isMember(ENG_PROD, BOB));
  assert.equal(jc.faults.injected, 2);
  const posts = jc.calls.filter((c) => c.method === 'POST');
  assert.deepEqual(
    posts.map((c) => [c.status, c.fault]),
    [
      [503, 'status'],
      [503, 'status'],
      [204, undefined],
    ],
  );
  assert.deepEqual(posts[0]?.body, addBob);
});

test('a 429 fault carries Retry-After, and a latency fault delays the answer', async (t) => {
  const jc = await startJumpCloud(t);
  jc.faults.add({ kind: 'status', status: 429, retryAfterSeconds: 7, times: 1 });
  const limited = await api(jc, '/v2/usergroups');
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '7');

  jc.faults.add({ kind: 'latency', delayMs: 150, times: 1 });
  const started = Date.now();
  assert.equal((await api(jc, '/v2/usergroups')).status, 200);
  assert.ok(Date.now() - started >= 140);
});

test('a drop fault closes the connection without a response, so fetch rejects and nothing changes', async (t) => {
  const jc = await startJumpCloud(t);
  jc.faults.add({ kind: 'drop', times: 1 });
  await assert.rejects(api(jc, `/v2/usergroups/${ENG_PROD}/members`, { method: 'POST', body: addBob }), TypeError);
  assert.equal(jc.isMember(ENG_PROD, BOB), false);
  assert.deepEqual(
    jc.calls.map((c) => [c.status, c.fault]),
    [[0, 'drop']],
  );
  assert.equal((await api(jc, `/v2/usergroups/${ENG_PROD}/members`, { method: 'POST', body: addBob })).status, 204);
});

test('v2 lists page with limit and skip and give the total in X-Total-Count; the default limit is 10', async (t) => {
  const jc = await startJumpCloud(t);
  for (let i = 0; i < 25; i += 1) {
    const user = jc.addUser({ email: `user${i}@example.com`, username: `user${i}` });
    jc.setMember(ENG_PROD, user.id, true);
  }
  const path = `/v2/usergroups/${ENG_PROD}/members`;
  const first = await api(jc, `${path}?limit=10&skip=0`);
  assert.equal(first.headers.get('x-total-count'), '26');
  const firstPage = (await first.json()) as Array<{
    to: { id: string; type: string; attributes: null };
    attributes: null;
  }>;
  assert.equal(firstPage.length, 10);
  assert.deepEqual(firstPage[0], { to: { id: ALICE, type: 'user', attributes: null }, attributes: null });
  const last = (await (await api(jc, `${path}?limit=10&skip=20`)).json()) as unknown[];
  assert.equal(last.length, 6);
  assert.equal(((await (await api(jc, path)).json()) as unknown[]).length, 10);

  const seen = new Set<string>();
  for (let skip = 0; ; skip += 10) {
    const pageItems = (await (await api(jc, `${path}?limit=10&skip=${skip}`)).json()) as Array<{ to: { id: string } }>;
    for (const item of pageItems) seen.add(item.to.id);
    if (pageItems.length < 10) break;
  }
  assert.equal(seen.size, 26);
});

test('systemusers filter email:$eq: is exact and case-sensitive unless emailCaseInsensitive is set', async (t) => {
  const jc = await startJumpCloud(t);
  const find = async (standIn: JumpCloudStandIn, filter: string) => {
    const response = await api(standIn, `/systemusers?filter=${encodeURIComponent(filter)}&limit=2`);
    assert.equal(response.status, 200);
    return (await response.json()) as { totalCount: number; results: Array<Record<string, unknown>> };
  };
  const alice = await find(jc, 'email:$eq:alice@example.com');
  assert.equal(alice.totalCount, 1);
  assert.deepEqual(
    {
      _id: alice.results[0]?._id,
      username: alice.results[0]?.username,
      displayname: alice.results[0]?.displayname,
      state: alice.results[0]?.state,
      activated: alice.results[0]?.activated,
    },
    { _id: ALICE, username: 'alice', displayname: 'Alice Ng', state: 'ACTIVATED', activated: true },
  );
  assert.equal((await find(jc, 'email:$eq:Alice@Example.com')).totalCount, 0);
  assert.equal((await find(jc, 'username:$eq:bob')).results[0]?._id, BOB);
  assert.equal(
    (await api(jc, '/systemusers?filter=email:eq:alice@example.com')).status,
    400,
    'v1 operators need the $',
  );
  assert.equal((await api(jc, '/systemusers?filter=nonsense')).status, 400);

  const lenient = await startJumpCloud(t, { emailCaseInsensitive: true });
  assert.equal((await find(lenient, 'email:$eq:Alice@Example.com')).totalCount, 1);

  const searched = await api(jc, '/search/systemusers', {
    method: 'POST',
    body: { filter: [{ email: 'bob@example.com' }] },
  });
  assert.deepEqual(
    ((await searched.json()) as { results: Array<{ _id: string }> }).results.map((u) => u._id),
    [BOB],
  );
});

test('groups are found by name:eq: and by id; memberof and membership list graph objects', async (t) => {
  const jc = await startJumpCloud(t);
  const byName = await api(jc, `/v2/usergroups?filter=${encodeURIComponent('name:eq:eng-prod')}`);
  assert.equal(byName.headers.get('x-total-count'), '1');
  assert.deepEqual(
    ((await byName.json()) as Array<{ id: string; type: string }>).map((g) => [g.id, g.type]),
    [[ENG_PROD, 'user_group']],
  );
  assert.equal((await api(jc, `/v2/usergroups/${ENG_PROD}`)).status, 200);
  const unknown = await api(jc, '/v2/usergroups/5f1a2b3c4d5e6f7a8b9c0dff');
  assert.equal(unknown.status, 404);
  assert.deepEqual(await unknown.json(), { message: 'Not Found' });

  const memberOf = (await (await api(jc, `/v2/users/${ALICE}/memberof?filter=type:eq:user_group`)).json()) as unknown[];
  assert.deepEqual(memberOf, [
    {
      id: ENG_PROD,
      type: 'user_group',
      paths: [[{ to: { id: ENG_PROD, type: 'user_group', attributes: null }, attributes: null }]],
      compiledAttributes: {},
    },
  ]);
  assert.equal((await api(jc, '/v2/users/5f0c1a2b3c4d5e6f7a8b9cff/memberof')).status, 404);
  const membership = (await (await api(jc, `/v2/usergroups/${ENG_PROD}/membership`)).json()) as Array<{
    id: string;
    type: string;
  }>;
  assert.deepEqual(
    membership.map((m) => [m.id, m.type]),
    [[ALICE, 'user']],
  );
});

test('membership changes reach onChange listeners and the /_control/events stream; control routes allow any origin', async (t) => {
  const jc = await startJumpCloud(t);
  const origin = jc.origin;
  const seen: string[] = [];
  const unsubscribe = jc.onChange((e) => seen.push(`${e.type}:${e.userId}`));

  const abort = new AbortController();
  t.after(() => abort.abort());
  const stream = await fetch(`${origin}/_control/events`, { signal: abort.signal });
  assert.equal(stream.headers.get('access-control-allow-origin'), '*');
  assert.ok(stream.body);
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let received = '';
  const readUntil = async (pattern: RegExp) => {
    while (!pattern.test(received)) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error(`stream ended before ${pattern}`);
      received += decoder.decode(chunk.value, { stream: true });
    }
  };
  await readUntil(/event: snapshot\ndata: .*\n\n/);

  assert.equal((await api(jc, `/v2/usergroups/${ENG_PROD}/members`, { method: 'POST', body: addBob })).status, 204);
  jc.setMember(ENG_PROD, ALICE, false);
  await readUntil(/"member-removed"/);
  const changes = received
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => JSON.parse(frame.slice('data: '.length)) as { type: string; userId: string });
  assert.deepEqual(
    changes.map((c) => `${c.type}:${c.userId}`),
    [`member-added:${BOB}`, `member-removed:${ALICE}`],
  );
  assert.deepEqual(seen, [`member-added:${BOB}`, `member-removed:${ALICE}`]);
  unsubscribe();

  const state = await fetch(`${origin}/_control/state`);
  assert.equal(state.headers.get('access-control-allow-origin'), '*');
  assert.deepEqual(((await state.json()) as { memberships: unknown[] }).memberships, [
    { groupId: ENG_PROD, userId: BOB },
  ]);
});

test('faults posted to /_control/faults (path as a regex string) apply to API calls, and DELETE clears them', async (t) => {
  const jc = await startJumpCloud(t);
  const origin = jc.origin;
  const created = await fetch(`${origin}/_control/faults`, {
    method: 'POST',
    body: JSON.stringify({
      kind: 'status',
      status: 502,
      match: { method: 'GET', path: '^/api/v2/users/[^/]+/memberof$' },
    }),
  });
  assert.equal(created.status, 201);
  assert.equal((await api(jc, `/v2/users/${ALICE}/memberof`)).status, 502);
  assert.equal((await api(jc, '/v2/usergroups')).status, 200);
  const invalid = await fetch(`${origin}/_control/faults`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'status' }),
  });
  assert.equal(invalid.status, 400);
  assert.equal((await fetch(`${origin}/_control/faults`, { method: 'DELETE' })).status, 204);
  assert.equal((await api(jc, `/v2/users/${ALICE}/memberof`)).status, 200);
  const calls = (await (await fetch(`${origin}/_control/calls`)).json()) as Array<{ status: number; fault?: string }>;
  assert.deepEqual(
    calls.map((c) => c.status),
    [502, 200, 200],
  );
});
