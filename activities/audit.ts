import { Context, activityInfo, log } from '@temporalio/activity';
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
      const attempt = attemptDeadline();
      try {
        const ref = await sink.write(event, existing, activityInfo().attempt > 1, attempt.signal);
        log.info('Audit event recorded', {
          sink: sinkName,
          event: `${event.subject}.${event.kind}`,
          record: ref?.label,
        });
        return ref;
      } catch (err) {
        throw auditSinkFailure(err);
      } finally {
        attempt.done();
      }
    },
  };
}

/**
 * A signal that aborts when this attempt's time is up: the server's schedule-to-close or start-to-close deadline,
 * whichever comes first, or a cancellation. The server gives an attempt up without telling the worker, and the
 * workflow then sends the subject's next event; an attempt still running (late off a busy queue) would race it and
 * create a second record.
 */
function attemptDeadline(): { signal: AbortSignal; done: () => void } {
  const info = activityInfo();
  const startedAt = Date.now();
  // A timeout of 0 is one the workflow did not set.
  const deadlines: number[] = [];
  if (info.startToCloseTimeoutMs > 0) deadlines.push(startedAt + info.startToCloseTimeoutMs);
  if (info.scheduleToCloseTimeoutMs > 0) deadlines.push(info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs);
  const controller = new AbortController();
  const timeUp = () => controller.abort(new DOMException("The audit attempt's time is up", 'AbortError'));
  const cancelled = Context.current().cancellationSignal;
  cancelled.addEventListener('abort', timeUp, { once: true });
  const remainingMs = deadlines.length > 0 ? Math.min(...deadlines) - startedAt : undefined;
  if (remainingMs !== undefined && remainingMs <= 0) timeUp();
  const timer = remainingMs !== undefined && remainingMs > 0 ? setTimeout(timeUp, remainingMs) : undefined;
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', timeUp);
    },
  };
}
