import { createHash } from 'node:crypto';
import { type AuditSinkSettings } from '../../config/audit-env';
import { formatDuration } from '../../config/durations';
import { type AuditEvent, type AuditRecordRef, type AuditSinkName } from '../../workflows/audit/audit-types';
import { type AdfDoc, bulletList, doc, heading, labelled, paragraph } from '../jira/adf';
import { JiraClient } from '../jira/jira-client';
import { ServiceNowClient } from '../servicenow/servicenow-client';
import {
  auditEventId,
  auditEventType,
  auditSubjectId,
  driftTitle,
  eventSentence,
  grantRecordOf,
  grantTitle,
  isFinalEvent,
  serviceNowFields,
  webhookPayload,
} from './audit-payload';
import { WebhookClient } from './webhook-client';

/** One system of record. `write` is called once per event, in order, and again (with `retrying`) after a failure. */
export interface AuditSink {
  readonly name: AuditSinkName;
  /**
   * Writes `event`; returns the record kept for its grant or drift (`existing` when there was one), or undefined for
   * a sink without records. When `retrying`, or when there is no `existing` record for an event that should have one,
   * the sink first looks for the record a lost earlier attempt may have created, so no subject gets two. Once `signal`
   * aborts, no further request is sent: the caller has given the event up and a later event may be writing.
   */
  write(
    event: AuditEvent,
    existing: AuditRecordRef | undefined,
    retrying: boolean,
    signal?: AbortSignal,
  ): Promise<AuditRecordRef | undefined>;
}

/** One row per grant (or drift) in the configured table: created by the first event, updated by every later one. */
export function serviceNowSink(client: ServiceNowClient): AuditSink {
  return {
    name: 'servicenow',
    async write(event, existing, retrying, signal) {
      const fields = serviceNowFields(event);
      let ref = existing;
      if (!ref && (retrying || !isFirstEvent(event))) {
        const found = await client.findRecord('u_subject_id', auditSubjectId(event), signal);
        if (found) ref = { id: found.sysId, label: found.number, url: client.recordUrl(found.sysId) };
      }
      if (ref) {
        await client.updateRecord(ref.id, fields, signal);
        return ref;
      }
      const created = await client.createRecord(fields, signal);
      return { id: created.sysId, label: created.number, url: client.recordUrl(created.sysId) };
    },
  };
}

/**
 * One issue per grant (or drift): created by the first event with the request in its description, a comment for
 * every later event, and (optional) the `doneTransition` when the subject ends. A comment whose answer was lost is
 * repeated on retry: Jira has no idempotency key for comments.
 */
export function jiraSink(client: JiraClient, options: { doneTransition?: string } = {}): AuditSink {
  return {
    name: 'jira',
    async write(event, existing, retrying, signal) {
      const label = jiraSubjectLabel(auditSubjectId(event));
      let ref = existing;
      if (!ref && (retrying || !isFirstEvent(event))) {
        const found = await client.findIssueByLabel(label, signal);
        if (found) ref = { id: found.key, label: found.key, url: client.issueUrl(found.key) };
      }
      if (!ref) {
        const created = await client.createIssue(
          {
            summary: event.subject === 'grant' ? grantTitle(event) : driftTitle(event),
            description: jiraDescription(event),
            labels: ['jit-access', label],
          },
          signal,
        );
        ref = { id: created.key, label: created.key, url: client.issueUrl(created.key) };
      } else if (!(retrying && isFirstEvent(event))) {
        await client.addComment(ref.id, doc(paragraph(`${auditEventType(event)}: ${eventSentence(event)}`)), signal);
      }
      if (options.doneTransition && isFinalEvent(event))
        await client.transition(ref.id, options.doneTransition, signal);
      return ref;
    },
  };
}

/** One signed POST per event; no record to keep. */
export function webhookSink(client: WebhookClient): AuditSink {
  return {
    name: 'webhook',
    async write(event, _existing, _retrying, signal) {
      await client.send(auditEventId(event), webhookPayload(event), signal);
      return undefined;
    },
  };
}

/** The event that creates a subject's record: a later one arriving without a record means an earlier one was lost. */
function isFirstEvent(event: AuditEvent): boolean {
  if (event.subject === 'drift') return event.kind !== 'ended';
  return event.sequence === 1;
}

/** The Jira label naming a subject (see auditSubjectId): labels allow no spaces; the hash keeps it short and stable. */
export function jiraSubjectLabel(subjectId: string): string {
  return `jit-${createHash('sha256').update(subjectId).digest('hex').slice(0, 16)}`;
}

function jiraDescription(event: AuditEvent): AdfDoc {
  if (event.subject === 'drift') {
    const d = event.drift;
    return doc(
      heading(3, driftTitle(event)),
      labelled('User', `${d.email ?? ''} (JumpCloud ${d.userId})`),
      labelled('Group', `${event.groupName} (${d.groupId})`),
      labelled('First seen', d.since),
      ...(d.grantWorkflowId ? [labelled('Grant', d.grantWorkflowId)] : []),
      paragraph(eventSentence(event)),
    );
  }
  const r = grantRecordOf(event);
  const g = event.grant;
  return doc(
    heading(3, grantTitle(event)),
    labelled('Requester', `${r.requesterEmail} (Slack ${r.requesterSlackUserId})`),
    labelled('Group', `${r.groupName ?? ''} (${r.groupId})`),
    labelled('Duration', formatDuration(r.durationSeconds ?? 0)),
    labelled('Justification', r.justification ?? ''),
    labelled('Approvers', g.approvers.join(', ')),
    labelled('Approvals needed', String(g.requiredApprovals)),
    labelled('Temporal workflow', `${event.workflowId} (run ${event.runId})`),
    bulletList([`${auditEventType(event)}: ${eventSentence(event)}`]),
  );
}

/** The sinks the worker's configuration names, each with its client built once. */
export function createAuditSinks(settings: AuditSinkSettings): AuditSink[] {
  const sinks: AuditSink[] = [];
  if (settings.serviceNow) sinks.push(serviceNowSink(new ServiceNowClient(settings.serviceNow)));
  if (settings.jira) {
    const { doneTransition, ...jira } = settings.jira;
    sinks.push(jiraSink(new JiraClient(jira), { doneTransition }));
  }
  if (settings.webhook) sinks.push(webhookSink(new WebhookClient(settings.webhook)));
  return sinks;
}
