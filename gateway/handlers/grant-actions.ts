import { findPolicyGroup, policyGroupLabel } from '../../config/policy';
import { ActionIds, ExtendFormInputs, RejectReasonInput } from '../../integrations/slack/block-kit/ids';
import { GrantRefusedError, GrantUpdatePendingError } from '../../integrations/temporal/grant-service';
import { type DecisionInput, type GrantState } from '../../workflows/grant/grant-types';
import {
  formatGrantRef,
  parseExtensionRef,
  type GrantRef,
  parseGrantRef,
  parseGrantWorkflowId,
} from '../../workflows/grant/grant-workflow-id';
import { type GatewayServices } from '../deps';
import { GatewayRequestError } from '../request-error';
import {
  EXTENSION_REASON_MIN_LENGTH,
  extendFormView,
  JUSTIFICATION_MAX_LENGTH,
  REJECT_REASON_MAX_LENGTH,
  rejectReasonView,
} from '../../integrations/slack/block-kit/modals';
import { submittedValue, type BlockActions, type ViewSubmission, type ViewSubmissionAck } from '../slack/payloads';
import { tellEphemeral } from './tell-user';

/**
 * Approve / Reject / Revoke / Extend / Acknowledge (break-glass) clicks, on grants and on their extension requests. Slack is answered at once; the Update runs afterwards, and the workflow itself
 * (its validator) decides who may do what. A refusal reaches the clicker as an ephemeral message; nothing changes.
 */
export function handleGrantAction(services: GatewayServices, payload: BlockActions): void {
  const [action] = payload.actions;
  if (!action) throw new GatewayRequestError(400, 'invalid block_actions: no action');
  const clicker = payload.user.id;
  /** Runs the click's Update once Slack has been answered; a refusal reaches the clicker below the clicked message. */
  const runUpdate = (label: string, grant: GrantRef, update: GrantUpdate) =>
    services.background.run(label, () =>
      updateGrant(services, grant, clicker, update, (text) => tellEphemeral(services, payload.response_url, text)),
    );
  switch (action.action_id) {
    case ActionIds.approve:
      runUpdate('approve', grantRefFrom(action.value, 'the button value'), { kind: 'approve' });
      return;
    case ActionIds.reject: {
      const grant = grantRefFrom(action.value, 'the button value');
      services.background.run('ask for a rejection reason', () => openRejectReason(services, payload, grant));
      return;
    }
    case ActionIds.revoke:
      runUpdate('revoke', grantRefFrom(action.value, 'the button value'), { kind: 'revoke' });
      return;
    case ActionIds.acknowledgeBreakGlass:
      runUpdate('acknowledge break-glass', grantRefFrom(action.value, 'the button value'), { kind: 'acknowledge' });
      return;
    case ActionIds.extend: {
      const grant = grantRefFrom(action.value, 'the button value');
      services.background.run('ask how much longer', () => openExtendForm(services, payload, grant));
      return;
    }
    case ActionIds.approveExtension:
    case ActionIds.rejectExtension: {
      const ref = parseExtensionRef(action.value ?? '');
      if (!ref) throw new GatewayRequestError(400, "the button value is not a grant's extension request");
      const kind = action.action_id === ActionIds.approveExtension ? 'approveExtension' : 'rejectExtension';
      runUpdate(kind, ref, { kind, extensionId: ref.extensionId });
      return;
    }
    default:
      throw new GatewayRequestError(400, `unknown action_id "${action.action_id.slice(0, 60)}"`);
  }
}

/**
 * Only an approver gets the reason modal. The check uses the group's current policy (the trigger expires in 3 s,
 * too soon to ask the workflow); the workflow's validator still has the final word when the reason is submitted.
 */
async function openRejectReason(services: GatewayServices, payload: BlockActions, grant: GrantRef): Promise<void> {
  const { workflowId } = grant;
  const group = findPolicyGroup(services.policy, groupIdOf(workflowId));
  if (!group || !group.approvers.includes(payload.user.id)) {
    const what = group ? policyGroupLabel(group) : 'this group';
    await tellEphemeral(services, payload.response_url, `:no_entry: you are not an approver for ${what}`);
    return;
  }
  try {
    await services.slack.views.open({
      trigger_id: payload.trigger_id,
      view: rejectReasonView(formatGrantRef(grant), policyGroupLabel(group)),
    });
  } catch (err) {
    services.log.warn({ err, workflowId }, 'could not open the rejection modal');
    await tellEphemeral(
      services,
      payload.response_url,
      ":warning: I couldn't open the rejection form. Please click Reject again.",
    );
  }
}

