import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import {
  ErrorCode,
  type Logger,
  LogLevel,
  type WebAPIPlatformError,
  type WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api';
import { type SlackStandIn, type SlackStandInOptions, startSlackStandIn } from '../../stand-ins/slack/slack-stand-in';

const TOKEN = 'xoxb-test-token';
const REQUESTER = { id: 'U0REQUESTER', name: 'bob', realName: 'Bob Builder', email: 'bob@example.com' };
const APPROVER = { id: 'U0APPROVER', name: 'alice', email: 'alice@example.com' };

async function startSlack(t: TestContext, options: Partial<SlackStandInOptions> = {}): Promise<SlackStandIn> {
  const slack = await startSlackStandIn({ botToken: TOKEN, users: [REQUESTER, APPROVER], ...options });
  t.after(() => slack.close());
  return slack;
}

/** The client's own warnings (e.g. "text is missing") are expected here and would only clutter the test output. */
const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

/** The production client settings: no retries of its own, rate limits surfaced as errors. */
function webClient(slack: SlackStandIn, token = TOKEN): WebClient {
  return new WebClient(token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 2000,
    logger: quietLogger,
  });
}

/** the `{ ok: false, error, ... }` body of a call that must fail with a platform error */
async function platformError(promise: Promise<unknown>): Promise<{ error: string; [key: string]: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as WebAPIPlatformError;
    assert.equal(e.code, ErrorCode.PlatformError, String(error));
    return { ...e.data };
  }
  assert.fail('expected the call to fail');
}

const approvalBlocks = [
  { type: 'section', block_id: 'req_42', text: { type: 'mrkdwn', text: '<@U0REQUESTER> requests *eng-prod*' } },
  {
    type: 'actions',
    block_id: 'req_42_actions',
    elements: [{ type: 'button', action_id: 'approve', value: '42', text: { type: 'plain_text', text: 'Approve' } }],
  },
];

test('chat.postMessage to a user id lands in that user’s DM channel, and chat.update replaces it', async (t) => {
  const slack = await startSlack(t);
  const client = webClient(slack);

  const posted = await client.chat.postMessage({
    channel: REQUESTER.id,
    text: 'Access request received',
    blocks: approvalBlocks,
  });
  const dm = slack.dmChannelFor(REQUESTER.id);
  assert.match(dm, /^D/);
  assert.equal(posted.channel, dm);
  assert.match(posted.ts ?? '', /^\d{10}\.\d{6}$/);
  assert.deepEqual(
    slack.dms(REQUESTER.id).map((m) => [m.text, m.blocks, m.postedBy]),
    [['Access request received', approvalBlocks, 'bot']],
  );

  const second = await client.chat.postMessage({ channel: dm, text: 'second' });
  assert.ok(Number(second.ts) > Number(posted.ts), 'ts values increase');

  const updated = await client.chat.update({ channel: dm, ts: posted.ts ?? '', text: 'Approved', blocks: [] });
  assert.equal(updated.ts, posted.ts);
  const [message] = slack.dms(REQUESTER.id);
  assert.deepEqual([message?.text, message?.blocks, message?.updates], ['Approved', [], 1]);

  assert.equal(
    (await platformError(client.chat.update({ channel: dm, ts: '1.000001', text: 'x' }))).error,
    'message_not_found',
  );
  assert.equal(
    (await platformError(client.chat.postMessage({ channel: 'U0NOBODY', text: 'x' }))).error,
    'channel_not_found',
  );
  assert.equal((await platformError(client.chat.postMessage({ channel: 'C0APPROVALS' } as never))).error, 'no_text');

  const channelPost = await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'to the channel' });
  assert.equal(channelPost.channel, 'C0APPROVALS');
  assert.equal(slack.messages('C0APPROVALS').length, 1);
  assert.deepEqual(slack.calls.map((c) => [c.method, c.ok, c.httpStatus]).slice(0, 3), [
    ['chat.postMessage', true, 200],
    ['chat.postMessage', true, 200],
    ['chat.update', true, 200],
  ]);
  assert.deepEqual(slack.calls[0]?.args.blocks, approvalBlocks, 'form-encoded blocks are recorded parsed');
});

