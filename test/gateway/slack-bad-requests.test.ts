import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ActionIds, CallbackIds } from '../../integrations/slack/block-kit/ids';
import { type SignatureMode } from '../../stand-ins/slack/slack-stand-in';
import { closeTestTemporal } from '../support/temporal';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness';

after(() => closeTestTemporal());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const interaction = (payload: unknown) => form({ payload: JSON.stringify(payload) });

function command(h: GatewayHarness, fields: Record<string, string> = {}) {
  return form({
    team_id: 'T0SANDBOX',
    channel_id: 'C0GENERAL',
    user_id: h.requester.slackUserId,
    command: '/jit',
    text: '',
    response_url: `${h.slack.baseUrl}/response/never-minted`,
    trigger_id: h.slack.mintTriggerId(h.requester.slackUserId),
    ...fields,
  });
}

function approveClick(h: GatewayHarness, overrides: Record<string, unknown> = {}) {
  return {
    type: 'block_actions',
    user: { id: h.approver.slackUserId },
    trigger_id: h.slack.mintTriggerId(h.approver.slackUserId),
    response_url: `${h.slack.baseUrl}/response/never-minted`,
    actions: [{ action_id: ActionIds.approve, value: `jit-grant-${h.requester.jumpcloudUserId}-${h.group.id}` }],
    ...overrides,
  };
}

/** Sends one request and proves the refusal: the status, a message naming the problem, and nothing done anywhere. */
async function refused(
  h: GatewayHarness,
  request: { path: string; body: string; headers?: Record<string, string>; signature?: SignatureMode },
  expected: { status: number; message: RegExp },
) {
  const response = await h.slack.sendRaw(request.path, request.body, request.headers, request.signature);
  assert.equal(response.status, expected.status, response.body);
  assert.match((response.json as { message?: string } | undefined)?.message ?? '', expected.message);
  await h.app.backgroundTasks.drain(5000);
  assert.deepEqual(
    h.slack.calls.map((c) => c.method),
    [],
    'no Slack Web API call',
  );
  assert.deepEqual(h.slack.responseUrlPosts, [], 'no response_url post');
  assert.deepEqual(h.jumpcloud.calls, [], 'no JumpCloud call');
  assert.deepEqual(await h.startedWorkflows(), [], 'no workflow');
}

