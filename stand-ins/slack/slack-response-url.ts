import { isPlainObject, tryParseJson } from '../http/http-io';
import { type SlackWorkspace } from './slack-workspace';

/** Slack does not document every response_url answer and limit, so each is a setting. */
export interface ResponseUrlPolicy {
  /** default 5 */
  maxUses: number;
  /** default 30 minutes */
  ttlMs: number;
  /** status for `used_url` / `expired_url` (default 404) */
  exhaustedStatus: number;
  /** success body: `{"ok":true}` ('json', default) or the text `ok` ('text') */
  okBody: 'json' | 'text';
}

export interface ResponseUrlAnswer {
  status: number;
  /** an object is sent as JSON, a string as text */
  body: Record<string, unknown> | string;
  /** what was posted, for the record */
  posted: Record<string, unknown>;
}

/** Docs write these flags as strings ("true"); JSON booleans are accepted too. */
function flag(value: unknown): boolean {
  return value === true || value === 'true';
}

/**
 * A POST to a response_url: replace or delete the message the interaction came from, or post a new message —
 * ephemeral to the user by default, in the channel with `response_type: 'in_channel'`.
 */
export function answerResponseUrlPost(
  ws: SlackWorkspace,
  token: string,
  rawBody: string,
  policy: ResponseUrlPolicy,
): ResponseUrlAnswer {
  const json = tryParseJson(rawBody);
  const posted = json.ok && isPlainObject(json.value) ? json.value : { raw: rawBody };
  const state = ws.responseUrl(token);
  if (!state) return { status: 404, body: { ok: false, error: 'invalid_url' }, posted };
  if (Date.now() - state.mintedAt > policy.ttlMs)
    return { status: policy.exhaustedStatus, body: { ok: false, error: 'expired_url' }, posted };
  if (state.uses >= policy.maxUses)
    return { status: policy.exhaustedStatus, body: { ok: false, error: 'used_url' }, posted };
  if (!json.ok || !isPlainObject(json.value))
    return { status: 400, body: { ok: false, error: 'invalid_payload' }, posted };

  const payload = json.value;
  const text = typeof payload.text === 'string' ? payload.text : undefined;
  const blocks = Array.isArray(payload.blocks) ? (payload.blocks as unknown[]) : undefined;
  const hasContent = (text !== undefined && text !== '') || (blocks !== undefined && blocks.length > 0);
  const deleteOriginal = flag(payload.delete_original);
  const replaceOriginal = flag(payload.replace_original);
  if (!hasContent && !deleteOriginal) return { status: 400, body: { ok: false, error: 'no_text' }, posted };
  state.uses += 1;

  const originalTs = state.messageTs ?? state.lastMessageTs;
  const original = originalTs === undefined ? undefined : ws.findMessage(state.channel, originalTs);
  if (deleteOriginal && original) ws.deleteMessage(original);
  if (hasContent) {
    const content = { ...(text !== undefined ? { text } : {}), ...(blocks !== undefined ? { blocks } : {}) };
    if (replaceOriginal && original && !deleteOriginal) {
      ws.editMessage(original, { text: content.text ?? '', blocks: content.blocks ?? [] });
    } else {
      const inChannel = payload.response_type === 'in_channel';
      const message = ws.post({
        channel: state.channel,
        ...content,
        postedBy: 'bot',
        ephemeralTo: inChannel ? undefined : state.userId,
        threadTs: typeof payload.thread_ts === 'string' ? payload.thread_ts : undefined,
      });
      state.lastMessageTs = message.ts;
    }
  }
  return { status: 200, body: policy.okBody === 'json' ? { ok: true } : 'ok', posted };
}
