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
