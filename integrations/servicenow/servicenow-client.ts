import { z } from 'zod';
import { ServiceNowError, serviceNowHttpError } from './servicenow-error';
import { requestJson, safeJson } from '../json-request';

export type ServiceNowAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface ServiceNowClientOptions {
  /** e.g. https://example.service-now.com */
  instanceUrl: string;
  /** e.g. u_jit_access_log */
  table: string;
  auth: ServiceNowAuth;
  timeoutMs?: number;
}

export interface ServiceNowRecordRef {
  /** 32 hex characters */
  sysId: string;
  /** e.g. 'JIT0001001'; empty when the table has no number field */
  number: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

const recordRef = z.object({ sys_id: z.string().min(1), number: z.string().optional() });
const singleResult = z.object({ result: recordRef });
const listResult = z.object({ result: z.array(recordRef) });
const updatedResult = z.object({ result: z.object({ sys_id: z.string() }) });

/** A small typed client for the ServiceNow Table API, on one table of one instance. */
export class ServiceNowClient {
  readonly #instanceUrl: string;
  readonly #table: string;
  readonly #tablePath: string;
  // Private fields keep the credentials out of util.inspect and JSON.stringify of the client.
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(options: ServiceNowClientOptions) {
    // Neither message quotes the URL: it may hold credentials, and fetch's own errors would quote them.
    if (!URL.canParse(options.instanceUrl)) {
      throw new ServiceNowError('SERVICENOW_INSTANCE_URL is not a URL', undefined, false);
    }
    const url = new URL(options.instanceUrl);
    if (url.username || url.password) {
      throw new ServiceNowError(
        'SERVICENOW_INSTANCE_URL must not contain credentials; set SERVICENOW_USERNAME/SERVICENOW_PASSWORD or SERVICENOW_TOKEN',
        undefined,
        false,
      );
    }
    this.#instanceUrl = options.instanceUrl.replace(/\/+$/, '');
    this.#table = options.table;
    this.#tablePath = `/api/now/table/${encodeURIComponent(options.table)}`;
    const { auth } = options;
    this.#authorization =
      auth.kind === 'basic'
        ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
        : `Bearer ${auth.token}`;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Inserts one record and returns its identity (only those two fields are sent back). */
  async createRecord(fields: Record<string, string>, signal?: AbortSignal): Promise<ServiceNowRecordRef> {
    const { result } = await this.call(
      'POST',
      this.#tablePath,
      { sysparm_fields: 'sys_id,number', sysparm_exclude_reference_link: 'true' },
      singleResult,
      fields,
      signal,
    );
    return toRef(result);
  }

  /** Sets the given fields of the record; fields not named keep their values. */
  async updateRecord(sysId: string, fields: Record<string, string>, signal?: AbortSignal): Promise<void> {
    await this.call(
      'PATCH',
      `${this.#tablePath}/${encodeURIComponent(sysId)}`,
      { sysparm_fields: 'sys_id', sysparm_exclude_reference_link: 'true' },
      updatedResult,
      fields,
      signal,
    );
  }

  /**
   * The first record whose `field` equals `value`, or undefined. A create retried after a lost response looks here
   * first, so it does not insert the record twice.
   */
  async findRecord(field: string, value: string, signal?: AbortSignal): Promise<ServiceNowRecordRef | undefined> {
    // '^' separates encoded-query terms and cannot be escaped, so such a value would search for something else.
    if (field.includes('^') || value.includes('^')) {
      throw new ServiceNowError(`ServiceNow cannot search ${field} for a value containing '^'`, undefined, false);
    }
    const { result } = await this.call(
      'GET',
      this.#tablePath,
      { sysparm_query: `${field}=${value}`, sysparm_limit: '1', sysparm_fields: 'sys_id,number' },
      listResult,
      undefined,
      signal,
    );
    return result[0] && toRef(result[0]);
  }

  /** The record in the instance's UI, inside its navigation frame. */
  recordUrl(sysId: string): string {
    const uri = `${this.#table}.do?sys_id=${encodeURIComponent(sysId)}`;
    return `${this.#instanceUrl}/nav_to.do?uri=${encodeURIComponent(uri)}`;
  }

  private async call<T>(
    method: string,
    path: string,
    query: Record<string, string>,
    schema: z.ZodType<T>,
    body?: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T> {
    const url = new URL(this.#instanceUrl + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const { response, text } = await requestJson(
      url,
      { method, authorization: this.#authorization, body, timeoutMs: this.#timeoutMs, signal },
      (problem) => new ServiceNowError(`ServiceNow ${method} ${path} failed: ${problem}`, undefined, true),
    );
    if (!response.ok) {
      throw serviceNowHttpError(method, path, response.status, text, response.headers.get('retry-after'));
    }
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new ServiceNowError(
        `ServiceNow ${method} ${path} returned an unexpected body: ${z.prettifyError(parsed.error)}`,
        response.status,
        false,
      );
    }
    return parsed.data;
  }
}

function toRef(record: z.infer<typeof recordRef>): ServiceNowRecordRef {
  return { sysId: record.sys_id, number: record.number ?? '' };
}
