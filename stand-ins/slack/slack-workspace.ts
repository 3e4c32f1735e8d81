import { ChangeFeed } from '../http/change-feed';
import { SlackIdMinter } from './slack-ids';

export interface SlackUser {
  id: string;
  name: string;
  realName?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
  /** A multi-channel guest (users.info `is_restricted`). */
  isRestricted?: boolean;
  /** A single-channel guest (`is_ultra_restricted`). */
  isUltraRestricted?: boolean;
  /** Someone of another workspace (Slack Connect): their own team ID. */
  teamId?: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  postedBy: 'bot' | string;
  updates: number;
  deleted?: boolean;
  ephemeralTo?: string;
  threadTs?: string;
}

export interface SlackApiCall {
  method: string;
  /** the call's arguments without `token`; blocks/view/attachments already JSON-parsed */
  args: Record<string, unknown>;
  token?: string;
  at: number;
  ok: boolean;
  error?: string;
  /** 0 when a 'drop' fault closed the connection without a response */
  httpStatus: number;
}

export interface OpenedView {
  id: string;
  userId: string;
  /** the view object as views.open returned it (id, hash, state, callback_id, private_metadata, blocks, ...) */
  view: Record<string, unknown>;
  hash: string;
  externalId?: string;
  openedAt: number;
  updates: number;
  /** set when the user's modal closed (empty or `clear` ack to a submission) */
  closedAt?: number;
  /** the last `response_action: 'errors'` the app answered a submission with */
  errors?: Record<string, string>;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  at: number;
  /** 0 when a 'drop' fault closed the connection without a response */
  status: number;
}

export interface SlackChannel {
  id: string;
  name: string;
  isIm: boolean;
  /** for a DM: the user the bot talks to */
  userId?: string;
}

/** Something changed in the workspace; `type` is e.g. 'message-posted', 'view-opened', 'api-call', 'app-request'. */
export interface SlackChangeEvent {
  type: string;
  [k: string]: unknown;
}

export interface ResponseUrlContext {
  channel: string;
  userId: string;
  messageTs?: string;
}

export interface ResponseUrlState extends ResponseUrlContext {
  token: string;
  mintedAt: number;
  uses: number;
  /** the last message this URL (or the ack it came with) produced; replace_original falls back to it */
  lastMessageTs?: string;
}

export type TriggerExchange =
  | { ok: true; userId: string }
  | { ok: false; error: 'invalid_trigger_id' | 'exchanged_trigger_id' | 'expired_trigger_id' };

interface TriggerState {
  userId: string;
  mintedAt: number;
  used: boolean;
}

export interface SlackWorkspaceOptions {
  teamId: string;
  teamDomain: string;
  apiAppId: string;
  triggerTtlMs: number;
  onListenerError?: (error: unknown) => void;
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** The stand-in's in-memory Slack workspace: people, conversations, messages, modals, triggers and response URLs. */
export class SlackWorkspace {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly apiAppId: string;
  readonly botId = 'B0SANDBOXBOT';
  readonly botUserId = 'U0SANDBOXBOT';
  readonly ids = new SlackIdMinter();
  readonly changes: ChangeFeed<SlackChangeEvent>;
  readonly calls: SlackApiCall[] = [];
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  readonly #triggerTtlMs: number;
  readonly #users = new Map<string, SlackUser>();
  readonly #channels = new Map<string, SlackChannel>();
  readonly #dmByUser = new Map<string, string>();
  readonly #messages: StoredMessage[] = [];
  readonly #views = new Map<string, OpenedView>();
  readonly #triggers = new Map<string, TriggerState>();
  readonly #responseUrls = new Map<string, ResponseUrlState>();

  constructor(opts: SlackWorkspaceOptions) {
    this.teamId = opts.teamId;
    this.teamDomain = opts.teamDomain;
    this.apiAppId = opts.apiAppId;
    this.#triggerTtlMs = opts.triggerTtlMs;
    this.changes = new ChangeFeed<SlackChangeEvent>(opts.onListenerError);
  }

  addUser(user: SlackUser): void {
    this.#users.set(user.id, { ...user });
    this.changes.emit({ type: 'user-added', user: { ...user } });
  }

  user(id: string): SlackUser | undefined {
    const user = this.#users.get(id);
    return user && { ...user };
  }

