/**
 * Where a grant's revocation lag goes, read from the history of the run that removed the access: the expiry timer
 * starts when a workflow task completes, fires (late or not) on the server, and the removal follows. Splitting the lag
 * this way tells a slow server (late timers) from a slow worker (late tasks) and from the grant's own steps. The lag
 * is the sum of three parts: the timer's due time after `expiresAt`, its firing after that due time, and fired → remove.
 */
import { type Client } from '@temporalio/client';
import { type History } from '@temporalio/common/lib/proto-utils';
import { mapLimit, ms, summarize } from './burst-world';

export interface LagParts {
  /**
   * The expiry timer that fired started this long after `grantedAt`: the task that granted access took this long to
   * complete or, for a grant that handed off (the current run continued from the first), until the current run started
   * its own timer. Both runs wait for the same `expiresAt`, so this part never adds to the lag.
   */
  timerStartMs: number;
  /**
   * The timer's due time after `expiresAt`. A workflow computes the timer's length from its clock, which is the start
   * of the workflow task, but the server starts the timer when the task completes: the task's run time is added here.
   */
  timerDueMs: number;
  /** The timer fired this long after its due time. */
  timerFireMs: number;
  /** From the timer firing to the JumpCloud stand-in's receipt of the remove: the four parts below. */
  afterFireMs: number;
  /** Fired → the worker picked up the workflow task: the wait in the task queue. */
  taskWaitMs: number;
  /** The workflow task, picked up → completed (the removal scheduled): the worker's time on it. */
  taskRunMs: number;
  /** Removal scheduled → its activity picked up; 0 for a removal run as a local activity inside the task. */
  activityWaitMs: number;
  /** Activity picked up (or the local activity scheduled) → the remove received by the stand-in. */
  activityRunMs: number;
}

type HistoryEvent = NonNullable<History['events']>[number];

/**
 * One grant's parts; undefined when its history has no expiry timer before the removal (revoked early). The removal is
 * the `revokeMembership` activity or, if none was scheduled, the local activity of that name (the fewer-server-writes
 * patch), whose marker is recorded with the task that ran it.
 */
export function lagParts(events: readonly HistoryEvent[], grant: LagTimes): LagParts | undefined {
  const { grantedAt, expiresAt, removedAt } = grant;
  const scheduledIndex = events.findIndex(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'revokeMembership',
  );
  const local = scheduledIndex < 0 ? localRemoval(events) : undefined;
  const revokeIndex = local?.index ?? scheduledIndex;
  if (revokeIndex < 0) return undefined;
  const fired = events
    .slice(0, revokeIndex)
    .reverse()
    .find((e) => e.timerFiredEventAttributes);
  const timerId = fired?.timerFiredEventAttributes?.timerId;
  const started = events.find((e) => e.timerStartedEventAttributes?.timerId === timerId);
  if (!fired || !started) return undefined;
  const startedAt = eventMillis(started);
  const dueAt = startedAt + protoMillis(started.timerStartedEventAttributes?.startToFireTimeout);
  const firedAt = eventMillis(fired);
  const firedIndex = events.indexOf(fired);
  const after = events.slice(firedIndex, revokeIndex);
  // The last task before the removal was scheduled is the one that scheduled it (an earlier one may have failed).
  const taskStarted = after.filter((e) => e.workflowTaskStartedEventAttributes).at(-1);
  const taskCompleted = after.filter((e) => e.workflowTaskCompletedEventAttributes).at(-1);
  const timer = {
    timerStartMs: startedAt - grantedAt,
    timerDueMs: dueAt - expiresAt,
    timerFireMs: firedAt - dueAt,
    afterFireMs: removedAt - firedAt,
  };
  if (local && taskStarted) {
    return {
      ...timer,
      taskWaitMs: eventMillis(taskStarted) - firedAt,
      taskRunMs: local.scheduledAt - eventMillis(taskStarted),
      activityWaitMs: 0,
      activityRunMs: removedAt - local.scheduledAt,
    };
  }
  const revokeId = events[revokeIndex]?.eventId;
  const activityStarted = events.find(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      String(e.activityTaskStartedEventAttributes.scheduledEventId) === String(revokeId),
  );
  if (!taskStarted || !taskCompleted || !activityStarted) return undefined;
  const scheduledAt = eventMillis(taskCompleted);
  return {
    ...timer,
    taskWaitMs: eventMillis(taskStarted) - firedAt,
    taskRunMs: scheduledAt - eventMillis(taskStarted),
    activityWaitMs: eventMillis(activityStarted) - scheduledAt,
    activityRunMs: removedAt - eventMillis(activityStarted),
  };
}

/** The marker of a `revokeMembership` local activity: its index and when the worker scheduled it. */
function localRemoval(events: readonly HistoryEvent[]): { index: number; scheduledAt: number } | undefined {
  for (const [index, e] of events.entries()) {
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') continue;
    const data = marker.details?.data?.payloads?.[0]?.data;
    if (!data) continue;
    const recorded = JSON.parse(Buffer.from(data).toString('utf8')) as {
      activity_type?: string;
      original_schedule_time?: { seconds?: number; nanos?: number };
    };
    if (recorded.activity_type === 'revokeMembership') {
      return { index, scheduledAt: protoMillis(recorded.original_schedule_time) };
    }
  }
  return undefined;
}

/** One removed grant's times, in milliseconds since the epoch: the grant's and the stand-in's receipt of the remove. */
export interface LagTimes {
  grantedAt: number;
  expiresAt: number;
  removedAt: number;
}

export async function fetchLagParts(
  client: Client,
  grants: ReadonlyArray<LagTimes & { workflowId: string }>,
): Promise<LagParts[]> {
  const parts = await mapLimit([...grants], 20, async (g) => {
    const history = await client.workflow.getHandle(g.workflowId).fetchHistory();
    return lagParts(history.events ?? [], g);
  });
  return parts.filter((p): p is LagParts => p !== undefined);
}

function eventMillis(e: HistoryEvent): number {
  return protoMillis(e.eventTime);
}

/** A protobuf Timestamp or Duration (the same seconds + nanos shape) in milliseconds. */
function protoMillis(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
}

/** The breakdown's columns after the load's, for `lagPartCells`. */
export const LAG_PART_COLUMNS = [
  'grants read',
  'timer started after grantedAt',
  'timer due after expiresAt',
  'timer fired after due',
  'fired → remove received',
  'of which: task queued',
  'task run',
  'activity queued',
  'activity run',
];

/** One load's row of the breakdown: how many grants were read, then each part's p50 and, after the slash, `high`. */
export function lagPartCells(parts: readonly LagParts[], high: 'p99' | 'max'): string[] {
  const cell = (pick: (p: LagParts) => number) => {
    const s = summarize(parts.map(pick));
    return `${ms(s.p50)} / ${ms(s[high])}`;
  };
  return [
    String(parts.length),
    cell((p) => p.timerStartMs),
    cell((p) => p.timerDueMs),
    cell((p) => p.timerFireMs),
    cell((p) => p.afterFireMs),
    cell((p) => p.taskWaitMs),
    cell((p) => p.taskRunMs),
    cell((p) => p.activityWaitMs),
    cell((p) => p.activityRunMs),
  ];
}
