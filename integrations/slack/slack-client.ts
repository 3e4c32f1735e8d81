import { WebClient } from '@slack/web-api';

export interface SlackClientOptions {
  token: string;
  /** Web API base, e.g. https://slack.com/api/ (a stand-in's URL in tests and the sandbox). */
  apiUrl?: string;
  timeoutMs?: number;
}

/**
 * A WebClient that fails fast: no retries of its own and rate limits surfaced as errors, so Temporal's retry
 * policy (activities) or the 3-second acknowledgement budget (gateway) stays in charge of waiting.
 */
export function createSlackClient(options: SlackClientOptions): WebClient {
  return new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
  });
}