  userByEmail(email: string): SlackUser | undefined {
    const wanted = email.toLowerCase();
    const user = [...this.#users.values()].find((u) => u.email?.toLowerCase() === wanted);
    return user && { ...user };
  }

  users(): SlackUser[] {
    return [...this.#users.values()].map((u) => ({ ...u }));
  }

  addChannel(id: string, name: string): SlackChannel {
    const channel: SlackChannel = { id, name, isIm: false };
    this.#channels.set(id, channel);
    return { ...channel };
  }

  channels(): SlackChannel[] {
    return [...this.#channels.values()].map((c) => ({ ...c }));
  }

  /** The D… id of the bot's DM with that user (opened on first use, like conversations.open). */
  dmChannelFor(userId: string): string {
    const existing = this.#dmByUser.get(userId);
    if (existing) return existing;
    if (!this.#users.has(userId)) throw new Error(`Slack stand-in: unknown user ${userId}`);
    let id = `D${userId.slice(1)}`;
    for (let n = 2; this.#channels.has(id); n += 1) id = `D${userId.slice(1)}${n}`;
    this.#channels.set(id, { id, name: 'directmessage', isIm: true, userId });
    this.#dmByUser.set(userId, id);
    return id;
  }

  /**
   * Where a message addressed to `target` lands: a U…/W… id means that user's DM; C…/G… ids are public or private
   * channels the bot can post in; an unknown D… id is not found.
   */
  resolveChannel(target: string): SlackChannel | undefined {
    if (/^[UW]/.test(target)) {
      const user = this.#users.get(target);
      if (!user || user.deleted) return undefined;
      return this.#channels.get(this.dmChannelFor(target));
    }
    const known = this.#channels.get(target);
    if (known) return { ...known };
    if (/^[CG][A-Z0-9]+$/.test(target)) return this.addChannel(target, target.toLowerCase());
    return undefined;
  }

  post(input: {
    channel: string;
    text?: string;
    blocks?: unknown[];
    postedBy: string;
    ephemeralTo?: string;
    threadTs?: string;
  }): StoredMessage {
    const message: StoredMessage = { ...dropUndefined(input), ts: this.ids.messageTs(), updates: 0 };
    this.#messages.push(message);
    this.changes.emit({ type: 'message-posted', message: copy(message) });
    return message;
  }

  /** the live, non-deleted message (mutate only through editMessage/deleteMessage) */
  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.#messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  editMessage(message: StoredMessage, change: { text?: string; blocks?: unknown[] }): void {
    if (change.text !== undefined) message.text = change.text;
    if (change.blocks !== undefined) message.blocks = change.blocks;
    message.updates += 1;
    this.changes.emit({ type: 'message-updated', message: copy(message) });
  }

  deleteMessage(message: StoredMessage): void {
    message.deleted = true;
    this.changes.emit({ type: 'message-deleted', message: copy(message) });
  }

  /** non-deleted messages in post order (copies) */
  messages(channel?: string): StoredMessage[] {
    return this.#messages.filter((m) => !m.deleted && (channel === undefined || m.channel === channel)).map(copy);
  }

  mintTriggerId(userId: string): string {
    const id = this.ids.triggerId();
    this.#triggers.set(id, { userId, mintedAt: Date.now(), used: false });
    return id;
  }

  /** single use, valid for triggerTtlMs */
  exchangeTrigger(triggerId: string): TriggerExchange {
    const trigger = this.#triggers.get(triggerId);
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used) return { ok: false, error: 'exchanged_trigger_id' };
    if (Date.now() - trigger.mintedAt > this.#triggerTtlMs) return { ok: false, error: 'expired_trigger_id' };
    trigger.used = true;
    return { ok: true, userId: trigger.userId };
  }

  /** returns the token that goes in the URL path */
  mintResponseUrl(context: ResponseUrlContext): string {
    const token = this.ids.responseUrlToken();
    this.#responseUrls.set(token, { ...dropUndefined(context), token, mintedAt: Date.now(), uses: 0 });
    return token;
  }

  responseUrl(token: string): ResponseUrlState | undefined {
    return this.#responseUrls.get(token);
  }

  openView(userId: string, definition: Record<string, unknown>, stackedOn?: OpenedView): OpenedView {
    const id = this.ids.viewId();
    const hash = this.ids.viewHash();
    const externalId =
      typeof definition.external_id === 'string' && definition.external_id !== '' ? definition.external_id : undefined;
    const opened: OpenedView = {
      id,
      userId,
      hash,
      externalId,
      openedAt: Date.now(),
      updates: 0,
      view: this.#renderView(definition, {
        id,
        hash,
        rootViewId: stackedOn ? String(stackedOn.view.root_view_id ?? stackedOn.id) : id,
        previousViewId: stackedOn?.id ?? null,
      }),
    };
    if (opened.externalId === undefined) delete opened.externalId;
    this.#views.set(id, opened);
    this.changes.emit({ type: 'view-opened', view: copy(opened) });
    return opened;
  }

  /** the live view, open or closed */
  findView(viewId: string): OpenedView | undefined {
    return this.#views.get(viewId);
  }

  findViewByExternalId(externalId: string): OpenedView | undefined {
    return [...this.#views.values()].find((v) => v.externalId === externalId && v.closedAt === undefined);
  }

  /** the user's top-most open modal */
  topView(userId: string): OpenedView | undefined {
    return [...this.#views.values()].filter((v) => v.userId === userId && v.closedAt === undefined).at(-1);
  }

  openViewCount(userId: string): number {
    return [...this.#views.values()].filter((v) => v.userId === userId && v.closedAt === undefined).length;
  }

  replaceView(opened: OpenedView, definition: Record<string, unknown>): void {
    opened.hash = this.ids.viewHash();
    opened.view = this.#renderView(definition, {
      id: opened.id,
      hash: opened.hash,
      rootViewId: String(opened.view.root_view_id ?? opened.id),
      previousViewId: (opened.view.previous_view_id as string | null | undefined) ?? null,
    });
    const externalId =
      typeof definition.external_id === 'string' && definition.external_id !== '' ? definition.external_id : undefined;
    if (externalId === undefined) delete opened.externalId;
    else opened.externalId = externalId;
    delete opened.errors;
    opened.updates += 1;
    this.changes.emit({ type: 'view-updated', view: copy(opened) });
  }

  showViewErrors(opened: OpenedView, errors: Record<string, string>): void {
    opened.errors = { ...errors };
    this.changes.emit({ type: 'view-errors', view: copy(opened) });
  }

  closeView(opened: OpenedView): void {
    if (opened.closedAt !== undefined) return;
    opened.closedAt = Date.now();
    this.changes.emit({ type: 'view-closed', view: copy(opened) });
  }

  closeAllViews(userId: string): void {
    for (const opened of this.#views.values()) if (opened.userId === userId) this.closeView(opened);
  }

  /** open views (or all, with includeClosed) in the order they were opened (copies) */
  views(userId?: string, includeClosed = false): OpenedView[] {
    return [...this.#views.values()]
      .filter((v) => (userId === undefined || v.userId === userId) && (includeClosed || v.closedAt === undefined))
      .map(copy);
  }

  recordCall(call: SlackApiCall): void {
    this.calls.push(call);
    this.changes.emit({ type: 'api-call', call: copy(call) });
  }

  recordResponseUrlPost(post: ResponseUrlPost): void {
    this.responseUrlPosts.push(post);
    this.changes.emit({ type: 'response-url-post', post: copy(post) });
  }

  snapshot(): Record<string, unknown> {
    return {
      team: { id: this.teamId, domain: this.teamDomain },
      bot: { userId: this.botUserId, botId: this.botId, appId: this.apiAppId },
      users: this.users(),
      channels: this.channels(),
      messages: this.messages(),
      views: this.views(undefined, true),
    };
  }

  #renderView(
    definition: Record<string, unknown>,
    meta: { id: string; hash: string; rootViewId: string; previousViewId: string | null },
  ): Record<string, unknown> {
    return {
      type: 'modal',
      blocks: [],
      private_metadata: '',
      callback_id: '',
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
      close: null,
      submit: null,
      ...definition,
      id: meta.id,
      team_id: this.teamId,
      state: { values: {} },
      hash: meta.hash,
      root_view_id: meta.rootViewId,
      previous_view_id: meta.previousViewId,
      app_id: this.apiAppId,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
