import { z } from 'zod';
import { formatDuration } from '../../config/durations';
import { findPolicyGroup, policyGroupLabel, type PolicyGroup } from '../../config/policy';
import { escapeMrkdwn } from '../../integrations/slack/block-kit/elements';
import { GrantRefusedError, GrantUpdatePendingError } from '../../integrations/temporal/grant-service';
import { type GrantInput } from '../../workflows/grant/grant-types';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { type GatewayServices } from '../deps';
import { GatewayRequestError } from '../request-error';
import { BREAK_GLASS_OPTION, RequestFormInputs } from '../../integrations/slack/block-kit/ids';
import { BREAK_GLASS_JUSTIFICATION_MIN_LENGTH } from '../../workflows/grant/grant-rules';
import {
  JUSTIFICATION_MAX_LENGTH,
  JUSTIFICATION_MIN_LENGTH,
  loadingView,
  noticeView,
  requestFormView,
} from '../../integrations/slack/block-kit/modals';
import { resolveEligibility } from './eligibility';
import { breakGlassSignIn } from './break-glass-sign-in';
import { recheckRequester } from './recheck-requester';
import { signMetadata, verifyMetadata } from '../slack/signed-metadata';
import {
  submittedOptions,
  submittedValue,
  type SlashCommand,
  type ViewSubmission,
  type ViewSubmissionAck,
} from '../slack/payloads';
import { tellEphemeral } from './tell-user';

/** What the request form carries in its private_metadata (signed): who is asking, as resolved when it opened. */
const requestFormMetadata = z.object({
  slackUserId: z.string(),
  jumpcloudUserId: z.string().min(1),
  email: z.string().min(1),
});

/**
 * `/jit`: runs after the acknowledgement. Opens a loading modal at once (the trigger lives 3 s), resolves what the
 * user may request, then turns the modal into the form, or into a message saying why there is nothing to request.
 */
export async function openRequestForm(services: GatewayServices, command: SlashCommand): Promise<void> {
  const { slack, log } = services;
  let viewId: string | undefined;
  try {
    viewId = (await slack.views.open({ trigger_id: command.trigger_id, view: loadingView() })).view?.id;
  } catch (err) {
    log.warn({ err }, 'could not open the request modal');
  }
  if (!viewId) {
    await tellEphemeral(
      services,
      command.response_url,
      ":warning: I couldn't open the request form. Please type the command again.",
    );
    return;
  }

  const eligibility = await resolveEligibility(services, command.user_id);
  if (!eligibility.ok) {
    if (eligibility.cause)
      log.warn({ err: eligibility.cause, slackUserId: command.user_id }, 'could not resolve the requester');
    await Promise.all([
      slack.views
        .update({ view_id: viewId, view: noticeView(eligibility.problem) })
        .catch((err: unknown) => log.warn({ err }, 'could not update the modal')),
      tellEphemeral(services, command.response_url, eligibility.problem),
    ]);
    return;
  }

  const { requester, groups, extendable } = eligibility;
  const privateMetadata = signMetadata(services.config.SLACK_SIGNING_SECRET, requester);
  try {
    await slack.views.update({
      view_id: viewId,
      view: requestFormView({
        groups,
        extendable,
        durationPresetsSeconds: services.policy.durationPresetsSeconds,
        privateMetadata,
      }),
    });
  } catch (err) {
    log.warn({ err }, 'could not show the request form');
    await tellEphemeral(
      services,
      command.response_url,
      ":warning: I couldn't show the request form. Please type the command again.",
    );
  }
}

/**
 * The form's submission, checked again against the policy on the server: the modal's choices are only a
 * convenience, anything in the payload may be forged. Returns inline errors, or undefined after scheduling the start.
 */
