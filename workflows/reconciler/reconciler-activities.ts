import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { membershipChangeOptions } from '../activity-options';
import { type ReconcilerConfig } from './reconciler-types';

/** Reads are retried within the interval; a group still failing then is an error of this run, not of the sweep. */
export function inspectActivities(config: ReconcilerConfig) {
  return wf.proxyActivities<Activities>({
    startToCloseTimeout: '60 seconds',
    scheduleToCloseTimeout: `${Math.max(config.intervalSeconds, 10)} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  });
}

/** The grant's own verified removal, bounded by the interval: what fails now is tried again next run. */
export function removalActivities(config: ReconcilerConfig) {
  return wf.proxyActivities<Activities>({
    ...membershipChangeOptions(config.timing?.membershipRetryMaxIntervalSeconds),
    scheduleToCloseTimeout: `${Math.max(config.intervalSeconds, 10)} seconds`,
  });
}

/** A Directory Insights read: one page, retried within the follow interval; what still fails waits for the next. */
export function followActivities(followSeconds: number) {
  return wf.proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: `${Math.max(followSeconds, 10)} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  });
}

/** The reconciler's configuration from the worker's policy: a local activity, since it reads the worker's memory. */
export function settingsActivities(config: ReconcilerConfig) {
  return wf.proxyLocalActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    scheduleToCloseTimeout: `${Math.max(config.intervalSeconds, 10)} seconds`,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  });
}
