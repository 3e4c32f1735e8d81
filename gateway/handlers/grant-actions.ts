import { findPolicyGroup, policyGroupLabel } from '../../config/policy';
import { ActionIds, ExtendFormInputs, RejectReasonInput } from '../../integrations/slack/block-kit/ids';
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
import { askWhyKeep, removeDriftNow } from './drift-actions';
import { tellEphemeral } from './tell-user';
import { type GrantUpdate, updateGrant } from './update-grant';

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
    case ActionIds.removeDrift:
      removeDriftNow(services, payload, action.value);
      return;
    case ActionIds.keepDrift:
      askWhyKeep(services, payload, action.value);
      return;
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
  // Members of approverGroups get the modal too: JumpCloud is asked when the reason is submitted (who-may-click.ts).
  if (!group || (!group.approvers.includes(payload.user.id) && group.approverGroups.length === 0)) {
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

function grantRefFrom(value: string | undefined, where: string): GrantRef {
  const ref = value === undefined ? undefined : parseGrantRef(value);
  if (!ref) throw new GatewayRequestError(400, `${where} is not a grant's workflow ID`);
  return ref;
}

function groupIdOf(workflowId: string): string {
  return parseGrantWorkflowId(workflowId)?.groupId ?? '';
}
