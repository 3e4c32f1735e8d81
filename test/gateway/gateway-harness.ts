import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type AddressInfo } from 'node:net';
import { type TestContext } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { type FastifyInstance } from 'fastify';
import { parsePolicy, type JitPolicy } from '../../config/policy';
import { buildApp } from '../../gateway/app';
import { ActionIds, CallbackIds, ExtendFormInputs, RequestFormInputs } from '../../integrations/slack/block-kit/ids';
import { createResponseUrlSender } from '../../gateway/slack/response-url';
import { temporalReadiness } from '../../integrations/temporal/readiness';
import { JumpCloudReadClient } from '../../integrations/jumpcloud/jumpcloud-client';
import {
  createReconcilerService,
  reconcilerConfig,
  type ReconcilerService,
  reconcilerWorkflowId,
} from '../../integrations/temporal/reconciler-service';
import { createSlackClient } from '../../integrations/slack/slack-client';
import { type GatewayResponse, type OpenedView, type StoredMessage } from '../../stand-ins/slack/slack-stand-in';
import { grantWorkflowId } from '../../workflows/grant/grant-workflow-id';
import {
  APPROVAL_CHANNEL,
  createGrantHarness,
  JUMPCLOUD_READ_ONLY_API_KEY,
  SLACK_BOT_TOKEN,
  SECURITY_CHANNEL,
  SLACK_SIGNING_SECRET,
  type GrantHarness,
  type Person,
} from '../support/grant-harness';
import { randomObjectId } from '../support/temporal';
import { type StepUpSettings } from '../../gateway/step-up/oidc-sign-in';

export interface PolicyKnobs {
  approvalTimeout?: string;
  durations?: string[];
  /** maxDuration of the harness's main group */
  maxDuration?: string;
  allowSelfApproval?: boolean;
  /** requiredApprovals of the harness's main group (its approvers are `approver` and `secondApprover`) */
  requiredApprovals?: number;
  maxExtensions?: number;
  /** maxTotalDuration of the harness's main group, e.g. '20s' */
  maxTotalDuration?: string;
  /** defaults.remindBefore, e.g. '2s' (default: the policy's default, 10m) */
  remindBefore?: string;
  /** requesters of the harness's main group (absent = anyone): Slack user IDs and JumpCloud group IDs */
  requesters?: string[];
  /** approverGroups of the harness's main group: JumpCloud groups whose members approve beside its two approvers */
  approverGroups?: string[];
  /** stepUp of the harness's main group: approvals need a fresh sign-in (the gateway needs `stepUpSignIn` then) */
  stepUp?: boolean;
  /** escalation of the harness's main group, as its YAML flow list, e.g. "[{ after: 2s }, { after: 4s }]" */
  escalation?: string;
  /** breakGlass of the harness's main group (absent = not allowed), e.g. { maxDuration: '10m', reviewWithin: '2s' } */
  breakGlass?: {
    maxDuration: string;
    alertChannel?: string;
    reviewWithin?: string;
    maxPerDay?: number;
    cooldown?: string;
    requesters?: string[];
  };
}

/** The harness's default break-glass alert channel. */
export const BREAK_GLASS_CHANNEL = 'C0BREAKGLASS';

/** What the harness's request form is filled in with. */
export interface RequestChoice {
  groupId?: string;
  durationSeconds?: number;
  justification?: string;
  /** Tick "Emergency access (break-glass)". */
  breakGlass?: boolean;
}

