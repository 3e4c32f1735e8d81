import { isPlainObject, mediaType, tryParseJson } from '../http/http-io';
import { type MethodRateLimit, type SlackRateLimiter } from './slack-rate-limits';
import { type SlackUser, type SlackWorkspace, type StoredMessage } from './slack-workspace';

/** A Web API answer: HTTP 200 with `ok` saying whether it worked, or 429 when rate-limited. */
export interface WebApiReply {
  status: 200 | 429;
  body: Record<string, unknown> & { ok: boolean; error?: string };
  headers: Record<string, string>;
}

export interface WebApiSettings {
  botToken: string;
  /** granted bot scopes; undefined = every scope granted and no scope checks */
  scopes: readonly string[] | undefined;
  /** undefined = no rate limits */
  rateLimiter?: SlackRateLimiter;
}

export type ParsedWebApiRequest =
  { ok: true; args: Record<string, unknown>; token: string | undefined } | { ok: false; error: string };

/** Arguments that carry JSON inside form fields (the WebClient JSON-encodes objects and arrays). */
const JSON_FIELDS = new Set(['blocks', 'view', 'attachments', 'metadata']);

/**
 * Reads the arguments the way Slack does: query string, then a form or JSON body (JSON bodies must authenticate with
 * the Authorization header, not a `token` field).
 */
export function parseWebApiRequest(input: {
  contentType: string | undefined;
  rawBody: string;
  query: URLSearchParams;
  authorization: string | undefined;
}): ParsedWebApiRequest {
  const args: Record<string, unknown> = Object.fromEntries(input.query);
  const type = mediaType(input.contentType);
  if (type === 'application/json') {
    const json = tryParseJson(input.rawBody);
    if (!json.ok || !isPlainObject(json.value)) return { ok: false, error: 'invalid_json' };
    Object.assign(args, json.value);
    delete args.token;
  } else if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [key, value] of new URLSearchParams(input.rawBody)) args[key] = value;
  } else {
    return { ok: false, error: 'invalid_form_data' };
  }
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    const json = tryParseJson(value);
    if (json.ok && typeof json.value === 'object' && json.value !== null) args[key] = json.value;
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(input.authorization ?? '')?.[1];
  const token = bearer ?? (typeof args.token === 'string' && args.token !== '' ? args.token : undefined);
  delete args.token;
  return { ok: true, args, token };
}

type Reply = WebApiReply['body'];

function fail(error: string, extra: Record<string, unknown> = {}): Reply {
  return { ok: false, error, ...extra };
}

