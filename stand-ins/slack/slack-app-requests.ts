import { performance } from 'node:perf_hooks';
import { isPlainObject, mediaType, tryParseJson } from '../http/http-io';
import { signSlackRequest } from './slack-signature';
import { type OpenedView, type SlackUser, type SlackWorkspace, type StoredMessage } from './slack-workspace';

export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json?: unknown;
  elapsedMs: number;
  /** Slack gives up after 3 s: the user sees an error and the answer's content is ignored */
  ackDeadlineMissed: boolean;
}

/** 'forged' = signed with the wrong secret; 'stale' = correctly signed 10 minutes ago; 'none' = no signature headers */
export type SignatureMode = 'valid' | 'forged' | 'stale' | 'none';

export interface ActionInput {
  action_id: string;
  block_id?: string;
  value?: string;
  type?: string;
  selected_option?: unknown;
}

export interface AppRequestSettings {
  signingSecret: string | undefined;
  gatewayUrl: () => string | undefined;
  /** the stand-in's own origin; response URLs point back at it */
  standInUrl: () => string;
  ackDeadlineMs: number;
  requestTimeoutMs: number;
}

/** Slack still sends the deprecated verification token; apps must not rely on it. */
const VERIFICATION_TOKEN = 'sandbox-verification-token';
const STALE_BY_SECONDS = 600;

interface FoundElement {
  blockId?: string;
  element: Record<string, unknown>;
}

/** The interactive element with this action_id in a message's or view's blocks, with its enclosing block_id. */
function findActionElement(node: unknown, actionId: string, blockId?: string): FoundElement | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findActionElement(item, actionId, blockId);
      if (found) return found;
    }
    return undefined;
  }
  if (!isPlainObject(node)) return undefined;
  const enclosingBlockId = typeof node.block_id === 'string' ? node.block_id : blockId;
  if (node.action_id === actionId) return { blockId: enclosingBlockId, element: node };
  for (const value of Object.values(node)) {
    const found = findActionElement(value, actionId, enclosingBlockId);
    if (found) return found;
  }
  return undefined;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** What Slack sends to the app — slash commands and interaction payloads — signed exactly like Slack signs them. */
export class SlackAppRequests {
  readonly #ws: SlackWorkspace;
  readonly #settings: AppRequestSettings;

  constructor(ws: SlackWorkspace, settings: AppRequestSettings) {
    this.#ws = ws;
    this.#settings = settings;
  }

  async sendRaw(
    path: string,
    rawBody: string,
    headers: Record<string, string> = {},
    signature: SignatureMode = 'valid',
  ): Promise<GatewayResponse> {
    const gatewayUrl = this.#settings.gatewayUrl();
    if (gatewayUrl === undefined) throw new Error('Slack stand-in: set gatewayUrl before sending requests to the app');
    const requestHeaders: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      accept: 'application/json,*/*',
    };
    if (signature !== 'none') {
      const secret = this.#settings.signingSecret;
      if (secret === undefined) throw new Error('Slack stand-in: signingSecret is needed to sign requests to the app');
      const timestamp = Math.floor(Date.now() / 1000) - (signature === 'stale' ? STALE_BY_SECONDS : 0);
      requestHeaders['x-slack-request-timestamp'] = String(timestamp);
      requestHeaders['x-slack-signature'] = signSlackRequest(
        signature === 'forged' ? `${secret}-forged` : secret,
        timestamp,
        rawBody,
      );
    }
    Object.assign(requestHeaders, headers);

