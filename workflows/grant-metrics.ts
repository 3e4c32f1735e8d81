/**
 * The grant workflow's and the reconciler's own metrics. They go through the worker's Runtime, so they are served by
 * the same Prometheus endpoint as the SDK's (worker/config.ts); deploy/prometheus/README.md lists them.
 *
 * Deterministic: emitting a metric is a sink call, not a command, and the SDK skips it while replaying, so a value is
 * counted once however often its history is replayed. Names follow Prometheus conventions as exported: the exporter
 * appends `_total` to counters (countersTotalSuffix), so counters are named here without it. The SDK adds the
 * labels `namespace`, `taskQueue` and `workflowType`.
 */
import * as wf from '@temporalio/workflow';
import type { GrantState, GrantStatus } from './grant/grant-types';
import type { ReconcileRun } from './reconciler/reconciler-types';

const APPROVAL_TO_MEMBERSHIP = 'jit_grant_approval_to_membership_seconds';
const REVOCATION_LAG = 'jit_grant_revocation_lag_seconds';

/** Bucket bounds (seconds) of the histograms above; the SDK's defaults are meant for sub-10-second latencies. */
export const grantHistogramBuckets: Record<string, number[]> = {
  [APPROVAL_TO_MEMBERSHIP]: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
  [REVOCATION_LAG]: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
};

const ENDED: ReadonlySet<GrantStatus> = new Set<GrantStatus>([
  'EXPIRED',
  'REVOKED',
  'REJECTED',
  'TIMED_OUT',
  'CANCELLED',
  'ALREADY_MEMBER',
  'FAILED',
]);

/** Counts the transition the grant has just made to `state.status`, with the latency it completes. */
export function recordGrantTransition(
  state: Pick<GrantState, 'status' | 'decidedAt' | 'grantedAt' | 'expiresAt' | 'endedAt'>,
): void {
  const meter = wf.metricMeter;
  const { status } = state;
  if (status === 'PENDING_APPROVAL') {
    meter.createCounter('jit_grants_started', undefined, 'Grant requests started').add(1);
  }
  if (status === 'APPROVED' || status === 'REJECTED') {
    meter
      .createCounter('jit_grants_decided', undefined, 'Grant requests decided, by decision')
      .add(1, { decision: status === 'APPROVED' ? 'approve' : 'reject' });
  }
  if (status === 'ACTIVE') {
    meter.createCounter('jit_grants_granted', undefined, 'Memberships added by a grant').add(1);
    const seconds = secondsBetween(state.decidedAt, state.grantedAt);
    if (seconds !== undefined) {
      meter
        .createHistogram(APPROVAL_TO_MEMBERSHIP, 'float', 's', 'From the approval to the membership being added')
        .record(seconds);
    }
  }
  if (status === 'EXPIRED') {
    const seconds = secondsBetween(state.expiresAt, state.endedAt);
    if (seconds !== undefined) {
      meter
        .createHistogram(REVOCATION_LAG, 'float', 's', 'From a grant expiring to its membership being removed')
        .record(seconds);
    }
  }
  if (ENDED.has(status)) {
    meter.createCounter('jit_grants_ended', undefined, 'Grants ended, by final status').add(1, { status });
  }
}

/** A Slack message (or drift alert) that was retried until its budget ran out and then dropped. */
export function countNotificationGivenUp(): void {
  wf.metricMeter.createCounter('jit_notifications_given_up', undefined, 'Slack notifications given up').add(1);
}

/** An audit event a sink kept refusing until its budget ran out: that sink's record misses it. */
export function countAuditRecordGivenUp(sink: string): void {
  wf.metricMeter
    .createCounter('jit_audit_records_given_up', undefined, 'Audit events given up, by sink')
    .withTags({ sink })
    .add(1);
}

/** What one reconciler run found, and the drift it leaves open. */
export function recordReconcileRun(run: ReconcileRun, openDrift: number): void {
  const meter = wf.metricMeter;
  meter.createCounter('jit_reconciler_runs', undefined, 'Reconciler runs').add(1);
  meter
    .createCounter('jit_reconciler_group_errors', undefined, 'Policy groups the reconciler could not read in a run')
    .add(run.errors.length);
  meter
    .createCounter('jit_reconciler_drift_found', undefined, 'Drift seen, summed over runs (open drift counts each run)')
    .add(run.driftFound);
  meter.createCounter('jit_reconciler_drift_removed', undefined, 'Unexplained memberships removed').add(run.removed);
  meter.createGauge('jit_reconciler_drift_open', 'int', undefined, 'Drift open after the latest run').set(openDrift);
}

/** Seconds from `from` to `to` (ISO 8601), never negative; undefined when either is missing. */
function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}
