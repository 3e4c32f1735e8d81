import { findPolicyGroup, policyGroupLabel } from '../../config/policy';
import { parseDriftActionValue } from '../../integrations/slack/block-kit/drift-alerts';
import { KeepDriftInput } from '../../integrations/slack/block-kit/ids';
import { keepDriftView } from '../../integrations/slack/block-kit/modals';
import { DriftDecisionRefusedError } from '../../integrations/temporal/reconciler-service';
import { type DriftDecision, KEEP_REASON_LENGTH } from '../../workflows/reconciler/reconciler-types';
import { type GatewayServices } from '../deps';
import { checkDriftDecider } from '../people/who-may-click';
import { GatewayRequestError } from '../request-error';
import { submittedValue, type BlockActions, type ViewSubmission, type ViewSubmissionAck } from '../slack/payloads';
import { tellEphemeral } from './tell-user';

type Membership = { groupId: string; userId: string };

/**
 * Remove now on a drift alert: the group's approvers only (checked here, then by the worker's policy), answered under
 * the alert. Slack is answered at once; the reconciler removes the member after a fresh look.
 */
export function removeDriftNow(services: GatewayServices, payload: BlockActions, value: string | undefined): void {
  const membership = membershipFrom(value, 'the button value');
  const tell = (text: string) => tellEphemeral(services, payload.response_url, text);
  services.background.run('remove drift now', () =>
    decide(services, { action: 'remove', ...membership, bySlackUserId: payload.user.id }, tell),
  );
}

/** Keep on a drift alert: an approver gets the reason form; anyone else is told why not. */
export function askWhyKeep(services: GatewayServices, payload: BlockActions, value: string | undefined): void {
  const membership = membershipFrom(value, 'the button value');
  services.background.run('ask why keep', async () => {
    const tell = (text: string) => tellEphemeral(services, payload.response_url, text);
    if (!(await mayDecide(services, membership.groupId, payload.user.id, tell))) return;
    const group = findPolicyGroup(services.policy, membership.groupId);
    const who = (await services.reconciler.state())?.openDrift.find(
      (d) => d.groupId === membership.groupId && d.userId === membership.userId,
    )?.email;
    try {
      await services.slack.views.open({
        trigger_id: payload.trigger_id,
        view: keepDriftView(
          value ?? '',
          who ?? membership.userId,
          group ? policyGroupLabel(group) : membership.groupId,
        ),
      });
    } catch (err) {
      services.log.warn({ err }, 'could not open the keep form');
      await tell(":warning: I couldn't open the form. Please click Keep again.");
    }
  });
}

/** The Keep form's submission: the reason's length here, who and what by the reconciler, after the modal closed. */
export function submitKeepReason(services: GatewayServices, submission: ViewSubmission): ViewSubmissionAck {
  const membership = membershipFrom(submission.view.private_metadata, 'the private_metadata');
  const reason = (
    submittedValue(submission.view.state.values, KeepDriftInput.blockId, KeepDriftInput.actionId) ?? ''
  ).trim();
  if (reason.length < KEEP_REASON_LENGTH.min || reason.length > KEEP_REASON_LENGTH.max) {
    const words = `Please say why in ${KEEP_REASON_LENGTH.min} to ${KEEP_REASON_LENGTH.max} characters.`;
    return { response_action: 'errors', errors: { [KeepDriftInput.blockId]: words } };
  }
  const decider = submission.user.id;
  // A modal has no response_url: the outcome reaches the approver as a DM.
  const tell = (text: string) => services.slack.chat.postMessage({ channel: decider, text });
  services.background.run('keep drift', () =>
    decide(services, { action: 'keep', ...membership, bySlackUserId: decider, reason }, tell),
  );
  return undefined;
}

async function decide(
  services: GatewayServices,
  decision: DriftDecision,
  tell: (text: string) => Promise<unknown>,
): Promise<void> {
  if (!(await mayDecide(services, decision.groupId, decision.bySlackUserId, tell))) return;
  try {
    const { outcome } = await services.reconciler.decideDrift(decision);
    await tell(
      outcome === 'removed'
        ? ':lock: Removed. The security channel has the record.'
        : outcome === 'kept'
          ? ':white_check_mark: Kept, with your reason. No more alerts for this membership until it changes.'
          : ':information_source: Nothing to do: the membership is no longer there, or a grant or the policy explains it now.',
    );
  } catch (err) {
    if (err instanceof DriftDecisionRefusedError) {
      await tell(`:no_entry: Not done: ${err.message}.`);
      return;
    }
    services.log.error({ err }, 'could not send the drift decision');
    await tell(":warning: I couldn't reach the reconciler just now; nothing was changed. Please try again.");
  }
}

async function mayDecide(
  services: GatewayServices,
  groupId: string,
  clicker: string,
  tell: (text: string) => Promise<unknown>,
): Promise<boolean> {
  try {
    const { refusal } = await checkDriftDecider(services, groupId, clicker);
    if (refusal === undefined) return true;
    await tell(`:no_entry: ${refusal.charAt(0).toUpperCase()}${refusal.slice(1)}; nothing was changed.`);
  } catch (err) {
    services.log.warn({ err }, 'could not check who decides on drift');
    await tell(":warning: I couldn't check your accounts just now; nothing was changed. Please try again.");
  }
  return false;
}

function membershipFrom(value: string | undefined, where: string): Membership {
  const membership = value === undefined ? undefined : parseDriftActionValue(value);
  if (!membership) throw new GatewayRequestError(400, `${where} is not a JumpCloud group and user`);
  return membership;
}
