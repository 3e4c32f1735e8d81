import { z } from 'zod';
import { tryParseJson } from '../http/http-io';
import { type JcGroup, type JcUser } from './jumpcloud-directory';
import { type JumpCloudApiReply } from './jumpcloud-routes';

/**
 * JumpCloud Directory Insights as far as a membership change goes: every change is kept as an `association_change`
 * event, and `POST /insights/directory/v1/events` answers a query over them, paged with `search_after`. The event
 * shape, the query body and the paging header follow JumpCloud's Directory Insights API; what its documentation
 * leaves open, and what this stand-in chose, is in docs/architecture.md ("Directory Insights").
 */

/** Who made a change: an administrator in the console (`session`) or an API key's administrator (`api_key`). */
export interface InsightsActor {
  id: string;
  email: string;
  authMethod: 'session' | 'api_key';
  clientIp: string;
}

/** One membership change, as Directory Insights returns it. */
export interface InsightsEvent {
  id: string;
  event_type: 'association_change';
  service: 'directory';
  organization: string;
  /** RFC 3339 with milliseconds, UTC */
  timestamp: string;
  success: true;
  initiated_by: { id: string; type: 'admin'; email: string };
  auth_method: InsightsActor['authMethod'];
  client_ip: string;
  association: {
    op: 'add' | 'remove';
    connection: {
      from: { type: 'USER_GROUP'; object_id: string; name: string };
      to: { type: 'USER'; object_id: string; name: string };
    };
  };
}

/** The most events one page returns (and the default `limit`). */
export const MAX_INSIGHTS_PAGE = 10_000;

const rfc3339 = z.string().refine((value) => !Number.isNaN(Date.parse(value)) && /T/.test(value), {
  message: 'must be an RFC 3339 time, e.g. 2026-12-07T10:00:00Z',
});

const querySchema = z
  .object({
    service: z.array(z.string()).min(1, 'service must name at least one service, e.g. ["directory"]'),
    start_time: rfc3339,
    end_time: rfc3339.optional(),
    limit: z.number().int().min(1).max(MAX_INSIGHTS_PAGE).optional(),
    sort: z.enum(['ASC', 'DESC']).optional(),
    search_after: z.array(z.string()).length(2).optional(),
  })
  .strict();

/** Sorts by time, then by ID: the order the cursor walks. */
function sortKey(event: InsightsEvent): [number, string] {
  return [Date.parse(event.timestamp), event.id];
}

function compare(a: [number, string], b: [number, string]): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

export class DirectoryInsights {
  private readonly events: InsightsEvent[] = [];
  private sequence = 0;

  constructor(private readonly organizationId: string) {}

  /** Records one membership change made by `by` at `at` (epoch ms). */
  record(change: { op: 'add' | 'remove'; group: JcGroup; user: JcUser; by: InsightsActor; at: number }): InsightsEvent {
    this.sequence += 1;
    const event: InsightsEvent = {
      id: `6${this.sequence.toString(16).padStart(23, '0')}`,
      event_type: 'association_change',
      service: 'directory',
      organization: this.organizationId,
      timestamp: new Date(change.at).toISOString(),
      success: true,
      initiated_by: { id: change.by.id, type: 'admin', email: change.by.email },
      auth_method: change.by.authMethod,
      client_ip: change.by.clientIp,
      association: {
        op: change.op,
        connection: {
          from: { type: 'USER_GROUP', object_id: change.group.id, name: change.group.name },
          to: { type: 'USER', object_id: change.user.id, name: change.user.username },
        },
      },
    };
    this.events.push(event);
    return event;
  }

  all(): readonly InsightsEvent[] {
    return this.events;
  }

  /** The answer to `POST /insights/directory/v1/events` with `rawBody`. */
  query(rawBody: string): JumpCloudApiReply {
    const json = tryParseJson(rawBody);
    const parsed = querySchema.safeParse(json.ok ? json.value : undefined);
    if (!parsed.success) return { status: 400, body: { message: z.prettifyError(parsed.error) } };
    const q = parsed.data;
    const services = new Set(q.service);
    if (!services.has('all') && !services.has('directory')) return { status: 200, body: [], headers: pageHeaders(0) };
    const from = Date.parse(q.start_time);
    const to = q.end_time === undefined ? Infinity : Date.parse(q.end_time);
    const descending = (q.sort ?? 'DESC') === 'DESC';
    const after = q.search_after && ([Number(q.search_after[0]), q.search_after[1] ?? ''] as [number, string]);
    const matching = this.events
      .filter((e) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to)
      .sort((a, b) => (descending ? -1 : 1) * compare(sortKey(a), sortKey(b)))
      .filter((e) => !after || (descending ? -1 : 1) * compare(sortKey(e), after) > 0);
    const page = matching.slice(0, q.limit ?? MAX_INSIGHTS_PAGE);
    const last = page.at(-1);
    return {
      status: 200,
      body: page,
      headers: {
        ...pageHeaders(page.length),
        // The next page's `search_after`: the last event's sort values, as JSON.
        ...(last && { 'X-Search_after': JSON.stringify(sortKey(last).map(String)) }),
      },
    };
  }
}

function pageHeaders(count: number): Record<string, string> {
  return { 'X-Result-Count': String(count), 'X-Limit': String(MAX_INSIGHTS_PAGE) };
}
