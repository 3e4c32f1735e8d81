import { z } from 'zod';
import { jumpCloudEnv, parseEnv, slackEnv, temporalEnv } from '../config/env';

const workerEnvSchema = z.object({
  ...temporalEnv,
  ...slackEnv,
  ...jumpCloudEnv,
  /** How long a stopping worker lets in-flight activities (membership changes) finish. */
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(30),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
