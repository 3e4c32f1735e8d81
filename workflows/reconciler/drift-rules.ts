import { type FoundDrift, type GroupInspection, type OpenDrift } from './reconciler-types';

/** The same access problem across runs: one kind, one user, one group. */
export function driftKey(drift: Pick<FoundDrift, 'kind' | 'groupId' | 'userId'>): string {
  return `${drift.kind}:${drift.groupId}:${drift.userId}`;
}

export interface DriftComparison {
  /** Found now, not open before: new. */
  opened: FoundDrift[];
  /** Open before and either found again, or in a group this run could not inspect. */
  stillOpen: OpenDrift[];
  /** Open before, in a group inspected this run, and not found again: the access problem is gone. */
  ended: OpenDrift[];
}

/**
 * Compares one run's inspections with the drift open before it. A group whose inspection failed says nothing:
 * its drift is neither opened nor ended, so an outage never produces or silences an alert.
 */
export function compareDrift(open: readonly OpenDrift[], inspections: readonly GroupInspection[]): DriftComparison {
  const inspected = new Set(inspections.map((i) => i.groupId));
  const found = new Map(inspections.flatMap((i) => i.drift).map((d) => [driftKey(d), d]));
  const openKeys = new Set(open.map(driftKey));
  return {
    opened: [...found.values()].filter((d) => !openKeys.has(driftKey(d))),
    stillOpen: open.filter((d) => !inspected.has(d.groupId) || found.has(driftKey(d))),
    ended: open.filter((d) => inspected.has(d.groupId) && !found.has(driftKey(d))),
  };
}

/** Why this configuration cannot run, or undefined. */
export function reconcilerConfigProblem(config: { intervalSeconds: number; securityChannel: string }) {
  if (!Number.isFinite(config.intervalSeconds) || config.intervalSeconds <= 0) {
    return 'the reconcile interval must be a positive number of seconds';
  }
  if (config.securityChannel.trim() === '') return 'a security channel is required';
  return undefined;
}
