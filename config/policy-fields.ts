import { z } from 'zod';
import { parseDuration } from './durations';

/** The policy file's field schemas shared by its groups (config/policy.ts puts them together). */

const DURATION_HINT = 'must be a positive duration such as 15m, 8h or 1d';

/** zod's message for a missing key, or `otherwise` for a value of the wrong type. */
export const requiredOr = (otherwise: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : otherwise;

export const duration = z.string({ error: requiredOr(DURATION_HINT) }).transform((text, ctx) => {
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    ctx.addIssue({ code: 'custom', message: `${DURATION_HINT} (got "${text}")` });
    return z.NEVER;
  }
  return seconds;
});

export const requestersSchema = z
  .array(
    z
      .string()
      .regex(
        /^([UW][A-Z0-9]+|[0-9a-f]{24})$/,
        'must be a Slack user ID such as U0123ABCD or a JumpCloud group ID (24 hexadecimal characters)',
      ),
    { error: 'must be a list of Slack user IDs and JumpCloud group IDs' },
  )
  .min(1, 'must list at least one Slack user ID or JumpCloud group ID (leave it out to let anyone ask)')
  .transform((ids) => ({
    slackUserIds: ids.filter((id) => /^[UW]/.test(id)),
    jumpcloudGroupIds: ids.filter((id) => !/^[UW]/.test(id)),
  }));

export const breakGlassSchema = z
  .strictObject(
    {
      maxDuration: duration,
      alertChannel: z
        .string({ error: requiredOr('must be a Slack channel ID such as C0123456789') })
        .regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel ID such as C0123456789'),
      reviewWithin: duration.default(3600),
      requesters: requestersSchema.optional(),
      maxPerDay: z
        .number({ error: 'must be a whole number, at least 1' })
        .int('must be a whole number, at least 1')
        .min(1, 'must be a whole number, at least 1')
        .default(2),
      cooldown: duration.optional(),
    },
    { error: 'must be a mapping with maxDuration, alertChannel and optionally reviewWithin' },
  )
  .transform(({ maxDuration, alertChannel, reviewWithin, requesters, maxPerDay, cooldown }) => ({
    maxDurationSeconds: maxDuration,
    alertChannel,
    reviewWithinSeconds: reviewWithin,
    ...(requesters && { requesters }),
    maxPerDay,
    cooldownSeconds: cooldown ?? 0,
  }));

/**
 * A group's `escalation`: up to two steps, each `after` a while without a decision (counted from the request),
 * reminding the approvers in the request's thread and, optionally, posting to another channel and mentioning more
 * people there. Checked against the approval timeout in config/policy.ts.
 */
export const escalationSchema = z
  .array(
    z.strictObject(
      {
        after: duration,
        channel: z
          .string()
          .regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel ID such as C0123456789')
          .optional(),
        mention: z
          .array(z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID such as U0123ABCD'), {
            error: 'must be a list of Slack user IDs',
          })
          .optional(),
      },
      { error: 'must be a mapping with after, and optionally channel and mention' },
    ),
    { error: 'must be a list of steps, each with after' },
  )
  .min(1, 'must list at least one step (leave it out for no escalation)')
  .max(2, 'must list at most two steps')
  .refine((steps) => steps.every((step, i) => i === 0 || step.after > (steps[i - 1]?.after ?? 0)), {
    message: "each step's after must be later than the one before",
  })
  .transform((steps) =>
    steps.map(({ after, channel, mention }) => ({
      afterSeconds: after,
      ...(channel && { channel }),
      ...(mention && mention.length > 0 && { mention }),
    })),
  );
