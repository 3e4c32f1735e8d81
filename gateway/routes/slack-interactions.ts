import { type FastifyPluginAsync } from 'fastify';
import { handleGrantAction, submitExtendForm, submitRejectReason } from '../handlers/grant-actions';
import { type GatewayServices } from '../deps';
import { GatewayRequestError } from '../request-error';
import { CallbackIds } from '../../integrations/slack/block-kit/ids';
import { submitRequestForm } from '../handlers/access-request';
import { submitKeepReason } from '../handlers/drift-actions';
import {
  blockActionsSchema,
  interactionEnvelopeSchema,
  parseFormBody,
  parsePayload,
  requireResponseUrlUnder,
  viewSubmissionSchema,
} from '../slack/payloads';

/** `POST /slack/interactions`: button clicks and modal submissions, each answered within Slack's 3 s. */
export const slackInteractionRoutes: FastifyPluginAsync<{ services: GatewayServices }> = async (
  scope,
  { services },
) => {
  scope.post('/slack/interactions', async (request, reply) => {
    const { payload } = parseFormBody(request.slackRawBody);
    if (payload === undefined) throw new GatewayRequestError(400, 'missing form field "payload"');
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      throw new GatewayRequestError(400, 'the "payload" field is not valid JSON');
    }
    const { type } = parsePayload(interactionEnvelopeSchema, json, 'interaction payload');

    switch (type) {
      case 'block_actions': {
        const click = parsePayload(blockActionsSchema, json, 'block_actions payload');
        requireResponseUrlUnder(services.config.SLACK_RESPONSE_URL_PREFIX, click.response_url, 'block_actions payload');
        handleGrantAction(services, click);
        return reply.code(200).send();
      }
      case 'view_submission': {
        const submission = parsePayload(viewSubmissionSchema, json, 'view_submission payload');
        const callbackId = submission.view.callback_id;
        const ack = submissionHandler(callbackId)(services, submission);
        // An empty body closes the modal.
        return ack ? reply.code(200).send(ack) : reply.code(200).send();
      }
      default:
        throw new GatewayRequestError(400, `unsupported interaction type "${type.slice(0, 40)}"`);
    }
  });
};

function submissionHandler(callbackId: string) {
  switch (callbackId) {
    case CallbackIds.request:
      return submitRequestForm;
    case CallbackIds.rejectReason:
      return submitRejectReason;
    case CallbackIds.extend:
      return submitExtendForm;
    case CallbackIds.keepDrift:
      return submitKeepReason;
    default:
      return unknownCallback(callbackId);
  }
}

function unknownCallback(callbackId: string): never {
  throw new GatewayRequestError(400, `unknown callback_id "${callbackId.slice(0, 60)}"`);
}