/** The rejection modal's submission: the decision runs after the modal has closed. */
export function submitRejectReason(services: GatewayServices, submission: ViewSubmission): ViewSubmissionAck {
  const grant = grantRefFrom(submission.view.private_metadata, 'the private_metadata');
  const reason = (
    submittedValue(submission.view.state.values, RejectReasonInput.blockId, RejectReasonInput.actionId) ?? ''
  ).trim();
  if (reason.length > REJECT_REASON_MAX_LENGTH) {
    return {
      response_action: 'errors',
      errors: { [RejectReasonInput.blockId]: `Please keep it to ${REJECT_REASON_MAX_LENGTH} characters.` },
    };
  }
  const decider = submission.user.id;
  // A modal has no response_url: a refusal goes to the approver in the channel the request was posted to.
  const group = findPolicyGroup(services.policy, groupIdOf(grant.workflowId));
  const channel = group?.approvalChannel ?? services.config.SLACK_APPROVAL_CHANNEL;
  services.background.run('reject', () =>
    updateGrant(services, grant, decider, { kind: 'reject', reason: reason || undefined }, (text) =>
      services.slack.chat.postEphemeral({ channel, user: decider, text }),
    ),
  );
  return undefined;
}

/** The Extend button: the requester picks how much longer and says why; the workflow enforces the limits. */
async function openExtendForm(services: GatewayServices, payload: BlockActions, grant: GrantRef): Promise<void> {
  const group = findPolicyGroup(services.policy, groupIdOf(grant.workflowId));
  const label = group ? policyGroupLabel(group) : 'this group';
  const presets = services.policy.durationPresetsSeconds.filter((s) => !group || s <= group.maxDurationSeconds);
  try {
    await services.slack.views.open({
      trigger_id: payload.trigger_id,
      view: extendFormView({ grantRef: formatGrantRef(grant), groupLabel: label, durationPresetsSeconds: presets }),
    });
  } catch (err) {
    services.log.warn({ err, workflowId: grant.workflowId }, 'could not open the extension form');
    await tellEphemeral(
      services,
      payload.response_url,
      ":warning: I couldn't open the extension form. Please click Extend again.",
    );
  }
}

/** The extension form's submission: checked here for shape, by the workflow for the limits, after the modal closed. */
export function submitExtendForm(services: GatewayServices, submission: ViewSubmission): ViewSubmissionAck {
  const grant = grantRefFrom(submission.view.private_metadata, 'the private_metadata');
  const values = submission.view.state.values;
  const errors: Record<string, string> = {};
  const extraSeconds = Number(
    submittedValue(values, ExtendFormInputs.duration.blockId, ExtendFormInputs.duration.actionId),
  );
  if (!services.policy.durationPresetsSeconds.includes(extraSeconds)) {
    errors[ExtendFormInputs.duration.blockId] = 'Choose one of the offered durations.';
  }
  const reason = (
    submittedValue(values, ExtendFormInputs.reason.blockId, ExtendFormInputs.reason.actionId) ?? ''
  ).trim();
  if (reason.length < EXTENSION_REASON_MIN_LENGTH) {
    errors[ExtendFormInputs.reason.blockId] = `Please explain in at least ${EXTENSION_REASON_MIN_LENGTH} characters.`;
  } else if (reason.length > JUSTIFICATION_MAX_LENGTH) {
    errors[ExtendFormInputs.reason.blockId] = `Please keep it to ${JUSTIFICATION_MAX_LENGTH} characters.`;
  }
  if (Object.keys(errors).length > 0) return { response_action: 'errors', errors };
  const requester = submission.user.id;
  // A modal has no response_url: a refusal (e.g. a limit reached) reaches the requester as a DM.
  services.background.run('request an extension', () =>
    updateGrant(
      services,
      grant,
      requester,
      { kind: 'extend', extraSeconds, reason, requestId: submission.view.id },
      (text) => services.slack.chat.postMessage({ channel: requester, text }),
    ),
  );
  return undefined;
}

type GrantUpdate =
  | { kind: 'approve' }
  | { kind: 'reject'; reason: string | undefined }
  | { kind: 'revoke' }
  | { kind: 'acknowledge' }
  | { kind: 'extend'; extraSeconds: number; reason: string; requestId: string }
  | { kind: 'approveExtension' | 'rejectExtension'; extensionId: number };

/** What the clicker's Update is called, and where they can see what became of it while the gateway cannot tell. */
const UPDATE_WORDS: Record<GrantUpdate['kind'], { noun: string; shownIn: string }> = {
  approve: { noun: 'approval', shownIn: "The approval message shows the request's state." },
  reject: { noun: 'rejection', shownIn: "The approval message shows the request's state." },
  revoke: { noun: 'revocation', shownIn: "The approval message (or break-glass alert) shows the grant's state." },
  acknowledge: { noun: 'acknowledgement', shownIn: 'The break-glass alert shows who acknowledged it.' },
  extend: { noun: 'extension request', shownIn: 'You will get a DM once it reaches the approvers.' },
  approveExtension: { noun: 'approval of the extension', shownIn: "The extension request's message shows its state." },
  rejectExtension: { noun: 'rejection of the extension', shownIn: "The extension request's message shows its state." },
};

