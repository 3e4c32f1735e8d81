import { type JumpCloudClient } from '../integrations/jumpcloud/jumpcloud-client';
import { type GrantService } from '../integrations/temporal/grant-service';
import { grantWorkflowId } from '../workflows/grant/grant-workflow-id';
import { type FoundDrift, type GroupInspection } from '../workflows/reconciler/reconciler-types';
import { jumpCloudFailure } from './failures';

export type ReconcileDirectory = Pick<JumpCloudClient, 'listGroupMemberIds' | 'findUserByEmail' | 'getUser'>;
export type ReconcileGrants = Pick<GrantService, 'isRunning' | 'list' | 'state'>;

/**
 * The reads of one reconcile run. Every candidate is checked a second time before it is called drift, so a grant
 * that adds or removes its membership while the sweep reads never shows up as drift.
 */
export function createReconcileActivities(deps: { directory: ReconcileDirectory; grants: ReconcileGrants }) {
  const { directory, grants } = deps;

  async function memberIds(groupId: string): Promise<Set<string>> {
    try {
      return new Set(await directory.listGroupMemberIds(groupId));
    } catch (err) {
      throw jumpCloudFailure(err);
    }
  }

  async function standingIds(standingMembers: string[]): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const entry of standingMembers) {
      if (!entry.includes('@')) {
        ids.add(entry);
        continue;
      }
      try {
        const user = await directory.findUserByEmail(entry);
        if (user) ids.add(user.id);
      } catch (err) {
        throw jumpCloudFailure(err);
      }
    }
    return ids;
  }

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
      const standing = await standingIds(input.standingMembers);
      const members = await memberIds(groupId);
      const drift: FoundDrift[] = [];

      // Members no running grant explains. A grant's workflow is running from request to removal, so "running"
      // covers a membership being added right now; the second look rules out one that was removed meanwhile.
      const candidates: string[] = [];
      for (const userId of members) {
        if (!standing.has(userId) && !(await grants.isRunning(grantWorkflowId(userId, groupId)))) {
          candidates.push(userId);
        }
      }
      if (candidates.length > 0) {
        const membersNow = await memberIds(groupId);
        for (const userId of candidates) {
          if (!membersNow.has(userId) || (await grants.isRunning(grantWorkflowId(userId, groupId)))) continue;
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
      return { groupId, members: members.size, drift };
    },
  };
}
