import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  DEFAULT_CONSOLE_ADMIN,
  type InsightsEvent,
  type JumpCloudStandIn,
  startJumpCloudStandIn,
} from '../../stand-ins/jumpcloud/jumpcloud-stand-in';

const API_KEY = 'jc-test-key';
const READ_ONLY_KEY = 'jc-read-only-key';
const SERVICE_ADMIN = { id: '5f00000000000000000000b7', email: 'jit-bot@example.com' };
const ALICE = '5f0c1a2b3c4d5e6f7a8b9c01';
const BOB = '5f0c1a2b3c4d5e6f7a8b9c02';
const ENG_PROD = '5f1a2b3c4d5e6f7a8b9c0d01';
const SINCE = '2020-01-01T00:00:00Z';

async function startJumpCloud(t: TestContext): Promise<JumpCloudStandIn> {
  const jc = await startJumpCloudStandIn({
    apiKey: API_KEY,
    readOnlyApiKey: READ_ONLY_KEY,
    apiKeyAdmin: SERVICE_ADMIN,
    seed: {
      users: [
        { id: ALICE, email: 'alice@example.com', username: 'alice' },
        { id: BOB, email: 'bob@example.com', username: 'bob' },
      ],
      groups: [{ id: ENG_PROD, name: 'eng-prod', membershipMethod: 'STATIC' }],
      memberships: [{ groupId: ENG_PROD, userId: ALICE }],
    },
  });
  t.after(() => jc.close());
  return jc;
}

function queryEvents(jc: JumpCloudStandIn, body: unknown, key = API_KEY) {
  return fetch(`${jc.insightsUrl}/events`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function changeMembers(jc: JumpCloudStandIn, op: 'add' | 'remove', userId: string) {
  return fetch(`${jc.baseUrl}/v2/usergroups/${ENG_PROD}/members`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ op, type: 'user', id: userId }),
  });
}

test("a change through the API is an association_change initiated by the key's administrator; one by hand names the console administrator", async (t) => {
  const jc = await startJumpCloud(t);
  assert.equal((await changeMembers(jc, 'add', BOB)).status, 204);
  const consoleAdmin = { id: '5f00000000000000000000d4', email: 'dana@example.com', clientIp: '198.51.100.7' };
  const control = await fetch(`${jc.origin}/_control/memberships`, {
    method: 'POST',
    body: JSON.stringify({ groupId: ENG_PROD, userId: BOB, member: false, by: consoleAdmin }),
  });
  assert.equal(control.status, 200);
  jc.setMember(ENG_PROD, ALICE, false);

  const res = await queryEvents(jc, { service: ['directory'], start_time: SINCE, sort: 'ASC' });
  assert.equal(res.status, 200);
  const events = (await res.json()) as InsightsEvent[];
  assert.deepEqual(
    events.map((e) => [
      e.event_type,
      e.association.op,
      e.association.connection.from,
      e.association.connection.to.object_id,
      e.initiated_by,
      e.auth_method,
    ]),
    [
      [
        'association_change',
        'add',
        { type: 'USER_GROUP', object_id: ENG_PROD, name: 'eng-prod' },
        BOB,
        { ...SERVICE_ADMIN, type: 'admin' },
        'api_key',
      ],
      [
        'association_change',
        'remove',
        { type: 'USER_GROUP', object_id: ENG_PROD, name: 'eng-prod' },
        BOB,
        { id: consoleAdmin.id, email: consoleAdmin.email, type: 'admin' },
        'session',
      ],
      [
        'association_change',
        'remove',
        { type: 'USER_GROUP', object_id: ENG_PROD, name: 'eng-prod' },
        ALICE,
        { id: DEFAULT_CONSOLE_ADMIN.id, email: DEFAULT_CONSOLE_ADMIN.email, type: 'admin' },
        'session',
      ],
    ],
  );
  assert.equal(events[1]?.client_ip, consoleAdmin.clientIp);
  assert.match(events[0]?.client_ip ?? '', /127\.0\.0\.1/);
  assert.deepEqual(jc.insightsEvents(), events, 'the seeded membership is no event');
});

test('pages follow X-Search_after without a repeat or a gap, in either order; start_time and end_time bound the window', async (t) => {
  const jc = await startJumpCloud(t);
  for (let i = 0; i < 5; i += 1) await changeMembers(jc, i % 2 === 0 ? 'add' : 'remove', BOB);
  const all = jc.insightsEvents().map((e) => e.id);
  assert.equal(all.length, 5);

  for (const sort of ['ASC', 'DESC'] as const) {
    const seen: string[] = [];
    let searchAfter: string[] | undefined;
    for (;;) {
      const res = await queryEvents(jc, {
        service: ['all'],
        start_time: SINCE,
        sort,
        limit: 2,
        ...(searchAfter && { search_after: searchAfter }),
      });
      const page = (await res.json()) as InsightsEvent[];
      if (page.length === 0) break;
      seen.push(...page.map((e) => e.id));
      const next = res.headers.get('x-search_after');
      assert.ok(next, 'a page with events names the next cursor');
      searchAfter = JSON.parse(next) as string[];
    }
    assert.deepEqual(seen, sort === 'ASC' ? all : [...all].reverse(), `${sort}: every event once, in order`);
  }

  const later = new Date(Date.now() + 60_000).toISOString();
  const none = await queryEvents(jc, { service: ['directory'], start_time: later });
  assert.deepEqual(await none.json(), []);
  const before = await queryEvents(jc, { service: ['directory'], start_time: SINCE, end_time: SINCE });
  assert.deepEqual(await before.json(), []);
  const otherService = await queryEvents(jc, { service: ['sso'], start_time: SINCE });
  assert.deepEqual(await otherService.json(), []);
});

test('a query without service or start_time, or with a field the API does not take, is a 400 naming it; a wrong key is 401; the read-only key may read events', async (t) => {
  const jc = await startJumpCloud(t);
  await changeMembers(jc, 'add', BOB);
  for (const [body, named] of [
    [{ start_time: SINCE }, 'service'],
    [{ service: ['directory'] }, 'start_time'],
    [{ service: ['directory'], start_time: 'yesterday' }, 'start_time'],
    [{ service: ['directory'], start_time: SINCE, sort: 'sideways' }, 'sort'],
    [{ service: ['directory'], start_time: SINCE, limit: 10_001 }, 'limit'],
    [{ service: ['directory'], start_time: SINCE, search_term: { and: [] } }, 'search_term'],
  ] as const) {
    const res = await queryEvents(jc, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match(((await res.json()) as { message: string }).message, new RegExp(named));
  }
  assert.equal((await queryEvents(jc, { service: ['directory'], start_time: SINCE }, 'wrong')).status, 401);
  const readOnly = await queryEvents(jc, { service: ['directory'], start_time: SINCE }, READ_ONLY_KEY);
  assert.equal(readOnly.status, 200);
  assert.equal(((await readOnly.json()) as unknown[]).length, 1);
});
