import { type GrantActivities } from './mock-activities';

/**
 * JumpCloud's memberships as a set, behind the grant's three membership activities: what a test asserts at the end is
 * what JumpCloud would hold. `beforeAdd` runs inside the add before it lands (to hold it in flight); `afterAdd` runs
 * once it has landed (to fail it there, as a verification read that fails would).
 */
export function membershipModel(hooks: { beforeAdd?: () => Promise<void>; afterAdd?: () => Promise<void> } = {}) {
  const members = new Set<string>();
  const key = (m: { groupId: string; userId: string }) => `${m.groupId}/${m.userId}`;
  /** The order in which changes landed, e.g. ['add', 'remove']. */
  const changes: Array<'add' | 'remove'> = [];
  const activities: Partial<GrantActivities> = {
    isGroupMember: async (m) => members.has(key(m)),
    addMembership: async (m) => {
      await hooks.beforeAdd?.();
      const alreadyMember = members.has(key(m));
      members.add(key(m));
      changes.push('add');
      await hooks.afterAdd?.();
      return { alreadyMember };
    },
    revokeMembership: async (m) => {
      const wasMember = members.delete(key(m));
      changes.push('remove');
      return { wasMember };
    },
  };
  return { members, changes, activities, has: (m: { groupId: string; userId: string }) => members.has(key(m)) };
}
