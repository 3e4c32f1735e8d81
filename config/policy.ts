import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './env';
import { DEFAULT_MAX_DRIFT_REMOVALS } from '../workflows/reconciler/drift-rules';
import { type DriftAction } from '../workflows/reconciler/reconciler-types';
import { formatDuration } from './durations';
import { describePath, lineOf } from './yaml-location';
import { breakGlassSchema, duration, escalationSchema, requestersSchema, requiredOr } from './policy-fields';
import { type EscalationStep } from '../workflows/grant/grant-types';

/** One JumpCloud user group that can be requested, with its rules. Durations in seconds. */
export interface PolicyGroup {
  id: string;
  name?: string;
  maxDurationSeconds: number;
  /** Slack user IDs of the approvers (may be empty when `approverGroups` names the approvers). */
  approvers: string[];
  /** JumpCloud user groups whose members approve too, resolved at each decision (docs/gateway.md). */
  approverGroups: string[];
  allowSelfApproval: boolean;
  /** An approval (of a request or an extension), and break-glass, counts only with a fresh sign-in at the identity provider. */
  stepUp: boolean;
  /** Overrides SLACK_APPROVAL_CHANNEL for this group. */
  approvalChannel?: string;
  /** Distinct approvers needed (2 = the two-person rule); never more than there are approvers. */
  requiredApprovals: number;
  /** How many times an active grant may be extended (default 2). */
  maxExtensions: number;
  /** The longest a grant may last with its extensions (default twice maxDuration). */
  maxTotalDurationSeconds: number;
  /** How long before expiry the requester is reminded (the group's remindBefore, else the defaults'). */
  remindBeforeSeconds: number;
  /** Members the reconciler leaves alone: JumpCloud user IDs or emails (lower-cased). */
  standingMembers: string[];
  /** What the reconciler does with a member no grant explains: tell the security channel, or also remove them. */
  onDrift: DriftAction;
  /** With onDrift: remove, a run that would remove more members of the group than this removes none and alerts. */
  maxDriftRemovals: number;
  /** Emergency access without approval, alerted and reviewed afterwards; absent = not allowed for this group. */
  breakGlass?: PolicyBreakGlass;
  /** Who may ask for the group: these Slack users and members of these JumpCloud groups; absent = anyone. */
  requesters?: PolicyRequesters;
  /** Reminders while a request waits for a decision; absent = none. */
  escalation?: EscalationStep[];
}

/** A group's `requesters`, split by kind. */
export interface PolicyRequesters {
  slackUserIds: string[];
  jumpcloudGroupIds: string[];
}

/** A group's break-glass rules. Durations in seconds. */
export interface PolicyBreakGlass {
  /** The longest break-glass grant: at most the group's maxDuration. */
  maxDurationSeconds: number;
  /** Slack channel ID the alert goes to. */
  alertChannel: string;
  /** An approver must acknowledge within this long of the grant, or a louder alert goes out (default 1h). */
  reviewWithinSeconds: number;
  /** Who may take it: as the group's `requesters` (absent = the group's requesters). */
  requesters?: PolicyRequesters;
  /** A person's break-glass grants of the group in any 24 hours (default 2). */
  maxPerDay: number;
  /** How long after a person's break-glass grant of the group began before they may take another (default 0). */
  cooldownSeconds: number;
}

/** The validated policy file (keys documented in docs/gateway.md). Durations in seconds. */
export interface JitPolicy {
  approvalTimeoutSeconds: number;
  /** The durations offered in Slack, ascending, without repeats. */
  durationPresetsSeconds: number[];
  groups: PolicyGroup[];
}

const groupSchema = z
  .strictObject({
    id: z
      .string({ error: requiredOr('must be a JumpCloud group ID: 24 hexadecimal characters') })
      .regex(/^[0-9a-f]{24}$/, 'must be a JumpCloud group ID: 24 hexadecimal characters'),
    // Slack caps select option labels at 75 characters.
    name: z.string().trim().min(1, 'must not be empty').max(75, 'must be at most 75 characters').optional(),
    maxDuration: duration,
    approvers: z
      .array(z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID such as U0123ABCD (not a @name)'), {
        error: 'must be a list of Slack user IDs',
      })
      .default([]),
    approverGroups: z
      .array(z.string().regex(/^[0-9a-f]{24}$/, 'must be a JumpCloud group ID: 24 hexadecimal characters'), {
        error: 'must be a list of JumpCloud group IDs',
      })
      .default([]),
    allowSelfApproval: z.boolean({ error: requiredOr('must be true or false') }).default(false),
    stepUp: z.boolean({ error: requiredOr('must be true or false') }).default(false),
    approvalChannel: z
      .string()
      .regex(/^[CG][A-Z0-9]+$/, 'must be a Slack channel ID such as C0123456789')
      .optional(),
    standingMembers: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(
            /^([0-9a-f]{24}|[^@\s]+@[^@\s]+)$/,
            'must be a JumpCloud user ID (24 hexadecimal characters) or an email',
          ),
        { error: requiredOr('must be a list of JumpCloud user IDs or emails') },
      )
      .default([]),
    onDrift: z.enum(['report', 'remove'], { error: 'must be report or remove' }).default('report'),
    maxDriftRemovals: z
      .number({ error: requiredOr('must be a whole number, at least 1') })
      .int('must be a whole number, at least 1')
      .min(1, 'must be a whole number, at least 1')
      .default(DEFAULT_MAX_DRIFT_REMOVALS),
    requiredApprovals: z
      .number({ error: requiredOr('must be a whole number of approvals, at least 1') })
      .int('must be a whole number of approvals, at least 1')
      .min(1, 'must be a whole number of approvals, at least 1')
      .default(1),
    maxExtensions: z
      .number({ error: requiredOr('must be a whole number, 0 or more') })
      .int('must be a whole number, 0 or more')
      .min(0, 'must be a whole number, 0 or more')
      .default(2),
    maxTotalDuration: duration.optional(),
    remindBefore: duration.optional(),
    breakGlass: breakGlassSchema.optional(),
    requesters: requestersSchema.optional(),
    escalation: escalationSchema.optional(),
  })
  .refine((group) => group.maxTotalDuration === undefined || group.maxTotalDuration >= group.maxDuration, {
    path: ['maxTotalDuration'],
    message: 'must be at least maxDuration',
  })
  .refine((group) => group.breakGlass === undefined || group.breakGlass.maxDurationSeconds <= group.maxDuration, {
    path: ['breakGlass', 'maxDuration'],
    message: "must be at most the group's maxDuration",
  })
  .refine((group) => group.approvers.length > 0 || group.approverGroups.length > 0, {
    path: ['approvers'],
    message: 'must list at least one Slack user ID (or give approverGroups)',
  })
  // With approverGroups the number of approvers is JumpCloud's to say, and changes.
  .refine((group) => group.approverGroups.length > 0 || group.requiredApprovals <= group.approvers.length, {
    path: ['requiredApprovals'],
    message: 'must not exceed the number of approvers (distinct approvers are needed, and the requester never counts)',
  })
  .transform(({ maxDuration, maxTotalDuration, ...group }) => ({
    ...group,
    maxDurationSeconds: maxDuration,
    maxTotalDurationSeconds: maxTotalDuration ?? 2 * maxDuration,
  }));

