import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { type WebClient, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { failureOf } from '../support/activity-failures';
import { createSlackNotificationActivities } from '../../activities/slack-notifications';
import { ActionIds } from '../../integrations/slack/block-kit/ids';
import { formatGrantRef, grantWorkflowId, parseGrantRef } from '../../workflows/grant/grant-workflow-id';
import { APPROVAL_CHANNEL, grantStateFor, people, plainGrantInput } from '../support/grant-inputs';

interface SentMessage {
  method: 'postMessage' | 'update';
  channel: string;
  ts?: string;
  text?: string;
  blocks?: unknown[];
}

/** Only what the activities use of a WebClient: chat.postMessage and chat.update, recorded. */
function fakeSlack(options: { failWith?: Error; failUpdatesWith?: Error } = {}) {
  const sent: SentMessage[] = [];
  let ts = 0;
  const answer = (message: SentMessage) => {
    sent.push(message);
    if (options.failWith) throw options.failWith;
    if (message.method === 'update' && options.failUpdatesWith) throw options.failUpdatesWith;
    return { ok: true, channel: message.channel, ts: message.ts ?? `1700000000.00000${++ts}` };
  };
  const client = {
    chat: {
      postMessage: async (args: Omit<SentMessage, 'method'>) => answer({ method: 'postMessage', ...args }),
      update: async (args: Omit<SentMessage, 'method'>) => answer({ method: 'update', ...args }),
    },
  };
  return { sent, client: client as unknown as WebClient };
}

function buttons(blocks: unknown[] | undefined): Array<{ action_id: string; value: string }> {
  return ((blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }> | undefined) ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);
}

const input = plainGrantInput();
const workflowId = grantWorkflowId(input.requester.jumpcloudUserId, input.group.id);

/** An activity environment as if scheduled by the run `runId` of the grant's workflow. */
function calledFromRun(runId: string) {
  return new MockActivityEnvironment(
    { workflowExecution: { workflowId, runId } },
    { logger: new DefaultLogger('ERROR') },
  );
}

