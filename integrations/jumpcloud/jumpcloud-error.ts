import { HttpServiceError, httpErrorFactory } from '../http-service-error';

/** A failed JumpCloud call, classified so callers know whether trying again can help. */
export class JumpCloudError extends HttpServiceError {
  override readonly name = 'JumpCloudError';
}

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

const OPERATOR_HINTS: Record<number, string> = {
  400: 'the request was malformed; check the group and user IDs',
  401: 'the API key is missing or invalid, or x-org-id is required for a multi-tenant admin; check JUMPCLOUD_API_KEY and JUMPCLOUD_ORG_ID',
  403: "the API key's administrator may not manage user groups",
};

export const jumpCloudHttpError = httpErrorFactory(JumpCloudError, {
  service: 'JumpCloud',
  urlVariable: 'JUMPCLOUD_API_URL',
  isRetryable: (status) => RETRYABLE_STATUSES.has(status),
  detail: errorDetail,
  hints: OPERATOR_HINTS,
});

/** A failed Directory Insights call: its own URL variable, and a key without Insights access is its own problem. */
export const jumpCloudInsightsHttpError = httpErrorFactory(JumpCloudError, {
  service: 'JumpCloud Directory Insights',
  urlVariable: 'JUMPCLOUD_INSIGHTS_URL',
  isRetryable: (status) => RETRYABLE_STATUSES.has(status),
  detail: errorDetail,
  hints: {
    401: 'the API key is missing or invalid, or x-org-id is required; check JUMPCLOUD_API_KEY and JUMPCLOUD_ORG_ID',
    403: "the API key's administrator may not read Directory Insights",
  },
});

function errorDetail(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const message = record.message ?? record.error;
      if (typeof message === 'string') return message;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 200);
}