const policySchema = z
  .strictObject(
    {
      defaults: z.strictObject(
        {
          approvalTimeout: duration,
          remindBefore: duration.default(600),
          durations: z
            .array(duration, { error: requiredOr('must be a list of durations') })
            .min(1, 'must list at least one duration'),
        },
        { error: requiredOr('must be a mapping with approvalTimeout and durations') },
      ),
      groups: z
        .array(groupSchema, { error: requiredOr('must be a list of groups') })
        .min(1, 'must list at least one group'),
    },
    { error: 'must be a mapping with the keys defaults and groups' },
  )
  .superRefine((policy, ctx) => {
    const smallest = Math.min(...policy.defaults.durations);
    const seen = new Map<string, number>();
    policy.groups.forEach((group, index) => {
      const first = seen.get(group.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['groups', index, 'id'], message: `duplicates groups[${first}].id` });
      }
      seen.set(group.id, index);
      if (group.maxDurationSeconds < smallest) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', index, 'maxDuration'],
          message: `must be at least the smallest offered duration (${formatDuration(smallest)}), or nothing could be requested`,
        });
      }
      const lastStep = group.escalation?.at(-1);
      if (lastStep && lastStep.afterSeconds >= policy.defaults.approvalTimeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', index, 'escalation', (group.escalation?.length ?? 1) - 1, 'after'],
          message: `must be shorter than defaults.approvalTimeout (${formatDuration(policy.defaults.approvalTimeout)}), or the request times out first`,
        });
      }
      if (group.breakGlass && group.breakGlass.maxDurationSeconds < smallest) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', index, 'breakGlass', 'maxDuration'],
          message: `must be at least the smallest offered duration (${formatDuration(smallest)}), or no break-glass grant could be requested`,
        });
      }
    });
  });

/** Parses and validates policy YAML; a problem throws a ConfigError naming the key and its line. */
export function parsePolicy(text: string, sourceName: string): JitPolicy {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const lines = document.errors.map(
      (error) => `  line ${lineCounter.linePos(error.pos[0]).line}: ${error.message.split('\n')[0]}`,
    );
    throw new ConfigError(`The policy file ${sourceName} is not valid YAML:\n${lines.join('\n')}`);
  }
  const parsed = policySchema.safeParse(document.toJS());
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) => {
      // An unknown key is reported on its parent; point at each key itself.
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      const message = issue.code === 'unrecognized_keys' ? 'is not a known key (check its spelling)' : issue.message;
      return paths.map(
        (path) => `  ${describePath(path)} (line ${lineOf(document.contents, path, lineCounter)}): ${message}`,
      );
    });
    throw new ConfigError(`Invalid policy in ${sourceName}:\n${lines.join('\n')}`);
  }
  const { defaults, groups } = parsed.data;
  return {
    approvalTimeoutSeconds: defaults.approvalTimeout,
    durationPresetsSeconds: [...new Set(defaults.durations)].sort((a, b) => a - b),
    groups: groups.map(({ remindBefore, ...group }) => ({
      ...group,
      remindBeforeSeconds: remindBefore ?? defaults.remindBefore,
    })),
  };
}

export function loadPolicy(path: string): JitPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the policy file ${path} (JIT_POLICY_FILE): ${(err as Error).message}`);
  }
  return parsePolicy(text, path);
}

export function findPolicyGroup(policy: JitPolicy, groupId: string): PolicyGroup | undefined {
  return policy.groups.find((group) => group.id === groupId);
}

/** How a group is shown to people: its policy name, or its JumpCloud ID when the policy gives none. */
export function policyGroupLabel(group: PolicyGroup): string {
  return group.name ?? group.id;
}
