import { isPlainObject, tryParseJson } from '../http/http-io';
import { type ServiceNowRecord, type ServiceNowTables } from './servicenow-tables';

export interface TableApiRequest {
  method: string;
  /** path without the query string, e.g. '/api/now/table/incident' */
  path: string;
  query: URLSearchParams;
  rawBody: string;
  /** the request carried `X-no-response-body: true`; an insert then answers without a body */
  noResponseBody: boolean;
  /** the authenticated user, written to sys_created_by and sys_updated_by */
  user: string;
  /** 'http://127.0.0.1:PORT', for the Location header */
  origin: string;
}

export interface TableApiReply {
  status: number;
  /** undefined = no body */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The error body ServiceNow's REST APIs answer with. */
export function failureReply(status: number, message: string, detail: string | null): TableApiReply {
  return { status, body: { error: { message, detail }, status: 'failure' } };
}

/** A request the Table API refuses with 400; thrown from the parsers, answered by routeTableApi. */
class BadRequestError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

const TABLE_PATH = /^\/api\/now(\/v1)?\/table\/([^/]+)(?:\/([^/]+))?\/?$/;
/** Column names are lowercase and start with a letter, which also keeps `__proto__` out of the records. */
const FIELD_NAME = /^[a-z][a-z0-9_]*$/;
const QUERY_TERM = /^([a-z][a-z0-9_]*)=(.*)$/s;

const NO_RECORD = failureReply(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
const METHOD_NOT_ALLOWED = failureReply(405, 'Method not Supported', 'the Table API has no such method here');

/**
 * Tables an administrator would have created: custom ones (u_*) and incident. A real instance knows its tables; the
 * stand-in has no dictionary, so it accepts any custom name and refuses the rest as an unknown table.
 */
function isKnownTable(name: string): boolean {
  return name === 'incident' || /^u_[a-z0-9_]+$/.test(name);
}

/** The Table API routes the audit trail uses (insert, read, query, update), answered from `tables`. */
export function routeTableApi(tables: ServiceNowTables, request: TableApiRequest): TableApiReply {
  try {
    return route(tables, request);
  } catch (error) {
    if (error instanceof BadRequestError) return failureReply(400, error.message, error.detail);
    throw error;
  }
}

function route(tables: ServiceNowTables, request: TableApiRequest): TableApiReply {
  const match = TABLE_PATH.exec(request.path);
  if (!match) return failureReply(404, 'Not Found', 'the stand-in serves only the Table API under /api/now/table');
  const [, version, rawTable, rawSysId] = match;
  const table = decode(rawTable ?? '');
  if (!isKnownTable(table)) return failureReply(400, `Invalid table ${table}`, null);
  const { method, query } = request;

  if (rawSysId === undefined) {
    if (method === 'GET') return list(tables, table, query);
    if (method !== 'POST') return METHOD_NOT_ALLOWED;
    const record = tables.insert(table, parseFields(request.rawBody), request.user);
    const sysId = record.fields.sys_id ?? '';
    const headers = { location: `${request.origin}/api/now${version ?? ''}/table/${table}/${sysId}` };
    if (request.noResponseBody) return { status: 201, headers };
    return { status: 201, headers, body: { result: project(record, query) } };
  }

  const sysId = decode(rawSysId);
  if (method === 'GET') {
    const record = tables.get(table, sysId);
    if (!record) return NO_RECORD;
    return { status: 200, body: { result: project(record, query) } };
  }
  if (method !== 'PATCH' && method !== 'PUT') return METHOD_NOT_ALLOWED;
  // ServiceNow's PUT sets the given fields like PATCH does; it does not replace the whole record.
  const fields = parseFields(request.rawBody);
  const updated = tables.update(table, sysId, fields, method, request.user);
  if (!updated) return NO_RECORD;
  return { status: 200, body: { result: project(updated, query) } };
}

function list(tables: ServiceNowTables, table: string, query: URLSearchParams): TableApiReply {
  const terms = parseQuery(query.get('sysparm_query') ?? '');
  const limit = parseLimit(query.get('sysparm_limit'));
  const matches = tables
    .list(table)
    .filter((record) =>
      terms.every(([field, value]) => Object.hasOwn(record.fields, field) && record.fields[field] === value),
    );
  return {
    status: 200,
    headers: { 'x-total-count': String(matches.length) },
    body: { result: matches.slice(0, limit).map((record) => project(record, query)) },
  };
}

/** Only `field=value` terms joined by `^` (AND); values compare exactly. Anything else is refused, not guessed at. */
function parseQuery(encoded: string): Array<[string, string]> {
  if (encoded === '') return [];
  return encoded.split('^').map((term) => {
    const match = QUERY_TERM.exec(term);
    if (!match) {
      throw new BadRequestError(
        'Unsupported query',
        `the stand-in understands only field=value terms joined by ^, not ${JSON.stringify(term)}`,
      );
    }
    return [match[1] ?? '', match[2] ?? ''];
  });
}

function parseLimit(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  if (!/^[1-9]\d*$/.test(raw)) throw new BadRequestError('Invalid sysparm_limit', 'must be a positive integer');
  return Number(raw);
}

/** A JSON object of field names and scalar values; the Table API stores every value as a string. */
function parseFields(rawBody: string): Record<string, string> {
  const json = tryParseJson(rawBody);
  if (!json.ok || !isPlainObject(json.value)) {
    throw new BadRequestError('Invalid request body', 'the body must be a JSON object of field names and values');
  }
  return Object.fromEntries(
    Object.entries(json.value).map(([name, value]) => {
      if (!FIELD_NAME.test(name)) {
        throw new BadRequestError('Invalid request body', `${JSON.stringify(name)} is not a field name`);
      }
      if (value !== null && typeof value === 'object') {
        throw new BadRequestError('Invalid request body', `the value of ${name} is not a string, number or boolean`);
      }
      return [name, value === null ? '' : String(value)];
    }),
  );
}

/** `sysparm_fields=a,b`: only those fields, in that order; names the record does not have are left out. */
function project(record: ServiceNowRecord, query: URLSearchParams): Record<string, string> {
  const wanted = (query.get('sysparm_fields') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (wanted.length === 0) return record.fields;
  return Object.fromEntries(
    wanted.flatMap((name) => (Object.hasOwn(record.fields, name) ? [[name, record.fields[name] ?? '']] : [])),
  );
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
