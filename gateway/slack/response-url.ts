import { type Block } from '../../integrations/slack/block-kit/elements';
import { isRedirect } from '../../integrations/http-service-error';

/** A message for a Slack response_url: ephemeral unless said otherwise. */
export interface ResponseUrlMessage {
  text: string;
  blocks?: Block[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
}

/** A response_url that did not take the message; `status` is its answer (Slack answers 404 used_url / expired_url). */
export class ResponseUrlError extends Error {
  override readonly name = 'ResponseUrlError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** POSTs JSON to a response_url; anything but 2xx is a ResponseUrlError, a redirect included (never followed). */
export function createResponseUrlSender(options: { timeoutMs?: number } = {}) {
  return async (responseUrl: string, body: ResponseUrlMessage): Promise<void> => {
    const response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (response.ok) return;
    const text = await response.text();
    const detail = isRedirect(response.status) ? 'a redirect, not followed' : text.slice(0, 200);
    throw new ResponseUrlError(`response_url answered ${response.status}: ${detail}`, response.status);
  };
}
