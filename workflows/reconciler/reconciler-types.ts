/** Types of the reconciler: the sweep that finds JIT-group access no grant explains. Pure data: no I/O. */

export type DriftAction = 'report' | 'remove';

/** One policy group as the reconciler checks it. */
export interface ReconciledGroup {
  id: string;
  name: string;
  onDrift: DriftAction;
  /** JumpCloud user IDs or emails of members who hold the group without a grant, by policy. */
  standingMembers: string[];
  /** With onDrift: remove, the most members one run removes (the guarded-reconciler patch); more: none, and an alert. */
  maxRemovalsPerRun?: number;
}

export interface ReconcilerConfig {
  /** Seconds between sweeps when the reconciler does not follow Directory Insights (or it is unavailable). */
  intervalSeconds: number;
  /**
   * Follow JumpCloud Directory Insights (the drift-events patch): every `followSeconds` the membership changes since
   * the last look are read, and each group they touch is inspected at once, the alert naming who made the change. The
   * sweep then runs every `sweepSeconds` as the backstop. Absent: sweeps only.
   */
  events?: { followSeconds: number; sweepSeconds: number };
  /** Where drift alerts go. */
  securityChannel: string;
  groups: ReconciledGroup[];
  /** Retry pacing, as in a grant; tests shorten it. */
  timing?: {
    membershipRetryMaxIntervalSeconds?: number;
    notificationBudgetSeconds?: number;
    auditBudgetSeconds?: number;
  };
}

/**
 * Access no grant explains. `unexplained-member`: in the group, not standing, no running grant (a hand-made
 * membership, a terminated grant, a grant that ended but whose member is back). `missing-member`: an active grant
 * whose member is not in the group (removed outside the system); reported, never re-added.
 */
export type DriftKind = 'unexplained-member' | 'missing-member';

/** What one inspection of a group found; the activity has already ruled out races with grants in flight. */
export interface FoundDrift {
  kind: DriftKind;
  groupId: string;
  userId: string;
  /** For people reading the alert; may be missing when JumpCloud did not say. */
  email?: string;
  /** The grant involved, for a missing member. */
  grantWorkflowId?: string;
  /** Who made the change that opened it, from Directory Insights (absent when a sweep found it). */
  madeBy?: ChangeMadeBy;
}

/** The failure type of a Directory Insights read that cannot work until an operator acts (no access, not set up). */
export const INSIGHTS_UNAVAILABLE = 'InsightsUnavailable';

/** A membership change's author as Directory Insights names them. */
export interface ChangeMadeBy {
  op: 'add' | 'remove';
  id?: string;
  email?: string;
  /** `session` (the admin console) or `api_key` */
  authMethod?: string;
  clientIp?: string;
  /** ISO 8601 */
  at: string;
}

/** One membership change of a policy group, as the reconciler's activity reads it from Directory Insights. */
export interface MembershipChangeSeen {
  groupId: string;
  userId: string;
  madeBy: ChangeMadeBy;
}

/** Where the reconciler is in Directory Insights; carried across continue-as-new. */
export interface EventsPosition {
  /** The first look: nothing earlier is read. ISO 8601. */
  since: string;
  /** The `search_after` of the last page read. */
  cursor?: string[];
  changesSeen: number;
  /** Why Directory Insights cannot be read (a permanent answer such as 403), while it cannot. */
  unavailable?: string;
  /** When the next sweep is due (epoch ms), handed to the next execution at continue-as-new. */
  sweepDueAt?: number;
}

export interface OpenDrift extends FoundDrift {
  /** ISO 8601: the run that first saw it. */
  since: string;
  /** True once the security channel was told (or, with onDrift: remove, the removal was reported). */
  alerted: boolean;
  /** An approver kept this membership: it is neither alerted nor removed again until it changes. */
  kept?: DriftKept;
}

/** Who kept an unexplained membership, why, and when. */
export interface DriftKept {
  bySlackUserId: string;
  reason: string;
  /** ISO 8601 */
  at: string;
}

/**
 * An approver's answer to a drift alert (Remove now / Keep): the member removed at once, with the same fresh look as
 * the reconciler's own removals, or kept with a reason.
 */
export interface DriftDecision {
  action: 'remove' | 'keep';
  groupId: string;
  userId: string;
  bySlackUserId: string;
  /** Why the membership stays (keep). */
  reason?: string;
}

/** `gone`: by the time the decision ran, the membership was explained or no longer there; nothing was changed. */
export interface DriftDecisionResult {
  outcome: 'removed' | 'kept' | 'gone';
}

/** The failure type of a drift decision the worker's policy does not allow: the clicker is no approver of the group. */
export const DRIFT_DECISION_REFUSED = 'DriftDecisionRefused';

/** How long a Keep's reason is, in characters. */
export const KEEP_REASON_LENGTH = { min: 10, max: 500 } as const;

export interface GroupInspection {
  groupId: string;
  members: number;
  drift: FoundDrift[];
  /** Standing-member emails that match no JumpCloud user: that person would look like drift, so removals stop. */
  unresolvedStanding?: string[];
}

export interface ReconcileRun {
  startedAt: string;
  finishedAt: string;
  groupsChecked: number;
  members: number;
  driftFound: number;
  removed: number;
  /** Groups whose inspection failed this run: their drift stays as it was, neither opened nor ended. */
  errors: Array<{ groupId: string; error: string }>;
}

/** Carried across continue-as-new, readable by the query, and in the Web UI. */
export interface ReconcilerState {
  config: ReconcilerConfig;
  runs: number;
  openDrift: OpenDrift[];
  lastRun?: ReconcileRun;
  /** The latest runs, newest last (a handful, so the state stays small). */
  recentRuns: ReconcileRun[];
  alertFailures: number;
  /** Drift events an audit sink kept refusing until its budget ran out (absent before the audit trail existed). */
  auditFailures?: number;
  /**
   * The groups that were in remove mode in the last run (the guarded-reconciler patch): a group that switches to it
   * has a run that only reports first.
   */
  removingGroups?: string[];
  /** Directory Insights, when followed (the drift-events patch). */
  events?: EventsPosition;
}

/** Directory Insights cannot be read (`unavailable`, with why, and the sweep interval used meanwhile), or can again. */
export type InsightsNotice =
  { state: 'unavailable'; reason: string; sweepSeconds: number } | { state: 'restored'; followSeconds: number };

/** One message to the security channel: a drift first seen, removed, not removable yet, held back, or gone. */
export interface DriftAlert {
  event: 'found' | 'removed' | 'removal-failing' | 'removal-held' | 'kept' | 'ended';
  drift: OpenDrift;
  /** The approver who removed (Remove now) or kept the membership; absent when the reconciler acted on its own. */
  bySlackUserId?: string;
  /** Why a removal was held back (event removal-held). */
  reason?: string;
  groupName: string;
  /** ISO 8601 */
  at: string;
}