test('a 429 fault reaches the WebClient as WebAPIRateLimitedError with retryAfter, then the next call succeeds', async (t) => {
  const slack = await startSlack(t);
  const client = webClient(slack);
  slack.faults.add({
    kind: 'status',
    status: 429,
    retryAfterSeconds: 30,
    times: 1,
    match: { method: 'chat.postMessage' },
  });

  await assert.rejects(
    client.chat.postMessage({ channel: REQUESTER.id, text: 'hi' }),
    (error: WebAPIRateLimitedError) => {
      assert.equal(error.code, ErrorCode.RateLimitedError);
      assert.equal(error.retryAfter, 30);
      return true;
    },
  );
  assert.equal(slack.dms(REQUESTER.id).length, 0);
  await client.chat.postMessage({ channel: REQUESTER.id, text: 'hi' });
  assert.deepEqual(
    slack.calls.map((c) => [c.httpStatus, c.ok, c.error]),
    [
      [429, false, 'ratelimited'],
      [200, true, undefined],
    ],
  );
});

test('5xx and dropped-connection faults reach the WebClient as HTTP and request errors', async (t) => {
  const slack = await startSlack(t);
  const client = webClient(slack);
  slack.faults.add({ kind: 'status', status: 503, times: 1 });
  await assert.rejects(client.chat.postMessage({ channel: REQUESTER.id, text: 'hi' }), {
    code: ErrorCode.HTTPError,
    statusCode: 503,
  });
  slack.faults.add({ kind: 'drop', times: 1, match: { method: '*' } });
  await assert.rejects(client.chat.postMessage({ channel: REQUESTER.id, text: 'hi' }), {
    code: ErrorCode.RequestError,
  });
  slack.faults.add({ kind: 'status', status: 200, body: { ok: false, error: 'fatal_error' }, times: 1 });
  assert.equal((await platformError(client.auth.test())).error, 'fatal_error');
  assert.equal(slack.dms(REQUESTER.id).length, 0);
  assert.equal(slack.faults.injected, 3);
});

test('a wrong token gets invalid_auth and a missing token not_authed, both with HTTP 200', async (t) => {
  const slack = await startSlack(t);
  assert.equal(
    (await platformError(webClient(slack, 'xoxb-wrong').chat.postMessage({ channel: REQUESTER.id, text: 'x' }))).error,
    'invalid_auth',
  );
  const anonymous = await fetch(`${slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'channel=U0REQUESTER&text=x',
  });
  assert.equal(anonymous.status, 200);
  assert.deepEqual(await anonymous.json(), { ok: false, error: 'not_authed' });
  const viaJson = await fetch(`${slack.apiUrl}chat.postMessage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ channel: REQUESTER.id, text: 'json works' }),
  });
  assert.equal(((await viaJson.json()) as { ok: boolean }).ok, true);
  assert.equal(slack.dms(REQUESTER.id).length, 1);
});

test('users.info includes profile.email only when the users:read.email scope is granted; missing scopes say which', async (t) => {
  const withEmail = await startSlack(t, { scopes: ['chat:write', 'users:read', 'users:read.email'] });
  const info = await webClient(withEmail).users.info({ user: REQUESTER.id });
  assert.equal(info.user?.profile?.email, 'bob@example.com');
  assert.equal(info.user?.real_name, 'Bob Builder');
  assert.equal((await webClient(withEmail).users.lookupByEmail({ email: 'alice@example.com' })).user?.id, APPROVER.id);
  assert.equal(
    (await platformError(webClient(withEmail).users.lookupByEmail({ email: 'x@example.com' }))).error,
    'users_not_found',
  );
  assert.equal((await platformError(webClient(withEmail).users.info({ user: 'U0NOBODY' }))).error, 'user_not_found');

  const withoutEmail = await startSlack(t, { scopes: ['chat:write', 'users:read'] });
  const limited = await webClient(withoutEmail).users.info({ user: REQUESTER.id });
  assert.equal(limited.user?.profile?.email, undefined);
  assert.equal(limited.user?.name, 'bob');
  const denied = await platformError(webClient(withoutEmail).users.lookupByEmail({ email: 'bob@example.com' }));
  assert.deepEqual(
    [denied.error, denied.needed, denied.provided],
    ['missing_scope', 'users:read.email', 'chat:write,users:read'],
  );
});

