import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { slackFailure } from '../../activities/failures';
import { createSlackClient } from '../../integrations/slack/slack-client';
import { type SlackRateLimits, type SlackStandIn, startSlackStandIn } from '../../stand-ins/slack/slack-stand-in';

const TOKEN = 'xoxb-test-token';
const REQUESTER = { id: 'U0REQUESTER', name: 'bob', email: 'bob@example.com' };

async function startSlack(t: TestContext, rateLimits?: boolean | SlackRateLimits): Promise<SlackStandIn> {
  const slack = await startSlackStandIn({ botToken: TOKEN, users: [REQUESTER], rateLimits });
  t.after(() => slack.close());
  return slack;
}

interface RawAnswer {
  status: number;
  retryAfter: string | null;
  body: unknown;
}

/** One Web API call as plain HTTP, so the status, the header and the body are seen exactly as sent. */
async function call(slack: SlackStandIn, method: string, args: Record<string, unknown>): Promise<RawAnswer> {
  const response = await fetch(`${slack.apiUrl}${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
}

const post = (slack: SlackStandIn, channel: string) => call(slack, 'chat.postMessage', { channel, text: 'hello' });

const RATELIMITED = { ok: false, error: 'ratelimited' };

test('off by default: a burst far beyond Slack limits into one channel is all posted', async (t) => {
  const slack = await startSlack(t);
  const answers = await Promise.all(Array.from({ length: 20 }, () => post(slack, 'C0BUSY')));
  assert.deepEqual(
    answers.map((a) => a.status),
    Array.from({ length: 20 }, () => 200),
  );
  assert.equal(slack.messages('C0BUSY').length, 20);
});

test('a burst into one channel beyond its allowance is answered 429 with Retry-After and the ratelimited body, posts nothing, and is recorded', async (t) => {
  const slack = await startSlack(t, { postMessageBurstPerChannel: 2, postMessagesPerSecondPerChannel: 1 });
  const answers = [await post(slack, 'C0BUSY'), await post(slack, 'C0BUSY'), await post(slack, 'C0BUSY')];

  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 429],
  );
  const refused = answers[2];
  assert.equal(refused?.retryAfter, '1', 'one message a second: the next one fits within a second');
  assert.deepEqual(refused?.body, RATELIMITED);
  assert.equal(slack.messages('C0BUSY').length, 2, 'the refused message was not posted');
  assert.deepEqual(
    slack.calls.map((c) => [c.method, c.httpStatus, c.ok, c.error]),
    [
      ['chat.postMessage', 200, true, undefined],
      ['chat.postMessage', 200, true, undefined],
      ['chat.postMessage', 429, false, 'ratelimited'],
    ],
  );
});

test('with Slack figures a channel takes a short burst, then refuses', async (t) => {
  const slack = await startSlack(t, true);
  const answers = await Promise.all(Array.from({ length: 10 }, () => post(slack, 'C0BUSY')));
  const posted = answers.filter((a) => a.status === 200).length;
  assert.ok(posted > 1 && posted < 10, `a short burst over one message is posted, not all ten (${posted} were)`);
  assert.ok(answers.filter((a) => a.status === 429).every((a) => a.retryAfter === '1'));
});

test('a channel that used up its allowance leaves other channels and DMs their own', async (t) => {
  const slack = await startSlack(t, { postMessageBurstPerChannel: 1 });
  assert.equal((await post(slack, 'C0BUSY')).status, 200);
  assert.equal((await post(slack, 'C0BUSY')).status, 429);

  assert.equal((await post(slack, 'C0QUIET')).status, 200);
  assert.equal((await post(slack, REQUESTER.id)).status, 200, 'a DM addressed by user ID');
  const dm = slack.dmChannelFor(REQUESTER.id);
  assert.equal((await post(slack, dm)).status, 429, 'the same DM addressed by its D… ID shares its allowance');
});

test('a refused message is posted when sent again after Retry-After', async (t) => {
  const slack = await startSlack(t, { postMessageBurstPerChannel: 1, postMessagesPerSecondPerChannel: 1 });
  await post(slack, 'C0BUSY');
  const refused = await post(slack, 'C0BUSY');
  assert.equal(refused.status, 429);

  await sleep(Number(refused.retryAfter) * 1000);
  const retried = await post(slack, 'C0BUSY');
  assert.equal(retried.status, 200);
  assert.deepEqual((retried.body as { ok: boolean }).ok, true);
  assert.equal(slack.messages('C0BUSY').length, 2);
});

test('a tiered method beyond its per-minute allowance is answered 429, per method: others of the same tier still answer', async (t) => {
  const slack = await startSlack(t, { perMinuteByTier: { 3: 2 } });
  const { body } = await post(slack, 'C0BUSY');
  const ts = (body as { ts: string }).ts;
  const update = () => call(slack, 'chat.update', { channel: 'C0BUSY', ts, text: 'edited' });

  const answers = [await update(), await update(), await update()];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 429],
  );
  const retryAfter = Number(answers[2]?.retryAfter);
  assert.ok(
    Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 30,
    `two a minute: a call fits again within 30 s (Retry-After ${answers[2]?.retryAfter})`,
  );
  assert.deepEqual(answers[2]?.body, RATELIMITED);
  assert.equal(slack.messages('C0BUSY')[0]?.updates, 2, 'the refused update changed nothing');

  const sameTier = await call(slack, 'users.lookupByEmail', { email: REQUESTER.email });
  assert.equal(sameTier.status, 200, 'users.lookupByEmail, also Tier 3, has its own allowance');
  const tier4 = await call(slack, 'users.info', { user: REQUESTER.id });
  assert.equal(tier4.status, 200);
});

test('the product Slack client reads a refusal as a retryable failure delayed by Retry-After', async (t) => {
  const slack = await startSlack(t, { postMessageBurstPerChannel: 1 });
  const client = createSlackClient({ token: TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2000 });
  await client.chat.postMessage({ channel: 'C0BUSY', text: 'first' });

  const error = await client.chat.postMessage({ channel: 'C0BUSY', text: 'second' }).then(
    () => assert.fail('the second message within a second must be refused'),
    (err: unknown) => err,
  );
  const failure = slackFailure(error);
  assert.ok(failure instanceof ApplicationFailure);
  assert.equal(failure.nonRetryable, false);
  assert.equal(failure.nextRetryDelay, 1000);
});
