import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  type DriftDecision,
  type DriftDecisionResult,
  type ReconcilerConfig,
  type ReconcilerState,
} from './reconciler-types';

/** A new configuration (a redeployed worker's policy and interval); it applies from the next run. */
export const configureReconcilerSignal = defineSignal<[ReconcilerConfig]>('configure');

export const reconcilerStateQuery = defineQuery<ReconcilerState>('reconcilerState');

/** Remove now / Keep on a drift alert; the worker checks the approver against its policy before anything changes. */
export const decideDriftUpdate = defineUpdate<DriftDecisionResult, [DriftDecision]>('decideDrift');
