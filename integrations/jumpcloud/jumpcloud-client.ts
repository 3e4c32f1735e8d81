import { z } from 'zod';
import { JumpCloudError, jumpCloudHttpError } from './jumpcloud-error';
import { safeJson } from '../json-request';

export interface JumpCloudClientOptions {
  /** e.g. https://console.jumpcloud.com/api */
  baseUrl: string;
  apiKey: string;
  orgId?: string;
  timeoutMs?: number;
}

export interface JumpCloudUser {
  id: string;
  email: string;
  username: string;
  displayName?: string;
  /** STAGED, ACTIVATED or SUSPENDED. */
  state?: string;
  suspended?: boolean;
  accountLocked?: boolean;
  passwordExpired?: boolean;
}

const PAGE_SIZE = 100;

const systemUser = z.object({
  _id: z.string(),
  email: z.string(),
  username: z.string(),
  displayname: z.string().nullish(),
  state: z.string().nullish(),
  suspended: z.boolean().nullish(),
  account_locked: z.boolean().nullish(),
  password_expired: z.boolean().nullish(),
});
const systemUserList = z.object({ totalCount: z.number(), results: z.array(systemUser) });
const graphObject = z.object({ id: z.string(), type: z.string() });
const graphConnection = z.object({ to: graphObject });
const graphObjectWithPaths = graphObject.extend({ paths: z.array(z.array(graphConnection)).nullish() });

/**
 * A small typed client for the reads of the JumpCloud Directory API this product uses (there is no official Node SDK).
 * It has no method that changes anything: the gateway holds one, with a Read Only administrator's key.
 */
export class JumpCloudReadClient {
  private readonly baseUrl: string;

  constructor(private readonly options: JumpCloudClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** The user with this email, or undefined. More than one match is an error: identity must be unambiguous. */
  async findUserByEmail(email: string): Promise<JumpCloudUser | undefined> {
    const list = await this.get(`/systemusers`, { filter: `email:$eq:${email}`, limit: '2' }, systemUserList);
    if (list.results.length > 1) {
      throw new JumpCloudError(`More than one JumpCloud user has the email ${email}`, undefined, false);
    }
    const user = list.results[0];
    return user && toUser(user);
  }

  /** IDs of the user groups the user belongs to, directly or through nesting. */
  async listUserGroupIds(userId: string): Promise<string[]> {
    const objects = await this.getAllPages(
      `/v2/users/${encodeURIComponent(userId)}/memberof`,
      { filter: 'type:eq:user_group' },
      graphObject,
    );
    return objects.filter((o) => o.type === 'user_group').map((o) => o.id);
  }

  /** The user with this ID, or undefined. */
  async getUser(userId: string): Promise<JumpCloudUser | undefined> {
    try {
      return toUser(await this.get(`/systemusers/${encodeURIComponent(userId)}`, {}, systemUser));
    } catch (err) {
      if (err instanceof JumpCloudError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** IDs of the users who are direct members of the group, every page read. */
  async listGroupMemberIds(groupId: string): Promise<string[]> {
    const members = await this.getAllPages(
      `/v2/usergroups/${encodeURIComponent(groupId)}/members`,
      {},
      graphConnection,
    );
    return members.filter((m) => m.to.type === 'user').map((m) => m.to.id);
  }

  /**
   * Direct membership of the user in the group, read from the user's side: a user is in a handful of groups, while a
   * JIT group may have thousands of members (100 a page), and this runs before and after every change.
   */
  async isMember(groupId: string, userId: string): Promise<boolean> {
    const groups = await this.getAllPages(
      `/v2/users/${encodeURIComponent(userId)}/memberof`,
      { filter: 'type:eq:user_group' },
      graphObjectWithPaths,
    );
    // A path of one hop is the user's own membership; longer ones come through nested groups, which we never change.
    return groups.some((g) => g.id === groupId && (g.paths ?? [[]]).some((path) => path.length <= 1));
  }

  private async getAllPages<T>(path: string, query: Record<string, string>, item: z.ZodType<T>): Promise<T[]> {
    const all: T[] = [];
    for (let skip = 0; ; skip += PAGE_SIZE) {
      const page = await this.get(path, { ...query, limit: String(PAGE_SIZE), skip: String(skip) }, z.array(item));
      all.push(...page);
      if (page.length < PAGE_SIZE) return all;
    }
  }

  private async get<T>(path: string, query: Record<string, string>, schema: z.ZodType<T>): Promise<T> {
    const response = await this.send('GET', path, query);
    const body = await response.text();
    if (!response.ok) throw jumpCloudHttpError('GET', path, response.status, body, response.headers.get('retry-after'));
    const parsed = schema.safeParse(safeJson(body));
    if (!parsed.success) {
      throw new JumpCloudError(
        `JumpCloud GET ${path} returned an unexpected body: ${z.prettifyError(parsed.error)}`,
        response.status,
        false,
      );
    }
    return parsed.data;
  }

  protected async send(method: string, path: string, query: Record<string, string>, body?: unknown): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const headers: Record<string, string> = { 'x-api-key': this.options.apiKey, accept: 'application/json' };
    if (this.options.orgId) headers['x-org-id'] = this.options.orgId;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // Never follow a redirect with the key attached: a 3xx comes back as a permanent JumpCloudError.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
      });
    } catch (err) {
      // Network failures, resets and timeouts are transient by nature.
      throw new JumpCloudError(`JumpCloud ${method} ${path} failed: ${(err as Error).message}`, undefined, true);
    }
  }
}

/** The worker's client: the reads, and membership changes, with a key whose administrator may manage user groups. */
export class JumpCloudClient extends JumpCloudReadClient {
  /** Adds the user; `changed: false` when JumpCloud says the user was already a member (409). */
  async addMember(groupId: string, userId: string): Promise<{ changed: boolean }> {
    return this.changeMembership(groupId, userId, 'add', 409);
  }

  /** Removes the user; `changed: false` when JumpCloud says the user was not a member (404). */
  async removeMember(groupId: string, userId: string): Promise<{ changed: boolean }> {
    return this.changeMembership(groupId, userId, 'remove', 404);
  }

  private async changeMembership(groupId: string, userId: string, op: 'add' | 'remove', idempotentStatus: number) {
    const path = `/v2/usergroups/${encodeURIComponent(groupId)}/members`;
    const response = await this.send('POST', path, {}, { op, type: 'user', id: userId });
    if (response.status === 204 || response.status === 200) return { changed: true };
    const body = await response.text();
    if (response.status === idempotentStatus) return { changed: false };
    throw jumpCloudHttpError('POST', path, response.status, body, response.headers.get('retry-after'));
  }
}

function toUser(user: z.infer<typeof systemUser>): JumpCloudUser {
  return {
    id: user._id,
    email: user.email,
    username: user.username,
    displayName: user.displayname ?? undefined,
    state: user.state ?? undefined,
    suspended: user.suspended ?? undefined,
    accountLocked: user.account_locked ?? undefined,
    passwordExpired: user.password_expired ?? undefined,
  };
}
