import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { DirectoryInsightsClient, type MembershipEvent } from '../../integrations/jumpcloud/insights-client';
import { JumpCloudError } from '../../integrations/jumpcloud/jumpcloud-error';
import { type JumpCloudStandIn, startJumpCloudStandIn } from '../../stand-ins/jumpcloud/jumpcloud-stand-in';

const API_KEY = 'jc-insights-key';
const ADMIN = { id: '5f00000000000000000000b7', email: 'jit-bot@example.com' };
const ALICE = '5f0c1a2b3c4d5e6f7a8b9c01';
const ENG_PROD = '5f1a2b3c4d5e6f7a8b9c0d01';
const SINCE = '2020-01-01T00:00:00Z';

async function setUp(t: TestContext): Promise<{ jc: JumpCloudStandIn; client: DirectoryInsightsClient }> {
  const jc = await startJumpCloudStandIn({
    apiKey: API_KEY,
    apiKeyAdmin: ADMIN,
    seed: {
      users: [{ id: ALICE, email: 'alice@example.com', username: 'alice' }],
      groups: [{ id: ENG_PROD, name: 'eng-prod' }],
    },
  });
  t.after(() => jc.close());
  return { jc, client: new DirectoryInsightsClient({ baseUrl: jc.insightsUrl, apiKey: API_KEY }) };
}

test('membership changes come oldest first, page by page, each once, with who made them; an empty page keeps the cursor', async (t) => {
  const { jc, client } = await setUp(t);
  const dana = { id: '5f00000000000000000000d4', email: 'dana@example.com', clientIp: '198.51.100.7' };
  for (let i = 0; i < 5; i += 1) jc.setMember(ENG_PROD, ALICE, i % 2 === 0, dana);

  const seen: MembershipEvent[] = [];
  let cursor: string[] | undefined;
  for (let pages = 0; pages < 10; pages += 1) {
    const page = await client.membershipChanges({ since: SINCE, cursor, limit: 2 });
    if (page.events.length === 0) {
      assert.deepEqual(page.cursor, cursor, 'an empty page keeps the cursor');
      break;
    }
    seen.push(...page.events);
    cursor = page.cursor;
  }
  assert.deepEqual(
    seen.map((e) => e.op),
    ['add', 'remove', 'add', 'remove', 'add'],
  );
  assert.deepEqual(seen[0], {
    id: jc.insightsEvents()[0]?.id,
    op: 'add',
    groupId: ENG_PROD,
    userId: ALICE,
    at: jc.insightsEvents()[0]?.timestamp,
    by: { id: dana.id, email: dana.email, authMethod: 'session', clientIp: dana.clientIp },
  });

  // A later change continues from the cursor: nothing seen before comes again.
  jc.setMember(ENG_PROD, ALICE, false);
  const next = await client.membershipChanges({ since: SINCE, cursor });
  assert.deepEqual(
    next.events.map((e) => [e.op, e.by.email]),
    [['remove', 'console-admin@example.com']],
  );
});

test('a key without Directory Insights access is a permanent JumpCloudError naming the problem; a 503 is retryable', async (t) => {
  const { jc, client } = await setUp(t);
  jc.faults.add({ kind: 'status', status: 403, times: 1, match: { path: '/insights/' } });
  const forbidden = await client.membershipChanges({ since: SINCE }).catch((err: unknown) => err);
  assert.ok(forbidden instanceof JumpCloudError);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.retryable, false);
  assert.match(forbidden.message, /may not read Directory Insights/);

  jc.faults.add({ kind: 'status', status: 503, times: 1, match: { path: '/insights/' } });
  const unavailable = await client.membershipChanges({ since: SINCE }).catch((err: unknown) => err);
  assert.ok(unavailable instanceof JumpCloudError);
  assert.equal(unavailable.retryable, true);
});
