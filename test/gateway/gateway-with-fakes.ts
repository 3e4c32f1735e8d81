import { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { parsePolicy, type JitPolicy } from '../../config/policy';
import { buildApp } from '../../gateway/app';
import { type GatewayDeps, type GatewaySlack } from '../../gateway/deps';
import { type ResponseUrlMessage } from '../../gateway/slack/response-url';
import { type GrantService } from '../../integrations/temporal/grant-service';
import { signSlackRequest } from '../../stand-ins/slack/slack-signature';

export const FAKE_SECRET = 'fake-signing-secret';
export const FAKE_CHANNEL = 'C0FAKEAPPROVALS';
export const GROUP_A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
export const GROUP_B = 'bbbbbbbbbbbbbbbbbbbbbbbb';
export const REQUESTER_JC = 'cccccccccccccccccccccccc';

/** The workspace the fake Slack says the app is installed in. */
const FAKE_TEAM = 'T0FAKE';

export const fakePolicy: JitPolicy = parsePolicy(
  `
defaults:
  approvalTimeout: 30m
  durations: [15m, 1h, 8h]
groups:
  - id: ${GROUP_A}
    name: prod-db
    maxDuration: 1h
    approvers: [U0BOSS]
  - id: ${GROUP_B}
    maxDuration: 8h
    approvers: [U0BOSS, U0OTHER]
    allowSelfApproval: true
    approvalChannel: C0SECOPS
`,
  'fake policy',
);

export interface Recorded {
  method: string;
  args: unknown[];
}

/** Promise gates a fake dependency can wait on, to show the gateway answers Slack without waiting for it. */
export interface FakeOptions {
  /** Every dependency call waits for this before answering. */
  gate?: Promise<void>;
  temporalReady?: () => Promise<boolean>;
  policy?: JitPolicy;
  now?: () => number;
  logger?: GatewayDeps['logger'];
  /** What grants.decide does (default: succeed). */
  decide?: GrantService['decide'];
  /** Dependency calls (by recorded method name, e.g. 'views.open') that fail with this error. */
  failing?: Record<string, Error>;
}

export interface FakeGateway {
  app: FastifyInstance;
  /** every dependency call, in order */
  calls: Recorded[];
  responses: Array<{ url: string; body: ResponseUrlMessage }>;
  /** a form-encoded POST signed like Slack signs it (or as told) */
  post(
    path: string,
    rawBody: string,
    options?: { signature?: 'valid' | 'forged' | 'none'; timestamp?: number; contentType?: string },
  ): Promise<LightMyRequestResponse>;
  interaction(payload: unknown): Promise<LightMyRequestResponse>;
}

/** buildApp with recording fakes for Slack, JumpCloud and Temporal, driven through app.inject. */
export async function createFakeGateway(options: FakeOptions = {}): Promise<FakeGateway> {
  const calls: Recorded[] = [];
  const responses: FakeGateway['responses'] = [];
  const record =
    (method: string, answer: (...args: never[]) => unknown) =>
    async (...args: unknown[]): Promise<never> => {
      calls.push({ method, args });
      await options.gate;
      const failure = options.failing?.[method];
      if (failure) throw failure;
      return (await (answer as (...a: unknown[]) => unknown)(...args)) as never;
    };

  const slack = {
    views: {
      open: record('views.open', () => ({ ok: true, view: { id: 'V0FAKE' } })),
      update: record('views.update', () => ({ ok: true })),
    },
    chat: {
      postMessage: record('chat.postMessage', () => ({ ok: true, channel: 'D0', ts: '1.0' })),
      postEphemeral: record('chat.postEphemeral', () => ({ ok: true })),
    },
    users: {
      info: record('users.info', () => ({
        ok: true,
        user: {
          id: 'U0ASKER',
          team_id: FAKE_TEAM,
          deleted: false,
          is_bot: false,
          profile: { email: 'asker@example.com' },
        },
      })),
    },
    // Asked once per gateway for the workspace's own team: not a call the tests follow.
    auth: { test: async () => ({ ok: true, team_id: FAKE_TEAM }) },
  } as unknown as GatewaySlack;
  const grants: GrantService = {
    start: record('grants.start', () => ({ outcome: 'started', workflowId: 'wf' })),
    decide: record('grants.decide', (...args: Parameters<GrantService['decide']>) => options.decide?.(...args) ?? {}),
    revoke: record('grants.revoke', () => ({})),
    requestExtension: record('grants.requestExtension', () => ({})),
    decideExtension: record('grants.decideExtension', () => ({})),
    acknowledgeBreakGlass: record('grants.acknowledgeBreakGlass', () => ({})),
    closeForPolicy: record('grants.closeForPolicy', () => ({})),
    state: record('grants.state', () => ({})),
    isRunning: record('grants.isRunning', () => false),
    list: record('grants.list', () => []),
  };
  const app = await buildApp({
    config: {
      SLACK_SIGNING_SECRET: FAKE_SECRET,
      SLACK_APPROVAL_CHANNEL: FAKE_CHANNEL,
      SLACK_COMMAND: '/jit',
      SLACK_RESPONSE_URL_PREFIX: 'https://hooks.slack.com/',
    },
    policy: options.policy ?? fakePolicy,
    grants,
    reconciler: {
      state: record('reconciler.state', () => undefined),
      decideDrift: record('reconciler.decideDrift', () => ({ outcome: 'gone' as const })),
    },
    directory: {
      findUserByEmail: record('directory.findUserByEmail', () => ({
        id: REQUESTER_JC,
        email: 'asker@example.com',
        username: 'asker',
        state: 'ACTIVATED',
      })),
      listUserGroupIds: record('directory.listUserGroupIds', () => []),
      getUser: record('directory.getUser', () => ({
        id: REQUESTER_JC,
        email: 'asker@example.com',
        username: 'asker',
        state: 'ACTIVATED',
      })),
    },
    slack,
    respond: async (url, body) => {
      calls.push({ method: 'respond', args: [url, body] });
      responses.push({ url, body });
    },
    temporalReady: options.temporalReady ?? (async () => true),
    now: options.now,
    logger: options.logger,
    shutdownGraceMs: 1000,
  });

  const post: FakeGateway['post'] = (path, rawBody, { signature = 'valid', timestamp, contentType } = {}) => {
    const ts = timestamp ?? Math.floor((options.now ?? Date.now)() / 1000);
    const headers: Record<string, string> = { 'content-type': contentType ?? 'application/x-www-form-urlencoded' };
    if (signature !== 'none') {
      headers['x-slack-request-timestamp'] = String(ts);
      headers['x-slack-signature'] = signSlackRequest(
        signature === 'forged' ? 'not-the-secret' : FAKE_SECRET,
        ts,
        rawBody,
      );
    }
    return app.inject({ method: 'POST', url: path, headers, payload: rawBody });
  };
  return {
    app,
    calls,
    responses,
    post,
    interaction: (payload) =>
      post('/slack/interactions', new URLSearchParams({ payload: JSON.stringify(payload) }).toString()),
  };
}

export function slashCommandBody(fields: Record<string, string> = {}): string {
  return new URLSearchParams({
    token: 'deprecated',
    team_id: 'T0001',
    channel_id: 'C0HERE',
    user_id: 'U0ASKER',
    command: '/jit',
    text: '',
    response_url: 'https://hooks.slack.com/commands/T0001/1/abc',
    trigger_id: '1.2.abc',
    ...fields,
  }).toString();
}
