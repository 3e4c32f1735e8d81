import { type Connection, type Client } from '@temporalio/client';
import { type FastifyInstance } from 'fastify';
import { type JitPolicy } from '../config/policy';
import { buildApp, type GatewayDeps } from '../gateway/app';
import { createResponseUrlSender } from '../gateway/slack/response-url';
import { JumpCloudReadClient } from '../integrations/jumpcloud/jumpcloud-client';
import { createSlackClient } from '../integrations/slack/slack-client';
import { createGrantService } from '../integrations/temporal/grant-service';
import { temporalReadiness } from '../integrations/temporal/readiness';
import { createReconcilerService } from '../integrations/temporal/reconciler-service';
import { type JumpCloudStandIn } from '../stand-ins/jumpcloud/jumpcloud-stand-in';
import { startOidcStandIn, type OidcStandIn } from '../stand-ins/oidc/oidc-stand-in';
import { type SlackStandIn } from '../stand-ins/slack/slack-stand-in';
import { freePort } from '../stand-ins/temporal/temporal-dev-server';
import { DEMO_PEOPLE, SANDBOX_CHANNELS, SANDBOX_SECRETS } from './demo-world';

const STEP_UP_CLIENT_ID = 'jit-access-sandbox';

export interface SandboxGatewayOptions {
  policy: JitPolicy;
  client: Client;
  connection: Connection;
  taskQueue: string;
  slack: SlackStandIn;
  jumpcloud: JumpCloudStandIn;
  slashCommand: string;
  /** fixed port, or any free one */
  port?: number;
  logger?: GatewayDeps['logger'];
  trace?: (line: string) => void;
}

export interface SandboxGateway {
  app: FastifyInstance;
  url: string;
  /** where the demo people sign in again to approve a group with step-up */
  identityProvider: OidcStandIn;
  stop(): Promise<void>;
}

/**
 * The gateway, wired by URL to the stand-ins as in production, and the OpenID provider its step-up sign-in uses:
 * every demo person with a JumpCloud account signs in there with the sandbox password. The gateway's port is chosen
 * first, because the provider must know where to send the browser back.
 */
export async function startSandboxGateway(options: SandboxGatewayOptions): Promise<SandboxGateway> {
  const port = options.port || (await freePort());
  const publicUrl = `http://127.0.0.1:${port}/`;
  const identityProvider = await startOidcStandIn({
    clients: [
      {
        clientId: STEP_UP_CLIENT_ID,
        clientSecret: SANDBOX_SECRETS.stepUpClientSecret,
        redirectUris: [`${publicUrl}step-up/callback`],
      },
    ],
    users: DEMO_PEOPLE.filter((p) => p.jumpcloudUserId !== undefined).map((p) => ({
      email: p.email,
      password: SANDBOX_SECRETS.signInPassword,
    })),
    hint: `Sandbox: every demo person's password is "${SANDBOX_SECRETS.signInPassword}".`,
    ...(options.trace && { log: options.trace }),
  });
  try {
    const app = await buildApp({
      config: {
        SLACK_SIGNING_SECRET: SANDBOX_SECRETS.slackSigningSecret,
        SLACK_APPROVAL_CHANNEL: SANDBOX_CHANNELS.approvals.id,
        SLACK_COMMAND: options.slashCommand,
        SLACK_RESPONSE_URL_PREFIX: options.slack.responseUrlPrefix,
      },
      policy: options.policy,
      grants: createGrantService(options.client, options.taskQueue),
      reconciler: createReconcilerService(options.client, options.taskQueue),
      // As in production: the gateway reads JumpCloud with a Read Only administrator's key, the worker writes.
      directory: new JumpCloudReadClient({
        baseUrl: options.jumpcloud.baseUrl,
        apiKey: SANDBOX_SECRETS.jumpCloudReadOnlyApiKey,
        timeoutMs: 10_000,
      }),
      slack: createSlackClient({
        token: SANDBOX_SECRETS.slackBotToken,
        apiUrl: options.slack.apiUrl,
        timeoutMs: 5000,
      }),
      respond: createResponseUrlSender(),
      temporalReady: temporalReadiness(options.connection),
      logger: options.logger,
      shutdownGraceMs: 5000,
      stepUpSignIn: {
        issuer: identityProvider.issuer,
        clientId: STEP_UP_CLIENT_ID,
        clientSecret: SANDBOX_SECRETS.stepUpClientSecret,
        publicUrl,
        maxAgeSeconds: 300,
      },
    });
    await app.listen({ host: '127.0.0.1', port });
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      identityProvider,
      stop: async () => {
        await app.close();
        await identityProvider.close();
      },
    };
  } catch (err) {
    await identityProvider.close();
    throw err;
  }
}
