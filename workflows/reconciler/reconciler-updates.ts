import { defineQuery, defineSignal } from '@temporalio/workflow';
import { type ReconcilerConfig, type ReconcilerState } from './reconciler-types';

/** A new configuration (a redeployed worker's policy and interval); it applies from the next run. */
export const configureReconcilerSignal = defineSignal<[ReconcilerConfig]>('configure');

export const reconcilerStateQuery = defineQuery<ReconcilerState>('reconcilerState');