    const url = `${gatewayUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: requestHeaders,
      body: rawBody,
      signal: AbortSignal.timeout(this.#settings.requestTimeoutMs),
    });
    const body = await response.text();
    const elapsedMs = performance.now() - started;
    const json = body.trim() === '' ? undefined : tryParseJson(body);
    const answer: GatewayResponse = {
      status: response.status,
      headers: Object.fromEntries(response.headers),
      body,
      elapsedMs,
      ackDeadlineMissed: elapsedMs > this.#settings.ackDeadlineMs,
      ...(json?.ok ? { json: json.value } : {}),
    };
    this.#ws.changes.emit({
      type: 'app-request',
      path,
      status: answer.status,
      elapsedMs,
      ackDeadlineMissed: answer.ackDeadlineMissed,
    });
    return answer;
  }

  async sendSlashCommand(o: {
    userId: string;
    command?: string;
    text?: string;
    channelId?: string;
    signature?: SignatureMode;
  }): Promise<GatewayResponse> {
    const ws = this.#ws;
    const user = this.#requireUser(o.userId);
    const channelId = o.channelId ?? ws.dmChannelFor(user.id);
    const responseToken = ws.mintResponseUrl({ channel: channelId, userId: user.id });
    const body = new URLSearchParams({
      token: VERIFICATION_TOKEN,
      team_id: ws.teamId,
      team_domain: ws.teamDomain,
      channel_id: channelId,
      channel_name: ws.resolveChannel(channelId)?.name ?? 'unknown',
      user_id: user.id,
      user_name: user.name,
      command: o.command ?? '/jit',
      text: o.text ?? '',
      api_app_id: ws.apiAppId,
      is_enterprise_install: 'false',
      response_url: this.#responseUrl(responseToken),
      trigger_id: ws.mintTriggerId(user.id),
    }).toString();
    const response = await this.sendRaw('/slack/commands', body, {}, o.signature ?? 'valid');
    if (response.status === 200 && !response.ackDeadlineMissed)
      this.#showSlashCommandAck(response, channelId, user.id, responseToken);
    return response;
  }

  async sendBlockActions(o: {
    userId: string;
    actions: ActionInput[];
    message?: StoredMessage;
    view?: OpenedView;
    signature?: SignatureMode;
  }): Promise<GatewayResponse> {
    const ws = this.#ws;
    const user = this.#requireUser(o.userId);
    const source = o.message
      ? { kind: 'message' as const, message: o.message }
      : o.view
        ? { kind: 'view' as const, view: this.#requireOpenView(o.view, user.id) }
        : undefined;
    if (!source) throw new Error('Slack stand-in: sendBlockActions needs the message or the view that was clicked');
    const blocks = source.kind === 'message' ? source.message.blocks : source.view.view.blocks;
    const actionTs = ws.ids.actionTs();
    const actions = o.actions.map((action) => {
      const found = findActionElement(blocks ?? [], action.action_id);
      return withoutUndefined({
        type: action.type ?? found?.element.type ?? 'button',
        block_id: action.block_id ?? found?.blockId ?? 'unknown_block',
        action_id: action.action_id,
        text: found?.element.text,
        value: action.value ?? found?.element.value,
        style: found?.element.style,
        selected_option: action.selected_option,
        action_ts: actionTs,
      });
    });

    const payload: Record<string, unknown> = {
      type: 'block_actions',
      user: this.#payloadUser(user),
      api_app_id: ws.apiAppId,
      token: VERIFICATION_TOKEN,
      trigger_id: ws.mintTriggerId(user.id),
      team: { id: ws.teamId, domain: ws.teamDomain },
      enterprise: null,
      is_enterprise_install: false,
    };
    if (source.kind === 'message') {
      const { message } = source;
      const isEphemeral = message.ephemeralTo !== undefined;
      payload.container = {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: isEphemeral,
      };
      payload.channel = { id: message.channel, name: ws.resolveChannel(message.channel)?.name ?? 'unknown' };
      payload.message = withoutUndefined({
        type: 'message',
        subtype: message.postedBy === 'bot' ? 'bot_message' : undefined,
        text: message.text ?? '',
        ts: message.ts,
        user: message.postedBy === 'bot' ? ws.botUserId : message.postedBy,
        bot_id: message.postedBy === 'bot' ? ws.botId : undefined,
        app_id: message.postedBy === 'bot' ? ws.apiAppId : undefined,
        blocks: message.blocks,
        thread_ts: message.threadTs,
      });
      payload.state = { values: {} };
      payload.response_url = this.#responseUrl(
        ws.mintResponseUrl({ channel: message.channel, userId: user.id, messageTs: message.ts }),
      );
    } else {
      payload.container = { type: 'view', view_id: source.view.id };
      payload.view = { ...source.view.view, hash: source.view.hash };
      payload.state = { values: {} };
    }
    payload.actions = actions;
    return this.sendRaw(
      '/slack/interactions',
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      {},
      o.signature ?? 'valid',
    );
  }

  async sendViewSubmission(o: {
    userId: string;
    view: OpenedView;
    values: Record<string, Record<string, unknown>>;
    signature?: SignatureMode;
  }): Promise<GatewayResponse> {
    const ws = this.#ws;
    const user = this.#requireUser(o.userId);
    const opened = this.#requireOpenView(o.view, user.id);
    const payload = {
      type: 'view_submission',
      team: { id: ws.teamId, domain: ws.teamDomain },
      user: this.#payloadUser(user),
      api_app_id: ws.apiAppId,
      token: VERIFICATION_TOKEN,
      trigger_id: ws.mintTriggerId(user.id),
      view: { ...opened.view, state: { values: o.values }, hash: opened.hash },
      response_urls: [],
      enterprise: null,
      is_enterprise_install: false,
    };
    const response = await this.sendRaw(
      '/slack/interactions',
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      {},
      o.signature ?? 'valid',
    );
    this.#applyViewSubmissionAck(response, opened);
    return response;
  }

  #responseUrl(token: string): string {
    return `${this.#settings.standInUrl()}/response/${token}`;
  }

