import { HttpServiceError, httpErrorFactory } from '../http-service-error';

/** A failed Jira call, classified so callers know whether trying again can help. */
export class JiraError extends HttpServiceError {
  override readonly name = 'JiraError';
}

// 409: Jira answers a transition that races another one on the same issue with Conflict and asks callers to retry.
const RETRYABLE_STATUSES = new Set([408, 409, 425, 429]);

const OPERATOR_HINTS: Readonly<Record<number, string>> = {
  400: 'Jira refused the request; for a new issue, check that JIRA_PROJECT_KEY names a project with the issue type JIRA_ISSUE_TYPE, and that the type requires no fields beyond summary, description and labels',
  401: 'the credentials were refused; check JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN, an Atlassian API token of that account',
  403: 'the account may not do this; give JIRA_EMAIL the Browse projects, Create issues, Add comments and Transition issues permissions in JIRA_PROJECT_KEY',
};

export const jiraHttpError = httpErrorFactory(JiraError, {
  service: 'Jira',
  urlVariable: 'JIRA_BASE_URL',
  isRetryable: (status) => status >= 500 || RETRYABLE_STATUSES.has(status),
  detail: errorDetail,
  hints: OPERATOR_HINTS,
});

/** Jira's ErrorCollection (`errorMessages` and per-field `errors`) as one line; other bodies quoted, shortened. */
function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const record = parsed as Record<string, unknown>;
      const messages = Array.isArray(record.errorMessages)
        ? record.errorMessages.filter((m): m is string => typeof m === 'string')
        : [];
      const fieldErrors =
        record.errors && typeof record.errors === 'object'
          ? Object.entries(record.errors as Record<string, unknown>).map(([field, m]) => `${field}: ${String(m)}`)
          : [];
      const all = [...messages, ...fieldErrors];
      if (all.length > 0) return all.join('; ');
    }
  } catch {
    // not JSON (Jira's 401 is plain text): fall through to the raw text
  }
  return body.trim().slice(0, 200);
}
