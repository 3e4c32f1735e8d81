import { type Block } from '../../integrations/slack/block-kit/elements';

/** A message for a Slack response_url: ephemeral unless said otherwise. */
export interface ResponseUrlMessage {
  text: string;
  blocks?: Block[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
}

/** POSTs JSON to a response_url; anything but 2xx is an error (Slack answers 404 used_url / expired_url). */
export function createResponseUrlSender(options: { timeoutMs?: number } = {}) {
  return async (responseUrl: string, body: ResponseUrlMessage): Promise<void> => {
    const response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (!response.ok)
      throw new Error(`response_url answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  };
}
