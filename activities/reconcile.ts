import { ApplicationFailure } from '@temporalio/common';
import { type DirectoryInsightsClient } from '../integrations/jumpcloud/insights-client';
import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { type GrantService } from '../integrations/temporal/grant-service';
import { grantWorkflowId } from '../workflows/grant/grant-workflow-id';
import {
  type FoundDrift,
  type GroupInspection,
  INSIGHTS_UNAVAILABLE,
  type MembershipChangeSeen,
  type ReconcilerConfig,
} from '../workflows/reconciler/reconciler-types';
import { jumpCloudFailure } from './failures';
import { createMembershipActivities, type MembershipDirectory } from './membership';

export type ReconcileDirectory = Pick<JumpCloudClient, 'listGroupMemberIds' | 'findUserByEmail' | 'getUser'> &
  MembershipDirectory;
export type ReconcileGrants = Pick<GrantService, 'isRunning' | 'list' | 'state'>;

/**
 * The reads of one reconcile run. Every candidate is checked a second time before it is called drift, so a grant
 * that adds or removes its membership while the sweep reads never shows up as drift.
 */
export function createReconcileActivities(deps: {
  directory: ReconcileDirectory;
  grants: ReconcileGrants;
  /** The reconciler's configuration from the worker's own policy and settings: never from the workflow's input. */
  reconcilerConfig: () => ReconcilerConfig;
  /** Directory Insights, when the worker follows it (JUMPCLOUD_INSIGHTS_URL). */
  insights?: Pick<DirectoryInsightsClient, 'membershipChanges'>;
}) {
  const { directory, grants } = deps;
  // The grant's own verified removal.
  const membership = createMembershipActivities(directory);

  async function memberIds(groupId: string): Promise<Set<string>> {
    try {
      return new Set(await directory.listGroupMemberIds(groupId));
    } catch (err) {
      throw jumpCloudFailure(err);
    }
  }

  /** The standing members' JumpCloud IDs, and the emails that match no user (never silently dropped). */
  async function standingIds(standingMembers: string[]): Promise<{ ids: Set<string>; unresolved: string[] }> {
    const ids = new Set<string>();
    const unresolved: string[] = [];
    for (const entry of standingMembers) {
      if (!entry.includes('@')) {
        ids.add(entry);
        continue;
      }
      try {
        const user = await directory.findUserByEmail(entry);
        if (user) ids.add(user.id);
        else unresolved.push(entry);
      } catch (err) {
        throw jumpCloudFailure(err);
      }
    }
    return { ids, unresolved };
  }

  /** Whether a running grant for (user, group) explains the membership: it is its grant's to add and remove. */
  const covered = (userId: string, groupId: string) => grants.isRunning(grantWorkflowId(userId, groupId));

  async function emailOf(userId: string): Promise<string | undefined> {
    try {
      return (await directory.getUser(userId))?.email;
    } catch {
      // Only for the alert's wording: the drift stands without it.
      return undefined;
    }
  }

  return {
    async inspectGroup(input: { groupId: string; standingMembers: string[] }): Promise<GroupInspection> {
      const { groupId } = input;
      const { ids: standing, unresolved } = await standingIds(input.standingMembers);
      const members = await memberIds(groupId);
      const drift: FoundDrift[] = [];

      // Members no running grant explains. A grant's workflow is running from request to removal, so "running"
      // covers a membership being added right now; the second look rules out one that was removed meanwhile.
      const candidates: string[] = [];
      for (const userId of members) {
        if (!standing.has(userId) && !(await covered(userId, groupId))) {
          candidates.push(userId);
        }
      }
      if (candidates.length > 0) {
        const membersNow = await memberIds(groupId);
        for (const userId of candidates) {
          if (!membersNow.has(userId) || (await covered(userId, groupId))) continue;
          drift.push({ kind: 'unexplained-member', groupId, userId, email: await emailOf(userId) });
        }
      }

      // Active grants whose member is not in the group. The grant's own state (not lagging visibility) decides,
      // and a grant at or past its expiry is removing its member on purpose.
      const active = await grants.list({ groupId, status: 'ACTIVE', openOnly: true });
      const missing = active.filter((g) => !members.has(g.jumpcloudUserId));
      if (missing.length > 0) {
        const membersNow = await memberIds(groupId);
        for (const grant of missing) {
          const state = await grants.state(grant.workflowId);
          const expiresAt = state.expiresAt ? Date.parse(state.expiresAt) : 0;
          const live =
            state.status === 'ACTIVE' &&
            state.endedBy === undefined &&
            state.endingAt === undefined &&
            expiresAt > Date.now();
          if (!live || membersNow.has(grant.jumpcloudUserId)) continue;
          drift.push({
            kind: 'missing-member',
            groupId,
            userId: grant.jumpcloudUserId,
            email: state.requester.email,
            grantWorkflowId: grant.workflowId,
          });
        }
      }
      return { groupId, members: members.size, drift, unresolvedStanding: unresolved };
    },

    /**
     * One page of membership changes after `cursor` (from `since`), those of `groupIds` only, and the next cursor. A
     * permanent refusal (no Insights access, not configured) is an INSIGHTS_UNAVAILABLE failure that is not retried.
     */
    async readMembershipChanges(input: {
      since: string;
      cursor?: string[];
      groupIds: string[];
      limit: number;
    }): Promise<{ changes: MembershipChangeSeen[]; cursor?: string[]; full: boolean }> {
      if (!deps.insights) {
        throw ApplicationFailure.nonRetryable(
          'Directory Insights is not configured (JUMPCLOUD_INSIGHTS_URL)',
          INSIGHTS_UNAVAILABLE,
        );
      }
      let page;
      try {
        page = await deps.insights.membershipChanges({ since: input.since, cursor: input.cursor, limit: input.limit });
      } catch (err) {
        const failure = jumpCloudFailure(err);
        throw failure.nonRetryable ? jumpCloudFailure(err, { type: INSIGHTS_UNAVAILABLE }) : failure;
      }
      const groups = new Set(input.groupIds);
      const changes = page.events
        .filter((e) => groups.has(e.groupId))
        .map((e) => ({ groupId: e.groupId, userId: e.userId, madeBy: { op: e.op, ...e.by, at: e.at } }));
      return { changes, full: page.read >= input.limit, ...(page.cursor && { cursor: page.cursor }) };
    },

    /** The reconciler's configuration as the worker's policy has it now. */
    async reconcilerSettings(): Promise<ReconcilerConfig> {
      return deps.reconcilerConfig();
    },

    /**
     * Removes a member the reconciler called drift, after a fresh look: still a member, still no running grant, still
     * not standing. A drift seen a while ago (or in a run whose read failed) is never removed on that old word.
     * `removed: false` says the fresh look explained the member; nothing was changed.
     */
    async removeDriftMember(input: {
      groupId: string;
      userId: string;
      standingMembers: string[];
    }): Promise<{ removed: boolean }> {
      const { groupId, userId } = input;
      const { ids: standing, unresolved } = await standingIds(input.standingMembers);
      if (unresolved.length > 0 || standing.has(userId)) return { removed: false };
      let member: boolean;
      try {
        member = await directory.isMember(groupId, userId);
      } catch (err) {
        throw jumpCloudFailure(err);
      }
      if (!member || (await covered(userId, groupId))) return { removed: false };
      await membership.revokeMembership({ groupId, userId });
      return { removed: true };
    },
  };
}
