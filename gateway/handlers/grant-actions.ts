import { findPolicyGroup, policyGroupLabel } from '../../config/policy';
import { ActionIds, RejectReasonInput } from '../../integrations/slack/block-kit/ids';
import { GrantRefusedError } from '../../integrations/temporal/grant-service';
import { type DecisionInput } from '../../workflows/grant-types';
import { formatGrantRef, type GrantRef, parseGrantRef, parseGrantWorkflowId } from '../../workflows/grant-workflow-id';
import { type GatewayServices } from '../deps';
import { GatewayRequestError } from '../request-error';
import { REJECT_REASON_MAX_LENGTH, rejectReasonView } from '../../integrations/slack/block-kit/modals';
import { submittedValue, type BlockActions, type ViewSubmission, type ViewSubmissionAck } from '../slack/payloads';
import { tellEphemeral } from './tell-user';

/**
 * Approve / Reject / Revoke clicks. Slack is answered at once; the Update runs afterwards, and the workflow itself
 * (its validator) decides who may do what. A refusal reaches the clicker as an ephemeral message; nothing changes.
 */
export function handleGrantAction(services: GatewayServices, payload: BlockActions): void {
  const [action] = payload.actions;
  if (!action) throw new GatewayRequestError(400, 'invalid block_actions: no action');
  const clicker = payload.user.id;
  switch (action.action_id) {
    case ActionIds.approve: {
      const grant = grantRefFrom(action.value, 'the button value');
      const tell = (text: string) => tellEphemeral(services, payload.response_url, text);
      services.background.run('approve', () => updateGrant(services, grant, clicker, { kind: 'approve' }, tell));
      return;
    }
    case ActionIds.reject: {
      const grant = grantRefFrom(action.value, 'the button value');
      services.background.run('ask for a rejection reason', () => openRejectReason(services, payload, grant));
      return;
    }
    case ActionIds.revoke: {
      const grant = grantRefFrom(action.value, 'the button value');
      const tell = (text: string) => tellEphemeral(services, payload.response_url, text);
      services.background.run('revoke', () => updateGrant(services, grant, clicker, { kind: 'revoke' }, tell));
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
  const tell = async (text: string) => {
    await services.slack.chat.postEphemeral({ channel, user: decider, text });
  };
  services.background.run('reject', () =>
    updateGrant(services, grant, decider, { kind: 'reject', reason: reason || undefined }, tell),
  );
  return undefined;
}

type GrantUpdate = { kind: 'approve' } | { kind: 'reject'; reason: string | undefined } | { kind: 'revoke' };

const UPDATE_NOUN: Record<GrantUpdate['kind'], string> = {
  approve: 'approval',
  reject: 'rejection',
  revoke: 'revocation',
};

/**
 * The one path from a click to the grant's Update, and the one place that turns its refusal into the clicker's
 * message: the workflow validator's reason as it stands, or, when Temporal could not be reached, a request to try
 * again. Either way nothing changed.
 */
async function updateGrant(
  services: GatewayServices,
  { workflowId, runId }: GrantRef,
  clicker: string,
  update: GrantUpdate,
  tell: (text: string) => Promise<void>,
): Promise<void> {
  // The same person clicking twice (or Slack delivering the click twice) is one Update, hence one decision.
  const updateId = `${workflowId}:${update.kind}:${clicker}`;
  try {
    if (update.kind === 'revoke') {
      await services.grants.revoke(workflowId, { bySlackUserId: clicker }, updateId, runId);
    } else {
      const decision: DecisionInput =
        update.kind === 'reject'
          ? { decision: 'reject', deciderSlackUserId: clicker, reason: update.reason }
          : { decision: 'approve', deciderSlackUserId: clicker };
      await services.grants.decide(workflowId, decision, updateId, runId);
    }
  } catch (err) {
    const noun = UPDATE_NOUN[update.kind];
    if (err instanceof GrantRefusedError) return tell(`:no_entry: ${err.message}`);
    services.log.error({ err, workflowId }, `could not record the ${noun}`);
    return tell(`:warning: Your ${noun} could not be recorded just now. Please try again in a minute.`);
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
