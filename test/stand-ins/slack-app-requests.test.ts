import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebClient } from '@slack/web-api';
import { type SlackStandIn, type SlackStandInOptions, startSlackStandIn } from '../../stand-ins/slack/slack-stand-in';
import {
  type GatewayAnswer,
  jsonAnswer,
  type ReceivedRequest,
  startFakeGateway,
  verifySlackSignature,
} from './fake-slack-app';

const TOKEN = 'xoxb-test-token';
const SECRET = 'test-signing-secret';
const REQUESTER = { id: 'U0REQUESTER', name: 'bob', email: 'bob@example.com' };
const APPROVER = { id: 'U0APPROVER', name: 'alice', email: 'alice@example.com' };

async function startSlackWithGateway(
  t: TestContext,
  answer?: (request: ReceivedRequest) => GatewayAnswer | Promise<GatewayAnswer>,
  options: Partial<SlackStandInOptions> = {},
): Promise<{ slack: SlackStandIn; received: ReceivedRequest[] }> {
  const gateway = await startFakeGateway(t, answer);
  const slack = await startSlackStandIn({
    botToken: TOKEN,
    signingSecret: SECRET,
    users: [REQUESTER, APPROVER],
    gatewayUrl: gateway.url,
    ...options,
  });
  t.after(() => slack.close());
  return { slack, received: gateway.received };
}