export function submitRequestForm(services: GatewayServices, submission: ViewSubmission): ViewSubmissionAck {
  const { view, user } = submission;
  const metadata = requestFormMetadata.safeParse(
    verifyMetadata(services.config.SLACK_SIGNING_SECRET, view.private_metadata),
  );
  if (!metadata.success)
    throw new GatewayRequestError(
      400,
      'the request form has no valid private_metadata (it was altered or not made by this app)',
    );
  if (metadata.data.slackUserId !== user.id)
    throw new GatewayRequestError(400, 'the request form was opened for another user');

  const { policy } = services;
  const values = view.state.values;
  const errors: Record<string, string> = {};
  const groupId = submittedValue(values, RequestFormInputs.group.blockId, RequestFormInputs.group.actionId);
  const group = groupId === undefined ? undefined : findPolicyGroup(policy, groupId);
  if (!group)
    errors[RequestFormInputs.group.blockId] =
      groupId === undefined ? 'Choose a group.' : 'This group cannot be requested.';

  const breakGlassChecked = submittedOptions(
    values,
    RequestFormInputs.breakGlass.blockId,
    RequestFormInputs.breakGlass.actionId,
  ).includes(BREAK_GLASS_OPTION);
  const breakGlass = breakGlassChecked ? group?.breakGlass : undefined;
  if (breakGlassChecked && group && !breakGlass) {
    errors[RequestFormInputs.breakGlass.blockId] = `${policyGroupLabel(group)} does not allow break-glass`;
  }

  const durationSeconds = Number(
    submittedValue(values, RequestFormInputs.duration.blockId, RequestFormInputs.duration.actionId),
  );
  if (!policy.durationPresetsSeconds.includes(durationSeconds)) {
    errors[RequestFormInputs.duration.blockId] = 'Choose one of the offered durations.';
  } else if (group && durationSeconds > group.maxDurationSeconds) {
    errors[RequestFormInputs.duration.blockId] =
      `${policyGroupLabel(group)} allows at most ${formatDuration(group.maxDurationSeconds)}.`;
  } else if (group && breakGlass && durationSeconds > breakGlass.maxDurationSeconds) {
    errors[RequestFormInputs.duration.blockId] =
      `Break-glass access to ${policyGroupLabel(group)} lasts at most ${formatDuration(breakGlass.maxDurationSeconds)}.`;
  }

  const justification = (
    submittedValue(values, RequestFormInputs.justification.blockId, RequestFormInputs.justification.actionId) ?? ''
  ).trim();
  if (justification.length < JUSTIFICATION_MIN_LENGTH) {
    errors[RequestFormInputs.justification.blockId] =
      `Please explain in at least ${JUSTIFICATION_MIN_LENGTH} characters.`;
  } else if (justification.length > JUSTIFICATION_MAX_LENGTH) {
    errors[RequestFormInputs.justification.blockId] = `Please keep it to ${JUSTIFICATION_MAX_LENGTH} characters.`;
  } else if (breakGlassChecked && justification.length < BREAK_GLASS_JUSTIFICATION_MIN_LENGTH) {
    errors[RequestFormInputs.justification.blockId] =
      `Break-glass access needs an explanation of at least ${BREAK_GLASS_JUSTIFICATION_MIN_LENGTH} characters.`;
  }

  if (!group || Object.keys(errors).length > 0) return { response_action: 'errors', errors };

  const input: GrantInput = {
    // The view ID is the same for every submit of this modal, so a double submit is recognised as one request.
    requestId: view.id,
    requester: metadata.data,
    group: { id: group.id, name: policyGroupLabel(group) },
    durationSeconds,
    justification,
    policy: {
      approvers: group.approvers,
      ...(group.approverGroups.length > 0 && { approverGroupIds: group.approverGroups }),
      ...(group.stepUp && { stepUp: true }),
      // Break-glass access is capped by its own maximum, which the workflow then enforces too.
      maxDurationSeconds: breakGlass ? breakGlass.maxDurationSeconds : group.maxDurationSeconds,
      approvalTimeoutSeconds: policy.approvalTimeoutSeconds,
      allowSelfApproval: group.allowSelfApproval,
      requiredApprovals: group.requiredApprovals,
      maxExtensions: group.maxExtensions,
      // Extensions cannot carry break-glass access past its cap either.
      maxTotalDurationSeconds: breakGlass ? breakGlass.maxDurationSeconds : group.maxTotalDurationSeconds,
      remindBeforeSeconds: group.remindBeforeSeconds,
      approvalChannel: group.approvalChannel ?? services.config.SLACK_APPROVAL_CHANNEL,
      // Break-glass access waits for nobody.
      ...(!breakGlass && group.escalation && { escalation: group.escalation }),
    },
    ...(breakGlass
      ? {
          breakGlass: { alertChannel: breakGlass.alertChannel, reviewWithinSeconds: breakGlass.reviewWithinSeconds },
        }
      : {}),
  };
  services.background.run('start a grant', () => startGrant(services, input, group));
  return undefined;
}

