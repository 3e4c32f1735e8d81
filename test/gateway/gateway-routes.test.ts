import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import pino from 'pino';
import { type JitPolicy } from '../../config/policy';
import { gatewayLoggerOptions } from '../../gateway/logger';
import { signMetadata } from '../../gateway/slack/signed-metadata';
import { ActionIds, CallbackIds, RequestFormInputs } from '../../integrations/slack/block-kit/ids';
import { GrantRefusedError } from '../../integrations/temporal/grant-service';
import { type GrantInput } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { eventually } from '../support/eventually';
import {
  createFakeGateway,
  FAKE_CHANNEL,
  FAKE_SECRET,
  fakePolicy,
  GROUP_A,
  GROUP_B,
  REQUESTER_JC,
  slashCommandBody,
} from './gateway-with-fakes';

const WORKFLOW_A = grantWorkflowId(REQUESTER_JC, GROUP_A);

function formSubmission(values: { group?: string; duration?: string; justification?: string }, metadata?: string) {
  const select = (value: string | undefined) => ({
    type: 'static_select',
    selected_option: value === undefined ? null : { value },
  });
  const { group, duration, justification } = RequestFormInputs;
  return {
    type: 'view_submission',
    user: { id: 'U0ASKER' },
    view: {
      id: 'V0FORM',
      callback_id: CallbackIds.request,
      private_metadata:
        metadata ??
        signMetadata(FAKE_SECRET, {
          slackUserId: 'U0ASKER',
          jumpcloudUserId: REQUESTER_JC,
          email: 'asker@example.com',
        }),
      state: {
        values: {
          [group.blockId]: { [group.actionId]: select(values.group) },
          [duration.blockId]: { [duration.actionId]: select(values.duration) },
          [justification.blockId]: {
            [justification.actionId]: {
              type: 'plain_text_input',
              value: values.justification ?? 'Rotating the prod DB password',
            },
          },
        },
      },
    },
  };
}

function click(actionId: string, value: string, userId = 'U0BOSS') {
  return {
    type: 'block_actions',
    user: { id: userId },
    trigger_id: '9.9.xyz',
    response_url: 'https://hooks.slack.com/actions/T0001/2/def',
    actions: [{ action_id: actionId, value, block_id: 'grant_decision' }],
  };
}

