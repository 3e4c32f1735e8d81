import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { serveFaultControl } from '../http/fault-control-routes';
import { FaultInjector } from '../http/fault-injector';
import {
  CORS_HEADERS,
  headerValue,
  isPlainObject,
  mediaType,
  sendEmpty,
  sendJson,
  tryParseJson,
} from '../http/http-io';
import { startLoopbackServer } from '../http/loopback-server';
import { type RecordedCall, serveRecordedCall, type StandInReply } from '../http/recorded-call';
import { adfProblem } from './jira-adf';
import {
  DEFAULT_WORKFLOW,
  type JiraChange,
  type JiraComment,
  type JiraIssue,
  type JiraProject,
  type JiraProjectConfig,
  JiraSite,
  type JiraWorkflowTransition,
  JqlError,
  parseLabelQuery,
} from './jira-site';

export type { RecordedCall } from '../http/recorded-call';
export type { AppliedTransition, JiraChange, JiraComment, JiraIssue, JiraWorkflowTransition } from './jira-site';

export interface JiraStandIn {
  /** e.g. 'http://127.0.0.1:12345' — the site origin, the value JIRA_BASE_URL is set to */
  readonly baseUrl: string;
  /** where the `/_control/*` routes live (the same origin) */
  readonly origin: string;
  readonly faults: FaultInjector;
  /** every completed API call (faulted ones included), in completion order; control routes are not recorded */
  readonly calls: RecordedCall[];
  /** copies of every issue, oldest first */
  issues(): JiraIssue[];
  onChange(listener: (e: JiraChange) => void): () => void;
  close(): Promise<void>;
}

export interface JiraStandInOptions {
  /** Basic auth is `email:apiToken`, as for a Jira Cloud API token */
  email: string;
  apiToken: string;
  projects: JiraProjectConfig[];
  /** transitions offered from every status but their own target; default To Do (11), In Progress (21), Done (31) */
  workflow?: JiraWorkflowTransition[];
  host?: string;
  port?: number;
  log?: (msg: string) => void;
}

interface ApiRequest {
  method: string;
  /** path without the query string, e.g. '/rest/api/3/issue' */
  path: string;
  query: URLSearchParams;
  rawBody: string;
  contentType: string | undefined;
  /** the authenticated account's email */
  account: string;
  origin: string;
}

type ApiReply = StandInReply;

const SUMMARY_MAX = 255;
const LABEL_MAX = 255;
const SEARCH_MAX_RESULTS = 5000;
const CREATE_FIELDS = new Set(['project', 'issuetype', 'summary', 'description', 'labels']);
const NOT_ADF = 'Operation value must be an Atlassian Document';

function errorCollection(status: number, errorMessages: string[], errors: Record<string, string> = {}): ApiReply {
  return { status, body: { errorMessages, errors } };
}

const NOT_FOUND = errorCollection(404, ['Not Found']);
const METHOD_NOT_ALLOWED = errorCollection(405, ['Method Not Allowed']);
const ISSUE_NOT_FOUND = errorCollection(404, ['Issue does not exist or you do not have permission to see it.']);
// Jira Cloud answers bad or missing credentials with this plain-text body rather than an ErrorCollection.
const UNAUTHENTICATED: ApiReply = { status: 401, body: 'Client must be authenticated to access this resource.' };