function client(slack: SlackStandIn): WebClient {
  return new WebClient(TOKEN, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
}

function payloadOf(request: ReceivedRequest | undefined): Record<string, unknown> {
  assert.ok(request, 'the app received no request');
  return JSON.parse(request.form.get('payload') ?? 'null') as Record<string, unknown>;
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

test('a slash command is a signed form post with the fields Slack documents, and its JSON ack shows as an ephemeral message', async (t) => {
  const { slack, received } = await startSlackWithGateway(t, () =>
    jsonAnswer({ response_type: 'ephemeral', text: 'Opening the request form…' }),
  );
  const response = await slack.sendSlashCommand({ userId: REQUESTER.id, text: 'eng-prod 2h' });

  assert.equal(response.status, 200);
  assert.equal(response.ackDeadlineMissed, false);
  assert.ok(response.elapsedMs > 0);
  const [request] = received;
  assert.ok(request);
  assert.equal(request.path, '/slack/commands');
  assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(verifySlackSignature(request, SECRET), 'valid');
  assert.match(request.rawBody, /command=%2Fjit&text=eng-prod\+2h/);
  const form = Object.fromEntries(request.form);
  const dm = slack.dmChannelFor(REQUESTER.id);
  assert.deepEqual(
    { ...form, response_url: undefined, trigger_id: undefined, token: undefined },
    {
      team_id: 'T0SANDBOX',
      team_domain: 'sandbox',
      channel_id: dm,
      channel_name: 'directmessage',
      user_id: REQUESTER.id,
      user_name: 'bob',
      command: '/jit',
      text: 'eng-prod 2h',
      api_app_id: 'A0JITACCESS',
      is_enterprise_install: 'false',
      response_url: undefined,
      trigger_id: undefined,
      token: undefined,
    },
  );
  assert.ok(form.token);
  assert.ok(form.response_url?.startsWith(`${slack.baseUrl}/response/`));
  assert.match(form.trigger_id ?? '', /^\d+\.\d+\.[0-9a-f]{32}$/);

  assert.deepEqual(
    slack.dms(REQUESTER.id).map((m) => [m.text, m.ephemeralTo]),
    [['Opening the request form…', REQUESTER.id]],
  );
});

test('forged requests fail HMAC verification, stale ones are signed 10 minutes ago, and none carries no signature', async (t) => {
  const { slack, received } = await startSlackWithGateway(t);
  await slack.sendSlashCommand({ userId: REQUESTER.id, signature: 'forged' });
  await slack.sendSlashCommand({ userId: REQUESTER.id, signature: 'stale' });
  await slack.sendRaw('/slack/commands', 'ssl_check=1&token=x', {}, 'none');
  assert.deepEqual(
    received.map((r) => verifySlackSignature(r, SECRET)),
    ['bad-signature', 'stale', 'missing'],
  );
  const staleBy = Math.floor(Date.now() / 1000) - Number(received[1]?.headers['x-slack-request-timestamp']);
  assert.ok(staleBy >= 599 && staleBy <= 602, `stale by ${staleBy} s`);
});

test('an ack slower than the deadline is flagged ackDeadlineMissed and its answer is not shown', async (t) => {
  const { slack } = await startSlackWithGateway(t, () => ({ ...jsonAnswer({ text: 'too late' }), delayMs: 120 }), {
    ackDeadlineMs: 50,
  });
  const response = await slack.sendSlashCommand({ userId: REQUESTER.id });
  assert.equal(response.ackDeadlineMissed, true);
  assert.ok(response.elapsedMs >= 100);
  assert.deepEqual(slack.dms(REQUESTER.id), []);
});

test('the trigger_id opens a modal; view_submission errors keep it open and an empty ack closes it', async (t) => {
  // The fake app answers the command by opening a modal through the stand-in's Web API.
  const { slack, received } = await startSlackWithGateway(t, async (request) => {
    if (request.path === '/slack/commands') {
      await client(slack).views.open({
        trigger_id: request.form.get('trigger_id') ?? '',
        view: {
          type: 'modal',
          callback_id: 'access_request',
          private_metadata: '{"channel_id":"D1"}',
          title: { type: 'plain_text', text: 'Request access' },
          submit: { type: 'plain_text', text: 'Submit' },
          blocks: [
            {
              type: 'input',
              block_id: 'reason_block',
              label: { type: 'plain_text', text: 'Why' },
              element: { type: 'plain_text_input', action_id: 'reason_input' },
            },
          ],
        },
      });
      return {};
    }
    const payload = payloadOf(request) as {
      view: { state: { values: { reason_block: { reason_input: { value: string } } } } };
    };
    const reason = payload.view.state.values.reason_block.reason_input.value;
    return reason.length < 10
      ? jsonAnswer({ response_action: 'errors', errors: { reason_block: 'Give at least 10 characters' } })
      : {};
  });

  await slack.sendSlashCommand({ userId: REQUESTER.id });
  const view = await slack.waitFor('the request modal', () => slack.views(REQUESTER.id)[0]);
  assert.equal(view.view.callback_id, 'access_request');

  const short = { reason_block: { reason_input: { type: 'plain_text_input', value: 'oncall' } } };
  const refused = await slack.sendViewSubmission({ userId: REQUESTER.id, view, values: short });
  assert.deepEqual(refused.json, {
    response_action: 'errors',
    errors: { reason_block: 'Give at least 10 characters' },
  });
  const stillOpen = slack.views(REQUESTER.id);
  assert.equal(stillOpen.length, 1);
  assert.deepEqual(stillOpen[0]?.errors, { reason_block: 'Give at least 10 characters' });

  const payload = payloadOf(received.at(-1)) as {
    type: string;
    user: { id: string };
    trigger_id: string;
    view: Record<string, unknown>;
  };
  assert.equal(payload.type, 'view_submission');
  assert.equal(payload.user.id, REQUESTER.id);
  assert.equal(payload.view.id, view.id);
  assert.equal(payload.view.hash, view.hash);
  assert.equal(payload.view.private_metadata, '{"channel_id":"D1"}');
  assert.deepEqual(payload.view.state, { values: short });

  const good = { reason_block: { reason_input: { type: 'plain_text_input', value: 'Investigating INC-42' } } };
  const accepted = await slack.sendViewSubmission({ userId: REQUESTER.id, view, values: good });
  assert.equal(accepted.body, '');
  assert.deepEqual(slack.views(REQUESTER.id), []);
  assert.ok(slack.views(REQUESTER.id, { includeClosed: true })[0]?.closedAt);
  await assert.rejects(slack.sendViewSubmission({ userId: REQUESTER.id, view, values: good }), /closed/);
});

test('block_actions carry the clicked message, its response_url and the button value; replace_original "true" replaces it', async (t) => {
  const { slack, received } = await startSlackWithGateway(t);
  const blocks = [
    { type: 'section', block_id: 'req_42', text: { type: 'mrkdwn', text: 'bob requests *eng-prod*' } },
    {
      type: 'actions',
      block_id: 'req_42_actions',
      elements: [
        {
          type: 'button',
          action_id: 'approve',
          value: '42',
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
        },
      ],
    },
  ];
  const posted = await client(slack).chat.postMessage({ channel: 'C0APPROVALS', text: 'Access request', blocks });
  const message = await slack.waitFor('the approval message', () => slack.messages('C0APPROVALS')[0]);

  const response = await slack.sendBlockActions({ userId: APPROVER.id, message, actions: [{ action_id: 'approve' }] });
  assert.equal(response.status, 200);
  const [request] = received;
  assert.ok(request);
  assert.equal(request.path, '/slack/interactions');
  assert.equal(verifySlackSignature(request, SECRET), 'valid');
  const payload = payloadOf(request) as {
    type: string;
    user: { id: string };
    container: unknown;
    channel: unknown;
    message: { ts: string; blocks: unknown };
    response_url: string;
    trigger_id: string;
    actions: Array<Record<string, unknown>>;
  };
  assert.equal(payload.type, 'block_actions');
  assert.equal(payload.user.id, APPROVER.id);
  assert.deepEqual(payload.container, {
    type: 'message',
    message_ts: posted.ts,
    channel_id: 'C0APPROVALS',
    is_ephemeral: false,
  });
  assert.deepEqual(payload.channel, { id: 'C0APPROVALS', name: 'c0approvals' });
  assert.equal(payload.message.ts, posted.ts);
  assert.deepEqual(payload.message.blocks, blocks);
  assert.match(payload.trigger_id, /^\d+\.\d+\.[0-9a-f]{32}$/);
  const [action] = payload.actions;
  assert.deepEqual(
    { ...action, action_ts: undefined },
    {
      type: 'button',
      block_id: 'req_42_actions',
      action_id: 'approve',
      value: '42',
      style: 'primary',
      text: { type: 'plain_text', text: 'Approve' },
      action_ts: undefined,
    },
  );
  assert.match(String(action?.action_ts), /^\d+\.\d{6}$/);

  const replaced = await postJson(payload.response_url, { replace_original: 'true', text: 'Approved by alice' });
  assert.deepEqual(replaced, { status: 200, body: { ok: true } });
  const [after] = slack.messages('C0APPROVALS');
  assert.deepEqual([after?.ts, after?.text, after?.blocks, after?.updates], [posted.ts, 'Approved by alice', [], 1]);
  assert.deepEqual(
    slack.responseUrlPosts.map((p) => [p.status, p.body.text]),
    [[200, 'Approved by alice']],
  );
});

test('a response_url takes 5 posts, then answers used_url; after its lifetime expired_url; its faults are separate', async (t) => {
  // Long enough for seven posts on a busy machine; the expiry is then waited out.
  const { slack } = await startSlackWithGateway(t, undefined, { responseUrl: { ttlMs: 2000 } });
  const url = slack.mintResponseUrl({ channel: 'C0APPROVALS', userId: REQUESTER.id });
  slack.faults.add({ kind: 'status', status: 500, times: 1, match: { method: 'response_url' } });
  assert.equal((await postJson(url, { text: 'faulted' })).status, 500);
  for (let i = 1; i <= 5; i += 1)
    assert.deepEqual(await postJson(url, { text: `update ${i}` }), { status: 200, body: { ok: true } });
  assert.deepEqual(await postJson(url, { text: 'sixth' }), { status: 404, body: { ok: false, error: 'used_url' } });
  assert.deepEqual(
    slack.messages('C0APPROVALS').map((m) => m.ephemeralTo),
    Array(5).fill(REQUESTER.id),
  );

  const inChannel = slack.mintResponseUrl({ channel: 'C0APPROVALS', userId: REQUESTER.id });
  await postJson(inChannel, { response_type: 'in_channel', text: 'for everyone' });
  assert.equal(slack.messages('C0APPROVALS').at(-1)?.ephemeralTo, undefined);
  await sleep(2100);
  assert.deepEqual(await postJson(inChannel, { text: 'late' }), {
    status: 404,
    body: { ok: false, error: 'expired_url' },
  });
});

test('control routes let another process act as a user and watch the workspace; staticDir serves the demo page safely', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'slack-stand-in-static-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const web = join(dir, 'web');
  await mkdir(web);
  await writeFile(join(web, 'index.html'), '<!doctype html><title>demo</title>');
  await writeFile(join(web, '.secret'), 'no');
  await writeFile(join(dir, 'outside.txt'), 'no');
  const { slack, received } = await startSlackWithGateway(t, () => jsonAnswer({ text: 'ack' }), { staticDir: web });

  const acted = await postJson(`${slack.baseUrl}/_control/slash-commands`, { userId: REQUESTER.id, text: 'hello' });
  assert.equal(acted.status, 200);
  assert.equal((acted.body as { status: number }).status, 200);
  assert.equal(received[0]?.form.get('text'), 'hello');

  const state = await fetch(`${slack.baseUrl}/_control/state`);
  assert.equal(state.headers.get('access-control-allow-origin'), '*');
  const snapshot = (await state.json()) as { messages: Array<{ text: string }>; users: unknown[] };
  assert.deepEqual(
    snapshot.messages.map((m) => m.text),
    ['ack'],
  );
  assert.equal(snapshot.users.length, 2);

  const page = await fetch(`${slack.baseUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /demo/);
  assert.equal((await fetch(`${slack.baseUrl}/.secret`)).status, 404);
  // fetch would normalise '..' away, so send the raw path.
  const rawStatus = (path: string) =>
    new Promise<number | undefined>((resolve, reject) => {
      const { hostname, port } = new URL(slack.baseUrl);
      get({ hostname, port, path }, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject);
    });
  assert.equal(await rawStatus('/../outside.txt'), 404);
  assert.equal(await rawStatus('/%2e%2e/outside.txt'), 404);
  assert.equal(await rawStatus('/index.html'), 200);
});
