import { type JumpCloudSeed } from '../stand-ins/jumpcloud/jumpcloud-directory';
import { type SlackUser } from '../stand-ins/slack/slack-workspace';

/**
 * The people, groups and channels of the one-command sandbox. IDs are fixed so a restart finds the same world, and
 * the group IDs are the ones sandbox/demo-policy.yaml names.
 */

/** Sandbox-only credentials: the stand-ins accept exactly these, nothing real ever goes here. */
export const SANDBOX_SECRETS = {
  slackBotToken: 'xoxb-sandbox-not-a-real-token',
  slackSigningSecret: 'sandbox-signing-secret-not-a-real-one',
  jumpCloudApiKey: 'jc-sandbox-not-a-real-api-key',
  /** the gateway's: a Read Only administrator's, as in production */
  jumpCloudReadOnlyApiKey: 'jc-sandbox-read-only-not-a-real-api-key',
  serviceNowUsername: 'jit.sandbox',
  serviceNowPassword: 'sn-sandbox-not-a-real-password',
  jiraEmail: 'jit@sandbox.example',
  jiraApiToken: 'jira-sandbox-not-a-real-token',
  auditWebhookSecret: 'sandbox-webhook-secret-not-a-real-one',
  /** the gateway's client secret at the sandbox's OpenID provider (step-up sign-in) */
  stepUpClientSecret: 'oidc-sandbox-not-a-real-secret',
  /** every demo person's password at that provider, shown on its sign-in page */
  signInPassword: 'sandbox',
} as const;

/** Where the worker's audit sinks write: the ServiceNow table and the Jira project the audit stand-ins hold. */
export const SANDBOX_AUDIT = {
  serviceNowTable: 'u_jit_access_grant',
  jiraProjectKey: 'SEC',
  jiraIssueType: 'Task',
  jiraDoneTransition: 'Done',
} as const;

export const SANDBOX_CHANNELS = {
  general: { id: 'C0GENERAL01', name: 'general' },
  approvals: { id: 'C0JITAPPROVE', name: 'jit-approvals' },
  /** where the reconciler's drift alerts go */
  security: { id: 'C0JITSECURE', name: 'jit-security' },
} as const;

export interface DemoPerson {
  slackUserId: string;
  /** Slack handle */
  name: string;
  realName: string;
  email: string;
  title: string;
  /** undefined = a Slack user with no JumpCloud account (the gateway tells them so) */
  jumpcloudUserId?: string;
  /** A Slack guest (`is_restricted`): refused whatever JumpCloud says (docs/gateway.md, "Who may ask and decide"). */
  guest?: boolean;
}

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    slackUserId: 'U0ADALOVE1',
    name: 'ada',
    realName: 'Ada Lovelace',
    email: 'ada@sandbox.example',
    title: 'Backend engineer',
    jumpcloudUserId: '64a000000000000000000001',
  },
  {
    slackUserId: 'U0GRACEH01',
    name: 'grace',
    realName: 'Grace Hopper',
    email: 'grace@sandbox.example',
    title: 'Site reliability engineer',
    jumpcloudUserId: '64a000000000000000000002',
  },
  {
    slackUserId: 'U0ALANTUR1',
    name: 'alan',
    realName: 'Alan Turing',
    email: 'alan@sandbox.example',
    title: 'Data engineer',
    jumpcloudUserId: '64a000000000000000000003',
  },
  {
    slackUserId: 'U0MARGHAM1',
    name: 'margaret',
    realName: 'Margaret Hamilton',
    email: 'margaret@sandbox.example',
    title: 'Security lead',
    jumpcloudUserId: '64a000000000000000000004',
  },
  {
    slackUserId: 'U0KENTHOM1',
    name: 'ken',
    realName: 'Ken Thompson',
    email: 'ken@sandbox.example',
    title: 'Platform lead',
    jumpcloudUserId: '64a000000000000000000005',
  },
  {
    slackUserId: 'U0SAMCONT1',
    name: 'sam',
    realName: 'Sam Contractor',
    email: 'sam@contractor.example',
    title: 'Contractor (no JumpCloud account)',
  },
  {
    slackUserId: 'U0GUSGUES1',
    name: 'gus',
    realName: 'Gus Guest',
    email: 'gus@partner.example',
    title: 'Slack guest from a partner (has a JumpCloud account)',
    jumpcloudUserId: '64a000000000000000000006',
    guest: true,
  },
];

export const DEMO_GROUPS = {
  prodDbReadonly: {
    id: '64b000000000000000000001',
    name: 'prod-db-readonly',
    description: 'Read-only SQL access to the production databases',
  },
  prodK8sAdmin: {
    id: '64b000000000000000000002',
    name: 'prod-k8s-admin',
    description: 'cluster-admin on the production Kubernetes clusters',
  },
  billingAdmin: {
    id: '64b000000000000000000003',
    name: 'billing-admin',
    description: 'Admin role in the billing system',
  },
  stagingAdmin: {
    id: '64b000000000000000000004',
    name: 'staging-admin',
    description: 'Admin on the staging environment',
  },
  engineering: {
    id: '64b000000000000000000005',
    name: 'engineering',
    description: 'Everyone in engineering (standing, not requestable)',
  },
  securityTeam: {
    id: '64b000000000000000000006',
    name: 'security-team',
    description: 'The security team: its members approve prod-db-readonly (approverGroups)',
  },
  prodSecretsAdmin: {
    id: '64b000000000000000000007',
    name: 'prod-secrets-admin',
    description: 'Admin on the production secrets vault: each approval needs a fresh sign-in (stepUp)',
  },
} as const;

function person(name: string): DemoPerson & { jumpcloudUserId: string } {
  const found = DEMO_PEOPLE.find((p) => p.name === name);
  if (!found?.jumpcloudUserId) throw new Error(`demo world: ${name} has no JumpCloud account`);
  return found as DemoPerson & { jumpcloudUserId: string };
}

/**
 * Memberships at the start: some people already hold some JIT groups (the policy lists them as standing members, so
 * the form offers them fewer), and Alan's billing-admin membership was made by hand, which the reconciler reports.
 */
const STANDING: ReadonlyArray<[groupId: string, people: string[]]> = [
  [DEMO_GROUPS.engineering.id, ['ada', 'grace', 'alan', 'margaret', 'ken']],
  [DEMO_GROUPS.securityTeam.id, ['margaret']],
  [DEMO_GROUPS.stagingAdmin.id, ['grace']],
  [DEMO_GROUPS.prodDbReadonly.id, ['margaret']],
  [DEMO_GROUPS.billingAdmin.id, ['ken', 'alan']],
];

export function demoSlackUsers(): SlackUser[] {
  return DEMO_PEOPLE.map((p) => ({
    id: p.slackUserId,
    name: p.name,
    realName: p.realName,
    email: p.email,
    ...(p.guest && { isRestricted: true }),
  }));
}

export function demoJumpCloudSeed(): JumpCloudSeed {
  return {
    users: DEMO_PEOPLE.flatMap((p) => {
      if (p.jumpcloudUserId === undefined) return [];
      const [firstname = p.realName, ...rest] = p.realName.split(' ');
      return [{ id: p.jumpcloudUserId, email: p.email, username: p.name, firstname, lastname: rest.join(' ') }];
    }),
    groups: Object.values(DEMO_GROUPS).map((g) => ({ ...g, membershipMethod: 'STATIC' as const })),
    memberships: STANDING.flatMap(([groupId, names]) =>
      names.map((name) => ({ groupId, userId: person(name).jumpcloudUserId })),
    ),
  };
}
