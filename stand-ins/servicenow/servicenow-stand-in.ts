import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { serveFaultControl } from '../http/fault-control-routes';
import { FaultInjector } from '../http/fault-injector';
import { CORS_HEADERS, headerValue, sendEmpty, sendJson } from '../http/http-io';
import { startLoopbackServer } from '../http/loopback-server';
import { type RecordedCall as BaseRecordedCall, serveRecordedCall } from '../http/recorded-call';
import { failureReply, routeTableApi } from './servicenow-routes';
import { type RecordChange, type ServiceNowRecord, ServiceNowTables } from './servicenow-tables';

export type { RecordChange, RecordUpdate, ServiceNowRecord } from './servicenow-tables';

export interface RecordedCall extends BaseRecordedCall {
  /** the scheme that authenticated the call; undefined when it was refused or never checked (a fault answered) */
  auth?: 'basic' | 'bearer';
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

  function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, closing: AbortSignal): Promise<void> {
    return serveRecordedCall(req, res, url, {
      service: 'ServiceNow',
      faults,
      calls,
      closing,
      log,
      faultBody: (status) => failureReply(status, STATUS_CODES[status] ?? 'Error', null).body,
      answer: ({ method, rawBody }, call) => {
        const auth = authenticate(req);
        if (!auth) return NOT_AUTHENTICATED;
        call.auth = auth;
        return routeTableApi(tables, {
          method,
          path: url.pathname,
          query: url.searchParams,
          rawBody,
          noResponseBody: headerValue(req, 'x-no-response-body')?.toLowerCase() === 'true',
          user: opts.username,
          origin,
        });
      },
    });
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
