import { type WebClient } from '@slack/web-api';
import { type FastifyBaseLogger, type FastifyServerOptions } from 'fastify';
import { type JitPolicy } from '../config/policy';
import { type JumpCloudReadClient } from '../integrations/jumpcloud/jumpcloud-client';
import { type GrantService } from '../integrations/temporal/grant-service';
import { type ReconcilerService } from '../integrations/temporal/reconciler-service';
import { type BackgroundTasks } from './plugins/background-tasks';
import { type GatewayConfig } from './config';
import { type ResponseUrlMessage } from './slack/response-url';
import { type StepUpSettings } from './step-up/oidc-sign-in';
import { type StepUp } from './step-up/step-up';

/** The Slack Web API methods the gateway calls; a WebClient is one. */
export interface GatewaySlack {
  views: Pick<WebClient['views'], 'open' | 'update'>;
  chat: Pick<WebClient['chat'], 'postMessage' | 'postEphemeral'>;
  users: Pick<WebClient['users'], 'info'>;
  auth: Pick<WebClient['auth'], 'test'>;
}

/**
 * What the gateway reads in JumpCloud: who the requester is and which groups they are already in. Picked from the
 * read-only client, so no gateway code can change a membership, whatever client it is handed.
 */
export type GatewayDirectory = Pick<JumpCloudReadClient, 'findUserByEmail' | 'listUserGroupIds' | 'getUser'>;

/** Everything buildApp needs, as small interfaces so tests can hand in stand-ins or fakes. */
export interface GatewayDeps {
  config: Pick<
    GatewayConfig,
    'SLACK_SIGNING_SECRET' | 'SLACK_APPROVAL_CHANNEL' | 'SLACK_COMMAND' | 'SLACK_RESPONSE_URL_PREFIX'
  >;
  policy: JitPolicy;
  grants: GrantService;
  /** The reconciler's open drift, for `/jit drift`, and Remove now / Keep on its alerts. */
  reconciler: Pick<ReconcilerService, 'state' | 'decideDrift'>;
  directory: GatewayDirectory;
  slack: GatewaySlack;
  /** POSTs a JSON message to a Slack response_url. */
  respond(responseUrl: string, body: ResponseUrlMessage): Promise<void>;
  /** True when Temporal answers; used by /readyz. */
  temporalReady(): Promise<boolean>;
  /** Pino options, or a logger instance; omitted = no logging. */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  /** Milliseconds since the epoch (signature window, "time left"); injectable for tests. */
  now?: () => number;
  /** How long app.close() waits for acknowledged work still running in the background (default 10 s). */
  shutdownGraceMs?: number;
  /** The identity provider for approvals of groups with `stepUp`; absent = such approvals are refused. */
  stepUpSignIn?: StepUpSettings;
}

/** The deps as the route handlers see them: with the clock resolved, the background tracker and a logger. */
export interface GatewayServices extends Omit<GatewayDeps, 'logger' | 'now' | 'shutdownGraceMs' | 'stepUpSignIn'> {
  now(): number;
  /** The Slack workspace the app is installed in: people of any other are not trusted (gateway/people/). */
  ownTeamId(): Promise<string>;
  background: BackgroundTasks;
  log: FastifyBaseLogger;
  /** Sign-in links for approvals of groups with `stepUp`, when an identity provider is configured. */
  stepUp?: StepUp;
}