async function startGrant(services: GatewayServices, input: GrantInput, group: PolicyGroup): Promise<void> {
  const label = `*${escapeMrkdwn(policyGroupLabel(group))}*`;
  let text: string;
  try {
    text = await checkThenStart(services, input, group, label);
  } catch (err) {
    services.log.error({ err, requestId: input.requestId }, 'could not start the grant workflow');
    text = `:warning: Your request for ${label} could not be submitted just now. Please try \`${services.config.SLACK_COMMAND}\` again in a minute.`;
  }
  if (text === '') return;
  // Posting to a user ID opens (or reuses) the app's DM with them.
  await services.slack.chat.postMessage({ channel: input.requester.slackUserId, text });
}

/**
 * The requester's checks at submit, then the grant started, or the sign-in asked for first; what to DM them. The
 * sign-in's completion comes back here, so the checks run again with it.
 */
async function checkThenStart(
  services: GatewayServices,
  input: GrantInput,
  group: PolicyGroup,
  label: string,
): Promise<string> {
  const checked = await recheckRequester(services, input, group, label);
  if (typeof checked === 'string') return checked;
  return (
    (await alreadyHeld(services, input, checked.memberOf)) ??
    breakGlassSignIn(services, input, group.stepUp, label, (signedIn) =>
      checkThenStart(services, signedIn, group, label),
    ) ??
    (await startOrExplain(services, input, label))
  );
}

/** Starts the grant; the requester's DM, or '' for a double submit (the first one already told them). */
async function startOrExplain(services: GatewayServices, input: GrantInput, label: string): Promise<string> {
  const result = await services.grants.start(input);
  services.log.info(
    { workflowId: result.workflowId, outcome: result.outcome, requestId: input.requestId },
    'grant request submitted',
  );
  if (result.outcome === 'duplicate') return '';
  if (result.outcome === 'started' && input.breakGlass) {
    return `:rotating_light: Break-glass access to ${label} (${formatDuration(input.durationSeconds)}) is being granted now, without approval. The approvers have been alerted and will review it.`;
  }
  return result.outcome === 'started'
    ? `:outbox_tray: Your request for ${label} (${formatDuration(input.durationSeconds)}) was sent to the approvers. I'll tell you here when someone decides.`
    : `:information_source: You already have a pending or active request for ${label}. It has to end before you can ask again.`;
}

/**
 * The form only offers groups the requester is not in, but a modal left open (or a forged choice) can still name one.
 * Checked again at submit: held through a running grant, the request becomes an extension of it; held otherwise
 * (standing access), nothing is requested. The requester's DM ('' when the workflow tells them itself), or undefined
 * when they are not in the group.
 */
async function alreadyHeld(
  services: GatewayServices,
  input: GrantInput,
  memberOf: readonly string[],
): Promise<string | undefined> {
  if (!memberOf.includes(input.group.id)) return undefined;
  const label = `*${escapeMrkdwn(input.group.name)}*`;
  const workflowId = grantWorkflowId(input.requester.jumpcloudUserId, input.group.id);
  if (!(await services.grants.isRunning(workflowId))) {
    return `:information_source: You are already a member of ${label} (standing access), so there is nothing to request.`;
  }
  try {
    await services.grants.requestExtension(
      workflowId,
      { bySlackUserId: input.requester.slackUserId, extraSeconds: input.durationSeconds, reason: input.justification },
      // The form's view ID: submitting it twice is one extension request.
      `${workflowId}:extend:${input.requestId}`,
    );
  } catch (err) {
    if (err instanceof GrantRefusedError) {
      return `:no_entry: You already hold ${label} through an active grant, and it cannot be extended: ${err.message}.`;
    }
    // Temporal has not answered yet, which is not a failure: the workflow DMs the requester once the request is in.
    if (err instanceof GrantUpdatePendingError) {
      return `:hourglass_flowing_sand: You already hold ${label} through an active grant; your request for more time on it is still being processed, and you will get a message when it reaches the approvers.`;
    }
    throw err;
  }
  // The workflow tells the requester that the extension request went to the approvers.
  return '';
}