/** A Jira Cloud REST v3 stand-in on loopback: create issue, get issue, comments, transitions and JQL search by label, with Basic `email:apiToken` auth, ADF-only rich text and Jira's ErrorCollection bodies. */
export async function startJiraStandIn(opts: JiraStandInOptions): Promise<JiraStandIn> {
  const log = opts.log;
  const site = new JiraSite(opts.projects, opts.workflow ?? DEFAULT_WORKFLOW, (error) =>
    log?.(`Jira stand-in: change listener threw: ${String(error)}`),
  );
  const faults = new FaultInjector();
  const calls: RecordedCall[] = [];
  const expectedCredentials = Buffer.from(`${opts.email}:${opts.apiToken}`).toString('base64');

  function authenticated(req: IncomingMessage): boolean {
    const match = /^Basic\s+(\S+)$/i.exec(headerValue(req, 'authorization') ?? '');
    return match?.[1] === expectedCredentials;
  }

  function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    origin: string,
    closing: AbortSignal,
  ): Promise<void> {
    return serveRecordedCall(req, res, url, {
      service: 'Jira',
      faults,
      calls,
      closing,
      log,
      faultBody: (status) => ({ errorMessages: [STATUS_CODES[status] ?? 'Error'], errors: {} }),
      answer: ({ method, rawBody }) =>
        authenticated(req)
          ? routeJiraApi(site, {
              method,
              path: url.pathname,
              query: url.searchParams,
              rawBody,
              contentType: headerValue(req, 'content-type'),
              account: opts.email,
              origin,
            })
          : UNAUTHENTICATED,
    });
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'OPTIONS') return sendEmpty(res, 204, CORS_HEADERS);
    if (method === 'GET' && path === '/_control/issues') return sendJson(res, 200, site.snapshot(), CORS_HEADERS);
    if (method === 'GET' && path === '/_control/calls') return sendJson(res, 200, calls, CORS_HEADERS);
    if (await serveFaultControl(faults, req, res, path)) return;
    return sendJson(res, 404, { message: 'Not Found' }, CORS_HEADERS);
  }

  const loopback = await startLoopbackServer(
    async (req, res, closing) => {
      const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
      if (url.pathname.startsWith('/_control/')) return handleControl(req, res, url);
      return handleApi(req, res, url, loopback.baseUrl, closing);
    },
    { host: opts.host, port: opts.port, log },
  );
  log?.(`Jira stand-in listening on ${loopback.baseUrl}`);

  return {
    baseUrl: loopback.baseUrl,
    origin: loopback.baseUrl,
    faults,
    calls,
    issues: () => site.snapshot(),
    onChange: (listener) => site.changes.on(listener),
    close: () => loopback.close(),
  };
}

const ISSUE_PATH = /^\/rest\/api\/3\/issue\/([^/]+)(?:\/(comment|transitions))?$/;

