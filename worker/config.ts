import { isIP } from 'node:net';
import { type TelemetryOptions } from '@temporalio/worker';
import { z } from 'zod';
import {
  durationSeconds,
  jumpCloudEnv,
  outboundUrl,
  parseEnv,
  policyEnv,
  slackChannelId,
  slackEnv,
  temporalEnv,
} from '../config/env';
import { auditSinkEnv, auditSinkProblems, auditSinkSettings } from '../config/audit-env';
import { grantHistogramBuckets } from '../workflows/grant-metrics';

/** `IPv4:port` or `[IPv6]:port`: the SDK binds the address as given and accepts no host names. */
const socketAddress = (what: string) =>
  z
    .string()
    .trim()
    .refine(
      (text) => {
        const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
        if (!match) return false;
        const port = Number(match[3]);
        return port >= 1 && port <= 65535 && (match[1] ? isIP(match[1]) === 6 : isIP(match[2] ?? '') === 4);
      },
      { message: `must be an IP address and port such as 0.0.0.0:9464 or [::]:9464 (${what})` },
    );

const workerEnvSchema = z
  .object({
    ...temporalEnv,
    ...slackEnv,
    ...jumpCloudEnv,
    ...policyEnv,
    ...auditSinkEnv,
    /** How long a stopping worker lets in-flight activities (membership changes) finish. */
    WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(30),
    /** How often the reconciler compares the policy groups' members with the open grants. */
    RECONCILE_INTERVAL: durationSeconds('how often the reconciler runs').default(300),
    /**
     * JumpCloud Directory Insights: the reconciler reads membership changes every DRIFT_EVENTS_INTERVAL and sweeps
     * every RECONCILE_INTERVAL_WITH_EVENTS (back to RECONCILE_INTERVAL while Insights refuses the key). Unset: JumpCloud's
     * own Insights for JumpCloud's own API hosts (insightsUrlFor), none for any other JUMPCLOUD_API_URL; `off`: sweeps only.
     */
    JUMPCLOUD_INSIGHTS_URL: z.union([z.literal('off'), outboundUrl('JumpCloud Directory Insights')]).optional(),
    DRIFT_EVENTS_INTERVAL: durationSeconds('how often Directory Insights is read').default(15),
    RECONCILE_INTERVAL_WITH_EVENTS: durationSeconds('how often the reconciler sweeps beside the events').default(3600),
    /** Where drift alerts go; the approval channel when unset. */
    SLACK_SECURITY_CHANNEL: slackChannelId('the channel ID for drift alerts').optional(),
    SLACK_APPROVAL_CHANNEL: slackChannelId('the channel ID where approval requests go').optional(),
    /**
     * How many grants the worker keeps in memory between their steps, on each of its two workflow queues (the grants'
     * and the active grants', worker/create-worker.ts). Grants sleep for hours: one evicted is replayed from its
     * history when its timer fires, while every cached one holds about 0.4 MiB. The SDK's own default is derived from
     * the V8 heap and grows the process past a gigabyte with thousands of grants alive. 100 kept the worker under
     * 360 MiB with 10,000 grants live, with the image's heap limits (docs/going-to-production.md). An active
     * grant's history is short (it hands off to a new run once granted), so replaying one at its expiry is cheap; a
     * larger cache saves even that, at 0.4 MiB a grant (README, Benchmarks).
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
    /** Where the worker serves Prometheus metrics; unset = no endpoint. */
    WORKER_METRICS_ADDRESS: socketAddress('where the worker serves Prometheus metrics').optional(),
  })
  .superRefine((env, ctx) => {
    for (const { variable, message } of auditSinkProblems(env))
      ctx.addIssue({ code: 'custom', path: [variable], message });
    if (env.SLACK_SECURITY_CHANNEL === undefined && env.SLACK_APPROVAL_CHANNEL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SECURITY_CHANNEL'],
        message: 'is required, or SLACK_APPROVAL_CHANNEL (the channel ID for drift alerts, e.g. C0123456789)',
      });
    }
  })
  .transform(({ SLACK_SECURITY_CHANNEL, SLACK_APPROVAL_CHANNEL, JUMPCLOUD_INSIGHTS_URL, ...rest }) => ({
    ...rest,
    SLACK_SECURITY_CHANNEL: (SLACK_SECURITY_CHANNEL ?? SLACK_APPROVAL_CHANNEL) as string,
    JUMPCLOUD_INSIGHTS_URL:
      JUMPCLOUD_INSIGHTS_URL === 'off' ? undefined : (JUMPCLOUD_INSIGHTS_URL ?? insightsUrlFor(rest.JUMPCLOUD_API_URL)),
    auditSinks: auditSinkSettings(rest),
  }));

/**
 * Directory Insights of JumpCloud's own API hosts (US and EU consoles), so drift is followed in seconds out of the box;
 * undefined for any other API URL (a proxy, the stand-ins), which must name its Insights URL to follow it.
 */
export function insightsUrlFor(jumpCloudApiUrl: string): string | undefined {
  const host = new URL(jumpCloudApiUrl).host;
  if (host === 'console.jumpcloud.com') return 'https://api.jumpcloud.com/insights/directory/v1';
  if (host === 'console.eu.jumpcloud.com') return 'https://api.eu.jumpcloud.com/insights/directory/v1';
  return undefined;
}

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}

/**
 * The Runtime's telemetry: with WORKER_METRICS_ADDRESS, one Prometheus endpoint for the SDK's metrics and ours (the
 * workflows' and activities' meters export through the same Runtime). Counters get `_total` and durations are in
 * seconds, as Prometheus names them; the SDK's own metrics keep their `temporal_` prefix.
 */
export function workerTelemetry(config: Pick<WorkerConfig, 'WORKER_METRICS_ADDRESS'>): TelemetryOptions | undefined {
  if (config.WORKER_METRICS_ADDRESS === undefined) return undefined;
  return {
    metrics: {
      prometheus: {
        bindAddress: config.WORKER_METRICS_ADDRESS,
        countersTotalSuffix: true,
        useSecondsForDurations: true,
        histogramBucketOverrides: grantHistogramBuckets,
      },
    },
  };
}