/**
 * How long after the click its outcome may still be told: a response_url takes posts for 30 minutes, and the Update's
 * own attempts (two minutes by default, integrations/temporal/send-grant-update.ts) come out of this.
 */
const TELL_OUTCOME_WITHIN_MS = 25 * 60_000;

/**
 * The one path from a click to the grant's Update, and the one place that turns its outcome into the clicker's
 * message: the workflow validator's reason as it stands, or, when Temporal could not be reached, a request to try
 * again (nothing changed either way). An Update that outlasted its attempts may still take effect, so the clicker is
 * told it is being processed, then what became of it: two posts, within the five a response_url takes.
 */
async function updateGrant(
  services: GatewayServices,
  grant: GrantRef,
  clicker: string,
  update: GrantUpdate,
  /** Where the clicker reads what became of the click; what the send returns is of no use here. */
  tell: (text: string) => Promise<unknown>,
): Promise<void> {
  const answerBy = services.now() + TELL_OUTCOME_WITHIN_MS;
  const words = UPDATE_WORDS[update.kind];
  try {
    await sendUpdate(services, grant, clicker, update);
  } catch (err) {
    if (err instanceof GrantRefusedError) {
      await tell(`:no_entry: ${err.message}`);
    } else if (err instanceof GrantUpdatePendingError) {
      await tell(
        `:hourglass_flowing_sand: Your ${words.noun} is still being processed (Temporal has not answered yet), so there is no need to click again. I'll tell you here how it went. ${words.shownIn}`,
      );
      await tell(await outcomeOf(services, err, answerBy, words));
    } else {
      services.log.error({ err, workflowId: grant.workflowId }, `could not record the ${words.noun}`);
      await tell(`:warning: Your ${words.noun} could not be recorded just now. Please try again in a minute.`);
    }
  }
}

/** Keeps waiting for an Update that outlasted its attempts, until `answerBy`; what to tell the clicker then. */
async function outcomeOf(
  services: GatewayServices,
  pending: GrantUpdatePendingError,
  answerBy: number,
  { noun, shownIn }: { noun: string; shownIn: string },
): Promise<string> {
  try {
    await pending.outcome(answerBy - services.now());
    return `:white_check_mark: Your ${noun} was recorded.`;
  } catch (err) {
    if (err instanceof GrantRefusedError) return `:no_entry: ${err.message}`;
    services.log.warn({ err, updateId: pending.updateId }, `no outcome for the ${noun}`);
    return `:grey_question: Temporal has still not answered, so I cannot tell whether your ${noun} was recorded. ${shownIn}`;
  }
}

/** Sends the click's Update under its ID. */
function sendUpdate(
  services: GatewayServices,
  { workflowId, runId }: GrantRef,
  clicker: string,
  update: GrantUpdate,
): Promise<GrantState> {
  // The same person clicking twice (or Slack delivering the click twice) is one Update, hence one decision.
  const updateId = `${workflowId}:${update.kind}:${clicker}`;
  switch (update.kind) {
    case 'revoke':
      return services.grants.revoke(workflowId, { bySlackUserId: clicker }, updateId, runId);
    case 'acknowledge':
      return services.grants.acknowledgeBreakGlass(workflowId, { bySlackUserId: clicker }, updateId, runId);
    case 'extend':
      // One Update per submitted form (a double submit is one request), never one per person.
      return services.grants.requestExtension(
        workflowId,
        { bySlackUserId: clicker, extraSeconds: update.extraSeconds, reason: update.reason },
        `${workflowId}:extend:${update.requestId}`,
        runId,
      );
    case 'approveExtension':
    case 'rejectExtension':
      return services.grants.decideExtension(
        workflowId,
        {
          extensionId: update.extensionId,
          decision: update.kind === 'approveExtension' ? 'approve' : 'reject',
          deciderSlackUserId: clicker,
        },
        `${workflowId}:${update.kind}-${update.extensionId}:${clicker}`,
        runId,
      );
    default: {
      const decision: DecisionInput =
        update.kind === 'reject'
          ? { decision: 'reject', deciderSlackUserId: clicker, reason: update.reason }
          : { decision: 'approve', deciderSlackUserId: clicker };
      return services.grants.decide(workflowId, decision, updateId, runId);
    }
  }
}

function grantRefFrom(value: string | undefined, where: string): GrantRef {
  const ref = value === undefined ? undefined : parseGrantRef(value);
  if (!ref) throw new GatewayRequestError(400, `${where} is not a grant's workflow ID`);
  return ref;
}

function groupIdOf(workflowId: string): string {
  return parseGrantWorkflowId(workflowId)?.groupId ?? '';
}