function routeJiraApi(site: JiraSite, request: ApiRequest): ApiReply {
  const path = request.path.length > 1 ? request.path.replace(/\/$/, '') : request.path;
  const { method } = request;
  if (path === '/rest/api/3/issue') return method === 'POST' ? createIssue(site, request) : METHOD_NOT_ALLOWED;
  if (path === '/rest/api/3/search/jql') return method === 'GET' ? search(site, request) : METHOD_NOT_ALLOWED;

  const match = ISSUE_PATH.exec(path);
  if (!match) return NOT_FOUND;
  const sub = match[2];
  const allowed = sub === undefined ? ['GET'] : sub === 'comment' ? ['POST'] : ['GET', 'POST'];
  if (!allowed.includes(method)) return METHOD_NOT_ALLOWED;
  const issue = site.issue(safeDecode(match[1] ?? ''));
  if (!issue) return ISSUE_NOT_FOUND;
  if (sub === undefined) return { status: 200, body: issueJson(site, issue, request) };
  if (sub === 'comment') return addComment(site, issue, request);
  if (method === 'GET') return { status: 200, body: transitionsJson(site, issue) };
  return transition(site, issue, request);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function jsonBody(request: ApiRequest): { ok: true; value: Record<string, unknown> } | { ok: false; reply: ApiReply } {
  if (mediaType(request.contentType) !== 'application/json') {
    return { ok: false, reply: { status: 415, note: `content-type ${request.contentType ?? '(none)'}` } };
  }
  const json = tryParseJson(request.rawBody);
  if (!json.ok || !isPlainObject(json.value)) {
    return { ok: false, reply: errorCollection(400, ['The request body is not a JSON object.']) };
  }
  return { ok: true, value: json.value };
}

function createIssue(site: JiraSite, request: ApiRequest): ApiReply {
  const body = jsonBody(request);
  if (!body.ok) return body.reply;
  const fields = body.value.fields;
  if (!isPlainObject(fields)) return errorCollection(400, ['The request needs a fields object.']);
  const errors: Record<string, string> = {};
  const notes: string[] = [];
  for (const name of Object.keys(fields).filter((key) => !CREATE_FIELDS.has(key))) {
    errors[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
  }

  const project = isPlainObject(fields.project) ? site.project(fields.project) : undefined;
  const issueType = issueTypeOf(project, fields.issuetype);
  if (!project) errors.project = 'Specify a valid project ID or key';
  else if (!issueType) errors.issuetype = 'Specify a valid issue type';

  const summary = typeof fields.summary === 'string' ? fields.summary : '';
  if (summary.trim() === '') errors.summary = 'You must specify a summary of the issue.';
  else if (summary.length > SUMMARY_MAX) errors.summary = `Summary must be less than ${SUMMARY_MAX} characters.`;
  else if (/[\r\n]/.test(summary)) errors.summary = 'The summary is invalid because it contains newline characters.';

  const description = fields.description ?? undefined;
  const descriptionProblem = description === undefined ? undefined : adfProblem(description);
  if (descriptionProblem) {
    errors.description = NOT_ADF;
    notes.push(`description: ${descriptionProblem}`);
  }

  const labels = parseLabels(fields.labels ?? []);
  if (typeof labels === 'string') errors.labels = labels;

  if (Object.keys(errors).length > 0 || !project || !issueType || typeof labels === 'string') {
    return { ...errorCollection(400, [], errors), note: notes.join('; ') || undefined };
  }
  const issue = site.createIssue(project, issueType, {
    summary,
    ...(description === undefined ? {} : { description }),
    labels,
  });
  return { status: 201, body: { id: issue.id, key: issue.key, self: issueSelf(request, issue) } };
}

function issueTypeOf(project: JiraProject | undefined, ref: unknown): string | undefined {
  if (!project || !isPlainObject(ref)) return undefined;
  const found = project.issueTypes.find((type) =>
    typeof ref.id === 'string' ? type.id === ref.id : type.name === ref.name,
  );
  return found?.name;
}

/** The labels, or why Jira would refuse them. */
function parseLabels(labels: unknown): string[] | string {
  if (!Array.isArray(labels) || !labels.every((label) => typeof label === 'string')) {
    return 'Labels must be a list of strings.';
  }
  const spaced = labels.find((label) => /\s/.test(label));
  if (spaced !== undefined) return `The label '${spaced}' contains spaces which is invalid.`;
  if (labels.some((label) => label === '' || label.length > LABEL_MAX)) {
    return `A label must have between 1 and ${LABEL_MAX} characters.`;
  }
  return labels;
}

function issueSelf(request: ApiRequest, issue: JiraIssue): string {
  return `${request.origin}/rest/api/3/issue/${issue.id}`;
}

/** The issue's fields; `fields=a,b` narrows them, as Jira's `fields` parameter does. */
function issueFields(site: JiraSite, issue: JiraIssue, request: ApiRequest, wanted: string[] | undefined) {
  const all: Record<string, unknown> = {
    summary: issue.fields.summary,
    description: issue.fields.description ?? null,
    labels: issue.fields.labels,
    project: { id: site.project(issue.fields.project)?.id, key: issue.fields.project },
    issuetype: site.project(issue.fields.project)?.issueTypes.find((t) => t.name === issue.fields.issuetype),
    status: { id: site.statusId(issue.status), name: issue.status },
    created: issue.created,
    comment: {
      comments: issue.comments.map((comment) => commentJson(request, issue, comment)),
      startAt: 0,
      maxResults: issue.comments.length,
      total: issue.comments.length,
    },
  };
  if (wanted === undefined || wanted.includes('*all') || wanted.includes('*navigable')) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => wanted.includes(name)));
}

function fieldsParam(query: URLSearchParams): string[] | undefined {
  const values = query.getAll('fields');
  if (values.length === 0) return undefined;
  return values.flatMap((value) => value.split(',')).map((name) => name.trim());
}

