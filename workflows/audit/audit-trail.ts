import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { type AuditEvent, type AuditRecordRef, type AuditRecords, type AuditSinkName } from './audit-types';
import { failureMessage } from '../failure-message';
import { countAuditRecordGivenUp } from '../grant-metrics';
import { type LocalFirst, QUICK_LOCAL_ATTEMPT } from '../local-first';

const DEFAULT_AUDIT_BUDGET_SECONDS = 24 * 3600;

export interface AuditTrailOptions {
  budgetSeconds?: number;
  /** Where the audit activities run; omitted = the workflow's own task queue (grants started before the split). */
  taskQueue?: string;
  /** Given: which sinks are configured is asked through it, as a local activity first; else as an activity. */
  localFirst?: LocalFirst;
  /** The records created so far, read when each event is sent (a later event updates the record an earlier one made). */
  records: () => AuditRecords;
  /** A sink created its record for this subject. */
  onRecord: (sink: AuditSinkName, ref: AuditRecordRef) => void;
  /** A sink kept failing until the budget ran out: the event is lost to that sink (counted, logged). */
  onGivenUp: (sink: AuditSinkName | 'any', event: AuditEvent, error: string) => void;
}

export interface AuditTrail {
  /** Sends `event` to every configured sink in the background; never awaited by the caller. */
  record(event: AuditEvent): void;
  /** Resolves once every event recorded so far has reached its sinks or been given up. */
  settled(): Promise<void>;
  /** True when every event recorded so far has reached its sinks or been given up: `settled` would resolve now. */
  idle(): boolean;
}

/**
 * The audit sinks, driven from a workflow like its Slack messages: in the background, in order per sink, each event
 * retried within a budget. One chain per sink, so a sink that is down holds up neither the others nor the grant.
 */
export function createAuditTrail(options: AuditTrailOptions): AuditTrail {
  const budget = options.budgetSeconds ?? DEFAULT_AUDIT_BUDGET_SECONDS;
  const activities = wf.proxyActivities<Activities>({
    ...(options.taskQueue && { taskQueue: options.taskQueue }),
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: `${budget} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
  });
  const local = wf.proxyLocalActivities<Activities>(QUICK_LOCAL_ATTEMPT);
  const asking = { summary: 'which audit sinks are configured' };
  const askSinks = (): Promise<AuditSinkName[]> => {
    const remote = () => activities.auditSinks.executeWithOptions(asking, []);
    if (!options.localFirst) return remote();
    return options.localFirst(() => local.auditSinks.executeWithOptions(asking, []), remote);
  };
  let sinks: Promise<AuditSinkName[]> | undefined;
  // Every `then` on `sinks` runs in the order it was registered, so each sink's chain receives events in order.
  let appended: Promise<void> = Promise.resolve();
  const chains = new Map<AuditSinkName, Promise<void>>();
  let outstanding = 0;

  function record(event: AuditEvent): void {
    outstanding += 1;
    sinks ??= askSinks().catch((err: unknown) => {
      options.onGivenUp('any', event, failureMessage(err));
      return [];
    });
    appended = sinks.then((names) => {
      const deliveries: Array<Promise<void>> = [];
      for (const sink of names) {
        const previous = chains.get(sink) ?? Promise.resolve();
        const next = previous
          .then(() =>
            activities.recordAuditEvent.executeWithOptions({ summary: `${sink}: ${describe(event)}` }, [
              sink,
              event,
              options.records()[sink],
            ]),
          )
          .then(
            (ref) => {
              if (ref && !options.records()[sink]) options.onRecord(sink, ref);
            },
            (err: unknown) => {
              countAuditRecordGivenUp(sink);
              options.onGivenUp(sink, event, failureMessage(err));
            },
          );
        chains.set(sink, next);
        deliveries.push(next);
      }
      void Promise.all(deliveries).then(() => {
        outstanding -= 1;
      });
    });
  }

  async function settled(): Promise<void> {
    await appended;
    await Promise.all(chains.values());
  }

  return { record, settled, idle: () => outstanding === 0 };
}

function describe(event: AuditEvent): string {
  return `${event.subject}.${event.kind}`;
}