describe('gateway routes with fake dependencies (app.inject)', () => {
  test('a signed /jit is acknowledged and the modal opened while Slack, JumpCloud and Temporal have not answered yet', async (t) => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gateway = await createFakeGateway({ gate });
    t.after(() => gateway.app.close());
    const ack = await gateway.post('/slack/commands', slashCommandBody());
    assert.equal(ack.statusCode, 200);
    assert.equal(ack.body, '');
    assert.deepEqual(
      gateway.calls.map((c) => c.method),
      ['views.open'],
      'the loading modal is requested first, with the fresh trigger',
    );
    const approve = await gateway.interaction(click(ActionIds.approve, WORKFLOW_A));
    assert.equal(approve.statusCode, 200, 'the click is acknowledged before the Update has an answer');
    release();
    await eventually('the form in the modal', () => gateway.calls.some((c) => c.method === 'views.update'));
    assert.deepEqual(
      gateway.calls.map((c) => c.method).sort(),
      [
        // /jit: the requester, then the groups they are in.
        'users.info',
        'directory.findUserByEmail',
        'directory.listUserGroupIds',
        'views.open',
        'views.update',
        // Approve: the approver, then the requester's account, then the Update.
        'users.info',
        'directory.findUserByEmail',
        'directory.getUser',
        'grants.decide',
      ].sort(),
    );
    const decide = gateway.calls.find((c) => c.method === 'grants.decide');
    assert.deepEqual(decide?.args, [
      WORKFLOW_A,
      { decision: 'approve', deciderSlackUserId: 'U0BOSS' },
      `${WORKFLOW_A}:approve:U0BOSS`,
      undefined,
    ]);
  });

  test("a submitted form becomes a GrantInput built from the group's policy, with the view ID as the request ID", async (t) => {
    const gateway = await createFakeGateway();
    t.after(() => gateway.app.close());
    const ack = await gateway.interaction(
      formSubmission({ group: GROUP_B, duration: String(8 * 3600), justification: '  Quarterly <!here> audit  ' }),
    );
    assert.equal(ack.statusCode, 200);
    assert.equal(ack.body, '');
    await eventually('the confirmation DM', () => gateway.calls.find((c) => c.method === 'chat.postMessage'));
    const input = gateway.calls.find((c) => c.method === 'grants.start')?.args[0] as GrantInput;
    assert.deepEqual(input, {
      requestId: 'V0FORM',
      requester: { slackUserId: 'U0ASKER', jumpcloudUserId: REQUESTER_JC, email: 'asker@example.com' },
      group: { id: GROUP_B, name: GROUP_B },
      durationSeconds: 8 * 3600,
      justification: 'Quarterly <!here> audit',
      policy: {
        approvers: ['U0BOSS', 'U0OTHER'],
        maxDurationSeconds: 8 * 3600,
        approvalTimeoutSeconds: 1800,
        allowSelfApproval: true,
        approvalChannel: 'C0SECOPS',
        requiredApprovals: 1,
        maxExtensions: 2,
        maxTotalDurationSeconds: 16 * 3600,
        remindBeforeSeconds: 600,
      },
    });
    const dm = gateway.calls.find((c) => c.method === 'chat.postMessage')?.args[0] as { channel: string; text: string };
    assert.equal(dm.channel, 'U0ASKER');
    assert.match(dm.text, /sent to the approvers/);
  });

  test('a group without an approvalChannel of its own posts to SLACK_APPROVAL_CHANNEL', async (t) => {
    const gateway = await createFakeGateway();
    t.after(() => gateway.app.close());
    await gateway.interaction(formSubmission({ group: GROUP_A, duration: '3600' }));
    const start = await eventually('the start', () => gateway.calls.find((c) => c.method === 'grants.start'));
    assert.equal((start.args[0] as GrantInput).policy.approvalChannel, FAKE_CHANNEL);
    assert.equal((start.args[0] as GrantInput).group.name, 'prod-db');
  });

  test('altered private_metadata or a form opened for someone else is refused with 400 and starts nothing', async (t) => {
    const gateway = await createFakeGateway();
    t.after(() => gateway.app.close());
    const genuine = signMetadata(FAKE_SECRET, {
      slackUserId: 'U0ASKER',
      jumpcloudUserId: REQUESTER_JC,
      email: 'asker@example.com',
    });
    const [, mac] = genuine.split('.');
    const altered = `${Buffer.from(JSON.stringify({ slackUserId: 'U0ASKER', jumpcloudUserId: 'dddddddddddddddddddddddd', email: 'x@example.com' })).toString('base64url')}.${mac}`;
    const tampered = await gateway.interaction(formSubmission({ group: GROUP_A, duration: '3600' }, altered));
    assert.equal(tampered.statusCode, 400);
    assert.match(tampered.json<{ message: string }>().message, /private_metadata/);
    const foreign = signMetadata(FAKE_SECRET, {
      slackUserId: 'U0SOMEONE',
      jumpcloudUserId: REQUESTER_JC,
      email: 'asker@example.com',
    });
    const stolen = await gateway.interaction(formSubmission({ group: GROUP_A, duration: '3600' }, foreign));
    assert.equal(stolen.statusCode, 400);
    assert.match(stolen.json<{ message: string }>().message, /another user/);
    await gateway.app.backgroundTasks.drain(1000);
    assert.deepEqual(gateway.calls, []);
  });

  test('Reject by a non-approver gets an ephemeral via the response_url and no modal; by an approver, the reason modal', async (t) => {
    const gateway = await createFakeGateway();
    t.after(() => gateway.app.close());
    assert.equal((await gateway.interaction(click(ActionIds.reject, WORKFLOW_A, 'U0OTHER'))).statusCode, 200);
    await eventually('the refusal', () => gateway.responses.length === 1);
    assert.deepEqual(gateway.responses[0]?.body, {
      response_type: 'ephemeral',
      replace_original: false,
      text: ':no_entry: you are not an approver for prod-db',
    });
    assert.equal(gateway.calls.filter((c) => c.method === 'views.open').length, 0);

    await gateway.interaction(click(ActionIds.reject, WORKFLOW_A, 'U0BOSS'));
    const open = await eventually('the reason modal', () => gateway.calls.find((c) => c.method === 'views.open'));
    const { view } = open.args[0] as { view: { callback_id: string; private_metadata: string } };
    assert.equal(view.callback_id, CallbackIds.rejectReason);
    assert.equal(view.private_metadata, WORKFLOW_A);
    assert.equal(
      gateway.calls.filter((c) => c.method.startsWith('grants.')).length,
      0,
      'nothing is decided by the click itself',
    );
  });

  test('a refused Update reaches the clicker as an ephemeral naming the reason, and changes nothing else', async (t) => {
    const gateway = await createFakeGateway({
      decide: () => Promise.reject(new GrantRefusedError('this request was already approved by <@U0BOSS>')),
    });
    t.after(() => gateway.app.close());
    assert.equal((await gateway.interaction(click(ActionIds.approve, WORKFLOW_A))).statusCode, 200);
    await eventually('the refusal', () => gateway.responses.length === 1);
    assert.deepEqual(gateway.responses[0]?.body, {
      response_type: 'ephemeral',
      replace_original: false,
      text: ':no_entry: this request was already approved by <@U0BOSS>',
    });
    assert.deepEqual(
      gateway.calls.map((c) => c.method),
      ['users.info', 'directory.findUserByEmail', 'directory.getUser', 'grants.decide', 'respond'],
    );
  });

  test('a refused rejection (from the reason modal, which has no response_url) is told to the approver in the approval channel', async (t) => {
    const gateway = await createFakeGateway({
      decide: () => Promise.reject(new GrantRefusedError('this request timed out before anyone decided')),
    });
    t.after(() => gateway.app.close());
    const workflowB = grantWorkflowId(REQUESTER_JC, GROUP_B);
    const runId = '01a20a8e-3871-7d08-b5cd-720cdf1008dd';
    const ack = await gateway.interaction({
      type: 'view_submission',
      user: { id: 'U0BOSS' },
      view: {
        id: 'V0REASON',
        callback_id: CallbackIds.rejectReason,
        private_metadata: `${workflowB}/${runId}`,
        state: { values: {} },
      },
    });
    assert.equal(ack.statusCode, 200);
    assert.equal(ack.body, '');
    const told = await eventually('the ephemeral', () => gateway.calls.find((c) => c.method === 'chat.postEphemeral'));
    assert.deepEqual(told.args[0], {
      channel: 'C0SECOPS',
      user: 'U0BOSS',
      text: ':no_entry: this request timed out before anyone decided',
    });
    const decide = gateway.calls.find((c) => c.method === 'grants.decide');
    assert.deepEqual(
      decide?.args,
      [
        workflowB,
        { decision: 'reject', deciderSlackUserId: 'U0BOSS', reason: undefined },
        `${workflowB}:reject:U0BOSS`,
        runId,
      ],
      'the rejection targets the run the message belonged to',
    );
  });

  test('when the modal cannot be opened (e.g. an expired trigger), /jit tells the user through the response_url', async (t) => {
    const gateway = await createFakeGateway({
      failing: { 'views.open': new Error('An API error occurred: expired_trigger_id') },
    });
    t.after(() => gateway.app.close());
    assert.equal((await gateway.post('/slack/commands', slashCommandBody())).statusCode, 200);
    await eventually('the ephemeral', () => gateway.responses.length === 1);
    assert.match(gateway.responses[0]?.body.text ?? '', /couldn't open the request form/);
    assert.deepEqual(
      gateway.calls.map((c) => c.method),
      ['views.open', 'respond'],
      'no lookups for a modal nobody sees',
    );
  });

  test('a JumpCloud outage while opening the form shows a message in the modal and tells the user, without internals', async (t) => {
    const gateway = await createFakeGateway({
      failing: {
        'directory.findUserByEmail': new Error('JumpCloud GET /systemusers answered 401 (check JUMPCLOUD_API_KEY)'),
      },
    });
    t.after(() => gateway.app.close());
    await gateway.post('/slack/commands', slashCommandBody());
    await eventually('the ephemeral', () => gateway.responses.length === 1);
    assert.equal(
      gateway.responses[0]?.body.text,
      "I couldn't reach JumpCloud just now. Please try again in a few minutes.",
    );
    const update = gateway.calls.find((c) => c.method === 'views.update')?.args[0] as { view: unknown };
    assert.match(JSON.stringify(update.view), /couldn't reach JumpCloud/);
    assert.doesNotMatch(JSON.stringify(gateway.responses), /401|JUMPCLOUD_API_KEY/);
  });

  test('/readyz is 503 when Temporal does not answer or answers too slowly, 200 when it does; /healthz is always 200', async (t) => {
    for (const [temporalReady, status] of [
      [async () => true, 200],
      [async () => false, 503],
      [() => Promise.reject(new Error('UNAVAILABLE')), 503],
      [() => new Promise<boolean>(() => {}), 503],
    ] as const) {
      const gateway = await createFakeGateway({ temporalReady });
      t.after(() => gateway.app.close());
      assert.equal((await gateway.app.inject({ url: '/readyz' })).statusCode, status);
      assert.equal((await gateway.app.inject({ url: '/healthz' })).statusCode, 200);
    }
  });

  test("the signature window follows the injected clock: Slack's request from 2018 verifies on its own day only", async (t) => {
    const at = (seconds: number) => () => seconds * 1000;
    const recorded = 1_531_420_618;
    const onTheDay = await createFakeGateway({ now: at(recorded + 299) });
    t.after(() => onTheDay.app.close());
    assert.equal(
      (await onTheDay.post('/slack/commands', slashCommandBody({ text: 'help' }), { timestamp: recorded })).statusCode,
      200,
    );
    const later = await createFakeGateway({ now: at(recorded + 301) });
    t.after(() => later.app.close());
    assert.equal(
      (await later.post('/slack/commands', slashCommandBody({ text: 'help' }), { timestamp: recorded })).statusCode,
      401,
    );
  });

  test('an unsigned ssl_check=1 is answered 200 on the command route and does nothing; on the interactions route it is 401', async (t) => {
    const gateway = await createFakeGateway();
    t.after(() => gateway.app.close());
    const check = await gateway.post('/slack/commands', 'ssl_check=1&token=abc', { signature: 'none' });
    assert.equal(check.statusCode, 200);
    assert.equal(check.body, '');
    const sneaky = await gateway.post(
      '/slack/interactions',
      `ssl_check=1&payload=${encodeURIComponent(JSON.stringify(click(ActionIds.approve, WORKFLOW_A)))}`,
      {
        signature: 'none',
      },
    );
    assert.equal(sneaky.statusCode, 401);
    await gateway.app.backgroundTasks.drain(1000);
    assert.deepEqual(gateway.calls, []);
  });

  test('an unsigned body that only looks like ssl_check=1 (a leading "?") is refused 401 and runs no command', async (t) => {
    const gateway = await createFakeGateway();
    t.after(() => gateway.app.close());
    const forged = await gateway.post(
      '/slack/commands',
      '?ssl_check=1&user_id=U0REQUESTER&command=%2Fjit&text=status&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&trigger_id=1.2.3',
      { signature: 'none' },
    );
    assert.equal(forged.statusCode, 401);
    await gateway.app.backgroundTasks.drain(1000);
    assert.deepEqual(gateway.calls, []);
    assert.deepEqual(gateway.responses, []);
  });

  test('an unknown route is a 404 naming it, and an unexpected failure is a 500 that hides its details', async (t) => {
    const broken = { ...fakePolicy } as JitPolicy;
    Object.defineProperty(broken, 'groups', {
      get() {
        throw new Error('secret internal detail');
      },
    });
    const gateway = await createFakeGateway({ policy: broken });
    t.after(() => gateway.app.close());
    const missing = await gateway.app.inject({ url: '/nope?x=1' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), { message: 'no route GET /nope' });
    const failed = await gateway.post('/slack/commands', slashCommandBody({ text: 'help' }));
    assert.equal(failed.statusCode, 500);
    assert.deepEqual(failed.json(), { message: 'Internal Server Error' });
  });

  test('logs carry no secrets: signatures, bearer tokens, verification tokens, response URLs, step-up links and codes, SLACK_*/JumpCloud keys are redacted', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(gatewayLoggerOptions('info'), sink);
    logger.info({
      req: { headers: { authorization: 'Bearer xoxb-secret-1', 'x-slack-signature': 'v0=secret-2' } },
      token: 'secret-3',
      payload: { token: 'secret-4', response_url: 'https://hooks.slack.com/secret-5' },
      config: {
        SLACK_BOT_TOKEN: 'secret-6',
        SLACK_SIGNING_SECRET: 'secret-7',
        JUMPCLOUD_API_KEY: 'secret-8',
        TEMPORAL_ADDRESS: 'temporal:7233',
      },
    });
    // A step-up sign-in's link ID, and the code and state the identity provider sends back.
    logger.info({ req: { method: 'GET', url: '/step-up/start/secret-9' } });
    logger.info({ req: { method: 'GET', url: '/step-up/callback?code=secret-10&state=secret-11' } });
    const output = lines.join('');
    for (let n = 1; n <= 11; n += 1) assert.ok(!output.includes(`secret-${n}`), `secret-${n} leaked: ${output}`);
    assert.match(output, /step-up\/callback\?\[redacted\]/);
    assert.match(output, /temporal:7233/, 'ordinary values stay');
  });
});
