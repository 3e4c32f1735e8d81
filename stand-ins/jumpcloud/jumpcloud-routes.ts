import { z } from 'zod';
import { isPlainObject, tryParseJson } from '../http/http-io';
import { type JcGroup, type JcUser, type JumpCloudDirectory } from './jumpcloud-directory';
import {
  BadRequestError,
  page,
  parsePaging,
  parseSort,
  parseV1Filter,
  parseV2Filter,
  type Paging,
  type RecordPredicate,
} from './jumpcloud-query';

export interface JumpCloudApiRequest {
  method: string;
  /** path without the query string, e.g. '/api/v2/usergroups' */
  path: string;
  query: URLSearchParams;
  rawBody: string;
}

export interface JumpCloudApiReply {
  status: number;
  /** undefined = no body (204) */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Behaviour JumpCloud's documentation leaves open, chosen per stand-in. */
export interface JumpCloudBehaviour {
  organizationId: string;
  /** compare `email` filter values without case (default: case-sensitive, as the spec says) */
  emailCaseInsensitive: boolean;
  /** status for an unknown (or malformed) group or user id */
  unknownObjectStatus: 400 | 404;
  /** refuse manual add/remove on DYNAMIC_* groups with 400 */
  rejectManualChangesOnDynamicGroups: boolean;
}

const NOT_FOUND: JumpCloudApiReply = { status: 404, body: { message: 'Not Found' } };
const METHOD_NOT_ALLOWED: JumpCloudApiReply = { status: 405, body: { message: 'Method Not Allowed' } };

const V1_USER_FIELDS = new Set([
  '_id',
  'email',
  'username',
  'firstname',
  'lastname',
  'displayname',
  'state',
  'activated',
  'suspended',
  'account_locked',
  'password_expired',
]);
const V2_GROUP_FIELDS = new Set(['id', 'name', 'type', 'membershipMethod', 'description']);
const GRAPH_FIELDS = new Set(['id', 'type']);

const memberOperationSchema = z.object({
  op: z.enum(['add', 'remove']),
  type: z.literal('user'),
  id: z.string().min(1),
  attributes: z.record(z.string(), z.unknown()).nullable().optional(),
});

const exactMatchSchema = z.record(z.string(), z.unknown());
const userSearchSchema = z.object({
  filter: z
    .union([
      z.array(exactMatchSchema),
      z.object({ and: z.array(exactMatchSchema) }),
      z.object({ or: z.array(exactMatchSchema) }),
    ])
    .optional(),
  searchFilter: z
    .object({ searchTerm: z.union([z.string(), z.array(z.string())]), fields: z.array(z.string()).optional() })
    .optional(),
  fields: z.string().optional(),
});

function v1User(directory: JumpCloudDirectory, user: JcUser, behaviour: JumpCloudBehaviour): Record<string, unknown> {
  const state = user.state ?? 'ACTIVATED';
  return {
    _id: user.id,
    username: user.username,
    email: user.email,
    firstname: user.firstname ?? '',
    lastname: user.lastname ?? '',
    displayname: [user.firstname, user.lastname].filter(Boolean).join(' '),
    state,
    activated: state === 'ACTIVATED',
    suspended: state === 'SUSPENDED',
    account_locked: user.accountLocked ?? false,
    password_expired: user.passwordExpired ?? false,
    externally_managed: false,
    mfa: { configured: false, exclusion: false },
    attributes: [],
    organization: behaviour.organizationId,
    created: directory.userCreatedAt(user.id),
  };
}

function v2Group(group: JcGroup): Record<string, unknown> {
  return {
    id: group.id,
    name: group.name,
    type: 'user_group',
    description: group.description ?? '',
    email: '',
    attributes: { sudo: { enabled: false, withoutPassword: false } },
    membershipMethod: group.membershipMethod ?? 'NOTSET',
  };
}

function graphObject(id: string, type: string): Record<string, unknown> {
  return { id, type, attributes: null };
}

/** v1 `fields=email username` projection; `_id` always stays. */
function project(record: Record<string, unknown>, fields: string | null | undefined): Record<string, unknown> {
  const wanted = (fields ?? '').split(/\s+/).filter(Boolean);
  if (wanted.length === 0) return record;
  return Object.fromEntries(Object.entries(record).filter(([key]) => key === '_id' || wanted.includes(key)));
}

function listReply(items: readonly Record<string, unknown>[], paging: Paging): JumpCloudApiReply {
  return { status: 200, body: page(items, paging), headers: { 'x-total-count': String(items.length) } };
}

/** The JumpCloud Directory API routes the app uses (v1 users, v2 groups and membership), answered from `directory`. */
export function routeJumpCloudApi(
  directory: JumpCloudDirectory,
  request: JumpCloudApiRequest,
  behaviour: JumpCloudBehaviour,
): JumpCloudApiReply {
  try {
    return route(directory, request, behaviour);
  } catch (error) {
    if (error instanceof BadRequestError) return { status: 400, body: { message: error.message } };
    throw error;
  }
}

function route(
  directory: JumpCloudDirectory,
  request: JumpCloudApiRequest,
  behaviour: JumpCloudBehaviour,
): JumpCloudApiReply {
  const path = request.path.length > 1 ? request.path.replace(/\/$/, '') : request.path;
  const { method } = request;
  const unknownObject: JumpCloudApiReply =
    behaviour.unknownObjectStatus === 404
      ? NOT_FOUND
      : { status: 400, body: { message: 'Bad Request: invalid object id' } };

  if (path === '/api/systemusers')
    return method === 'GET' ? listUsersV1(directory, request, behaviour) : METHOD_NOT_ALLOWED;
  if (path === '/api/search/systemusers')
    return method === 'POST' ? searchUsersV1(directory, request, behaviour) : METHOD_NOT_ALLOWED;

  let match = /^\/api\/systemusers\/([^/]+)$/.exec(path);
  if (match) {
    if (method !== 'GET') return METHOD_NOT_ALLOWED;
    const user = directory.user(match[1] ?? '');
    return user ? { status: 200, body: v1User(directory, user, behaviour) } : unknownObject;
  }

  if (path === '/api/v2/usergroups') {
    if (method !== 'GET') return METHOD_NOT_ALLOWED;
    const matches = parseV2Filter(request.query, { allowed: V2_GROUP_FIELDS });
    const groups = directory.groups().map(v2Group).filter(matches);
    const sort = parseSort(request.query.get('sort'), V2_GROUP_FIELDS);
    return listReply(sort ? groups.sort(sort) : groups, parsePaging(request.query));
  }

  match = /^\/api\/v2\/usergroups\/([^/]+)(?:\/(members|membership))?$/.exec(path);
  if (match) {
    const group = directory.group(match[1] ?? '');
    const sub = match[2];
    if (sub === 'members' && method === 'POST')
      return changeMembership(directory, group, request.rawBody, behaviour, unknownObject);
    if (method !== 'GET') return METHOD_NOT_ALLOWED;
    if (!group) return unknownObject;
    if (sub === undefined) return { status: 200, body: v2Group(group) };
    const paging = parsePaging(request.query);
    const memberIds = directory.members(group.id);
    if (sub === 'members') {
      return listReply(
        memberIds.map((id) => ({ to: graphObject(id, 'user'), attributes: null })),
        paging,
      );
    }
    const matches = parseV2Filter(request.query, { allowed: GRAPH_FIELDS });
    const withPaths = memberIds.map((id) => ({
      id,
      type: 'user',
      paths: [[{ to: graphObject(id, 'user'), attributes: null }]],
      compiledAttributes: {},
    }));
    return listReply(withPaths.filter(matches), paging);
  }

  match = /^\/api\/v2\/users\/([^/]+)\/memberof$/.exec(path);
  if (match) {
    if (method !== 'GET') return METHOD_NOT_ALLOWED;
    const user = directory.user(match[1] ?? '');
    if (!user) return unknownObject;
    const paging = parsePaging(request.query);
    const matches = parseV2Filter(request.query, { allowed: GRAPH_FIELDS });
    const memberOf = directory.groupsOf(user.id).map((groupId) => ({
      id: groupId,
      type: 'user_group',
      paths: [[{ to: graphObject(groupId, 'user_group'), attributes: null }]],
      compiledAttributes: {},
    }));
    return listReply(memberOf.filter(matches), paging);
  }

  return NOT_FOUND;
}

function listUsersV1(
  directory: JumpCloudDirectory,
  request: JumpCloudApiRequest,
  behaviour: JumpCloudBehaviour,
): JumpCloudApiReply {
  const paging = parsePaging(request.query);
  const matches = parseV1Filter(request.query, {
    allowed: V1_USER_FIELDS,
    caseInsensitive: new Set(behaviour.emailCaseInsensitive ? ['email'] : []),
  });
  const users = directory
    .users()
    .map((user) => v1User(directory, user, behaviour))
    .filter(matches);
  const sort = parseSort(request.query.get('sort'), V1_USER_FIELDS);
  const results = page(sort ? users.sort(sort) : users, paging).map((user) =>
    project(user, request.query.get('fields')),
  );
  return { status: 200, body: { totalCount: users.length, results } };
}

function searchUsersV1(
  directory: JumpCloudDirectory,
  request: JumpCloudApiRequest,
  behaviour: JumpCloudBehaviour,
): JumpCloudApiReply {
  const paging = parsePaging(request.query);
  const json = request.rawBody.trim() === '' ? { ok: true as const, value: {} } : tryParseJson(request.rawBody);
  if (!json.ok) throw new BadRequestError('request body is not valid JSON');
  const parsed = userSearchSchema.safeParse(json.value);
  if (!parsed.success) throw new BadRequestError(z.prettifyError(parsed.error));
  const { filter, searchFilter, fields } = parsed.data;

  const exact =
    (criteria: Record<string, unknown>): RecordPredicate =>
    (record) =>
      Object.entries(criteria).every(([field, expected]) => {
        const actual = record[field];
        if (
          field === 'email' &&
          behaviour.emailCaseInsensitive &&
          typeof actual === 'string' &&
          typeof expected === 'string'
        ) {
          return actual.toLowerCase() === expected.toLowerCase();
        }
        return actual === expected;
      });
  let filterMatches: RecordPredicate = () => true;
  if (Array.isArray(filter) || (filter && 'and' in filter)) {
    const all = (Array.isArray(filter) ? filter : filter.and).map(exact);
    filterMatches = (record) => all.every((p) => p(record));
  } else if (filter && 'or' in filter) {
    const any = filter.or.map(exact);
    filterMatches = (record) => any.some((p) => p(record));
  }

  let searchMatches: RecordPredicate = () => true;
  if (searchFilter) {
    const terms = (Array.isArray(searchFilter.searchTerm) ? searchFilter.searchTerm : [searchFilter.searchTerm]).map(
      (t) => t.toLowerCase(),
    );
    const searchFields = searchFilter.fields ?? ['email', 'username', 'firstname', 'lastname'];
    searchMatches = (record) =>
      terms.some((term) =>
        searchFields.some((field) =>
          String(record[field] ?? '')
            .toLowerCase()
            .includes(term),
        ),
      );
  }

  const users = directory
    .users()
    .map((user) => v1User(directory, user, behaviour))
    .filter((record) => filterMatches(record) && searchMatches(record));
  return {
    status: 200,
    body: { results: page(users, paging).map((user) => project(user, fields)), totalCount: users.length },
  };
}

function changeMembership(
  directory: JumpCloudDirectory,
  group: JcGroup | undefined,
  rawBody: string,
  behaviour: JumpCloudBehaviour,
  unknownObject: JumpCloudApiReply,
): JumpCloudApiReply {
  const json = tryParseJson(rawBody);
  if (!json.ok || !isPlainObject(json.value)) throw new BadRequestError('request body must be a JSON object');
  const parsed = memberOperationSchema.safeParse(json.value);
  if (!parsed.success) throw new BadRequestError(z.prettifyError(parsed.error));
  const { op, id: userId } = parsed.data;
  if (!group || !directory.user(userId)) return unknownObject;
  if (behaviour.rejectManualChangesOnDynamicGroups && group.membershipMethod?.startsWith('DYNAMIC_')) {
    throw new BadRequestError('membership of a dynamic group is managed by its member query');
  }
  const isMember = directory.isMember(group.id, userId);
  if (op === 'add' && isMember) return { status: 409, body: { message: 'Already Exists' } };
  if (op === 'remove' && !isMember) return NOT_FOUND;
  directory.setMember(group.id, userId, op === 'add');
  return { status: 204 };
}
