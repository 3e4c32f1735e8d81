import { z } from 'zod';
import { GatewayRequestError } from '../request-error';

/** Schemas for what Slack sends us: slash commands, block_actions and view_submission. Unknown extra fields are allowed: Slack adds them over time. */

const slackUserId = z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user ID');
const webhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const slashCommandSchema = z.object({
  command: z.string().min(1),
  text: z.string().default(''),
  user_id: slackUserId,
  trigger_id: z.string().min(1),
  response_url: webhookUrl,
  channel_id: z.string().optional(),
  team_id: z.string().optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const interactionEnvelopeSchema = z.object({ type: z.string() });

export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: slackUserId }),
  trigger_id: z.string().min(1),
  /** Present for clicks in messages (our buttons all live in messages). */
  response_url: webhookUrl.optional(),
  actions: z
    .array(z.object({ action_id: z.string().min(1), block_id: z.string().optional(), value: z.string().optional() }))
    .min(1, 'must contain the clicked action'),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

const stateValue = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  /** Checkboxes: every ticked option. */
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
});

export const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: slackUserId }),
  view: z.object({
    id: z.string().min(1),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), stateValue)) }),
  }),
});
export type ViewSubmission = z.infer<typeof viewSubmissionSchema>;
export type ViewStateValues = ViewSubmission['view']['state']['values'];

/** The answer to a view_submission: inline errors keyed by block_id, or undefined to close the modal. */
export type ViewSubmissionAck = { response_action: 'errors'; errors: Record<string, string> } | undefined;

/** Parses `value` or throws a 400 whose message names each bad field. */
export function parsePayload<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(payload)'}: ${issue.message}`);
  throw new GatewayRequestError(400, `invalid ${what}: ${problems.join('; ')}`);
}

/**
 * Throws a 400 unless the payload's response_url lies under `prefix` (Slack's `https://hooks.slack.com/`, or a
 * stand-in's): the gateway POSTs to it, so any other URL would have the gateway send requests wherever a payload says.
 */
export function requireResponseUrlUnder(prefix: string, responseUrl: string | undefined, what: string): void {
  if (responseUrl === undefined || new URL(responseUrl).href.startsWith(prefix)) return;
  throw new GatewayRequestError(400, `invalid ${what}: response_url: must start with ${prefix}`);
}

/** The text typed into, or the value chosen in, one input of a submitted modal. */
export function submittedValue(values: ViewStateValues, blockId: string, actionId: string): string | undefined {
  const leaf = values[blockId]?.[actionId];
  return leaf?.selected_option?.value ?? leaf?.value ?? undefined;
}

/** The values of the options ticked in one checkboxes input of a submitted modal (none when it was left out). */
export function submittedOptions(values: ViewStateValues, blockId: string, actionId: string): string[] {
  return (values[blockId]?.[actionId]?.selected_options ?? []).map((option) => option.value);
}

/**
 * Parses an `application/x-www-form-urlencoded` body strictly: a bad percent-escape or a field given twice is a
 * malformed request, not something to guess about.
 */
export function parseFormBody(raw: string): Record<string, string> {
  const fields = new Map<string, string>();
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeFormComponent(equals === -1 ? part : part.slice(0, equals));
    const value = decodeFormComponent(equals === -1 ? '' : part.slice(equals + 1));
    if (fields.has(name))
      throw new GatewayRequestError(
        400,
        `malformed form body: the field "${name.slice(0, 40)}" appears more than once`,
      );
    fields.set(name, value);
  }
  // fromEntries defines own properties, so a field named __proto__ stays an ordinary field.
  return Object.fromEntries(fields);
}

function decodeFormComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new GatewayRequestError(400, 'malformed form body: invalid percent-encoding');
  }
}
