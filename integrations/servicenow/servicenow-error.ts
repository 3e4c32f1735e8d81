import { HttpServiceError, httpErrorFactory } from '../http-service-error';

/** A failed ServiceNow call, classified so callers know whether trying again can help. */
export class ServiceNowError extends HttpServiceError {
  override readonly name = 'ServiceNowError';
}

const RETRYABLE_CLIENT_STATUSES = new Set([408, 425, 429]);

const OPERATOR_HINTS: Record<number, string> = {
  400: 'the instance refused the table or a field; check SERVICENOW_TABLE names an existing table with these columns',
  401: 'the instance did not accept the credentials; check SERVICENOW_INSTANCE_URL and SERVICENOW_USERNAME/SERVICENOW_PASSWORD or SERVICENOW_TOKEN',
  403: 'the account may not write to the table; check the roles and ACLs of the SERVICENOW_USERNAME or SERVICENOW_TOKEN account on SERVICENOW_TABLE',
};

export const serviceNowHttpError = httpErrorFactory(ServiceNowError, {
  service: 'ServiceNow',
  urlVariable: 'SERVICENOW_INSTANCE_URL',
  isRetryable: (status) => RETRYABLE_CLIENT_STATUSES.has(status) || (status >= 500 && status <= 599),
  detail: errorDetail,
  hints: OPERATOR_HINTS,
});

/** ServiceNow answers `{"error":{"message","detail"},"status":"failure"}`; anything else is quoted, shortened. */
function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = parsed && typeof parsed === 'object' ? (parsed as { error?: unknown }).error : undefined;
    if (error && typeof error === 'object') {
      const { message, detail } = error as { message?: unknown; detail?: unknown };
      if (typeof message === 'string') return typeof detail === 'string' && detail ? `${message}: ${detail}` : message;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
