import { z } from 'zod';
import {
  durationSeconds,
  jumpCloudEnv,
  parseEnv,
  policyEnv,
  slackChannelId,
  slackEnv,
  temporalEnv,
} from '../config/env';

const workerEnvSchema = z
  .object({
    ...temporalEnv,
    ...slackEnv,
    ...jumpCloudEnv,
    ...policyEnv,
    /** How long a stopping worker lets in-flight activities (membership changes) finish. */
    WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(30),
    /** How often the reconciler compares the policy groups' members with the open grants. */
    RECONCILE_INTERVAL: durationSeconds('how often the reconciler runs').default(300),
    /** Where drift alerts go; the approval channel when unset. */
    SLACK_SECURITY_CHANNEL: slackChannelId('the channel ID for drift alerts').optional(),
    SLACK_APPROVAL_CHANNEL: slackChannelId('the channel ID where approval requests go').optional(),
  })
  .superRefine((env, ctx) => {
    if (env.SLACK_SECURITY_CHANNEL === undefined && env.SLACK_APPROVAL_CHANNEL === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SECURITY_CHANNEL'],
        message: 'is required, or SLACK_APPROVAL_CHANNEL (the channel ID for drift alerts, e.g. C0123456789)',
      });
    }
  })
  .transform(({ SLACK_SECURITY_CHANNEL, SLACK_APPROVAL_CHANNEL, ...rest }) => ({
    ...rest,
    SLACK_SECURITY_CHANNEL: (SLACK_SECURITY_CHANNEL ?? SLACK_APPROVAL_CHANNEL) as string,
  }));

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
