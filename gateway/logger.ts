import { type LoggerOptions } from 'pino';
import { SECRET_CONFIG_KEYS } from './config';

/**
 * Structured logs with secrets removed: Slack signatures and any bearer header, every `token` (Slack still sends the
 * deprecated verification token), response URLs (each is a short-lived credential to post as the app) and the
 * SLACK_*, JumpCloud and Temporal API key variables, wherever a config object gets logged.
 */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'token',
  '*.token',
  '*.*.token',
  'response_url',
  '*.response_url',
  'responseUrl',
  '*.responseUrl',
  ...SECRET_CONFIG_KEYS.flatMap((name) => [name, `*.${name}`]),
];

export function gatewayLoggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: { req: loggedRequest },
  };
}

/** Fastify's request fields, but a step-up link's ID and the provider's code and state never reach the log. */
function loggedRequest(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: loggedUrl(req.url ?? ''),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

function loggedUrl(url: string): string {
  if (url.startsWith('/step-up/start/')) return '/step-up/start/[redacted]';
  if (url.startsWith('/step-up/callback?')) return '/step-up/callback?[redacted]';
  return url;
}
