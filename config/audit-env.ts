import { z } from 'zod';
import { outboundUrl } from './env';

/**
 * The audit sinks' variables (each sink optional). Every sink is all-or-nothing: a variable set without the others
 * it needs is named in the error, so a half-configured sink never silently records nothing.
 */
export const auditSinkEnv = {
  SERVICENOW_INSTANCE_URL: outboundUrl('the instance, such as https://example.service-now.com').optional(),
  SERVICENOW_TABLE: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]+$/, 'must be a table name such as u_jit_access_grant')
    .default('u_jit_access_grant'),
  SERVICENOW_USERNAME: z.string().trim().min(1).optional(),
  SERVICENOW_PASSWORD: z.string().min(1).optional(),
  SERVICENOW_TOKEN: z.string().trim().min(1).optional(),
  JIRA_BASE_URL: outboundUrl('the site, such as https://example.atlassian.net').optional(),
  JIRA_EMAIL: z.string().trim().min(1).optional(),
  JIRA_API_TOKEN: z.string().trim().min(1).optional(),
  JIRA_PROJECT_KEY: z
    .string()
    .trim()
    .regex(/^[A-Z][A-Z0-9_]+$/, 'must be a Jira project key such as SEC')
    .optional(),
  JIRA_ISSUE_TYPE: z.string().trim().min(1).default('Task'),
  JIRA_DONE_TRANSITION: z.string().trim().min(1).optional(),
  AUDIT_WEBHOOK_URL: outboundUrl('where audit events are POSTed').optional(),
  AUDIT_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters (the HMAC key)').optional(),
};

type AuditSinkEnv = z.infer<z.ZodObject<typeof auditSinkEnv>>;

export interface AuditSinkSettings {
  serviceNow?: {
    instanceUrl: string;
    table: string;
    auth: { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };
  };
  jira?: {
    baseUrl: string;
    email: string;
    apiToken: string;
    projectKey: string;
    issueType: string;
    doneTransition?: string;
  };
  webhook?: { url: string; secret: string };
}

/** What is missing or contradictory, by variable; empty when every configured sink is whole. */
export function auditSinkProblems(env: AuditSinkEnv): Array<{ variable: string; message: string }> {
  const problems: Array<{ variable: string; message: string }> = [];
  const need = (variable: keyof AuditSinkEnv, because: string) => {
    if (env[variable] === undefined) problems.push({ variable, message: `is required when ${because} is set` });
  };

  const serviceNowSet = (['SERVICENOW_USERNAME', 'SERVICENOW_PASSWORD', 'SERVICENOW_TOKEN'] as const).filter(
    (v) => env[v] !== undefined,
  );
  if (env.SERVICENOW_INSTANCE_URL === undefined) {
    for (const v of serviceNowSet) need('SERVICENOW_INSTANCE_URL', v);
  } else if (env.SERVICENOW_TOKEN !== undefined) {
    if (env.SERVICENOW_USERNAME !== undefined || env.SERVICENOW_PASSWORD !== undefined) {
      problems.push({
        variable: 'SERVICENOW_TOKEN',
        message: 'set either SERVICENOW_TOKEN (OAuth) or SERVICENOW_USERNAME and SERVICENOW_PASSWORD (basic), not both',
      });
    }
  } else if (env.SERVICENOW_USERNAME !== undefined || env.SERVICENOW_PASSWORD !== undefined) {
    need('SERVICENOW_USERNAME', 'SERVICENOW_PASSWORD');
    need('SERVICENOW_PASSWORD', 'SERVICENOW_USERNAME');
  } else {
    problems.push({
      variable: 'SERVICENOW_USERNAME',
      message: 'is required with SERVICENOW_PASSWORD (or set SERVICENOW_TOKEN) when SERVICENOW_INSTANCE_URL is set',
    });
  }

  const jira = ['JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_PROJECT_KEY'] as const;
  const jiraSet = [...jira, 'JIRA_DONE_TRANSITION' as const].find((v) => env[v] !== undefined);
  if (jiraSet) for (const v of jira) need(v, jiraSet);

  if (env.AUDIT_WEBHOOK_URL !== undefined) need('AUDIT_WEBHOOK_SECRET', 'AUDIT_WEBHOOK_URL');
  if (env.AUDIT_WEBHOOK_SECRET !== undefined) need('AUDIT_WEBHOOK_URL', 'AUDIT_WEBHOOK_SECRET');
  return problems;
}

/** The configured sinks; call only when auditSinkProblems found none. */
export function auditSinkSettings(env: AuditSinkEnv): AuditSinkSettings {
  const settings: AuditSinkSettings = {};
  if (env.SERVICENOW_INSTANCE_URL !== undefined) {
    settings.serviceNow = {
      instanceUrl: env.SERVICENOW_INSTANCE_URL,
      table: env.SERVICENOW_TABLE,
      auth:
        env.SERVICENOW_TOKEN !== undefined
          ? { kind: 'bearer', token: env.SERVICENOW_TOKEN }
          : { kind: 'basic', username: env.SERVICENOW_USERNAME ?? '', password: env.SERVICENOW_PASSWORD ?? '' },
    };
  }
  if (env.JIRA_BASE_URL !== undefined) {
    settings.jira = {
      baseUrl: env.JIRA_BASE_URL,
      email: env.JIRA_EMAIL ?? '',
      apiToken: env.JIRA_API_TOKEN ?? '',
      projectKey: env.JIRA_PROJECT_KEY ?? '',
      issueType: env.JIRA_ISSUE_TYPE,
      doneTransition: env.JIRA_DONE_TRANSITION,
    };
  }
  if (env.AUDIT_WEBHOOK_URL !== undefined && env.AUDIT_WEBHOOK_SECRET !== undefined) {
    settings.webhook = { url: env.AUDIT_WEBHOOK_URL, secret: env.AUDIT_WEBHOOK_SECRET };
  }
  return settings;
}