test('every unauthenticated or malformed Slack request is refused with a 4xx naming the problem, and nothing happens', async (t) => {
  const h = await createGatewayHarness(t);

  await t.test('a forged signature on /jit → 401', () =>
    refused(
      h,
      { path: '/slack/commands', body: command(h), signature: 'forged' },
      { status: 401, message: /X-Slack-Signature does not match the body/ },
    ),
  );
  await t.test('a correctly signed request from 10 minutes ago → 401', () =>
    refused(
      h,
      { path: '/slack/commands', body: command(h), signature: 'stale' },
      { status: 401, message: /more than 5 minutes/ },
    ),
  );
  await t.test('no signature headers at all → 401', () =>
    refused(
      h,
      { path: '/slack/interactions', body: interaction(approveClick(h)), signature: 'none' },
      { status: 401, message: /X-Slack-Request-Timestamp/ },
    ),
  );
  await t.test('a malformed form body (bad percent-encoding) → 400', () =>
    refused(
      h,
      { path: '/slack/commands', body: `${command(h)}&text=%E0%A4%A` },
      { status: 400, message: /malformed form body: invalid percent-encoding/ },
    ),
  );
  await t.test('a form field given twice → 400', () =>
    refused(
      h,
      { path: '/slack/commands', body: `${command(h)}&user_id=U0OTHER` },
      { status: 400, message: /"user_id" appears more than once/ },
    ),
  );
  await t.test('an interaction without the payload field → 400', () =>
    refused(
      h,
      { path: '/slack/interactions', body: form({ type: 'block_actions' }) },
      { status: 400, message: /missing form field "payload"/ },
    ),
  );
  await t.test('a payload that is not JSON → 400', () =>
    refused(
      h,
      { path: '/slack/interactions', body: form({ payload: '{"type": "block_actions",' }) },
      { status: 400, message: /not valid JSON/ },
    ),
  );
  await t.test('an interaction type the app does not handle → 400', () =>
    refused(
      h,
      { path: '/slack/interactions', body: interaction({ type: 'shortcut', callback_id: 'x' }) },
      { status: 400, message: /unsupported interaction type "shortcut"/ },
    ),
  );
  await t.test('an unknown action_id → 400', () =>
    refused(
      h,
      {
        path: '/slack/interactions',
        body: interaction(approveClick(h, { actions: [{ action_id: 'grant_everything', value: 'x' }] })),
      },
      { status: 400, message: /unknown action_id "grant_everything"/ },
    ),
  );
  await t.test('a button value that is not a grant workflow ID → 400', () =>
    refused(
      h,
      {
        path: '/slack/interactions',
        body: interaction(
          approveClick(h, { actions: [{ action_id: ActionIds.approve, value: 'some-other-workflow' }] }),
        ),
      },
      { status: 400, message: /not a grant's workflow ID/ },
    ),
  );
  await t.test('an unknown callback_id → 400', () =>
    refused(
      h,
      {
        path: '/slack/interactions',
        body: interaction({
          type: 'view_submission',
          user: { id: h.requester.slackUserId },
          view: { id: 'V1', callback_id: 'something_else', state: { values: {} } },
        }),
      },
      { status: 400, message: /unknown callback_id "something_else"/ },
    ),
  );
  await t.test('a wrongly typed field (user.id a number) → 400 naming the field', () =>
    refused(
      h,
      { path: '/slack/interactions', body: interaction(approveClick(h, { user: { id: 42 } })) },
      { status: 400, message: /user\.id: .*expected string/ },
    ),
  );
  await t.test('a wrongly typed field (view.state.values a string) → 400 naming the field', () =>
    refused(
      h,
      {
        path: '/slack/interactions',
        body: interaction({
          type: 'view_submission',
          user: { id: h.requester.slackUserId },
          view: { id: 'V1', callback_id: CallbackIds.request, state: { values: 'all of them' } },
        }),
      },
      { status: 400, message: /view\.state\.values/ },
    ),
  );
  await t.test('a slash command without trigger_id → 400 naming it', () =>
    refused(
      h,
      { path: '/slack/commands', body: command(h, { trigger_id: '' }) },
      { status: 400, message: /trigger_id/ },
    ),
  );
  await t.test('a slash command whose response_url is outside the Slack prefix → 400 naming the prefix', () =>
    refused(
      h,
      { path: '/slack/commands', body: command(h, { response_url: 'https://hooks.slack.com.evil.example/c/1' }) },
      { status: 400, message: new RegExp(`response_url: must start with ${h.slack.responseUrlPrefix}`) },
    ),
  );
  await t.test('a click whose response_url is elsewhere on the same host (the Web API) → 400', () =>
    refused(
      h,
      {
        path: '/slack/interactions',
        body: interaction(approveClick(h, { response_url: `${h.slack.apiUrl}chat.postMessage` })),
      },
      { status: 400, message: /invalid block_actions payload: response_url: must start with/ },
    ),
  );
  await t.test('a command this app does not own → 400', () =>
    refused(
      h,
      { path: '/slack/commands', body: command(h, { command: '/deploy' }) },
      { status: 400, message: /unknown command "\/deploy"/ },
    ),
  );
  await t.test('a body over 256 KiB → 413', () =>
    refused(
      h,
      { path: '/slack/commands', body: command(h, { text: 'x'.repeat(300 * 1024) }) },
      { status: 413, message: /larger than 256 KiB/ },
    ),
  );
  await t.test('a JSON body instead of a form → 415', () =>
    refused(
      h,
      {
        path: '/slack/interactions',
        body: JSON.stringify(approveClick(h)),
        headers: { 'content-type': 'application/json' },
      },
      { status: 415, message: /unsupported content type "application\/json"/ },
    ),
  );
});

test('a forged Approve click on a real pending request is refused with 401 and decides nothing', async (t) => {
  const h = await createGatewayHarness(t);
  const { workflowId, message } = await h.requestAccess();
  const forged = await h.slack.sendBlockActions({
    userId: h.approver.slackUserId,
    message,
    actions: [{ action_id: ActionIds.approve }],
    signature: 'forged',
  });
  assert.equal(forged.status, 401);
  const stale = await h.slack.sendBlockActions({
    userId: h.approver.slackUserId,
    message,
    actions: [{ action_id: ActionIds.approve }],
    signature: 'stale',
  });
  assert.equal(stale.status, 401);
  await h.app.backgroundTasks.drain(5000);
  const state = await h.grants.state(workflowId);
  assert.equal(state.status, 'PENDING_APPROVAL');
  assert.equal(state.decidedBy, undefined);
  assert.equal(h.isMember(), false);
  assert.deepEqual(h.slack.responseUrlPosts, []);
  await h.grants.revoke(workflowId, { bySlackUserId: h.requester.slackUserId }, 'cleanup');
});
