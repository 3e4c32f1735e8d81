import { z } from 'zod';
import {
  jumpCloudEnv,
  outboundUrl,
  parseEnv,
  policyEnv,
  requiredString,
  slackChannelId,
  slackEnv,
  temporalEnv,
} from '../config/env';

/** A URL prefix: a base ending in `/`, written as URL writes it, so that prefix checks compare like with like. */
const urlPrefix = (what: string) =>
  outboundUrl(what).transform((text, ctx) => {
    const { href, pathname, search, hash } = new URL(text);
    if (pathname.endsWith('/') && search === '' && hash === '') return href;
    ctx.addIssue({ code: 'custom', message: `must end with / (${what}, e.g. https://hooks.slack.com/)` });
    return z.NEVER;
  });

const gatewayEnvSchema = z.object({
  ...temporalEnv,
  ...slackEnv,
  ...jumpCloudEnv,
  SLACK_SIGNING_SECRET: requiredString('Slack app > Basic Information > Signing Secret'),
  SLACK_APPROVAL_CHANNEL: slackChannelId('the channel ID where approval requests go'),
  /** Where every response_url in a payload must start: the gateway POSTs to it (a stand-in's in tests and the sandbox). */
  SLACK_RESPONSE_URL_PREFIX: urlPrefix('where the response_urls of Slack payloads start').default(
    'https://hooks.slack.com/',
  ),
  ...policyEnv,
  PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65_535).default(3000),
  SLACK_COMMAND: z
    .string()
    .trim()
    .regex(/^\/[a-z0-9_-]+$/, 'must be a slash command such as /jit')
    .default('/jit'),
  /** How long a stopping gateway lets acknowledged work (workflow starts, decisions) finish. */
  GATEWAY_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;

/** Variables whose values never belong in a log line. */
export const SECRET_CONFIG_KEYS: readonly string[] = [
  ...Object.keys(gatewayEnvSchema.shape).filter((key) => key.startsWith('SLACK_')),
  'JUMPCLOUD_API_KEY',
  'TEMPORAL_API_KEY',
];

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(gatewayEnvSchema, env);
}
