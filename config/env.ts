import { isIP } from 'node:net';
import { z } from 'zod';
import { parseDuration } from './durations';

/** Raised when the environment is missing or has a bad value; the message names every offending variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const requiredString = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, `is required (${what})`);

/** 127.0.0.0/8, ::1 or localhost: the stand-ins and the sandbox, where plain http never leaves the machine. */
function isLoopbackHost(hostname: string): boolean {
  // URL keeps an IPv6 host in brackets and writes IPv4 in dotted decimal (127.1 and 0x7f.1 become 127.0.0.1).
  return hostname === 'localhost' || hostname === '[::1]' || (isIP(hostname) === 4 && hostname.startsWith('127.'));
}

/**
 * A base URL the process sends credentials or signed requests to: https://, or http:// to a loopback host only, so
 * that no key or token ever crosses a network in clear text.
 */
export const outboundUrl = (what: string) =>
  z.url({ error: `must be a URL (${what})` }).refine(
    (text) => {
      // Not a URL at all is z.url's issue, already reported.
      if (!URL.canParse(text)) return true;
      const { protocol, hostname } = new URL(text);
      return protocol === 'https:' || (protocol === 'http:' && isLoopbackHost(hostname));
    },
    { message: `must be an https:// URL; http:// only to a loopback host (127.0.0.0/8, ::1, localhost) (${what})` },
  );

const filePath = (what: string) => z.string().trim().min(1, `must be a file path (${what})`);

/**
 * How to reach the Temporal frontend: address, TLS and credentials. Only the shape of each variable is checked here;
 * the files are read, and combinations checked, by integrations/temporal/connection-options.ts.
 */
const temporalConnectionEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('localhost:7233'),
  // Left undefined when unset, so that an explicit `false` contradicting a certificate or key can be reported.
  TEMPORAL_TLS: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .transform((value) => value === 'true')
    .optional(),
  TEMPORAL_TLS_CA_FILE: filePath('PEM of the CA that signed the server certificate').optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().trim().min(1).optional(),
  TEMPORAL_TLS_CERT_FILE: filePath('PEM client certificate for mutual TLS').optional(),
  TEMPORAL_TLS_KEY_FILE: filePath('PEM private key of the client certificate').optional(),
  TEMPORAL_API_KEY: z.string().trim().min(1).optional(),
  TEMPORAL_API_KEY_FILE: filePath('file holding the Temporal API key').optional(),
});

export type TemporalConnectionEnv = z.infer<typeof temporalConnectionEnvSchema>;

/** Environment variables shared by the worker and the gateway; the README lists them all. */
export const temporalEnv = {
  ...temporalConnectionEnvSchema.shape,
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('jit-access'),
};

/** A ConfigError in parseEnv's format, for problems found after parsing (files, combinations of variables). */
export function configErrorNaming(problems: ReadonlyArray<{ variable: string; message: string }>): ConfigError {
  const lines = problems.map(({ variable, message }) => `  ${variable}: ${message}`);
  return new ConfigError(`Invalid configuration in the environment:\n${lines.join('\n')}`);
}

export const slackEnv = {
  SLACK_BOT_TOKEN: requiredString('the Slack bot token, xoxb-…'),
  SLACK_API_URL: outboundUrl('the Slack Web API base').default('https://slack.com/api/'),
};

export const jumpCloudEnv = {
  JUMPCLOUD_API_KEY: requiredString('a JumpCloud API key'),
  JUMPCLOUD_ORG_ID: z.string().trim().min(1).optional(),
  JUMPCLOUD_API_URL: outboundUrl('the JumpCloud API base').default('https://console.jumpcloud.com/api'),
};

/** A Slack channel ID; `what` says which channel, for the message when it is missing. */
export const slackChannelId = (what: string) =>
  z
    .string({ error: `is required (${what}, e.g. C0123456789)` })
    .trim()
    .regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel ID such as C0123456789 (not a #name)');

/** The policy file both processes read: which groups, who approves, what the reconciler does. */
export const policyEnv = {
  JIT_POLICY_FILE: requiredString('path of the policy YAML file'),
};

/** A duration written like the policy's (`30s`, `5m`, `1h`), parsed into seconds. */
export const durationSeconds = (what: string) =>
  z.string().transform((text, ctx) => {
    const seconds = parseDuration(text);
    if (seconds === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as 30s, 5m or 1h (${what})` });
      return z.NEVER;
    }
    return seconds;
  });

/** Parses `env` with `schema`, or throws a ConfigError naming each bad variable and why. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  // Treat empty strings as unset, so `FOO=` falls back to the default or is reported as missing.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration in the environment:\n${lines.join('\n')}`);
}
