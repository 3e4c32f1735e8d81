import { type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { EventStreamHub } from '../http/event-stream';
import { serveFaultControl } from '../http/fault-control-routes';
import { FaultInjector } from '../http/fault-injector';
import { applyFaults } from '../http/fault-response';
import {
  CORS_HEADERS,
  headerValue,
  isPlainObject,
  readRawBody,
  sendEmpty,
  sendJson,
  sendText,
  tryParseJson,
} from '../http/http-io';
import { startLoopbackServer } from '../http/loopback-server';
import { type ActionInput, type GatewayResponse, type SignatureMode, SlackAppRequests } from './slack-app-requests';
import { SlackRateLimiter, type SlackRateLimits } from './slack-rate-limits';
import { answerResponseUrlPost, type ResponseUrlPolicy } from './slack-response-url';
import { callWebApiMethod, parseWebApiRequest, type WebApiSettings } from './slack-web-api';
import {
  type OpenedView,
  type ResponseUrlContext,
  type ResponseUrlPost,
  type SlackApiCall,
  type SlackChangeEvent,
  type SlackUser,
  SlackWorkspace,
  type StoredMessage,
} from './slack-workspace';
import { serveStaticFile } from '../http/static-files';

export type { GatewayResponse, SignatureMode } from './slack-app-requests';
export type { SlackRateLimits } from './slack-rate-limits';
export type { ResponseUrlPolicy } from './slack-response-url';
export type {
  OpenedView,
  ResponseUrlPost,
  SlackApiCall,
  SlackChangeEvent,
  SlackUser,
  StoredMessage,
} from './slack-workspace';

type Signature = Exclude<SignatureMode, 'none'>;

export interface SlackStandIn {
  /** 'http://127.0.0.1:PORT' */
  readonly baseUrl: string;
  /** 'http://127.0.0.1:PORT/api/' — SLACK_API_URL */
  readonly apiUrl: string;
  /** 'http://127.0.0.1:PORT/response/', where every response_url it mints starts — SLACK_RESPONSE_URL_PREFIX */
  readonly responseUrlPrefix: string;
  /** match.method is the Web API method name, or the string 'response_url' ('*' or omitted = every call) */
  readonly faults: FaultInjector;
  readonly calls: SlackApiCall[];
  readonly responseUrlPosts: ResponseUrlPost[];
  /** the app's base URL; /slack/commands and /slack/interactions are appended. Settable after start. */
  gatewayUrl: string | undefined;
  addUser(u: SlackUser): void;
  /** non-deleted, in post order (copies) */
  messages(channel?: string): StoredMessage[];
  /** the D… id of the bot's DM with that user */
  dmChannelFor(userId: string): string;
  dms(userId: string): StoredMessage[];
  /** the open modals (closed ones too with includeClosed), in the order they were opened (copies) */
  views(userId?: string, opts?: { includeClosed?: boolean }): OpenedView[];
  /** valid for triggerTtlMs, single use */
  mintTriggerId(userId: string): string;
  mintResponseUrl(ctx: ResponseUrlContext): string;
  /** resolves when predicate returns a value other than undefined/false/null (re-checked on every change), rejects after timeoutMs with a message naming `what` */
  waitFor<T>(what: string, predicate: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  onChange(listener: (e: SlackChangeEvent) => void): () => void;
  sendSlashCommand(o: {
    userId: string;
    command?: string;
    text?: string;
    channelId?: string;
    signature?: Signature;
  }): Promise<GatewayResponse>;
  sendBlockActions(o: {
    userId: string;
    actions: ActionInput[];
    message?: StoredMessage;
    view?: OpenedView;
    signature?: Signature;
  }): Promise<GatewayResponse>;
  sendViewSubmission(o: {
    userId: string;
    view: OpenedView;
    values: Record<string, Record<string, unknown>>;
    signature?: Signature;
  }): Promise<GatewayResponse>;
  sendRaw(
    path: string,
    rawBody: string,
    headers?: Record<string, string>,
    signature?: SignatureMode,
  ): Promise<GatewayResponse>;
  close(): Promise<void>;
}

export interface SlackStandInOptions {
  botToken: string;
  signingSecret?: string;
  gatewayUrl?: string;
  users?: SlackUser[];
  /** channels with names (any C…/G… id is accepted without being listed) */
  channels?: Array<{ id: string; name: string }>;
  /** granted bot scopes; omitted = every scope, no missing_scope errors */
  scopes?: string[];
  /** default 3000 */
  triggerTtlMs?: number;
  host?: string;
  port?: number;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  log?: (msg: string) => void;
  /** serve this folder's files at `/` (index.html) — the hook for the demo page */
  staticDir?: string;
  /**
   * JSON for a page served from `staticDir`: `GET /_page/NAME` answers what `pageData[NAME]()` returns (404 for other
   * names, 502 with the error's message when it throws). The page reads its settings and its data this way.
   */
  pageData?: Readonly<Record<string, () => unknown>>;
  /** response_url limits and answers (not all documented by Slack, so settable) */
  responseUrl?: Partial<ResponseUrlPolicy>;
  /** how long Slack waits for the app's acknowledgement (default 3000 ms) */
  ackDeadlineMs?: number;
  /** when the stand-in stops waiting for the app at all (default 15000 ms) */
  requestTimeoutMs?: number;
  /**
   * Enforce Slack's Web API rate limits (default off): refused calls answer HTTP 429 with Retry-After and
   * `{"ok":false,"error":"ratelimited"}`, and are recorded in `calls`. `true` = Slack's figures; an object changes some.
   */
  rateLimits?: boolean | SlackRateLimits;
}

const DEFAULT_WAIT_MS = 5000;

const signatureSchema = z.enum(['valid', 'forged', 'stale']).optional();
const slashCommandSchema = z.object({
  userId: z.string(),
  command: z.string().optional(),
  text: z.string().optional(),
  channelId: z.string().optional(),
  signature: signatureSchema,
});
const actionSchema = z.object({
  action_id: z.string(),
  block_id: z.string().optional(),
  value: z.string().optional(),
  type: z.string().optional(),
  selected_option: z.unknown().optional(),
});
const blockActionsSchema = z.object({
  userId: z.string(),
  actions: z.array(actionSchema).min(1),
  channel: z.string().optional(),
  ts: z.string().optional(),
  viewId: z.string().optional(),
  signature: signatureSchema,
});
const viewSubmissionSchema = z.object({
  userId: z.string(),
  viewId: z.string(),
  values: z.record(z.string(), z.record(z.string(), z.unknown())),
  signature: signatureSchema,
});
const viewClosureSchema = z.object({ userId: z.string(), viewId: z.string() });

function slackFaultBody(status: number): Record<string, unknown> {
  if (status === 429) return { ok: false, error: 'ratelimited' };
  if (status === 503) return { ok: false, error: 'service_unavailable' };
  if (status === 504) return { ok: false, error: 'request_timeout' };
  return { ok: false, error: status >= 500 ? 'internal_error' : 'fatal_error' };
}

/** A Slack stand-in on loopback (Web API, response URLs, and requests to the app), following Slack's documented contracts (signed requests, Web API envelopes and errors, triggers, response URLs). */
export async function startSlackStandIn(opts: SlackStandInOptions): Promise<SlackStandIn> {
  const log = opts.log;
  const ws = new SlackWorkspace({
    teamId: opts.teamId ?? 'T0SANDBOX',
    teamDomain: opts.teamDomain ?? 'sandbox',
    apiAppId: opts.apiAppId ?? 'A0JITACCESS',
    triggerTtlMs: opts.triggerTtlMs ?? 3000,
    onListenerError: (error) => log?.(`Slack stand-in: change listener threw: ${String(error)}`),
  });
  for (const user of opts.users ?? []) ws.addUser(user);
  for (const channel of opts.channels ?? []) ws.addChannel(channel.id, channel.name);
  const faults = new FaultInjector();
  const events = new EventStreamHub();
  ws.changes.on((event) => events.send(event));
  const webApi: WebApiSettings = {
    botToken: opts.botToken,
    scopes: opts.scopes,
    rateLimiter: opts.rateLimits ? new SlackRateLimiter(opts.rateLimits === true ? {} : opts.rateLimits) : undefined,
  };
  const responseUrlPolicy: ResponseUrlPolicy = {
    maxUses: opts.responseUrl?.maxUses ?? 5,
    ttlMs: opts.responseUrl?.ttlMs ?? 30 * 60_000,
    exhaustedStatus: opts.responseUrl?.exhaustedStatus ?? 404,
    okBody: opts.responseUrl?.okBody ?? 'json',
  };
  let gatewayUrl = opts.gatewayUrl;
  let origin = '';
  const appRequests = new SlackAppRequests(ws, {
    signingSecret: opts.signingSecret,
    gatewayUrl: () => gatewayUrl,
    standInUrl: () => origin,
    ackDeadlineMs: opts.ackDeadlineMs ?? 3000,
    requestTimeoutMs: opts.requestTimeoutMs ?? 15_000,
  });

  async function handleWebApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    closing: AbortSignal,
  ): Promise<void> {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const rawBody = await readRawBody(req);
    const parsed = parseWebApiRequest({
      contentType: headerValue(req, 'content-type'),
      rawBody,
      query: url.searchParams,
      authorization: headerValue(req, 'authorization'),
    });
    const call: SlackApiCall = {
      method,
      args: parsed.ok ? parsed.args : { raw: rawBody },
      at: Date.now(),
      ok: false,
      httpStatus: 0,
    };
    if (parsed.ok && parsed.token !== undefined) call.token = parsed.token;

    const effect = await applyFaults(faults, { method, path: url.pathname }, res, {
      defaultBody: slackFaultBody,
      signal: closing,
    });
    if (effect.terminalStatus !== undefined) {
      call.httpStatus = effect.terminalStatus;
      const body = effect.terminalBody;
      call.ok = isPlainObject(body) && body.ok === true;
      if (effect.terminalStatus === 0) call.error = 'connection_dropped';
      else if (isPlainObject(body) && typeof body.error === 'string') call.error = body.error;
    } else {
      const reply = parsed.ok
        ? callWebApiMethod(ws, webApi, method, parsed.args, parsed.token)
        : { status: 200, body: { ok: false, error: parsed.error }, headers: {} };
      sendJson(res, reply.status, reply.body, reply.headers);
      call.httpStatus = reply.status;
      call.ok = reply.body.ok;
      if (reply.body.error !== undefined) call.error = reply.body.error;
    }
    ws.recordCall(call);
    log?.(`Slack ${method} → ${call.ok ? 'ok' : (call.error ?? 'failed')} (HTTP ${call.httpStatus})`);
  }

  async function handleResponseUrl(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    token: string,
    closing: AbortSignal,
  ): Promise<void> {
    const rawBody = await readRawBody(req);
    const json = tryParseJson(rawBody);
    const post: ResponseUrlPost = {
      id: token,
      body: json.ok && isPlainObject(json.value) ? json.value : { raw: rawBody },
      at: Date.now(),
      status: 0,
    };
    const effect = await applyFaults(faults, { method: 'response_url', path: url.pathname }, res, {
      defaultBody: slackFaultBody,
      signal: closing,
    });
    if (effect.terminalStatus !== undefined) {
      post.status = effect.terminalStatus;
    } else {
      const answer = answerResponseUrlPost(ws, token, rawBody, responseUrlPolicy);
      if (typeof answer.body === 'string') sendText(res, answer.status, answer.body);
      else sendJson(res, answer.status, answer.body);
      post.body = answer.posted;
      post.status = answer.status;
    }
    ws.recordResponseUrlPost(post);
    log?.(`Slack response_url ${token} → ${post.status}`);
  }

  async function readControlJson(req: IncomingMessage): Promise<unknown> {
    const json = tryParseJson(await readRawBody(req));
    return json.ok ? json.value : undefined;
  }

  /** Acting as a user from the demo page or another process; answers with what the app answered. */
  async function controlAction(res: ServerResponse, act: () => Promise<GatewayResponse>): Promise<void> {
    try {
      sendJson(res, 200, await act(), CORS_HEADERS);
    } catch (error) {
      sendJson(res, 400, { message: error instanceof Error ? error.message : String(error) }, CORS_HEADERS);
    }
  }

  function findMessage(channel: string, ts: string): StoredMessage {
    const message = ws.messages(channel).find((m) => m.ts === ts);
    if (!message) throw new Error(`no message ${ts} in ${channel}`);
    return message;
  }

  function findView(viewId: string): OpenedView {
    const view = ws.views(undefined, true).find((v) => v.id === viewId);
    if (!view) throw new Error(`no view ${viewId}`);
    return view;
  }

  async function handlePageData(res: ServerResponse, name: string): Promise<void> {
    const source = Object.hasOwn(opts.pageData ?? {}, name) ? opts.pageData?.[name] : undefined;
    if (!source) return sendJson(res, 404, { message: `no page data "${name.slice(0, 40)}"` });
    try {
      return sendJson(res, 200, await source());
    } catch (err) {
      return sendJson(res, 502, { message: err instanceof Error ? err.message : String(err) });
    }
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') return sendEmpty(res, 204, CORS_HEADERS);
    const state = () => ({ ...ws.snapshot(), responseUrlPosts: ws.responseUrlPosts, gatewayUrl });
    if (method === 'GET' && path === '/_control/state') return sendJson(res, 200, state(), CORS_HEADERS);
    if (method === 'GET' && path === '/_control/calls') return sendJson(res, 200, ws.calls, CORS_HEADERS);
    if (method === 'GET' && path === '/_control/events')
      return events.open(req, res, { event: 'snapshot', data: state() });
    if (await serveFaultControl(faults, req, res, path)) return;
    if (method === 'POST' && path === '/_control/slash-commands') {
      const input = slashCommandSchema.safeParse(await readControlJson(req));
      if (!input.success) return sendJson(res, 400, { message: z.prettifyError(input.error) }, CORS_HEADERS);
      return controlAction(res, () => appRequests.sendSlashCommand(input.data));
    }
    if (method === 'POST' && path === '/_control/block-actions') {
      const input = blockActionsSchema.safeParse(await readControlJson(req));
      if (!input.success) return sendJson(res, 400, { message: z.prettifyError(input.error) }, CORS_HEADERS);
      const { userId, actions, channel, ts, viewId, signature } = input.data;
      return controlAction(res, () =>
        appRequests.sendBlockActions({
          userId,
          actions,
          signature,
          ...(viewId !== undefined ? { view: findView(viewId) } : { message: findMessage(channel ?? '', ts ?? '') }),
        }),
      );
    }
    if (method === 'POST' && path === '/_control/view-submissions') {
      const input = viewSubmissionSchema.safeParse(await readControlJson(req));
      if (!input.success) return sendJson(res, 400, { message: z.prettifyError(input.error) }, CORS_HEADERS);
      const { userId, viewId, values, signature } = input.data;
      return controlAction(res, () =>
        appRequests.sendViewSubmission({ userId, view: findView(viewId), values, signature }),
      );
    }
    if (method === 'POST' && path === '/_control/view-closures') {
      // The user dismissed their modal (Cancel or ×). The app hears nothing unless the view asked for notify_on_close,
      // which this app's modals never do, so the stand-in only closes it.
      const input = viewClosureSchema.safeParse(await readControlJson(req));
      if (!input.success) return sendJson(res, 400, { message: z.prettifyError(input.error) }, CORS_HEADERS);
      const view = ws.findView(input.data.viewId);
      if (!view || view.userId !== input.data.userId)
        return sendJson(res, 404, { message: `no view ${input.data.viewId} of ${input.data.userId}` }, CORS_HEADERS);
      ws.closeView(view);
      return sendEmpty(res, 204, CORS_HEADERS);
    }
    return sendJson(res, 404, { message: 'Not Found' }, CORS_HEADERS);
  }

  const loopback = await startLoopbackServer(
    async (req, res, closing) => {
      const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
      const path = url.pathname;
      if (path.startsWith('/_control/')) return handleControl(req, res, path);
      if (path.startsWith('/_page/') && req.method === 'GET') return handlePageData(res, path.slice('/_page/'.length));
      if (path.startsWith('/api/')) return handleWebApi(req, res, url, closing);
      const responseToken = /^\/response\/([^/]+)$/.exec(path)?.[1];
      if (responseToken !== undefined && req.method === 'POST')
        return handleResponseUrl(req, res, url, responseToken, closing);
      if (opts.staticDir !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        if (await serveStaticFile(opts.staticDir, path, res)) return;
      }
      return sendJson(res, 404, { ok: false, error: 'not_found' });
    },
    { host: opts.host, port: opts.port, log },
  );
  origin = loopback.baseUrl;
  log?.(`Slack stand-in listening on ${origin}/api/`);

  return {
    baseUrl: origin,
    apiUrl: `${origin}/api/`,
    responseUrlPrefix: `${origin}/response/`,
    faults,
    calls: ws.calls,
    responseUrlPosts: ws.responseUrlPosts,
    get gatewayUrl() {
      return gatewayUrl;
    },
    set gatewayUrl(value: string | undefined) {
      gatewayUrl = value;
    },
    addUser: (user) => ws.addUser(user),
    messages: (channel) => ws.messages(channel),
    dmChannelFor: (userId) => ws.dmChannelFor(userId),
    dms: (userId) => ws.messages(ws.dmChannelFor(userId)),
    views: (userId, viewOpts) => ws.views(userId, viewOpts?.includeClosed ?? false),
    mintTriggerId: (userId) => ws.mintTriggerId(userId),
    mintResponseUrl: (ctx) => `${origin}/response/${ws.mintResponseUrl(ctx)}`,
    waitFor: <T>(what: string, predicate: () => T | undefined | false | null, timeoutMs = DEFAULT_WAIT_MS) =>
      new Promise<T>((resolve, reject) => {
        let settled = false;
        const finish = () => {
          settled = true;
          unsubscribe();
          clearInterval(poll);
          clearTimeout(timer);
        };
        const check = () => {
          if (settled) return;
          try {
            const value = predicate();
            if (value === undefined || value === null || value === false) return;
            finish();
            resolve(value);
          } catch (error) {
            finish();
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        };
        const unsubscribe = ws.changes.on(check);
        // Also poll, for predicates that read state the change feed does not cover.
        const poll = setInterval(check, 50);
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`Slack stand-in: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        check();
      }),
    onChange: (listener) => ws.changes.on(listener),
    sendSlashCommand: (o) => appRequests.sendSlashCommand(o),
    sendBlockActions: (o) => appRequests.sendBlockActions(o),
    sendViewSubmission: (o) => appRequests.sendViewSubmission(o),
    sendRaw: (path, rawBody, headers, signature) => appRequests.sendRaw(path, rawBody, headers, signature),
    close: () => loopback.close(),
  };
}