function issueJson(site: JiraSite, issue: JiraIssue, request: ApiRequest): Record<string, unknown> {
  return {
    id: issue.id,
    key: issue.key,
    self: issueSelf(request, issue),
    fields: issueFields(site, issue, request, fieldsParam(request.query)),
  };
}

function commentJson(request: ApiRequest, issue: JiraIssue, comment: JiraComment): Record<string, unknown> {
  const author = { emailAddress: comment.author, displayName: comment.author, active: true };
  return {
    self: `${issueSelf(request, issue)}/comment/${comment.id}`,
    id: comment.id,
    author,
    updateAuthor: author,
    body: comment.body,
    created: comment.created,
    updated: comment.created,
    jsdPublic: true,
  };
}

function addComment(site: JiraSite, issue: JiraIssue, request: ApiRequest): ApiReply {
  const body = jsonBody(request);
  if (!body.ok) return body.reply;
  const problem = adfProblem(body.value.body);
  if (problem) return { ...errorCollection(400, [], { comment: NOT_ADF }), note: `body: ${problem}` };
  const comment = site.addComment(issue, body.value.body, request.account);
  return { status: 201, body: commentJson(request, issue, comment) };
}

function transitionsJson(site: JiraSite, issue: JiraIssue): Record<string, unknown> {
  return {
    expand: 'transitions',
    transitions: site.availableTransitions(issue).map((t) => ({
      id: t.id,
      name: t.name,
      to: { id: site.statusId(t.to), name: t.to },
      hasScreen: false,
      isGlobal: true,
      isInitial: false,
      isAvailable: true,
      isConditional: false,
    })),
  };
}

function transition(site: JiraSite, issue: JiraIssue, request: ApiRequest): ApiReply {
  const body = jsonBody(request);
  if (!body.ok) return body.reply;
  const ref = isPlainObject(body.value.transition) ? body.value.transition.id : undefined;
  if (typeof ref !== 'string' && typeof ref !== 'number') {
    return errorCollection(400, ["Missing 'transition' identifier"]);
  }
  const id = String(ref);
  const chosen = site.availableTransitions(issue).find((t) => t.id === id);
  if (!chosen) return errorCollection(400, [`Transition id '${id}' is not valid for this issue.`]);
  site.applyTransition(issue, chosen);
  return { status: 204 };
}

function search(site: JiraSite, request: ApiRequest): ApiReply {
  const jql = request.query.get('jql')?.trim() ?? '';
  if (jql === '') return errorCollection(400, ['A JQL query is required, and it must restrict the search.']);
  const maxResults = Number(request.query.get('maxResults') ?? '50');
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    return errorCollection(400, ["The value of 'maxResults' must be a positive integer."]);
  }
  const token = request.query.get('nextPageToken');
  const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) return errorCollection(400, ['The nextPageToken is invalid.']);

  let matches: JiraIssue[];
  try {
    const query = parseLabelQuery(jql);
    const project = query.project === undefined ? undefined : site.project(query.project);
    if (query.project !== undefined && !project) {
      return errorCollection(400, [`The value '${query.project}' does not exist for the field 'project'.`]);
    }
    matches = site.withLabel(query.label, project);
  } catch (error) {
    if (error instanceof JqlError) return { ...errorCollection(400, [error.message]), note: jql };
    throw error;
  }

  const end = offset + Math.min(maxResults, SEARCH_MAX_RESULTS);
  const wanted = (fieldsParam(request.query) ?? []).filter((name) => name !== 'id' && name !== 'key');
  const issues = matches.slice(offset, end).map((issue) => ({
    id: issue.id,
    key: issue.key,
    self: issueSelf(request, issue),
    ...(wanted.length > 0 ? { fields: issueFields(site, issue, request, wanted) } : {}),
  }));
  const isLast = end >= matches.length;
  return {
    status: 200,
    body: { issues, isLast, ...(isLast ? {} : { nextPageToken: Buffer.from(String(end)).toString('base64url') }) },
  };
}
