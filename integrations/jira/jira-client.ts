import { z } from 'zod';
import { type AdfDoc } from './adf';
import { JiraError, jiraHttpError } from './jira-error';
import { requestJson, safeJson } from '../json-request';

export interface JiraClientOptions {
  /** the site, e.g. https://example.atlassian.net */
  baseUrl: string;
  /** the Atlassian account the API token belongs to */
  email: string;
  apiToken: string;
  projectKey: string;
  /** issue type name, e.g. Task */
  issueType: string;
  timeoutMs?: number;
}

export interface JiraIssueRef {
  id: string;
  key: string;
}

const API = '/rest/api/3';

const issueRef = z.object({ id: z.string(), key: z.string() });
const createdComment = z.object({ id: z.string() });
const transitionList = z.object({
  transitions: z.array(z.object({ id: z.string(), name: z.string(), to: z.object({ name: z.string() }) })),
});
const issueStatus = z.object({ fields: z.object({ status: z.object({ name: z.string() }) }) });
const searchResult = z.object({ issues: z.array(issueRef) });

/** A small typed client for the Jira Cloud REST v3 calls the audit trail makes, in one project and issue type. */
/** What one request carries beside its method and path. */
interface JiraRequestInit {
  body?: unknown;
  query?: Record<string, string>;
  /** the caller stops waiting (an activity whose time is up) */
  signal?: AbortSignal;
}

export class JiraClient {
  readonly #options: JiraClientOptions;
  readonly #baseUrl: string;
  readonly #authorization: string;
  readonly #secrets: string[];

  constructor(options: JiraClientOptions) {
    this.#options = options;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    const credentials = Buffer.from(`${options.email}:${options.apiToken}`).toString('base64');
    this.#authorization = `Basic ${credentials}`;
    this.#secrets = [options.apiToken, credentials].filter((secret) => secret !== '');
  }

  async createIssue(
    input: { summary: string; description: AdfDoc; labels: string[] },
    signal?: AbortSignal,
  ): Promise<JiraIssueRef> {
    const fields = {
      project: { key: this.#options.projectKey },
      issuetype: { name: this.#options.issueType },
      summary: input.summary,
      description: input.description,
      labels: input.labels,
    };
    const created = await this.#json('POST', `${API}/issue`, issueRef, { body: { fields }, signal });
    return { id: created.id, key: created.key };
  }

  async addComment(key: string, body: AdfDoc, signal?: AbortSignal): Promise<void> {
    await this.#json('POST', `${API}/issue/${encodeURIComponent(key)}/comment`, createdComment, {
      body: { body },
      signal,
    });
  }

  /**
   * Moves the issue through the transition called `name`, or else the one leading to the status called `name`
   * (case-insensitive). An issue already in that status is left alone, so a retry after a lost answer succeeds.
   */
  async transition(key: string, name: string, signal?: AbortSignal): Promise<void> {
    const path = `${API}/issue/${encodeURIComponent(key)}/transitions`;
    const { transitions } = await this.#json('GET', path, transitionList, { signal });
    const wanted = name.trim().toLowerCase();
    const chosen =
      transitions.find((t) => t.name.toLowerCase() === wanted) ??
      transitions.find((t) => t.to.name.toLowerCase() === wanted);
    if (chosen) {
      await this.#send('POST', path, { body: { transition: { id: chosen.id } }, signal });
      return;
    }
    // Jira offers no transition into the status an issue is already in.
    const issue = await this.#json('GET', `${API}/issue/${encodeURIComponent(key)}`, issueStatus, {
      query: { fields: 'status' },
      signal,
    });
    const status = issue.fields.status.name;
    if (status.toLowerCase() === wanted) return;
    const available = transitions.map((t) => `"${t.name}" (to ${t.to.name})`).join(', ') || 'none';
    throw new JiraError(
      `Jira issue ${key} (status ${status}) has no transition named or leading to "${name}"; available: ${available}. Set JIRA_DONE_TRANSITION to one of them.`,
      undefined,
      false,
    );
  }

  /**
   * The issue in the project carrying `label`, if any: how a create retried after a lost answer finds the issue the
   * first attempt made. Jira's search index can lag a moment behind a create, so this narrows duplicates, it does
   * not rule them out.
   */
  async findIssueByLabel(label: string, signal?: AbortSignal): Promise<JiraIssueRef | undefined> {
    const jql = `project = ${jqlString(this.#options.projectKey)} AND labels = ${jqlString(label)}`;
    const result = await this.#json('GET', `${API}/search/jql`, searchResult, {
      query: { jql, fields: 'key', maxResults: '1' },
      signal,
    });
    const issue = result.issues[0];
    return issue && { id: issue.id, key: issue.key };
  }

  /** Where a person reads the issue. */
  issueUrl(key: string): string {
    return `${this.#baseUrl}/browse/${encodeURIComponent(key)}`;
  }

  async #json<T>(method: string, path: string, schema: z.ZodType<T>, init: JiraRequestInit = {}): Promise<T> {
    const { status, text } = await this.#send(method, path, init);
    const parsed = schema.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new JiraError(
        `Jira ${method} ${path} answered ${status} with an unexpected body: ${z.prettifyError(parsed.error)}`,
        status,
        false,
      );
    }
    return parsed.data;
  }

  async #send(method: string, path: string, init: JiraRequestInit): Promise<{ status: number; text: string }> {
    const url = new URL(this.#baseUrl + path);
    for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
    const { response, text } = await requestJson(
      url,
      {
        method,
        authorization: this.#authorization,
        body: init.body,
        timeoutMs: this.#options.timeoutMs ?? 15_000,
        signal: init.signal,
      },
      (problem) => new JiraError(this.#redact(`Jira ${method} ${path} failed: ${problem}`), undefined, true),
    );
    if (!response.ok) {
      const error = jiraHttpError(method, path, response.status, text, response.headers.get('retry-after'));
      throw new JiraError(this.#redact(error.message), error.status, error.retryable, error.retryAfterMs);
    }
    return { status: response.status, text };
  }

  /** An error page from a proxy in between may echo the request's headers; the credentials never reach a log. */
  #redact(message: string): string {
    return this.#secrets.reduce((redacted, secret) => redacted.split(secret).join('[redacted]'), message);
  }
}

/** A JQL string literal: quoted, with quotes and backslashes escaped. */
function jqlString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