export interface GatewayHarness extends GrantHarness {
  app: FastifyInstance;
  policy: JitPolicy;
  /** A person known to Slack and JumpCloud with a Slack ID no other test uses (for visibility queries by requester). */
  newPerson(name: string): Person;
  /** `/jit` as `person`, then the request form once the gateway has filled the modal in. */
  openRequestForm(person?: Person): Promise<OpenedView>;
  submitRequest(view: OpenedView, choice: RequestChoice, person?: Person): Promise<GatewayResponse>;
  /** The request (through Slack) and its approval message in the approval channel. */
  requestAccess(
    choice?: { groupId?: string; durationSeconds?: number; justification?: string },
    person?: Person,
  ): Promise<{ workflowId: string; message: StoredMessage }>;
  click(person: Person, message: StoredMessage, actionId: string): Promise<GatewayResponse>;
  /** Workflows that exist for any harness person and either harness group (strongly consistent, unlike visibility). */
  startedWorkflows(): Promise<string[]>;
  ephemeralsFor(person: Person): StoredMessage[];
}

/**
 * A gateway wired to the harness's Temporal, stand-ins and task queue, listening on loopback: what the gateway harness
 * runs, and a second replica for tests that need one. The caller closes it.
 */
export async function startHarnessGateway(
  h: GrantHarness,
  policy: JitPolicy,
  /** `port`: where to listen (0 = any); `stepUpSignIn`: the identity provider for step-up approvals. */
  options: { port?: number; stepUpSignIn?: StepUpSettings } = {},
): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp({
    config: {
      SLACK_SIGNING_SECRET,
      SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
      SLACK_COMMAND: '/jit',
      SLACK_RESPONSE_URL_PREFIX: h.slack.responseUrlPrefix,
    },
    policy,
    grants: h.grants,
    reconciler: createReconcilerService(h.client, h.taskQueue),
    // As in production: the gateway reads JumpCloud with a Read Only administrator's key.
    directory: new JumpCloudReadClient({
      baseUrl: h.jumpcloud.baseUrl,
      apiKey: JUMPCLOUD_READ_ONLY_API_KEY,
      timeoutMs: 2000,
    }),
    slack: createSlackClient({ token: SLACK_BOT_TOKEN, apiUrl: h.slack.apiUrl, timeoutMs: 2000 }),
    respond: createResponseUrlSender({ timeoutMs: 2000 }),
    temporalReady: temporalReadiness(h.client.connection),
    shutdownGraceMs: 5000,
    // DEBUG_GATEWAY=1 prints the gateway's logs when a test needs explaining.
    logger: process.env.DEBUG_GATEWAY ? { level: 'debug' } : undefined,
    ...(options.stepUpSignIn && { stepUpSignIn: options.stepUpSignIn }),
  });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/**
 * The grant harness (stand-ins, real clients, a worker on the shared dev server) with the gateway on top, listening
 * on loopback; the Slack stand-in signs and sends to it exactly as Slack does.
 */
