import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyServerOptions,
} from 'fastify';
import { BackgroundTasks } from './plugins/background-tasks';
import { metrics } from './plugins/metrics';
import { type GatewayDeps, type GatewayServices } from './deps';
import { slackSignature } from './plugins/slack-signature';
import { SLACK_BODY_LIMIT_BYTES } from './slack/request-signature';
import { ownTeamIdOf } from './people/resolve-person';
import { healthRoutes } from './routes/health';
import { slackCommandRoutes } from './routes/slack-commands';
import { slackInteractionRoutes } from './routes/slack-interactions';
import { stepUpRoutes } from './routes/step-up';
import { OidcSignIn } from './step-up/oidc-sign-in';
import { StepUp } from './step-up/step-up';

export { type GatewayDeps } from './deps';

declare module 'fastify' {
  interface FastifyInstance {
    /** Work still running after Slack was answered; app.close() waits for it (up to the grace period). */
    backgroundTasks: BackgroundTasks;
  }
}

/** The gateway as a Fastify instance, ready but not listening (the caller decides where). */
export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...loggerOption(deps.logger),
    bodyLimit: SLACK_BODY_LIMIT_BYTES,
    // Slack gives up after 3 s; a client that trickles its request this slowly is not Slack.
    requestTimeout: 10_000,
  });
  const background = new BackgroundTasks(app.log);
  app.decorate('backgroundTasks', background);
  app.addHook('onClose', async () => {
    const finished = await background.drain(deps.shutdownGraceMs ?? 10_000);
    if (!finished) app.log.warn({ unfinished: background.size }, 'stopped with background work unfinished');
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ message: 'Internal Server Error' });
    }
    request.log.info({ status, reason: error.message }, 'request refused');
    return reply.code(status).send({ message: clientErrorMessage(error, request.headers['content-type']) });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );

  // First, so its hook measures every route registered after it.
  await app.register(metrics);

  const services: GatewayServices = {
    config: deps.config,
    policy: deps.policy,
    grants: deps.grants,
    reconciler: deps.reconciler,
    directory: deps.directory,
    slack: deps.slack,
    respond: deps.respond,
    temporalReady: deps.temporalReady,
    now: deps.now ?? Date.now,
    ownTeamId: ownTeamIdOf(deps.slack),
    background,
    log: app.log,
  };
  const signIn = deps.stepUpSignIn && new OidcSignIn(deps.stepUpSignIn);
  if (signIn && deps.stepUpSignIn) {
    services.stepUp = new StepUp(signIn, deps.stepUpSignIn, services, services.now);
    await app.register(stepUpRoutes, { stepUp: services.stepUp, redirectUri: signIn.redirectUri });
  }
  await app.register(async (slackScope) => {
    await slackScope.register(slackSignature, { signingSecret: deps.config.SLACK_SIGNING_SECRET, now: services.now });
    await slackScope.register(slackCommandRoutes, { services });
    await slackScope.register(slackInteractionRoutes, { services });
  });
  await app.register(healthRoutes, { temporalReady: deps.temporalReady });
  await app.ready();
  return app;
}

function loggerOption(logger: GatewayDeps['logger']): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger && typeof logger === 'object' && 'child' in logger && typeof logger.child === 'function') {
    return { loggerInstance: logger as FastifyBaseLogger };
  }
  return { logger: (logger as FastifyServerOptions['logger']) ?? false };
}

/** What a client is told about its own mistake: Fastify's terse texts made to name the problem. */
function clientErrorMessage(error: FastifyError, contentType: string | undefined): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `unsupported content type "${(contentType ?? 'none').slice(0, 60)}": Slack requests are application/x-www-form-urlencoded`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than ${SLACK_BODY_LIMIT_BYTES / 1024} KiB`;
    default:
      return error.message;
  }
}
