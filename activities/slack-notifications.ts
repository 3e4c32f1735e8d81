import { activityInfo } from '@temporalio/activity';
import { type WebClient } from '@slack/web-api';
import { driftAlertMessage } from '../integrations/slack/block-kit/drift-alerts';
import { extensionNotice, extensionRequestMessage } from '../integrations/slack/block-kit/extension-messages';
import { approvalMessage, reminderNotice, requesterNotice } from '../integrations/slack/block-kit/grant-messages';
import { type GrantState, type SlackMessageRef } from '../workflows/grant-types';
import { type DriftAlert } from '../workflows/reconciler-types';
import { slackFailure } from './failures';

/** Slack side effects of a grant and of the reconciler. Each call is one Web API request; Temporal owns the retries. */
export function createSlackNotificationActivities(slack: WebClient) {
  return {
    async postApprovalRequest(state: GrantState): Promise<SlackMessageRef> {
      const message = approvalMessage(state, callingRunId());
      try {
        const result = await slack.chat.postMessage({
          channel: state.approvalChannel,
          text: message.text,
          blocks: message.blocks,
        });
        return { channel: result.channel ?? state.approvalChannel, ts: result.ts ?? '' };
      } catch (err) {
        throw slackFailure(err);
      }
    },

    async updateApprovalMessage(ref: SlackMessageRef, state: GrantState): Promise<void> {
      const message = approvalMessage(state, callingRunId());
      try {
        await slack.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        throw slackFailure(err);
      }
    },

    /** A direct message to the requester describing the grant's current state. */
    async notifyRequester(state: GrantState): Promise<void> {
      const message = requesterNotice(state, callingRunId());
      try {
        // Posting to a user ID opens (or reuses) the bot's DM with that user.
        await slack.chat.postMessage({
          channel: state.requester.slackUserId,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (err) {
        throw slackFailure(err);
      }
    },

    /** A drift alert in the security channel. */
    async postDriftAlert(channel: string, alert: DriftAlert): Promise<void> {
      const message = driftAlertMessage(alert);
      try {
        await slack.chat.postMessage({ channel, text: message.text, blocks: message.blocks });
      } catch (err) {
        throw slackFailure(err);
      }
    },

    /** An extension request in the approval channel, with Approve / Reject for this run's extension. */
    async postExtensionRequest(state: GrantState, extensionId: number): Promise<SlackMessageRef> {
      const message = extensionRequestMessage(state, extensionId, callingRunId());
      try {
        const result = await slack.chat.postMessage({
          channel: state.approvalChannel,
          text: message.text,
          blocks: message.blocks,
        });
        return { channel: result.channel ?? state.approvalChannel, ts: result.ts ?? '' };
      } catch (err) {
        throw slackFailure(err);
      }
    },

    async updateExtensionRequest(ref: SlackMessageRef, state: GrantState, extensionId: number): Promise<void> {
      const message = extensionRequestMessage(state, extensionId, callingRunId());
      try {
        await slack.chat.update({ channel: ref.channel, ts: ref.ts, text: message.text, blocks: message.blocks });
      } catch (err) {
        throw slackFailure(err);
      }
    },

    /** A direct message to the requester about their extension request. */
    async notifyExtension(state: GrantState, extensionId: number): Promise<void> {
      const message = extensionNotice(state, extensionId);
      try {
        await slack.chat.postMessage({
          channel: state.requester.slackUserId,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (err) {
        throw slackFailure(err);
      }
    },

    /** The reminder before expiry, to the requester, with Extend and End now for this run. */
    async remindRequester(state: GrantState): Promise<void> {
      const message = reminderNotice(state, callingRunId());
      try {
        await slack.chat.postMessage({
          channel: state.requester.slackUserId,
          text: message.text,
          blocks: message.blocks,
        });
      } catch (err) {
        throw slackFailure(err);
      }
    },
  };
}

/** The run of the grant workflow that scheduled this activity; its buttons must target exactly that run. */
function callingRunId(): string | undefined {
  return activityInfo().workflowExecution?.runId;
}