export async function createGatewayHarness(
  t: TestContext,
  knobs: PolicyKnobs = {},
  options: { worker?: boolean; gateway?: Parameters<typeof startHarnessGateway>[2] } = {},
): Promise<GatewayHarness> {
  // Registered before the harness's cleanup (after-hooks run in order), so background work ends while the stand-ins
  // and the worker still answer.
  const started: { app?: FastifyInstance } = {};
  t.after(() => started.app?.close());
  const { gateway: gatewayOptions, ...grantOptions } = options;
  const h = await createGrantHarness(t, grantOptions);
  const policy = parsePolicy(
    [
      'defaults:',
      `  approvalTimeout: ${knobs.approvalTimeout ?? '10m'}`,
      ...(knobs.remindBefore ? [`  remindBefore: ${knobs.remindBefore}`] : []),
      `  durations: [${(knobs.durations ?? ['3s', '10m', '1h', '8h']).join(', ')}]`,
      'groups:',
      `  - id: ${h.group.id}`,
      `    name: ${h.group.name}`,
      `    maxDuration: ${knobs.maxDuration ?? '1h'}`,
      `    approvers: [${h.approver.slackUserId}, ${h.secondApprover.slackUserId}]`,
      `    allowSelfApproval: ${knobs.allowSelfApproval ?? false}`,
      `    requiredApprovals: ${knobs.requiredApprovals ?? 1}`,
      `    maxExtensions: ${knobs.maxExtensions ?? 2}`,
      ...(knobs.maxTotalDuration ? [`    maxTotalDuration: ${knobs.maxTotalDuration}`] : []),
      ...(knobs.requesters ? [`    requesters: [${knobs.requesters.join(', ')}]`] : []),
      ...(knobs.approverGroups ? [`    approverGroups: [${knobs.approverGroups.join(', ')}]`] : []),
      ...(knobs.stepUp ? ['    stepUp: true'] : []),
      ...(knobs.escalation ? [`    escalation: ${knobs.escalation}`] : []),
      ...(knobs.breakGlass
        ? [
            '    breakGlass:',
            `      maxDuration: ${knobs.breakGlass.maxDuration}`,
            `      alertChannel: ${knobs.breakGlass.alertChannel ?? BREAK_GLASS_CHANNEL}`,
            ...(knobs.breakGlass.reviewWithin ? [`      reviewWithin: ${knobs.breakGlass.reviewWithin}`] : []),
            ...(knobs.breakGlass.maxPerDay ? [`      maxPerDay: ${knobs.breakGlass.maxPerDay}`] : []),
            ...(knobs.breakGlass.cooldown ? [`      cooldown: ${knobs.breakGlass.cooldown}`] : []),
            ...(knobs.breakGlass.requesters ? [`      requesters: [${knobs.breakGlass.requesters.join(', ')}]`] : []),
          ]
        : []),
      `  - id: ${h.otherGroup.id}`,
      `    name: ${h.otherGroup.name}`,
      '    maxDuration: 8h',
      `    approvers: [${h.approver.slackUserId}]`,
    ].join('\n'),
    'test policy',
  );
  // One policy file for both, as in production: the worker checks every grant against it before any add.
  h.useWorkerPolicy(policy);
  const gateway = await startHarnessGateway(h, policy, gatewayOptions);
  started.app = gateway.app;
  h.slack.gatewayUrl = gateway.url;

  const people: Person[] = [h.requester, h.approver, h.secondApprover, h.outsider];

  const openRequestForm = async (person = h.requester) => {
    const ack = await h.slack.sendSlashCommand({ userId: person.slackUserId });
    assert.equal(ack.status, 200, ack.body);
    assert.equal(ack.ackDeadlineMissed, false);
    // The gateway fills the form in after reading Slack and JumpCloud: seconds on a busy machine.
    return h.slack.waitFor(
      `the request form for ${person.name}`,
      () => h.slack.views(person.slackUserId).find((v) => v.view.callback_id === CallbackIds.request),
      20_000,
    );
  };

  const submitRequest: GatewayHarness['submitRequest'] = (view, choice, person = h.requester) => {
    const values: Record<string, Record<string, unknown>> = {};
    const { group, duration, justification, breakGlass } = RequestFormInputs;
    const select = (value: string | undefined) => ({
      type: 'static_select',
      selected_option: value === undefined ? null : { text: { type: 'plain_text', text: value }, value },
    });
    values[group.blockId] = { [group.actionId]: select(choice.groupId ?? h.group.id) };
    values[duration.blockId] = { [duration.actionId]: select(String(choice.durationSeconds ?? 3)) };
    values[justification.blockId] = {
      [justification.actionId]: {
        type: 'plain_text_input',
        value: choice.justification ?? 'Investigating incident INC-42',
      },
    };
    if (choice.breakGlass) {
      values[breakGlass.blockId] = {
        [breakGlass.actionId]: {
          type: 'checkboxes',
          selected_options: [
            { text: { type: 'plain_text', text: 'Emergency access (break-glass)' }, value: 'break-glass' },
          ],
        },
      };
    }
    return h.slack.sendViewSubmission({ userId: person.slackUserId, view, values });
  };

  return {
    ...h,
    app: gateway.app,
    policy,
    newPerson(name) {
      const person: Person = {
        slackUserId: `U${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
        email: `${name}-${randomObjectId().slice(0, 8)}@example.com`,
        jumpcloudUserId: randomObjectId(),
        name,
      };
      h.slack.addUser({ id: person.slackUserId, name, email: person.email });
      h.jumpcloud.addUser({
        id: person.jumpcloudUserId,
        email: person.email,
        username: `${name}-${person.jumpcloudUserId.slice(0, 6)}`,
      });
      people.push(person);
      return person;
    },
    openRequestForm,
    submitRequest,
    async requestAccess(choice = {}, person = h.requester) {
      const groupId = choice.groupId ?? h.group.id;
      const ack = await submitRequest(await openRequestForm(person), choice, person);
      assert.equal(ack.status, 200, ack.body);
      assert.equal(ack.body, '', 'an empty body closes the modal');
      const workflowId = grantWorkflowId(person.jumpcloudUserId, groupId);
      const message = await h.slack.waitFor(
        'the approval request in the approval channel',
        () =>
          h.slack
            .messages(APPROVAL_CHANNEL)
            .find((m) => m.ephemeralTo === undefined && JSON.stringify(m.blocks ?? []).includes(workflowId)),
        15_000,
      );
      return { workflowId, message };
    },
    click: (person, message, actionId) =>
      h.slack.sendBlockActions({ userId: person.slackUserId, message, actions: [{ action_id: actionId }] }),
    async startedWorkflows() {
      const found: string[] = [];
      for (const person of people) {
        for (const group of [h.group, h.otherGroup]) {
          const workflowId = grantWorkflowId(person.jumpcloudUserId, group.id);
          try {
            await h.client.workflow.getHandle(workflowId).describe();
            found.push(workflowId);
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }
      }
      return found;
    },
    ephemeralsFor: (person) => h.slack.messages().filter((m) => m.ephemeralTo === person.slackUserId),
  };
}

/** Extend → the modal → submitted with `extraSeconds` and a reason, as `person`. */
export async function askForMore(
  h: GatewayHarness,
  dm: StoredMessage,
  extraSeconds: number,
  person: Person = h.requester,
) {
  const click = await h.slack.sendBlockActions({
    userId: person.slackUserId,
    message: dm,
    actions: [{ action_id: ActionIds.extend }],
  });
  assert.equal(click.status, 200);
  const modal = await h.slack.waitFor('the extension form', () =>
    h.slack.views(person.slackUserId).find((v) => v.view.callback_id === CallbackIds.extend && !v.closedAt),
  );
  const submitted = await h.slack.sendViewSubmission({
    userId: person.slackUserId,
    view: modal,
    values: {
      [ExtendFormInputs.duration.blockId]: {
        [ExtendFormInputs.duration.actionId]: {
          type: 'static_select',
          selected_option: { text: { type: 'plain_text', text: `${extraSeconds}s` }, value: String(extraSeconds) },
        },
      },
      [ExtendFormInputs.reason.blockId]: {
        [ExtendFormInputs.reason.actionId]: { type: 'plain_text_input', value: 'The migration needs more time' },
      },
    },
  });
  assert.equal(submitted.status, 200, submitted.body);
  assert.equal(submitted.body, '', 'the form closes');
}

/**
 * The reconciler on the harness's queue, over the harness's policy, a run every second, alerting SECURITY_CHANNEL;
 * terminated when the test ends (it never ends by itself).
 */
export async function startHarnessReconciler(t: TestContext, h: GatewayHarness): Promise<ReconcilerService> {
  t.after(async () => {
    try {
      await h.client.workflow.getHandle(reconcilerWorkflowId(h.taskQueue)).terminate('test over');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  });
  const reconciler = createReconcilerService(h.client, h.taskQueue);
  await reconciler.ensureRunning(reconcilerConfig(h.policy, { intervalSeconds: 1, securityChannel: SECURITY_CHANNEL }));
  return reconciler;
}