function stringArg(args: Record<string, unknown>, key: string): string | undefined {
  const value = args[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function flagArg(args: Record<string, unknown>, key: string): boolean {
  const value = args[key];
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** undefined = no blocks argument; a string = the error code */
function blocksArg(args: Record<string, unknown>): unknown[] | undefined | { error: string } {
  const value = args.blocks;
  if (value === undefined || value === '') return undefined;
  if (!Array.isArray(value)) return { error: 'invalid_blocks_format' };
  if (value.some((block) => !isPlainObject(block) || typeof block.type !== 'string'))
    return { error: 'invalid_blocks' };
  return value;
}

/** The bot's own, non-ephemeral message named by `channel` + `ts`, as chat.update and chat.delete look it up. */
function ownMessageArg(
  ws: SlackWorkspace,
  args: Record<string, unknown>,
  notOwnError: string,
): { message: StoredMessage; channelId: string } | { failure: Reply } {
  const channel = ws.resolveChannel(stringArg(args, 'channel') ?? '');
  if (!channel) return { failure: fail('channel_not_found') };
  const message = ws.findMessage(channel.id, stringArg(args, 'ts') ?? '');
  // Ephemeral messages live only in the user's client, so the API cannot find them.
  if (!message || message.ephemeralTo !== undefined) return { failure: fail('message_not_found') };
  if (message.postedBy !== 'bot') return { failure: fail(notOwnError) };
  return { message, channelId: channel.id };
}

interface MethodSpec {
  scope?: string;
  /** each entry lists alternatives; one of them must be present */
  required?: string[][];
  /** the rate-limit tier Slack documents for the method */
  rateLimit: MethodRateLimit;
  run(ws: SlackWorkspace, args: Record<string, unknown>, settings: WebApiSettings): Reply;
}

function botMessage(ws: SlackWorkspace, message: StoredMessage): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'bot_message',
    text: message.text ?? '',
    ts: message.ts,
    user: ws.botUserId,
    bot_id: ws.botId,
    app_id: ws.apiAppId,
    team: ws.teamId,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
  };
}

function userObject(ws: SlackWorkspace, user: SlackUser, settings: WebApiSettings): Record<string, unknown> {
  const mayReadEmail = settings.scopes === undefined || settings.scopes.includes('users:read.email');
  const realName = user.realName ?? user.name;
  return {
    id: user.id,
    team_id: user.teamId ?? ws.teamId,
    name: user.name,
    deleted: user.deleted ?? false,
    is_restricted: user.isRestricted ?? false,
    is_ultra_restricted: user.isUltraRestricted ?? false,
    real_name: realName,
    tz: 'UTC',
    is_admin: false,
    is_bot: user.isBot ?? false,
    profile: {
      real_name: realName,
      display_name: user.name,
      ...(mayReadEmail && user.email !== undefined ? { email: user.email } : {}),
    },
  };
}

/** message text and blocks, or the Slack error code for them */
function messageContent(args: Record<string, unknown>): { text?: string; blocks?: unknown[] } | { error: string } {
  const blocks = blocksArg(args);
  if (blocks !== undefined && !Array.isArray(blocks)) return blocks;
  const text = stringArg(args, 'text');
  if ((text === undefined || text === '') && (blocks === undefined || blocks.length === 0)) return { error: 'no_text' };
  return { ...(text !== undefined ? { text } : {}), ...(blocks !== undefined ? { blocks } : {}) };
}

const METHODS: Readonly<Record<string, MethodSpec>> = {
  'auth.test': {
    // Slack lists it as special, more generous than Tier 4; Tier 4 is the cautious reading.
    rateLimit: 4,
    run: (ws) => ({
      ok: true,
      url: `https://${ws.teamDomain}.slack.com/`,
      team: ws.teamDomain,
      user: 'jit-access',
      team_id: ws.teamId,
      user_id: ws.botUserId,
      bot_id: ws.botId,
      is_enterprise_install: false,
    }),
  },

  'chat.postMessage': {
    rateLimit: 'per-channel',
    scope: 'chat:write',
    required: [['channel']],
    run: (ws, args) => {
      const channel = ws.resolveChannel(stringArg(args, 'channel') ?? '');
      if (!channel) return fail('channel_not_found');
      const content = messageContent(args);
      if ('error' in content) return fail(content.error);
      const message = ws.post({
        channel: channel.id,
        ...content,
        postedBy: 'bot',
        threadTs: stringArg(args, 'thread_ts'),
      });
      return { ok: true, channel: channel.id, ts: message.ts, message: botMessage(ws, message) };
    },
  },

  'chat.update': {
    rateLimit: 3,
    scope: 'chat:write',
    required: [['channel'], ['ts']],
    run: (ws, args) => {
      const found = ownMessageArg(ws, args, 'cant_update_message');
      if ('failure' in found) return found.failure;
      const { message, channelId } = found;
      const content = messageContent(args);
      if ('error' in content) return fail(content.error);
      ws.editMessage(message, content);
      return {
        ok: true,
        channel: channelId,
        ts: message.ts,
        text: message.text ?? '',
        message: botMessage(ws, message),
      };
    },
  },

  'chat.postEphemeral': {
    rateLimit: 4,
    scope: 'chat:write',
    required: [['channel'], ['user']],
    run: (ws, args) => {
      const channel = ws.resolveChannel(stringArg(args, 'channel') ?? '');
      if (!channel) return fail('channel_not_found');
      const userId = stringArg(args, 'user') ?? '';
      if (!ws.user(userId)) return fail('user_not_in_channel');
      const content = messageContent(args);
      if ('error' in content) return fail(content.error);
      const message = ws.post({
        channel: channel.id,
        ...content,
        postedBy: 'bot',
        ephemeralTo: userId,
        threadTs: stringArg(args, 'thread_ts'),
      });
      return { ok: true, message_ts: message.ts };
    },
  },

  'chat.delete': {
    rateLimit: 3,
    scope: 'chat:write',
    required: [['channel'], ['ts']],
    run: (ws, args) => {
      const found = ownMessageArg(ws, args, 'cant_delete_message');
      if ('failure' in found) return found.failure;
      ws.deleteMessage(found.message);
      return { ok: true, channel: found.channelId, ts: found.message.ts };
    },
  },

  'conversations.open': {
    rateLimit: 3,
    scope: 'im:write',
    run: (ws, args) => {
      const channelId = stringArg(args, 'channel');
      const userIds = (stringArg(args, 'users') ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (channelId !== undefined && userIds.length === 0) {
        const channel = ws.resolveChannel(channelId);
        return channel ? { ok: true, channel: { id: channel.id } } : fail('channel_not_found');
      }
      if (userIds.length === 0) return fail('users_list_not_supplied');
      if (userIds.length > 1) {
        return fail('invalid_arguments', {
          response_metadata: { messages: ['[ERROR] the stand-in models one-to-one DMs only'] },
        });
      }
      const userId = userIds[0] ?? '';
      const user = ws.user(userId);
      if (!user) return fail('user_not_found');
      if (user.deleted) return fail('user_disabled');
      const id = ws.dmChannelFor(userId);
      return { ok: true, channel: flagArg(args, 'return_im') ? { id, is_im: true, user: userId } : { id } };
    },
  },

  'users.info': {
    rateLimit: 4,
    scope: 'users:read',
    required: [['user']],
    run: (ws, args, settings) => {
      const user = ws.user(stringArg(args, 'user') ?? '');
      return user ? { ok: true, user: userObject(ws, user, settings) } : fail('user_not_found');
    },
  },

  'users.lookupByEmail': {
    rateLimit: 3,
    scope: 'users:read.email',
    required: [['email']],
    run: (ws, args, settings) => {
      const user = ws.userByEmail(stringArg(args, 'email') ?? '');
      return user ? { ok: true, user: userObject(ws, user, settings) } : fail('users_not_found');
    },
  },

  'views.open': {
    rateLimit: 4,
    required: [['trigger_id', 'interactivity_pointer'], ['view']],
    run: (ws, args) => {
      const view = args.view;
      if (!isPlainObject(view) || (view.type !== undefined && view.type !== 'modal')) return invalidView();
      const exchange = ws.exchangeTrigger(
        stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer') ?? '',
      );
      if (!exchange.ok) return fail(exchange.error);
      if (
        typeof view.external_id === 'string' &&
        view.external_id !== '' &&
        ws.findViewByExternalId(view.external_id)
      ) {
        return fail('duplicate_external_id');
      }
      return { ok: true, view: ws.openView(exchange.userId, view).view };
    },
  },

  'views.update': {
    rateLimit: 4,
    required: [['view_id', 'external_id'], ['view']],
    run: (ws, args) => {
      const view = args.view;
      if (!isPlainObject(view)) return invalidView();
      const viewId = stringArg(args, 'view_id');
      const externalId = stringArg(args, 'external_id');
      const opened =
        viewId !== undefined && viewId !== '' ? ws.findView(viewId) : ws.findViewByExternalId(externalId ?? '');
      if (!opened || opened.closedAt !== undefined) return fail('not_found');
      const hash = stringArg(args, 'hash');
      if (hash !== undefined && hash !== '' && hash !== opened.hash) return fail('hash_conflict');
      ws.replaceView(opened, view);
      return { ok: true, view: opened.view };
    },
  },

  'views.push': {
    rateLimit: 4,
    required: [['trigger_id', 'interactivity_pointer'], ['view']],
    run: (ws, args) => {
      const view = args.view;
      if (!isPlainObject(view)) return invalidView();
      const exchange = ws.exchangeTrigger(
        stringArg(args, 'trigger_id') ?? stringArg(args, 'interactivity_pointer') ?? '',
      );
      if (!exchange.ok) return fail(exchange.error);
      const top = ws.topView(exchange.userId);
      if (!top) return fail('not_found');
      if (ws.openViewCount(exchange.userId) >= 3) return fail('push_limit_reached');
      return { ok: true, view: ws.openView(exchange.userId, view, top).view };
    },
  },
};

function invalidView(): Reply {
  return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] `view` must be a modal view object'] } });
}

/** One Web API call, answered the way Slack answers it (auth, rate limits, scopes, required arguments, method errors). */
export function callWebApiMethod(
  ws: SlackWorkspace,
  settings: WebApiSettings,
  method: string,
  args: Record<string, unknown>,
  token: string | undefined,
): WebApiReply {
  const headers: Record<string, string> = {};
  const answer = (body: Reply): WebApiReply => ({ status: 200, body, headers });
  if (settings.scopes !== undefined) headers['x-oauth-scopes'] = settings.scopes.join(',');
  const spec = METHODS[method];
  if (!spec) return answer(fail('unknown_method'));
  if (token === undefined) return answer(fail('not_authed'));
  if (token !== settings.botToken) return answer(fail('invalid_auth'));
  // Limits apply per app and workspace, so only once the token says whose call it is.
  if (settings.rateLimiter) {
    const target = stringArg(args, 'channel') ?? '';
    // One allowance per channel however it is named: a user ID names the bot's DM with that user.
    const channel = spec.rateLimit === 'per-channel' ? (ws.resolveChannel(target)?.id ?? target) : '';
    const retryAfter = settings.rateLimiter.admit(method, spec.rateLimit, channel);
    if (retryAfter !== undefined) {
      return { status: 429, body: fail('ratelimited'), headers: { ...headers, 'retry-after': String(retryAfter) } };
    }
  }
  if (spec.scope !== undefined) {
    headers['x-accepted-oauth-scopes'] = spec.scope;
    if (settings.scopes !== undefined && !settings.scopes.includes(spec.scope)) {
      return answer(fail('missing_scope', { needed: spec.scope, provided: settings.scopes.join(',') }));
    }
  }
  for (const alternatives of spec.required ?? []) {
    const present = alternatives.some((name) => args[name] !== undefined && args[name] !== '');
    if (!present) {
      const messages = [`[ERROR] missing required field: ${alternatives.join(' or ')}`];
      return answer(fail('invalid_arguments', { response_metadata: { messages } }));
    }
  }
  return answer(spec.run(ws, args, settings));
}
