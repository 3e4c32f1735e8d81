import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { EventStreamHub } from '../http/event-stream';
import { serveFaultControl } from '../http/fault-control-routes';
import { FaultInjector } from '../http/fault-injector';
import { CORS_HEADERS, headerValue, readRawBody, sendEmpty, sendJson, tryParseJson } from '../http/http-io';
import {
  type DirectorySnapshot,
  type JcGroup,
  type JcUser,
  JumpCloudDirectory,
  type JumpCloudSeed,
  type MembershipChange,
  type NewJcGroup,
  type NewJcUser,
} from './jumpcloud-directory';
import { type JumpCloudApiReply, type JumpCloudBehaviour, routeJumpCloudApi } from './jumpcloud-routes';
import { DirectoryInsights, type InsightsActor, type InsightsEvent } from './directory-insights';
import { type RecordedCall, serveRecordedCall } from '../http/recorded-call';
import { startLoopbackServer } from '../http/loopback-server';

export type { JcGroup, JcUser, JumpCloudSeed, MembershipChange } from './jumpcloud-directory';
export type { RecordedCall } from '../http/recorded-call';
export type { InsightsActor, InsightsEvent } from './directory-insights';

/** An administrator making a change by hand in the admin console. */
export interface ConsoleAdmin {
  id: string;
  email: string;
  clientIp?: string;
}

export interface JumpCloudStandIn {
  /** e.g. 'http://127.0.0.1:12345/api' — the value JUMPCLOUD_API_URL is set to */
  readonly baseUrl: string;
  /** e.g. 'http://127.0.0.1:12345/insights/directory/v1' — Directory Insights (JUMPCLOUD_INSIGHTS_URL) */
  readonly insightsUrl: string;
  /** e.g. 'http://127.0.0.1:12345' — where the `/_control/*` routes live */
  readonly origin: string;
  readonly faults: FaultInjector;
  /** every completed API call (faulted ones included), in completion order; control routes are not recorded */
  readonly calls: RecordedCall[];
  addUser(u: NewJcUser): JcUser;
  /** Suspends, locks or expires a user's account (as in the admin console). */
  updateUser(id: string, change: Partial<Pick<JcUser, 'state' | 'accountLocked' | 'passwordExpired'>>): JcUser;
  addGroup(g: NewJcGroup): JcGroup;
  /** A change by hand in the admin console, by `by` (default: DEFAULT_CONSOLE_ADMIN), recorded in Directory Insights. */
  setMember(groupId: string, userId: string, member: boolean, by?: ConsoleAdmin): void;
  /** Every membership change made since the start, as Directory Insights records it (oldest first). */
  insightsEvents(): readonly InsightsEvent[];
  isMember(groupId: string, userId: string): boolean;
  members(groupId: string): string[];
  snapshot(): DirectorySnapshot;
  onChange(listener: (e: MembershipChange) => void): () => void;
  close(): Promise<void>;
}

export interface JumpCloudStandInOptions {
  apiKey: string;
  /** The administrator whose API key `apiKey` is: Directory Insights names them for every change made with it. */
  apiKeyAdmin?: { id: string; email: string };
  /** a Read Only administrator's key: it reads, and every change it asks for is refused with 403 */
  readOnlyApiKey?: string;
  /** when set, requests must carry `x-org-id` (401 when missing, 404 when different), as for a multi-tenant admin */
  orgId?: string;
  host?: string;
  port?: number;
  seed?: JumpCloudSeed;
  log?: (msg: string) => void;
  /** not documented by JumpCloud: compare `email` filter values without case (default false = case-sensitive) */
  emailCaseInsensitive?: boolean;
  /** not documented by JumpCloud: status for an unknown group or user id (default 404 `{"message":"Not Found"}`) */
  unknownObjectStatus?: 400 | 404;
  /** not documented by JumpCloud: answer 400 to manual add/remove on DYNAMIC_* groups (default false = allow) */
  rejectManualChangesOnDynamicGroups?: boolean;
}

const DEFAULT_ORGANIZATION_ID = '5f0000000000000000000001';
const DEFAULT_API_KEY_ADMIN = { id: '5f00000000000000000000a1', email: 'jit-service@example.com' };
/** Who a change by hand is made by when a test does not say. */
export const DEFAULT_CONSOLE_ADMIN: ConsoleAdmin = {
  id: '5f00000000000000000000c1',
  email: 'console-admin@example.com',
  clientIp: '203.0.113.10',
};
const INSIGHTS_EVENTS_PATH = '/insights/directory/v1/events';

const membershipControlSchema = z.object({
  groupId: z.string(),
  userId: z.string(),
  member: z.boolean(),
  /** the console administrator making the change (default DEFAULT_CONSOLE_ADMIN) */
  by: z.object({ id: z.string().min(1), email: z.string().min(1), clientIp: z.string().optional() }).optional(),
});

