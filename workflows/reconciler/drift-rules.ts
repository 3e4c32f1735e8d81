import { type FoundDrift, type GroupInspection, type OpenDrift, type ReconcilerConfig } from './reconciler-types';

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

/** A run removes at most this many members of one group unless the policy says otherwise: more means misconfiguration. */
export const DEFAULT_MAX_DRIFT_REMOVALS = 3;

/**
 * Why this run removes none of the group's unexplained members, or undefined: the brakes on onDrift: remove. The run
 * after a group switches to remove only reports (what it would remove is then seen before it happens); a group with a
 * standing member who matches no JumpCloud user would lose that person; more removals than the group's cap in one run
 * means a misconfiguration, not drift.
 */
export function removalHold(check: {
  wasRemoving: boolean;
  unresolvedStanding: readonly string[];
  toRemove: number;
  maxRemovals: number;
}): string | undefined {
  if (check.unresolvedStanding.length > 0) {
    return `standing members that match no JumpCloud user: ${check.unresolvedStanding.join(', ')}; fix the policy`;
  }
  if (!check.wasRemoving) return 'the group has just switched to onDrift: remove, and this first run only reports';
  if (check.toRemove > check.maxRemovals) {
    return `${check.toRemove} members to remove is over the group's maxDriftRemovals of ${check.maxRemovals}`;
  }
  return undefined;
}

/**
 * For each group in remove mode inspected this run, why its removals are held back this run (removalHold), if they
 * are. A group whose read failed removes nothing anyway: its drift was not looked at.
 */
export function removalHolds(
  config: ReconcilerConfig,
  inspections: readonly GroupInspection[],
  open: readonly OpenDrift[],
  removingBefore: readonly string[],
): Map<string, string | undefined> {
  const holds = new Map<string, string | undefined>();
  for (const group of config.groups) {
    if (group.onDrift !== 'remove') continue;
    const inspection = inspections.find((i) => i.groupId === group.id);
    if (!inspection) {
      holds.set(group.id, 'its members could not be read this run');
      continue;
    }
    // A membership an approver kept is not for removal, and does not count towards the cap.
    const toRemove = open.filter((d) => d.groupId === group.id && d.kind === 'unexplained-member' && !d.kept).length;
    holds.set(
      group.id,
      removalHold({
        wasRemoving: removingBefore.includes(group.id),
        unresolvedStanding: inspection.unresolvedStanding ?? [],
        toRemove,
        maxRemovals: group.maxRemovalsPerRun ?? DEFAULT_MAX_DRIFT_REMOVALS,
      }),
    );
  }
  return holds;
}