describe('Slack notification activities', () => {
  test('the approval request is posted to the approval channel with buttons targeting the calling run', async () => {
    const slack = fakeSlack();
    const activities = createSlackNotificationActivities(slack.client);
    const runId = randomUUID();
    const ref = await calledFromRun(runId).run(activities.postApprovalRequest, grantStateFor(input));

    assert.equal(slack.sent.length, 1);
    const [posted] = slack.sent;
    assert.equal(posted?.method, 'postMessage');
    assert.equal(posted?.channel, APPROVAL_CHANNEL);
    assert.deepEqual(ref, { channel: APPROVAL_CHANNEL, ts: '1700000000.000001' });
    const expected = formatGrantRef({ workflowId, runId });
    assert.deepEqual(
      buttons(posted?.blocks).map((b) => [b.action_id, b.value]),
      [
        [ActionIds.approve, expected],
        [ActionIds.reject, expected],
      ],
    );
    assert.deepEqual(parseGrantRef(expected), { workflowId, runId }, 'the gateway can read the value back');
  });

  test('a second run of the same grant gets buttons for its own run, not the earlier one', async () => {
    const slack = fakeSlack();
    const activities = createSlackNotificationActivities(slack.client);
    const [firstRun, secondRun] = [randomUUID(), randomUUID()];
    await calledFromRun(firstRun).run(activities.postApprovalRequest, grantStateFor(input));
    await calledFromRun(secondRun).run(activities.postApprovalRequest, grantStateFor(input));
    const runs = slack.sent.map((m) => buttons(m.blocks).map((b) => parseGrantRef(b.value)?.runId));
    assert.deepEqual(runs, [
      [firstRun, firstRun],
      [secondRun, secondRun],
    ]);
  });

  test('the approval message is updated in place, and loses its buttons once decided', async () => {
    const slack = fakeSlack();
    const activities = createSlackNotificationActivities(slack.client);
    const ref = { channel: APPROVAL_CHANNEL, ts: '1700000000.000042' };
    const state = grantStateFor(input, { status: 'REJECTED', decidedBy: people.approver });
    await calledFromRun(randomUUID()).run(activities.updateApprovalMessage, ref, state);
    assert.equal(slack.sent.length, 1);
    assert.equal(slack.sent[0]?.method, 'update');
    assert.equal(slack.sent[0]?.channel, ref.channel);
    assert.equal(slack.sent[0]?.ts, ref.ts);
    assert.deepEqual(buttons(slack.sent[0]?.blocks), []);
  });

  test('an announcement updates the approval message and the break-glass alert in place, then DMs the requester', async () => {
    const slack = fakeSlack();
    const activities = createSlackNotificationActivities(slack.client);
    const approvalMessage = { channel: APPROVAL_CHANNEL, ts: '1700000000.000042' };
    const breakGlassAlert = { channel: 'C0ALERTS', ts: '1700000000.000043' };
    const ended = grantStateFor(input, { status: 'EXPIRED', approvalMessage, breakGlassAlert });
    await calledFromRun(randomUUID()).run(activities.announceGrant, ended);
    assert.deepEqual(
      slack.sent.map((m) => [m.method, m.channel, m.ts]),
      [
        ['update', approvalMessage.channel, approvalMessage.ts],
        ['update', breakGlassAlert.channel, breakGlassAlert.ts],
        ['postMessage', people.requester.slackUserId, undefined],
      ],
    );
  });

  test('an announcement whose message Slack no longer has still DMs the requester, then fails for good; a rate-limited update fails retryably before any DM', async () => {
    const env = calledFromRun(randomUUID());
    const approvalMessage = { channel: APPROVAL_CHANNEL, ts: '1700000000.000042' };
    const state = grantStateFor(input, { status: 'EXPIRED', approvalMessage });

    const gone = fakeSlack({ failUpdatesWith: new WebAPIPlatformError({ ok: false, error: 'message_not_found' }) });
    const permanent = await failureOf(env.run(createSlackNotificationActivities(gone.client).announceGrant, state));
    assert.equal(permanent.nonRetryable, true);
    assert.deepEqual(
      gone.sent.map((m) => m.method),
      ['update', 'postMessage'],
    );

    const limited = fakeSlack({ failUpdatesWith: new WebAPIRateLimitedError(2) });
    const transient = await failureOf(env.run(createSlackNotificationActivities(limited.client).announceGrant, state));
    assert.equal(transient.nonRetryable, false);
    assert.deepEqual(
      limited.sent.map((m) => m.method),
      ['update'],
    );
  });

  test("the requester's notice goes to their DM, and an active grant's has Extend and Revoke now buttons for the calling run", async () => {
    const slack = fakeSlack();
    const activities = createSlackNotificationActivities(slack.client);
    const runId = randomUUID();
    const active = grantStateFor(input, {
      status: 'ACTIVE',
      decidedBy: people.approver,
      grantedAt: '2030-01-01T09:01:00.000Z',
      expiresAt: '2030-01-01T10:01:00.000Z',
    });
    await calledFromRun(runId).run(activities.notifyRequester, active);
    assert.equal(slack.sent[0]?.method, 'postMessage');
    assert.equal(slack.sent[0]?.channel, people.requester.slackUserId);
    assert.deepEqual(
      buttons(slack.sent[0]?.blocks).map((b) => [b.action_id, b.value]),
      [
        [ActionIds.extend, formatGrantRef({ workflowId, runId })],
        [ActionIds.revoke, formatGrantRef({ workflowId, runId })],
      ],
    );
  });

  test('a permanent Slack error fails the activity non-retryably; a rate limit retryably with its delay', async () => {
    const env = calledFromRun(randomUUID());
    const missingChannel = createSlackNotificationActivities(
      fakeSlack({ failWith: new WebAPIPlatformError({ ok: false, error: 'channel_not_found' }) }).client,
    );
    const permanent = await failureOf(env.run(missingChannel.postApprovalRequest, grantStateFor(input)));
    assert.equal(permanent.type, 'SlackError');
    assert.equal(permanent.nonRetryable, true);

    const limited = createSlackNotificationActivities(fakeSlack({ failWith: new WebAPIRateLimitedError(2) }).client);
    const transient = await failureOf(env.run(limited.notifyRequester, grantStateFor(input)));
    assert.equal(transient.type, 'SlackError');
    assert.equal(transient.nonRetryable, false);
    assert.equal(transient.nextRetryDelay, 2000);
  });
});