test('a trigger id opens one modal within its lifetime: reuse is exchanged, late use expired, unknown invalid', async (t) => {
  const slack = await startSlack(t, { triggerTtlMs: 100 });
  const client = webClient(slack);
  const view = {
    type: 'modal' as const,
    callback_id: 'access_request',
    title: { type: 'plain_text' as const, text: 'Request access' },
    blocks: [],
  };

  const trigger = slack.mintTriggerId(REQUESTER.id);
  const opened = await client.views.open({ trigger_id: trigger, view });
  assert.match(opened.view?.id ?? '', /^V/);
  assert.equal(opened.view?.callback_id, 'access_request');
  assert.deepEqual(opened.view?.state, { values: {} });
  assert.deepEqual(
    slack.views(REQUESTER.id).map((v) => v.id),
    [opened.view?.id],
  );

  assert.equal((await platformError(client.views.open({ trigger_id: trigger, view }))).error, 'exchanged_trigger_id');
  const late = slack.mintTriggerId(REQUESTER.id);
  await sleep(150);
  assert.equal((await platformError(client.views.open({ trigger_id: late, view }))).error, 'expired_trigger_id');
  assert.equal(
    (await platformError(client.views.open({ trigger_id: '123.456.abc', view }))).error,
    'invalid_trigger_id',
  );
  assert.equal((await platformError(client.views.open({ view } as never))).error, 'invalid_arguments');
});

test('views.update checks the hash: the current one updates the modal, a stale one answers hash_conflict', async (t) => {
  const slack = await startSlack(t);
  const client = webClient(slack);
  const title = { type: 'plain_text' as const, text: 'Request access' };
  const opened = await client.views.open({
    trigger_id: slack.mintTriggerId(REQUESTER.id),
    view: { type: 'modal', title, blocks: [] },
  });
  const firstHash = opened.view?.hash ?? '';
  const viewId = opened.view?.id ?? '';

  const updated = await client.views.update({
    view_id: viewId,
    hash: firstHash,
    view: { type: 'modal', title, blocks: [], private_metadata: 'v2' },
  });
  assert.equal(updated.view?.private_metadata, 'v2');
  assert.notEqual(updated.view?.hash, firstHash);
  assert.equal(slack.views(REQUESTER.id)[0]?.updates, 1);
  assert.equal(
    (
      await platformError(
        client.views.update({ view_id: viewId, hash: firstHash, view: { type: 'modal', title, blocks: [] } }),
      )
    ).error,
    'hash_conflict',
  );
  assert.equal(
    (await platformError(client.views.update({ view_id: 'V404', view: { type: 'modal', title, blocks: [] } }))).error,
    'not_found',
  );
});

test('conversations.open returns the user’s DM channel and chat.postEphemeral stores a message only that user sees', async (t) => {
  const slack = await startSlack(t);
  const client = webClient(slack);
  const opened = await client.conversations.open({ users: APPROVER.id });
  assert.equal(opened.channel?.id, slack.dmChannelFor(APPROVER.id));
  assert.equal((await platformError(client.conversations.open({ users: 'U0NOBODY' }))).error, 'user_not_found');

  const ephemeral = await client.chat.postEphemeral({ channel: 'C0APPROVALS', user: APPROVER.id, text: 'only you' });
  assert.ok(ephemeral.message_ts);
  assert.deepEqual(
    slack.messages('C0APPROVALS').map((m) => [m.text, m.ephemeralTo]),
    [['only you', APPROVER.id]],
  );
  assert.equal(
    (await platformError(client.chat.update({ channel: 'C0APPROVALS', ts: ephemeral.message_ts ?? '', text: 'x' })))
      .error,
    'message_not_found',
  );
});

test('waitFor resolves on the change that satisfies it and rejects naming what it waited for', async (t) => {
  const slack = await startSlack(t);
  const waiting = slack.waitFor('the DM to the requester', () => slack.dms(REQUESTER.id)[0]);
  await webClient(slack).chat.postMessage({ channel: REQUESTER.id, text: 'hello' });
  assert.equal((await waiting).text, 'hello');
  await assert.rejects(
    slack.waitFor('a message that never comes', () => slack.messages('C0NOWHERE')[0], 100),
    /a message that never comes/,
  );
});
