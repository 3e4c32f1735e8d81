import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { serveFaultControl } from '../http/fault-control-routes';
import { FaultInjector, type FaultKind } from '../http/fault-injector';
import { applyFaults } from '../http/fault-response';
import { CORS_HEADERS, headerValue, readRawBody, sendEmpty, sendJson, tryParseJson } from '../http/http-io';
import { startLoopbackServer } from '../http/loopback-server';
import { failureReply, routeTableApi, type TableApiReply } from './servicenow-routes';
import { type RecordChange, type ServiceNowRecord, ServiceNowTables } from './servicenow-tables';

export type { RecordChange, RecordUpdate, ServiceNowRecord } from './servicenow-tables';

export interface RecordedCall {
  method: string;
  path: string;
  /** query parameters; a repeated key keeps its last value */
  query: Record<string, string>;
  /** parsed JSON body, the raw text if it was not JSON, or undefined when empty */
  body: unknown;
  /** 0 when a 'drop' fault closed the connection without a response */
  status: number;
  /** the scheme that authenticated the call; undefined when it was refused or never checked (a fault answered) */
  auth?: 'basic' | 'bearer';
  at: number;
  fault?: FaultKind;
}

export interface ServiceNowStandIn {
  /** e.g. 'http://127.0.0.1:12345' — the instance URL, what SERVICENOW_INSTANCE_URL is set to */
  readonly baseUrl: string;
  /** the same origin, where the `/_control/*` routes live */
  readonly origin: string;
  readonly faults: FaultInjector;
  /** every completed Table API call (faulted ones included), in completion order; control routes are not recorded */
  readonly calls: RecordedCall[];
  /** the table's records in insertion order, copies */
  records(table: string): ServiceNowRecord[];
  onChange(listener: (e: RecordChange) => void): () => void;
  close(): Promise<void>;
}

export interface ServiceNowStandInOptions {
  /** the integration user's HTTP Basic credentials */
  username: string;
  password: string;
  /** when set, `Authorization: Bearer <token>` is accepted too, as an OAuth access token of the same user */
  bearerToken?: string;
  host?: string;
  port?: number;
  log?: (msg: string) => void;
}

const NOT_AUTHENTICATED = failureReply(401, 'User Not Authenticated', 'Required to provide Auth information');

function recordedBody(rawBody: string): unknown {
  if (rawBody === '') return undefined;
  const json = tryParseJson(rawBody);
  return json.ok ? json.value : rawBody;
}

/**
 * A ServiceNow instance's Table API on loopback, following ServiceNow's documented API: insert (with Location,
 * sysparm_fields and X-no-response-body), read, encoded-query lists (field=value terms joined by ^ only) and
 * PATCH/PUT updates, with HTTP Basic or bearer auth and ServiceNow's `{"error":{…},"status":"failure"}` bodies.
 */
export async function startServiceNowStandIn(opts: ServiceNowStandInOptions): Promise<ServiceNowStandIn> {
  const log = opts.log;
  const tables = new ServiceNowTables((error) => log?.(`ServiceNow stand-in: change listener threw: ${String(error)}`));
  const faults = new FaultInjector();
  const calls: RecordedCall[] = [];
  let origin = '';

  function authenticate(req: IncomingMessage): 'basic' | 'bearer' | undefined {
    const [, scheme = '', credentials = ''] = /^(\S+) +(\S+)$/.exec(headerValue(req, 'authorization') ?? '') ?? [];
    if (scheme.toLowerCase() === 'basic') {
      const decoded = Buffer.from(credentials, 'base64').toString('utf8');
      // The password may contain ':'; the user name may not.
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      return decoded.slice(0, colon) === opts.username && decoded.slice(colon + 1) === opts.password
        ? 'basic'
        : undefined;
    }
    if (scheme.toLowerCase() === 'bearer' && opts.bearerToken !== undefined && credentials === opts.bearerToken) {
      return 'bearer';
    }
    return undefined;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, closing: AbortSignal): Promise<void> {
    const rawBody = await readRawBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: recordedBody(rawBody),
      status: 0,
      at: Date.now(),
    };
    const effect = await applyFaults(faults, { method, path: url.pathname }, res, {
      defaultBody: (status) => failureReply(status, STATUS_CODES[status] ?? 'Error', null).body,
      signal: closing,
    });
    if (effect.fault) call.fault = effect.fault;
    if (effect.terminalStatus === undefined) {
      const auth = authenticate(req);
      let reply: TableApiReply = NOT_AUTHENTICATED;
      if (auth) {
        call.auth = auth;
        reply = routeTableApi(tables, {
          method,
          path: url.pathname,
          query: url.searchParams,
          rawBody,
          noResponseBody: headerValue(req, 'x-no-response-body')?.toLowerCase() === 'true',
          user: opts.username,
          origin,
        });
      }
      if (reply.body === undefined) sendEmpty(res, reply.status, reply.headers);
      else sendJson(res, reply.status, reply.body, reply.headers);
      call.status = reply.status;
    } else {
      call.status = effect.terminalStatus;
    }
    calls.push(call);
    log?.(
      `ServiceNow ${method} ${url.pathname}${url.search} → ${call.status === 0 ? 'dropped' : call.status}${call.fault ? ` (fault: ${call.fault})` : ''}`,
    );
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'OPTIONS') return sendEmpty(res, 204, CORS_HEADERS);
    if (method === 'GET' && path === '/_control/records') {
      const table = url.searchParams.get('table');
      if (!table) return sendJson(res, 400, { message: 'the table query parameter is required' }, CORS_HEADERS);
      return sendJson(res, 200, tables.list(table), CORS_HEADERS);
    }
    if (method === 'GET' && path === '/_control/calls') return sendJson(res, 200, calls, CORS_HEADERS);
    if (await serveFaultControl(faults, req, res, path)) return;
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
  origin = loopback.baseUrl;
  log?.(`ServiceNow stand-in listening on ${origin}`);

  return {
    baseUrl: origin,
    origin,
    faults,
    calls,
    records: (table) => tables.list(table),
    onChange: (listener) => tables.changes.on(listener),
    close: () => loopback.close(),
  };
}
