import { z } from 'zod';
import { safeJson } from '../json-request';
import { JumpCloudError, jumpCloudInsightsHttpError } from './jumpcloud-error';

export interface InsightsClientOptions {
  /** e.g. https://api.jumpcloud.com/insights/directory/v1 */
  baseUrl: string;
  apiKey: string;
  orgId?: string;
  timeoutMs?: number;
}

/** A user added to or removed from a user group, and who did it, as Directory Insights recorded it. */
export interface MembershipEvent {
  id: string;
  op: 'add' | 'remove';
  groupId: string;
  userId: string;
  /** RFC 3339 */
  at: string;
  by: { id?: string; email?: string; authMethod?: string; clientIp?: string };
}

/** One page of changes; `cursor` continues after its last event (the same as given when the page was empty). */
export interface MembershipEventPage {
  events: MembershipEvent[];
  /** Events on the page, membership changes or not: a page of `limit` means there may be more. */
  read: number;
  cursor: string[] | undefined;
}

const PATH = '/events';
const anyEvent = z.object({ id: z.string(), event_type: z.string(), timestamp: z.string() });
const end = z.object({ type: z.string(), object_id: z.string() });
const membershipChange = anyEvent.extend({
  event_type: z.literal('association_change'),
  initiated_by: z.object({ id: z.string().nullish(), email: z.string().nullish() }).nullish(),
  auth_method: z.string().nullish(),
  client_ip: z.string().nullish(),
  association: z.object({
    op: z.enum(['add', 'remove']),
    connection: z.object({ from: end, to: end }),
  }),
});
const cursorHeader = z.array(z.string());

/**
 * Reads membership changes from JumpCloud Directory Insights, oldest first, one page at a time. Everything else the
 * directory service records (logins, other associations) is skipped here, but still moves the cursor on. The event
 * shape and paging it relies on are in docs/architecture.md ("Directory Insights").
 */
export class DirectoryInsightsClient {
  private readonly baseUrl: string;

  constructor(private readonly options: InsightsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async membershipChanges(input: { since: string; cursor?: string[]; limit?: number }): Promise<MembershipEventPage> {
    const query = {
      service: ['directory'],
      start_time: input.since,
      sort: 'ASC',
      ...(input.limit !== undefined && { limit: input.limit }),
      ...(input.cursor && { search_after: input.cursor }),
    };
    const response = await this.post(query);
    const body = await response.text();
    if (!response.ok) {
      throw jumpCloudInsightsHttpError('POST', PATH, response.status, body, response.headers.get('retry-after'));
    }
    const page = z.array(anyEvent.passthrough()).safeParse(safeJson(body));
    const next = cursorHeader.safeParse(safeJson(response.headers.get('x-search_after') ?? ''));
    if (!page.success || (page.data.length > 0 && !next.success)) {
      throw new JumpCloudError(
        `JumpCloud Directory Insights POST ${PATH} returned an unexpected answer: ${
          page.success ? 'no X-Search_after header for the next page' : z.prettifyError(page.error)
        }`,
        response.status,
        false,
      );
    }
    return {
      events: page.data.flatMap((event) => toMembershipEvent(event) ?? []),
      read: page.data.length,
      cursor: page.data.length > 0 && next.success ? next.data : input.cursor,
    };
  }

  private async post(body: unknown): Promise<Response> {
    const headers: Record<string, string> = {
      'x-api-key': this.options.apiKey,
      accept: 'application/json',
      'content-type': 'application/json',
    };
    if (this.options.orgId) headers['x-org-id'] = this.options.orgId;
    try {
      return await fetch(this.baseUrl + PATH, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        // Never follow a redirect with the key attached.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      throw new JumpCloudError(
        `JumpCloud Directory Insights POST ${PATH} failed: ${(err as Error).message}`,
        undefined,
        true,
      );
    }
  }
}

/** The membership change an event records, or undefined for any other event. */
function toMembershipEvent(event: unknown): MembershipEvent | undefined {
  const parsed = membershipChange.safeParse(event);
  if (!parsed.success) return undefined;
  const e = parsed.data;
  const { from, to } = e.association.connection;
  if (from.type !== 'USER_GROUP' || to.type !== 'USER') return undefined;
  return {
    id: e.id,
    op: e.association.op,
    groupId: from.object_id,
    userId: to.object_id,
    at: e.timestamp,
    by: {
      ...(e.initiated_by?.id && { id: e.initiated_by.id }),
      ...(e.initiated_by?.email && { email: e.initiated_by.email }),
      ...(e.auth_method && { authMethod: e.auth_method }),
      ...(e.client_ip && { clientIp: e.client_ip }),
    },
  };
}
