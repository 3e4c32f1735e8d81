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
  return { level, redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } };
}
