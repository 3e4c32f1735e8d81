import { type FastifyPluginAsync } from 'fastify';
import { escapeMrkdwn } from '../../integrations/slack/block-kit/elements';
import { helpText, reportDrift, reportStatus } from '../handlers/command-replies';
import { type GatewayServices } from '../deps';
import { GatewayRequestError } from '../request-error';
import { openRequestForm } from '../handlers/access-request';
import { parseFormBody, parsePayload, requireResponseUrlUnder, slashCommandSchema } from '../slack/payloads';

/** `POST /slack/commands`: the slash command. Always answered at once; slow work runs after the reply. */
export const slackCommandRoutes: FastifyPluginAsync<{ services: GatewayServices }> = async (scope, { services }) => {
  const commandName = services.config.SLACK_COMMAND;
  const responseUrlPrefix = services.config.SLACK_RESPONSE_URL_PREFIX;

  scope.post('/slack/commands', { config: { allowUnsignedSslCheck: true } }, async (request, reply) => {
    const form = parseFormBody(request.slackRawBody);
    // Slack's certificate check: answer 200 and do nothing else.
    if (form.ssl_check === '1') return reply.code(200).send();

    const command = parsePayload(slashCommandSchema, form, 'slash command');
    requireResponseUrlUnder(responseUrlPrefix, command.response_url, 'slash command');
    if (command.command !== commandName) {
      throw new GatewayRequestError(
        400,
        `unknown command "${command.command.slice(0, 40)}" (this app answers ${commandName})`,
      );
    }
    const [subcommand = ''] = command.text.trim().split(/\s+/);
    switch (subcommand.toLowerCase()) {
      case '':
        services.background.run('open the request form', () => openRequestForm(services, command));
        return reply.code(200).send();
      case 'status':
        services.background.run('report status', () => reportStatus(services, command));
        return reply.code(200).send();
      case 'drift':
        services.background.run('report drift', () => reportDrift(services, command));
        return reply.code(200).send();
      case 'help':
        return reply.code(200).send({ response_type: 'ephemeral', text: helpText(commandName, services.policy) });
      default:
        return reply.code(200).send({
          response_type: 'ephemeral',
          text: helpText(commandName, services.policy, `I don't know \`${escapeMrkdwn(subcommand.slice(0, 40))}\`.`),
        });
    }
  });
};
