import { type FastifyPluginAsync } from 'fastify';
import { handleGrantAction, submitRejectReason } from '../decision-flow';
import { parseFormBody } from '../form-body';
import { type GatewayServices } from '../gateway-deps';
import { GatewayRequestError } from '../gateway-request-error';
import { CallbackIds } from '../modal-views';
import { submitRequestForm } from '../request-flow';
import { blockActionsSchema, interactionEnvelopeSchema, parsePayload, viewSubmissionSchema } from '../slack-payloads';

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
      case 'block_actions':
        handleGrantAction(services, parsePayload(blockActionsSchema, json, 'block_actions payload'));
        return reply.code(200).send();
      case 'view_submission': {
        const submission = parsePayload(viewSubmissionSchema, json, 'view_submission payload');
        const callbackId = submission.view.callback_id;
        const ack =
          callbackId === CallbackIds.request
            ? submitRequestForm(services, submission)
            : callbackId === CallbackIds.rejectReason
              ? submitRejectReason(services, submission)
              : unknownCallback(callbackId);
        // An empty body closes the modal.
        return ack ? reply.code(200).send(ack) : reply.code(200).send();
      }
      default:
        throw new GatewayRequestError(400, `unsupported interaction type "${type.slice(0, 40)}"`);
    }
  });
};

function unknownCallback(callbackId: string): never {
  throw new GatewayRequestError(400, `unknown callback_id "${callbackId.slice(0, 60)}"`);
}
