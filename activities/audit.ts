import { activityInfo, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type AuditSink } from '../integrations/audit/audit-sinks';
import { type AuditEvent, type AuditRecordRef, type AuditSinkName } from '../workflows/audit/audit-types';
import { auditSinkFailure } from './failures';

/** The audit trail's side effects: one call writes one event to one sink; Temporal owns the retries. */
export function createAuditActivities(sinks: readonly AuditSink[]) {
  return {
    /** Which sinks this worker writes to (its configuration decides; none is a valid answer). */
    async auditSinks(): Promise<AuditSinkName[]> {
      return sinks.map((sink) => sink.name);
    },

    /**
     * Writes `event` to `sinkName`; returns the record the sink keeps for the event's grant or drift, so later events
     * update it. After a failed attempt the sink first looks for a record the lost attempt may have created.
     */
    async recordAuditEvent(
      sinkName: AuditSinkName,
      event: AuditEvent,
      existing: AuditRecordRef | undefined,
    ): Promise<AuditRecordRef | undefined> {
      const sink = sinks.find((s) => s.name === sinkName);
      if (!sink) {
        // Retryable: during a rolling deploy another worker may have the sink configured.
        throw ApplicationFailure.retryable(
          `The audit sink ${sinkName} is not configured on this worker`,
          'AuditSinkMissing',
        );
      }
      try {
        const ref = await sink.write(event, existing, activityInfo().attempt > 1);
        log.info('Audit event recorded', {
          sink: sinkName,
          event: `${event.subject}.${event.kind}`,
          record: ref?.label,
        });
        return ref;
      } catch (err) {
        throw auditSinkFailure(err);
      }
    },
  };
}
