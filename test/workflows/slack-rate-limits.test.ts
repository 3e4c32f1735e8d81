import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type GrantState } from '../../workflows/grant/grant-types';
import { APPROVAL_CHANNEL, createGrantHarness } from '../support/grant-harness';
import { membershipChanges } from '../support/jumpcloud-calls';
import { closeTestTemporal } from '../support/temporal';
import { eventually } from '../support/eventually';

after(() => closeTestTemporal());

// 20 grants asking in one approval channel at once. Once Slack takes messages again, with Slack's figures that channel
// takes a burst of 3 and then one message a second, so the last request lands about 17 s after the first: long enough to prove the pace, well
// under a minute. More grants would also use up chat.update's Tier 3 allowance (each grant updates its message three
// times), and waiting for it to refill would take the run towards a minute.
const GRANTS = 20;

test('under Slack rate limits every notification of 20 simultaneous grants lands, none is given up, and no membership change waits for Slack', async (t) => {
  const h = await createGrantHarness(t, { slackRateLimits: true });
  // One requester per grant: their DMs go to separate channels, as they would in a workspace.
  const requesters = Array.from({ length: GRANTS }, (_, i) => {
    const email = `load-${i}@example.com`;
    const jumpcloudUserId = h.jumpcloud.addUser({ email, username: `load-${i}` }).id;
    const slackUserId = `U0LOAD${String(i).padStart(3, '0')}`;
    h.slack.addUser({ id: slackUserId, name: `load-${i}`, email });
    return { slackUserId, email, jumpcloudUserId };
  });

  // Slack refuses every message until each membership has been added and removed: a membership change that waited
  // for Slack would never come. Then the channel's own limit takes over.
  const hold = h.slack.faults.add({
    kind: 'status',
    status: 429,
    retryAfterSeconds: 1,
    match: { method: 'chat.postMessage' },
  });
  const started = await Promise.all(
    requesters.map((requester) =>
      h.grants.start(
        h.grantInput({
          requester,
          durationSeconds: 2,
          // The harness's 5 s notification budget is for tests of giving up; these must outlast the hold and the pace.
          timing: { membershipRetryMaxIntervalSeconds: 1, notificationBudgetSeconds: 300 },
        }),
      ),
    ),
  );
  assert.ok(started.every((s) => s.outcome === 'started'));
  await Promise.all(
    started.map((s, i) =>
      h.grants.decide(s.workflowId, { decision: 'approve', deciderSlackUserId: h.approver.slackUserId }, `click-${i}`),
    ),
  );
  await eventually(
    'every membership added and removed while Slack refuses every message',
    () => membershipChanges(h, 'remove').length === GRANTS,
    120_000,
  );
  const releasedAt = Date.now();
  h.slack.faults.remove(hold);
  // A grant's result comes once its last notification is delivered or given up.
  const finals = await Promise.all(
    started.map((s) => h.client.workflow.getHandle(s.workflowId).result() as Promise<GrantState>),
  );

  assert.deepEqual(
    finals.map((f) => [f.status, f.notificationFailures]),
    finals.map(() => ['EXPIRED', 0]),
    'every grant expired and gave up no notification',
  );
  const approvalRequests = h.slack.messages(APPROVAL_CHANNEL);
  assert.deepEqual(
    finals.map((f) => f.approvalMessage?.ts).sort(),
    approvalRequests.map((m) => m.ts).sort(),
    "every grant's approval request was posted, once",
  );
  for (const requester of requesters) {
    assert.equal(h.slack.dms(requester.slackUserId).length, 2, 'granted and expired, told to each requester');
  }

  const posts = h.slack.calls.filter((c) => c.method === 'chat.postMessage');
  assert.ok(
    posts.filter((c) => c.at < releasedAt).every((c) => !c.ok && c.httpStatus === 429),
    'Slack took no message before every membership change was done',
  );
  const approvalPosts = posts.filter((c) => c.args.channel === APPROVAL_CHANNEL);
  const refused = approvalPosts.filter((c) => c.httpStatus === 429);
  assert.ok(
    refused.some((c) => c.at >= releasedAt),
    "after the hold the approval channel's own limit refused posts: the pace was exercised",
  );
  assert.ok(
    refused.every((c) => c.error === 'ratelimited'),
    'every refusal was a rate limit',
  );

  const adds = membershipChanges(h, 'add');
  const removes = membershipChanges(h, 'remove');
  assert.equal(adds.length, GRANTS, 'each membership added once');
  assert.equal(removes.length, GRANTS, 'each membership removed once');
  assert.ok(requesters.every((r) => !h.jumpcloud.isMember(h.group.id, r.jumpcloudUserId)));

  const all429 = h.slack.calls.filter((c) => c.httpStatus === 429);
  t.diagnostic(
    `${all429.length} calls answered 429 (${refused.length} approval requests, ` +
      `${all429.filter((c) => c.method === 'chat.update').length} chat.update); ` +
      `${h.slack.calls.length} Web API calls in all`,
  );
});