/** A JumpCloud Directory API stand-in on loopback, following JumpCloud's documented API: v1 systemusers (filter, paging), v2 user groups, members and memberof, x-api-key/x-org-id auth and its error bodies. */
export async function startJumpCloudStandIn(opts: JumpCloudStandInOptions): Promise<JumpCloudStandIn> {
  const log = opts.log;
  const directory = new JumpCloudDirectory((error) =>
    log?.(`JumpCloud stand-in: change listener threw: ${String(error)}`),
  );
  if (opts.seed) directory.seed(opts.seed);
  const faults = new FaultInjector();
  const calls: RecordedCall[] = [];
  const events = new EventStreamHub();
  directory.changes.on((change) => events.send(change));
  // Every change lands in Directory Insights, named after whoever made it: the API key's administrator while an API
  // call is answered (answers are synchronous), otherwise the console administrator of setMember.
  const insights = new DirectoryInsights(opts.orgId ?? DEFAULT_ORGANIZATION_ID);
  let madeBy: InsightsActor | undefined;
  const consoleActor = (admin: ConsoleAdmin = DEFAULT_CONSOLE_ADMIN): InsightsActor => ({
    id: admin.id,
    email: admin.email,
    authMethod: 'session',
    clientIp: admin.clientIp ?? DEFAULT_CONSOLE_ADMIN.clientIp ?? '',
  });
  directory.changes.on((change) => {
    const group = directory.group(change.groupId);
    const user = directory.user(change.userId);
    if (!group || !user) return;
    const op = change.type === 'member-added' ? 'add' : 'remove';
    insights.record({ op, group, user, by: madeBy ?? consoleActor(), at: change.at });
  });
  const byHand = (groupId: string, userId: string, member: boolean, admin?: ConsoleAdmin): boolean => {
    madeBy = consoleActor(admin);
    try {
      return directory.setMember(groupId, userId, member);
    } finally {
      madeBy = undefined;
    }
  };
  const behaviour: JumpCloudBehaviour = {
    organizationId: opts.orgId ?? DEFAULT_ORGANIZATION_ID,
    emailCaseInsensitive: opts.emailCaseInsensitive ?? false,
    unknownObjectStatus: opts.unknownObjectStatus ?? 404,
    rejectManualChangesOnDynamicGroups: opts.rejectManualChangesOnDynamicGroups ?? false,
  };

  function authorize(req: IncomingMessage): JumpCloudApiReply | undefined {
    const key = headerValue(req, 'x-api-key');
    const readOnly = opts.readOnlyApiKey !== undefined && key === opts.readOnlyApiKey;
    if (key !== opts.apiKey && !readOnly) return { status: 401, body: { message: 'Unauthorized' } };
    const reads = req.method === 'GET' || (req.method === 'POST' && req.url?.split('?')[0] === INSIGHTS_EVENTS_PATH);
    if (readOnly && !reads) return { status: 403, body: { message: 'Forbidden' } };
    if (opts.orgId === undefined) return undefined;
    const orgId = headerValue(req, 'x-org-id');
    if (orgId === undefined || orgId === '') return { status: 401, body: { message: 'Unauthorized' } };
    if (orgId !== opts.orgId) return { status: 404, body: { message: 'Not Found' } };
    return undefined;
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, closing: AbortSignal): Promise<void> {
    return serveRecordedCall(req, res, url, {
      service: 'JumpCloud',
      faults,
      calls,
      closing,
      log,
      faultBody: (status) => ({ message: STATUS_CODES[status] ?? 'Error' }),
      answer: ({ method, rawBody }) => {
        const refused = authorize(req);
        if (refused) return refused;
        if (url.pathname === INSIGHTS_EVENTS_PATH) {
          return method === 'POST' ? insights.query(rawBody) : { status: 405, body: { message: 'Method Not Allowed' } };
        }
        const admin = opts.apiKeyAdmin ?? DEFAULT_API_KEY_ADMIN;
        madeBy = { ...admin, authMethod: 'api_key', clientIp: req.socket.remoteAddress ?? '' };
        try {
          return routeJumpCloudApi(
            directory,
            { method, path: url.pathname, query: url.searchParams, rawBody },
            behaviour,
          );
        } finally {
          madeBy = undefined;
        }
      },
    });
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'OPTIONS') return sendEmpty(res, 204, CORS_HEADERS);
    if (method === 'GET' && path === '/_control/state') return sendJson(res, 200, directory.snapshot(), CORS_HEADERS);
    if (method === 'GET' && path === '/_control/calls') return sendJson(res, 200, calls, CORS_HEADERS);
    if (method === 'GET' && path === '/_control/events')
      return events.open(req, res, { event: 'snapshot', data: directory.snapshot() });
    if (await serveFaultControl(faults, req, res, path)) return;
    if (method === 'POST' && path === '/_control/memberships') {
      const json = tryParseJson(await readRawBody(req));
      const parsed = membershipControlSchema.safeParse(json.ok ? json.value : undefined);
      if (!parsed.success) return sendJson(res, 400, { message: z.prettifyError(parsed.error) }, CORS_HEADERS);
      try {
        const { groupId, userId, member, by } = parsed.data;
        const changed = byHand(groupId, userId, member, by);
        return sendJson(res, 200, { changed }, CORS_HEADERS);
      } catch (error) {
        return sendJson(res, 404, { message: error instanceof Error ? error.message : String(error) }, CORS_HEADERS);
      }
    }
    return sendJson(res, 404, { message: 'Not Found' }, CORS_HEADERS);
  }

  const loopback = await startLoopbackServer(
    async (req, res, closing) => {
      const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
      if (url.pathname.startsWith('/_control/')) return handleControl(req, res, url);
      return handleApi(req, res, url, closing);
    },
    { host: opts.host, port: opts.port, log },
  );
  log?.(`JumpCloud stand-in listening on ${loopback.baseUrl}/api`);

  return {
    baseUrl: `${loopback.baseUrl}/api`,
    insightsUrl: `${loopback.baseUrl}/insights/directory/v1`,
    origin: loopback.baseUrl,
    faults,
    calls,
    addUser: (u) => directory.addUser(u),
    updateUser: (id, change) => directory.updateUser(id, change),
    addGroup: (g) => directory.addGroup(g),
    setMember: (groupId, userId, member, by) => {
      byHand(groupId, userId, member, by);
    },
    insightsEvents: () => insights.all(),
    isMember: (groupId, userId) => directory.isMember(groupId, userId),
    members: (groupId) => directory.members(groupId),
    snapshot: () => directory.snapshot(),
    onChange: (listener) => directory.changes.on(listener),
    close: () => loopback.close(),
  };
}
