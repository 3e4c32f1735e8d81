import { z } from 'zod';
import { type JitPolicy, policyGroupLabel } from '../config/policy';
import { type StepUpSettings } from './step-up/oidc-sign-in';
import {
  ConfigError,
  durationSeconds,
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
  // Step-up sign-in (docs/gateway.md, "Step-up"): needed when a policy group has `stepUp: true`.
  STEP_UP_OIDC_ISSUER: outboundUrl('the OpenID provider of the step-up sign-in').optional(),
  STEP_UP_OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
  STEP_UP_OIDC_CLIENT_SECRET: z.string().trim().min(1).optional(),
  /** The gateway as people's browsers reach it; the sign-in returns to `<this>step-up/callback`. */
  GATEWAY_PUBLIC_URL: urlPrefix('the gateway as browsers reach it, e.g. https://jit.example.com/').optional(),
  STEP_UP_MAX_AGE: durationSeconds('how long a sign-in link and the sign-in itself stay good').default(300),
});

export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;

/** Variables whose values never belong in a log line. */
export const SECRET_CONFIG_KEYS: readonly string[] = [
  ...Object.keys(gatewayEnvSchema.shape).filter((key) => key.startsWith('SLACK_')),
  'JUMPCLOUD_API_KEY',
  'TEMPORAL_API_KEY',
  'STEP_UP_OIDC_CLIENT_SECRET',
];

/**
 * The step-up sign-in's settings, when configured; a policy group with `stepUp` and no identity provider stops the
 * start, naming what is missing, rather than refusing every approval of that group at run time.
 */
export function stepUpSettings(config: GatewayConfig, policy: JitPolicy): { stepUpSignIn?: StepUpSettings } {
  const {
    STEP_UP_OIDC_ISSUER: issuer,
    STEP_UP_OIDC_CLIENT_ID: clientId,
    STEP_UP_OIDC_CLIENT_SECRET: clientSecret,
  } = config;
  const publicUrl = config.GATEWAY_PUBLIC_URL;
  const given = {
    STEP_UP_OIDC_ISSUER: issuer,
    STEP_UP_OIDC_CLIENT_ID: clientId,
    STEP_UP_OIDC_CLIENT_SECRET: clientSecret,
    GATEWAY_PUBLIC_URL: publicUrl,
  };
  const missing = Object.entries(given)
    .filter(([, value]) => value === undefined)
    .map(([name]) => name);
  const wanting = policy.groups.filter((g) => g.stepUp).map(policyGroupLabel);
  if (missing.length === 4 && wanting.length === 0) return {};
  if (issuer === undefined || clientId === undefined || clientSecret === undefined || publicUrl === undefined) {
    const why =
      wanting.length > 0
        ? `the policy asks for step-up sign-in (${wanting.join(', ')})`
        : 'step-up sign-in is partly configured';
    throw new ConfigError(
      `Invalid configuration in the environment: ${why}, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
    );
  }
  return { stepUpSignIn: { issuer, clientId, clientSecret, publicUrl, maxAgeSeconds: config.STEP_UP_MAX_AGE } };
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(gatewayEnvSchema, env);
}
