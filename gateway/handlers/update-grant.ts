import { GrantRefusedError, GrantUpdatePendingError } from '../../integrations/temporal/grant-service';
import { findPolicyGroup, policyGroupLabel } from '../../config/policy';
import { type DecisionInput, type GrantState, type StepUpProof } from '../../workflows/grant/grant-types';
import { type GrantRef, parseGrantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import { type GatewayServices } from '../deps';
import { checkClick, type ClickCheck } from '../people/who-may-click';

/** A click's Update on a grant, and what its clicker is told of it (gateway/handlers/grant-actions.ts). */
export type GrantUpdate =
  | { kind: 'approve' }
  | { kind: 'reject'; reason: string | undefined }
  | { kind: 'revoke' }
  | { kind: 'acknowledge' }
  | { kind: 'extend'; extraSeconds: number; reason: string; requestId: string }
  | { kind: 'approveExtension' | 'rejectExtension'; extensionId: number };

/** The clicks that need a sign-in in a group with step-up: approving the request, or an extension of it. */
type Approval = Extract<GrantUpdate, { kind: 'approve' }> | { kind: 'approveExtension'; extensionId: number };

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
 * message. The gateway's own checks of the clicker come first (gateway/people/who-may-click.ts); then the workflow
 * validator's reason as it stands, or, when Temporal could not be reached, a request to try again (nothing changed
 * either way). An Update that outlasted its attempts may still take effect, so the clicker is
 * told it is being processed, then what became of it: two posts, within the five a response_url takes.
 */
export async function updateGrant(
  services: GatewayServices,
  grant: GrantRef,
  clicker: string,
  update: GrantUpdate,
  /** Where the clicker reads what became of the click; what the send returns is of no use here. */
  tell: (text: string) => Promise<unknown>,
  /** The clicker's fresh sign-in, for an approval of a group with step-up (gateway/step-up/). */
  stepUp?: StepUpProof,
): Promise<void> {
  const answerBy = services.now() + TELL_OUTCOME_WITHIN_MS;
  const words = UPDATE_WORDS[update.kind];
  let check: ClickCheck;
  try {
    check = await checkClick(services, grant.workflowId, clicker, update.kind);
  } catch (err) {
    services.log.warn({ err, workflowId: grant.workflowId }, `could not check who sent the ${words.noun}`);
    await tell(
      `:warning: I couldn't check your ${words.noun} with Slack and JumpCloud just now. Please try again in a minute.`,
    );
    return;
  }
  if (check.refusal !== undefined) {
    await tell(`:no_entry: ${check.refusal}`);
    return;
  }
  const approval = approvalOf(update);
  if (stepUp === undefined && approval !== undefined) {
    const signIn = askForSignIn(services, grant, clicker, approval, tell);
    if (signIn !== undefined) {
      await tell(signIn);
      return;
    }
  }
  try {
    await sendUpdate(services, grant, { slackUserId: clicker, approverVia: check.approverVia, stepUp }, update);
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

/**
 * For an approval of a group whose current policy asks for step-up: the message with the clicker's sign-in link
 * (gateway/step-up/step-up.ts), or the refusal when this gateway has no identity provider. Undefined: no sign-in.
 */
function askForSignIn(
  services: GatewayServices,
  grant: GrantRef,
  clicker: string,
  update: Approval,
  tell: (text: string) => Promise<unknown>,
): string | undefined {
  const group = findPolicyGroup(services.policy, parseGrantWorkflowId(grant.workflowId)?.groupId ?? '');
  if (!group?.stepUp) return undefined;
  const what = policyGroupLabel(group);
  if (!services.stepUp) {
    return `:no_entry: Approvals for ${what} need a fresh sign-in, and this gateway has no identity provider set up (STEP_UP_OIDC_ISSUER). Nothing was recorded; tell whoever runs it.`;
  }
  const stepUp = services.stepUp;
  const link = stepUp.begin({
    clicker,
    what: 'approval',
    tell,
    // All the checks of the click run again with the sign-in, against the policy of that moment.
    complete: (proof, told) => updateGrant(services, grant, clicker, update, told, proof),
  });
  const minutes = Math.round(stepUp.maxAgeSeconds / 60);
  return `:closed_lock_with_key: Approvals for ${what} need a fresh sign-in. <${link}|Sign in to approve> within ${minutes} min; your approval is recorded once you have. Only you can use this link.`;
}

/** The click as an approval (of the request or of an extension), or undefined for any other click. */
function approvalOf(update: GrantUpdate): Approval | undefined {
  if (update.kind === 'approve') return update;
  if (update.kind === 'approveExtension') return { kind: 'approveExtension', extensionId: update.extensionId };
  return undefined;
}

/** Sends the click's Update under its ID. */
function sendUpdate(
  services: GatewayServices,
  { workflowId, runId }: GrantRef,
  clicked: { slackUserId: string; approverVia: string | undefined; stepUp: StepUpProof | undefined },
  update: GrantUpdate,
): Promise<GrantState> {
  const { slackUserId: clicker, approverVia, stepUp } = clicked;
  // The same person clicking twice (or Slack delivering the click twice) is one Update, hence one decision.
  const updateId = `${workflowId}:${update.kind}:${clicker}`;
  const via = { ...(approverVia !== undefined && { approverVia }), ...(stepUp !== undefined && { stepUp }) };
  switch (update.kind) {
    case 'revoke':
      return services.grants.revoke(workflowId, { bySlackUserId: clicker }, updateId, runId);
    case 'acknowledge':
      return services.grants.acknowledgeBreakGlass(workflowId, { bySlackUserId: clicker, ...via }, updateId, runId);
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
          ...via,
        },
        `${workflowId}:${update.kind}-${update.extensionId}:${clicker}`,
        runId,
      );
    default: {
      const decision: DecisionInput =
        update.kind === 'reject'
          ? { decision: 'reject', deciderSlackUserId: clicker, reason: update.reason, ...via }
          : { decision: 'approve', deciderSlackUserId: clicker, ...via };
      return services.grants.decide(workflowId, decision, updateId, runId);
    }
  }
}
