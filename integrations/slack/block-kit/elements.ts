/** The shared pieces of every message and modal this app builds: block shapes, text objects, safe mrkdwn. */

/** Structurally a Slack Block Kit block; built as plain objects so the stand-ins and tests can read them. */
export interface Block {
  type: string;
  block_id?: string;
  [key: string]: unknown;
}

/** A message: `text` is the notification fallback, `blocks` what Slack shows. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export interface PlainText {
  type: 'plain_text';
  text: string;
}

export const plain = (text: string): PlainText => ({ type: 'plain_text', text });
export const section = (mrkdwn: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } });
export const context = (mrkdwn: string): Block => ({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn }] });

/**
 * Escapes user-supplied text for Slack mrkdwn. Slack gives `&`, `<` and `>` control meaning, so unescaped text
 * could ping `<!channel>`, mention users or forge links; these three are the only characters Slack asks us to escape.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A timestamp that Slack renders in the reader's own time zone, with a UTC fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${iso}>`;
}

export function mention(slackUserId: string): string {
  return `<@${slackUserId}>`;
}
