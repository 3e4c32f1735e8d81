import * as wf from '@temporalio/workflow';
import { failureMessage } from '../failure-message';
import { followActivities } from './reconciler-activities';
import {
  type ChangeMadeBy,
  type EventsPosition,
  INSIGHTS_UNAVAILABLE,
  type ReconcilerConfig,
} from './reconciler-types';

/** Events asked for per page, and pages read per look: a burst beyond that is read at the next look. */
const PAGE_SIZE = 500;
const PAGES_PER_LOOK = 10;

export type FollowResult =
  /** The policy groups the changes touched, and who made each change, by `changeKey`. */
  | { kind: 'changes'; groupIds: string[]; madeBy: Map<string, ChangeMadeBy> }
  /** Directory Insights refuses for good (no access, not configured) until an operator acts. */
  | { kind: 'unavailable'; reason: string }
  /** This look failed (an outage); the cursor stays, and the next look reads from there. */
  | { kind: 'failed' };

/** The key under which a change's author is found again for the drift it opens. */
export function changeKey(groupId: string, userId: string): string {
  return `${groupId}:${userId}`;
}

/**
 * One look at Directory Insights since `position`, which it moves on: the cursor lives in the workflow, so a worker
 * restart reads neither less nor again (an activity retried after a crash asks with the same cursor).
 */
export async function lookAtChanges(
  position: EventsPosition,
  config: ReconcilerConfig,
  followSeconds: number,
): Promise<FollowResult> {
  const groupIds = new Set<string>();
  const madeBy = new Map<string, ChangeMadeBy>();
  for (let pages = 0; pages < PAGES_PER_LOOK; pages += 1) {
    let page;
    try {
      page = await followActivities(followSeconds).readMembershipChanges({
        since: position.since,
        cursor: position.cursor,
        groupIds: config.groups.map((g) => g.id),
        limit: PAGE_SIZE,
      });
    } catch (err) {
      const cause = err instanceof wf.ActivityFailure ? err.cause : err;
      if (cause instanceof wf.ApplicationFailure && cause.type === INSIGHTS_UNAVAILABLE) {
        return { kind: 'unavailable', reason: cause.message };
      }
      wf.log.warn('Directory Insights look failed; the next look reads from the same place', {
        error: failureMessage(err),
      });
      if (groupIds.size > 0) break;
      return { kind: 'failed' };
    }
    if (page.cursor) position.cursor = page.cursor;
    position.changesSeen += page.changes.length;
    for (const change of page.changes) {
      groupIds.add(change.groupId);
      // The latest change of a membership names who made the membership as it is now.
      madeBy.set(changeKey(change.groupId, change.userId), change.madeBy);
    }
    if (!page.full) break;
  }
  return { kind: 'changes', groupIds: [...groupIds], madeBy };
}