  #payloadUser(user: SlackUser): Record<string, unknown> {
    return { id: user.id, username: user.name, name: user.name, team_id: this.#ws.teamId };
  }

  #requireUser(userId: string): SlackUser {
    const user = this.#ws.user(userId);
    if (!user) throw new Error(`Slack stand-in: unknown user ${userId} (add it with addUser or the users option)`);
    return user;
  }

  /** the live view; a closed modal or someone else's cannot be clicked or submitted in Slack */
  #requireOpenView(view: OpenedView, userId: string): OpenedView {
    const live = this.#ws.findView(view.id);
    if (!live) throw new Error(`Slack stand-in: unknown view ${view.id}`);
    if (live.closedAt !== undefined) throw new Error(`Slack stand-in: view ${view.id} is closed`);
    if (live.userId !== userId)
      throw new Error(`Slack stand-in: view ${view.id} belongs to ${live.userId}, not ${userId}`);
    return live;
  }

  /** An immediate JSON or text answer to a slash command is shown to the user like Slack shows it. */
  #showSlashCommandAck(response: GatewayResponse, channelId: string, userId: string, responseToken: string): void {
    if (response.body.trim() === '') return;
    const isJson = mediaType(response.headers['content-type']) === 'application/json' && isPlainObject(response.json);
    let content: { text?: string; blocks?: unknown[] } = { text: response.body };
    let inChannel = false;
    if (isJson && isPlainObject(response.json)) {
      const ack = response.json;
      content = {
        ...(typeof ack.text === 'string' && ack.text !== '' ? { text: ack.text } : {}),
        ...(Array.isArray(ack.blocks) && ack.blocks.length > 0 ? { blocks: ack.blocks as unknown[] } : {}),
      };
      inChannel = ack.response_type === 'in_channel';
    }
    if (content.text === undefined && content.blocks === undefined) return;
    const message = this.#ws.post({
      channel: channelId,
      ...content,
      postedBy: 'bot',
      ephemeralTo: inChannel ? undefined : userId,
    });
    const state = this.#ws.responseUrl(responseToken);
    if (state) state.lastMessageTs = message.ts;
  }

  /** `response_action` decides what the user's modal does next; an empty 200 closes it. */
  #applyViewSubmissionAck(response: GatewayResponse, opened: OpenedView): void {
    const ws = this.#ws;
    if (response.status !== 200 || response.ackDeadlineMissed) return;
    if (response.body.trim() === '') {
      ws.closeView(opened);
      return;
    }
    if (!isPlainObject(response.json)) return;
    const ack = response.json;
    switch (ack.response_action) {
      case 'errors':
        if (isPlainObject(ack.errors)) {
          ws.showViewErrors(
            opened,
            Object.fromEntries(Object.entries(ack.errors).map(([blockId, text]) => [blockId, String(text)])),
          );
        }
        return;
      case 'update':
        if (isPlainObject(ack.view)) ws.replaceView(opened, ack.view);
        return;
      case 'push':
        if (isPlainObject(ack.view)) ws.openView(opened.userId, ack.view, opened);
        return;
      case 'clear':
        ws.closeAllViews(opened.userId);
        return;
      default:
        return;
    }
  }
}
